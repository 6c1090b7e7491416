#!/usr/bin/env python3
"""REFERENCE ONLY, no longer run: docs/openapi.json is generated from the route tables
(`cargo run -p atende-tests --bin openapi -- --write`, decision 0012). Kept while the admin and
inbox routes are being documented in Rust (their descriptions below are the starting point);
delete once `openapi::every_route_is_documented` passes.

Wrote docs/openapi.json, the API description served at /api/openapi.json.

This file is the source of the document: edit it, run `python3 scripts/openapi.py`, commit both.
`--check` fails when the committed JSON is out of date (CI runs it); the Rust test
`openapi::every_route_in_the_code_is_documented_and_nothing_else` fails when a route in the
code is missing here or a documented route does not exist.
"""
import copy
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def content(schema, media="application/json"):
    return {"content": {media: {"schema": schema}}}


def err(desc):
    return {"description": desc, **content(ref("Error"))}


ERRORS = {
    "400": err("Malformed input (e.g. invalid JSON)"),
    "401": err("Missing, invalid, expired or revoked session or token"),
    "403": err("Not allowed: profile, token scope, password change required, outside working hours"),
    "404": err("Not found in this company"),
    "409": err("Conflict: a unique value is taken, or a concurrent edit did not settle"),
    "413": err("Body too large"),
    "415": err("Wrong Content-Type"),
    "422": err("Validation failed; `field` names the first bad field, `details` lists all"),
    "429": err("Too many failed attempts; see Retry-After"),
    "503": err("Busy; retry shortly"),
}
READ = ("401", "403", "404", "503")

# API token scopes (shared/src/scope.rs): each covers routes by method and path prefix.
SCOPES = ("config:read", "config:write", "inbox:read", "inbox:write", "reports:read", "bots")
SCOPES_DESC = ("Scopes: config:read — GET /api/admin/...; config:write — every method on /api/admin/...; "
               "inbox:read — GET /api/inbox/...; inbox:write — every method on /api/inbox/... (the token acts as its admin: "
               "sends messages, writes notes, closes); reports:read — /api/reports/...; bots — /api/bot/...; any scope — "
               "GET /api/auth/me. Every other route, token management (/api/admin/tokens) and the platform API included, "
               "answers a token 403 insufficient_scope.")
WRITE = ("400", "401", "403", "404", "409", "413", "415", "422", "503")
SESSION = [{"session": []}]
TENANT = {"name": "X-Tenant", "in": "header", "required": False, "schema": {"type": "string"},
          "description": "Company slug when the host name does not carry it (`<company>.<base_domain>`); "
                         "defaults to the `default_tenant` variable."}


def param(name, schema=None, where="path", desc=None):
    p = {"name": name, "in": where, "required": where == "path", "schema": schema or {"type": "integer"}}
    if desc:
        p["description"] = desc
    return p


ID = param("id")
PAGING = [
    param("q", {"type": "string"}, "query", "Search text"),
    param("status", ref("Status"), "query"),
    param("page", {"type": "integer", "minimum": 1, "maximum": 4294967295, "default": 1}, "query"),
    param("per_page", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "query"),
]


def op(summary, tag, responses, body=None, errors=READ, params=(), security=SESSION, desc=None, tenant=True):
    o = {"summary": summary, "tags": [tag], "responses": {**responses, **{c: ERRORS[c] for c in errors}}}
    if desc:
        o["description"] = desc
    if security is not None:
        o["security"] = security
    ps = list(params) + ([TENANT] if tenant else [])
    if ps:
        o["parameters"] = ps
    if body is not None:
        o["requestBody"] = body
    return o


def json_body(schema, required=True):
    return {"required": required, **content(schema)}


def ok(schema, code="200", desc="OK"):
    return {code: {"description": desc, **content(schema)}}


def page_of(schema):
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}, "total": {"type": "integer"},
                                             "page": {"type": "integer"}, "per_page": {"type": "integer"}}}


READ_VIEWS = set()


def item(schema_name):
    """An item as read: id, status and times around its document (its read view)."""
    READ_VIEWS.add(schema_name)
    return {"allOf": [ref(f"{schema_name}Read"), ref("ItemMeta")]}


def read_view(schema):
    """A document as answers show it: the input's fields, open to the item's id, status and
    times beside them (no additionalProperties: false), secrets masked (no input minimum)."""
    view = copy.deepcopy(schema)
    view.pop("additionalProperties", None)
    for name, prop in view.get("properties", {}).items():
        if name == "secret":
            view["properties"][name] = {"type": "string", "description": "Masked: ••••last4 (•••• when short)"}
    return view


paths = {}


def add(path, method, operation):
    paths.setdefault(path, {})[method] = operation


def resource(path, schema, tag, readers, ref_param=None, desc="", activation=None):
    base = f"/api/admin/{path}"
    filters = PAGING + ([param(ref_param, where="query")] if ref_param else [])
    add(base, "get", op(f"List {path}", tag, ok(page_of(item(schema))), params=filters, errors=("401", "403", "422", "503"),
                        desc=f"Readers: {readers}. {desc}".strip()))
    add(base, "post", op(f"Create one of {path}", tag, ok(item(schema), "201", "Created"), json_body(ref(schema)), WRITE,
                         desc="Admins (or a token with config:write). 409 already_exists names the unique field."))
    add(f"{base}/{{id}}", "get", op(f"Read one of {path}", tag, ok(item(schema)), params=[ID]))
    add(f"{base}/{{id}}", "patch", op(f"Update one of {path}", tag, ok(item(schema)),
                                      json_body({"type": "object", "description": f"JSON merge patch over {schema}"}),
                                      WRITE, params=[ID],
                                      desc="RFC 7386 merge patch: absent fields stay, null removes. id, status and times "
                                           "may be sent back; they are ignored."))
    for action in ("activate", "deactivate"):
        refusal = (activation or {}).get(action)
        add(f"{base}/{{id}}/{action}", "post", op(f"{action.capitalize()} one of {path}", tag, ok(item(schema)), params=[ID],
                                                  errors=("401", "403", "404") + (("409",) if refusal else ()) + ("503",),
                                                  desc=refusal))


def localized(desc="Text in the three languages"):
    return {"description": desc, **ref("Localized")}


def obj(props, required=(), desc=None):
    o = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        o["required"] = list(required)
    if desc:
        o["description"] = desc
    return o


S = {"type": "string"}
I = {"type": "integer"}
B = {"type": "boolean"}
NS = {"type": ["string", "null"]}
NI = {"type": ["integer", "null"]}


def enum(*values):
    return {"type": "string", "enum": list(values)}


user_fields = {
    "display_name": {"type": "string", "maxLength": 120}, "profile": ref("Profile"),
    "email": {"type": ["string", "null"], "format": "email"},
    "phone": {"type": ["string", "null"], "description": "8 to 15 digits, optional leading +"},
    "birth_date": {"type": ["string", "null"], "format": "date"}, "language": ref("Language"),
    "must_change_password": B,
    "max_concurrent": {"type": "integer", "minimum": 0, "maximum": 80, "description": "Simultaneous conversations"},
    "priority": {"type": "integer", "minimum": 0, "maximum": 1000, "description": "Higher first (agent_priority strategy)"},
    "department": NS, "social_token": NS, "integration_key": NS,
    "working_hours": {"type": "array", "items": ref("WorkingWindow"), "description": "Empty: no restriction"},
    "permissions": ref("Permissions"),
}
selection = obj({"ids": {"type": "array", "items": I}, "all": B}, desc="Some ids, or all: true")

schemas = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "description": "Stable machine code, e.g. validation_failed, invalid_credentials"},
        "message": S, "field": S,
        "details": {"type": "array", "items": {"type": "object", "properties": {"field": S, "message": S}}}}}}},
    "Profile": enum("admin", "supervisor", "supervisor_agent", "agent"),
    "Status": enum("active", "inactive"),
    "Language": enum("pt-BR", "es", "en"),
    "Localized": {"type": "object", "required": ["pt-BR", "es", "en"], "additionalProperties": False,
                  "properties": {"pt-BR": S, "es": S, "en": S}},
    "ItemMeta": {"type": "object", "properties": {"id": I, "status": ref("Status"),
                                                  "created_at": {"type": "string", "format": "date-time"},
                                                  "updated_at": {"type": "string", "format": "date-time"}}},
    "WorkingWindow": {"type": "object", "required": ["day", "start", "end"], "properties": {
        "day": enum("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        "start": {"type": "string", "example": "08:00"}, "end": {"type": "string", "example": "18:00"}}},
    "Permissions": {"type": "object", "properties": {"see_group_history": B, "see_operation_history": B, "confidential_history": B}},
    "User": {"type": "object", "properties": {"id": I, "username": S, "status": ref("Status"), **user_fields,
                                              "created_at": {"type": "string", "format": "date-time"},
                                              "updated_at": {"type": "string", "format": "date-time"}}},
    "CreateUser": obj({"username": {"type": "string", "description": "3-64 of a-z 0-9 . _ - @; lower-cased; never changes"},
                       "password": {"type": "string", "description": "More than 7 characters with lower case, upper case, digit and special character"},
                       **user_fields}, ("username", "display_name", "profile", "password")),
    "UpdateUser": obj({"password": {"type": "string", "description": "Admin reset; revokes the user's sessions"}, **user_fields},
                      desc="Absent fields stay; null clears optional ones. `username` is refused."),
    "UserImportReport": {"type": "object", "properties": {"total": I, "created": I, "rejected": I, "rows": {"type": "array", "items": {
        "type": "object", "properties": {"line": I, "username": S, "status": enum("created", "rejected"), "id": I,
                                         "errors": {"type": "array", "items": {"type": "object", "properties": {"field": S, "message": S}}}}}}}},
    "LinkedOperation": {"type": "object", "properties": {"id": I, "name": S, "status": ref("Status")}},
    "Member": {"type": "object", "properties": {"id": I, "username": S, "display_name": S, "profile": ref("Profile"), "status": ref("Status")}},
    "Selection": selection,
    "Tenant": {"type": "object", "properties": {"id": I, "slug": S, "name": S, "time_zone": S, "language": ref("Language"),
                                                "status": ref("Status"), "created_at": {"type": "string", "format": "date-time"}}},
    "NewTenant": obj({"slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$"}, "name": S,
                      "time_zone": {"type": "string", "default": "America/Sao_Paulo"}, "language": ref("Language"),
                      "admin": obj({"username": S, "display_name": S, "password": S, "email": S,
                                    "must_change_password": {"type": "boolean", "default": False}},
                                   ("username", "display_name", "password"))}, ("slug", "name", "admin")),
    "CreatedTenant": {"type": "object", "properties": {"tenant": ref("Tenant"), "admin": ref("User")}},
    "Login": obj({"username": S, "password": S}, ("username", "password")),
    "Session": {"type": "object", "properties": {"token": {"type": "string", "description": "Send as Authorization: Bearer <token>"},
                                                 "expires_at": {"type": "string", "format": "date-time"},
                                                 "must_change_password": B, "user": ref("User")}},
    "Me": {"type": "object", "properties": {"user": ref("User"), "tenant": ref("Tenant")}},
    "PasswordChange": obj({"current_password": S, "new_password": S}, ("current_password", "new_password")),
    # Configuration documents.
    "Operation": obj({"name": S, "description": NS}, ("name",)),
    "Group": obj({
        "name": S, "operation_id": I, "parent_id": NI, "start_bot": enum("menu", "transfer", "none"),
        "bot_inactivity": {"type": ["object", "null"], "properties": {
            "time": {"type": "integer", "minimum": 1}, "unit": enum("seconds", "minutes", "hours", "days"),
            "action": enum("to_group", "to_queue", "close"), "group_id": NI}, "description": "Needs a start_bot"},
        "survey_id": NI, "survey_mandatory": B, "classification_id": NI, "classification_mandatory": B,
        "resolution_mandatory": {"type": "boolean", "description": "Closing asks whether the matter was resolved (seed 001)"},
        "business_hours_id": NI, "name_shown": {**enum("company", "agent", "none"), "description": "Whose name agent messages carry to customers, "
                      "as each channel shows a name: WhatsApp *Name*: text; Telegram and SMS Name: text; e-mail a signature "
                      "line; the web chat the sender_name beside the text"},
        "queue_strategy": enum("circular", "random", "agent_priority", "least_handling_time", "least_conversations"),
        "offer_mode": enum("direct", "accept_reject"),
        "offer_timeout_seconds": {"type": ["integer", "null"], "minimum": 5, "maximum": 3600, "description": "accept_reject only; default 60"},
        "flags": {"type": "object", "properties": {k: B for k in [
            "active_sms", "active_voice", "active_whatsapp", "whatsapp_templates", "active_email", "active_telegram",
            "priority_to_agent", "redirect_on_disconnect", "auto_pending", "whatsapp_partner", "transfer_to_paused",
            "periodic_queue_position", "receive_only", "allow_audio", "allow_image", "allow_video", "allow_documents"]}},
        "timers": {"type": "object", "description": "Minutes. A timer whose flag is off (or a flag on without its timer) is refused.",
                   "properties": {"inactivity_warning_percent": {"type": ["integer", "null"], "minimum": 1, "maximum": 99},
                                  "inactivity_minutes": {"type": "integer", "default": 1440},
                                  "inactivity_close_on": enum("customer", "customer_and_agent"),
                                  "initial_sla_minutes": NI, "partner_session_warning_minutes": NI, "agent_answer_minutes": NI,
                                  "auto_pending_minutes": NI, "queue_position_minutes": NI,
                                  "active_message_delay_minutes": {"type": "integer", "default": 0}}},
        "transfer_group_ids": {"type": "array", "items": I},
        "menu": {"oneOf": [ref("Menu"), {"type": "null"}], "description": "The menu bot (with start_bot menu). Without one, "
                 "conversations in state bot wait for an external bot (/api/bot/...). Refused with 422 naming the node when it points "
                 "to a missing or inactive group or article."},
        "pause_protocol": {"oneOf": [ref("PauseProtocol"), {"type": "null"}], "description": "Seed 004: off when absent"}},
        ("name", "operation_id")),
    "Menu": obj({
        "greeting": ref("Localized"),
        "nodes": {"type": "array", "minItems": 1, "maxItems": 50, "description": "The first node is the root", "items": obj({
            "id": {"type": "string", "maxLength": 40}, "prompt": ref("Localized"),
            "options": {"type": "array", "minItems": 1, "maxItems": 10, "items": obj({
                "number": {"type": "integer", "minimum": 1, "maximum": 99}, "label": ref("Localized"),
                "keywords": {"type": "array", "items": S, "description": "Matched case and accent insensitive"},
                "action": enum("node", "group", "article", "collect", "close"),
                "node": {"type": "string", "description": "node: where to go; collect: where to go once saved (default the root)"},
                "group_id": {"type": "integer", "description": "group: an active group's queue"},
                "article_id": {"type": "integer", "description": "article: a FAQ article, then \"anything else?\""},
                "field": {**enum("name", "document", "email"), "description": "collect: validated and saved on the client"},
                "message": {**ref("Localized"), "description": "close: what the customer is told"}},
                ("number", "label", "action"))}}, ("id", "prompt", "options"))},
        "max_failures": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3,
                         "description": "Answers not understood in a row before the fallback"},
        "fallback_group_id": {"type": ["integer", "null"], "description": "The fallback's queue; without one, the bot closes"}},
        ("greeting", "nodes")),
    "PauseProtocol": obj({"message": ref("Localized"), "interval_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
                          "queue_wait_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 1440,
                                                 "description": "Queued customers get it after waiting this long"}},
                         ("message", "interval_minutes"),
                         "The group's \"please wait\" to a customer whose agent is paused (or who waits in the queue), at most once per interval, until an agent answers."),
    "Survey": obj({"name": {"type": "string", "description": "Spaces become _"},
                   "questions": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["type", "text"], "properties": {
                       "type": enum("open", "csat", "nps"), "text": ref("Localized"),
                       "options": {"type": "array", "items": ref("Localized"), "description": "CSAT only, 2 to 10"}}}},
                   "sent_by": {"type": "array", "minItems": 1, "items": enum("bot", "agent", "supervisor_agent")},
                   "inactivity_minutes": {"type": "integer", "minimum": 1, "maximum": 10080, "default": 30,
                                          "description": "The survey stops when a question stays unanswered this long"},
                   "allow_skip": {"type": "boolean", "default": False, "description": "The customer may skip a question (pular, saltar, skip)"}},
                  ("name", "questions", "sent_by"), "Deactivating a survey unlinks it from every group."),
    "ClassificationNode": {"type": "object", "required": ["name"], "properties": {
        "id": {"type": "integer", "description": "Server-assigned; send it back to keep the node"}, "name": S,
        "status": ref("Status"), "children": {"type": "array", "items": {"$ref": "#/components/schemas/ClassificationNode"}}}},
    "Classification": obj({"name": {"type": "string", "description": "Main level"},
                           "reasons": {"type": "array", "items": ref("ClassificationNode")}}, ("name",),
                          "Nodes are never removed, only deactivated."),
    "OccurrenceType": obj({"name": S, "description": NS}, ("name",)),
    "ClientAttribute": obj({"name": {"type": "string", "description": "Key: a-z 0-9 _; never changes"}, "label": S,
                            "value_type": enum("text", "number", "date", "boolean")}, ("name", "label")),
    "PauseReason": obj({"name": S}, ("name",)),
    "Tag": obj({"name": S, "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}, ("name",)),
    "QuickReply": obj({"group_id": {"type": ["integer", "null"], "description": "None: every group"},
                       "shortcut": {"type": "string", "description": "Unique per group; typed as /shortcut"}, "text": S},
                      ("shortcut", "text")),
    "Article": obj({"title": S, "body": S, "keywords": {"type": "array", "items": S}, "visible_to_customers": B}, ("title", "body")),
    "BusinessHours": obj({"name": S, "time_zone": S, "windows": {"type": "array", "items": ref("WorkingWindow")},
                          "holidays": {"type": "array", "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "name": S}}},
                          "out_of_hours_message": ref("Localized")}, ("name", "time_zone", "windows", "out_of_hours_message")),
    "Channel": obj({"type": enum("whatsapp", "telegram", "email", "webchat", "sms", "messenger", "instagram"), "name": S, "entry_group_id": I,
                    "credentials": {"type": "object", "additionalProperties": S, "description":
                        "whatsapp: phone_number_id, access_token, app_secret, verify_token [api_base_url]; "
                        "telegram: bot_token, secret_token [api_base_url]; email: inbound_secret, from_address [send_url, api_key]; "
                        "sms: inbound_secret [send_url, api_key, sender]; webchat: [allowed_origins]. "
                        "Secrets read back masked (••••last4); sending a mask back keeps the secret."}},
                   ("type", "name", "entry_group_id")),
    "Webhook": obj({"name": S, "url": {"type": "string", "format": "uri"},
                    "events": {"type": "array", "items": enum("conversation.created", "conversation.queued", "conversation.offered",
                                                              "conversation.assigned", "conversation.transferred", "conversation.pending",
                                                              "conversation.resumed", "conversation.closed", "message.created", "survey.answered"),
                               "description": "Each delivery's body is {event, created_at, data}; an event about a conversation has "
                                              "data.conversation_id, data.protocol and data.conversation (id, protocol, channel_id, channel, "
                                              "client_id, group_id, agent_id, status, priority, language, arrived_at, closed_at, closed_by) "
                                              "— the same whichever path produced it — plus what the event adds (closed_by, to_agent_id, reason...). "
                                              "survey.answered adds survey_id, question (0-based), type (nps, csat, open), score (NPS 0-10; "
                                              "CSAT the option, 1 = the first), scale (11 for NPS, the CSAT option count), text (open answers), "
                                              "group_id and agent_id."},
                    "secret": {"type": "string", "minLength": 16, "description": "HMAC-SHA256 key; read back masked"}},
                   ("name", "url", "events", "secret")),
    "Client": {"type": "object", "properties": {
        "id": I, "username": {"type": "string", "description": "Generated; never changes"}, "display_name": S,
        "phone": {"type": ["string", "null"], "description": "E.164"}, "email": NS, "birth_date": NS, "show_name_in_greeting": B,
        "cpf": NS, "cnpj": NS, "priority": I, "attributes": {"type": "object", "additionalProperties": S},
        "portfolio_agent_id": NI, "network": {"type": ["string", "null"]}, "group_id": NI, "status": ref("Status"),
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}},
    "ClientInput": obj({
        "display_name": S, "phone": {"type": "string", "description": "Brazilian numbers without +: fixed 10 digits, mobile 11 with the 9; others +E.164. Empty clears."},
        "email": S, "birth_date": {"type": "string", "format": "date"}, "show_name_in_greeting": B,
        "cpf": {"type": "string", "description": "Check digits verified; empty clears; never with cnpj"},
        "cnpj": {"type": "string", "description": "Check digits verified; empty clears; never with cpf"},
        "priority": {"type": "integer", "minimum": 0, "maximum": 100},
        "attributes": {"type": "object", "additionalProperties": S, "description": "Keys of active client attributes"},
        "portfolio_agent_id": I, "network": enum("whatsapp", "telegram", "email", "webchat", "sms", "messenger", "instagram"), "group_id": I},
        desc="Create: display_name and a phone or an e-mail are required. Update: absent fields stay."),
    "ImportRow": {"type": "object", "properties": {"id": I, "line": I, "status": enum("created", "rejected"), "field": NS, "reason": NS,
                                                   "client_id": NI, "cells": {"type": "object", "additionalProperties": S},
                                                   "updated_at": {"type": "string", "format": "date-time"}}},
    "ClientImport": {"type": "object", "properties": {"id": I, "total": I, "created": I, "rejected": I, "created_by": I,
                                                      "created_at": {"type": "string", "format": "date-time"},
                                                      "rejected_rows": {"type": "array", "items": ref("ImportRow"), "description": "At most 500; page the rest"}}},
    "Token": {"type": "object", "properties": {"id": I, "name": S, "prefix": S, "scopes": {"type": "array", "items": S},
                                               "status": enum("active", "revoked"), "created_by": I, "last_used_at": NS,
                                               "created_at": {"type": "string", "format": "date-time"}, "revoked_at": NS}},
    "CreatedToken": {"allOf": [ref("Token"), {"type": "object", "properties": {"secret": {"type": "string", "description": "Shown this once"}}}]},
    "NewToken": obj({"name": S, "scopes": {"type": "array", "items": enum(*SCOPES), "description": SCOPES_DESC}}, ("name", "scopes")),
}

# Auth.
add("/api/auth/login", "post", op("Log in", "auth", ok(ref("Session")), json_body(ref("Login")),
                                  ("400", "401", "403", "413", "415", "422", "429", "503"), security=None,
                                  desc="Failed attempts slow further ones down, never lock the account: after 5 failures of one "
                                       "username from one address, 20 from one address, or 20 of one username from addresses it has "
                                       "not logged in from lately, each attempt must wait a delay that doubles from 1 s to at most "
                                       "15 minutes (429 with Retry-After). Inactive users and users outside their working hours get 403."))
add("/api/auth/logout", "post", op("Log out (ends this session)", "auth", {"204": {"description": "Logged out"}}))
add("/api/auth/me", "get", op("The current user and company", "auth", ok(ref("Me"))))
add("/api/auth/me", "patch", op("Change my own name or language", "auth", ok(ref("Me")),
                                json_body(obj({"display_name": S, "language": enum("pt-BR", "es", "en")})), ("400", "401", "415", "422", "503"),
                                desc="Validated as an admin's edit of the user; other fields are refused (422)."))
add("/api/auth/password", "post", op("Change my password", "auth", ok(ref("Session"), desc="Changed; other sessions revoked; a new one returned"),
                                     json_body(ref("PasswordChange")), ("400", "401", "403", "415", "422", "503")))

# Users.
add("/api/admin/users", "get", op("List users", "users", ok(page_of(ref("User"))), errors=("401", "403", "422", "503"),
                                  params=PAGING + [param("profile", ref("Profile"), "query")], desc="Admins and supervisors."))
add("/api/admin/users", "post", op("Create a user", "users", ok(ref("User"), "201", "Created"), json_body(ref("CreateUser")), WRITE,
                                   desc="Admins only. 409 username_taken when the username exists."))
add("/api/admin/users/import", "post", op("Create users from a CSV file", "users", ok(ref("UserImportReport")),
                                          {"required": True, **content({"type": "string"}, "text/csv")}, WRITE,
                                          desc="Columns username, display_name, profile, password (required), email, phone, birth_date, "
                                               "language, must_change_password, max_concurrent, priority, department. `,` or `;`, UTF-8 "
                                               "with or without BOM, at most 500 rows."))
add("/api/admin/users/{id}", "get", op("Read a user", "users", ok(ref("User")), params=[ID]))
add("/api/admin/users/{id}", "patch", op("Update a user", "users", ok(ref("User")), json_body(ref("UpdateUser")), WRITE, params=[ID]))
add("/api/admin/users/{id}/deactivate", "post", op("Deactivate a user (revokes their sessions)", "users", ok(ref("User")),
                                                   params=[ID], errors=("400", "401", "403", "404", "503")))
add("/api/admin/users/{id}/activate", "post", op("Activate a user", "users", ok(ref("User")), params=[ID]))
add("/api/admin/users/{id}/operations", "get", op("Operations a supervisor oversees", "users",
                                                  ok({"type": "array", "items": ref("LinkedOperation")}), params=[ID],
                                                  errors=("401", "403", "404", "422", "503")))
add("/api/admin/users/{id}/operations", "post", op("Link operations to a supervisor (some, or all)", "users",
                                                   ok({"type": "array", "items": ref("LinkedOperation")}), json_body(ref("Selection")), WRITE, params=[ID]))
add("/api/admin/users/{id}/operations/remove", "post", op("Unlink operations from a supervisor (some, or all)", "users",
                                                          ok({"type": "array", "items": ref("LinkedOperation")}), json_body(ref("Selection")), WRITE, params=[ID]))

# Configuration resources.
resource("operations", "Operation", "configuration", "admins, supervisors")
resource("groups", "Group", "configuration", "admins; supervisors see their operations' groups", "operation_id",
         activation={"deactivate": "409 group_in_use while an active channel enters here or an active group's bot-inactivity "
                                   "rule moves conversations here; the message names them.",
                     "activate": "409 group_inactive while its bot-inactivity rule points to an inactive group."})
resource("surveys", "Survey", "configuration", "admins, supervisors")
resource("classifications", "Classification", "configuration", "everyone")
resource("occurrence-types", "OccurrenceType", "configuration", "everyone")
resource("client-attributes", "ClientAttribute", "configuration", "admins, supervisors")
resource("tags", "Tag", "configuration", "everyone")
resource("pause-reasons", "PauseReason", "configuration", "everyone")
resource("quick-replies", "QuickReply", "configuration", "everyone", "group_id")
resource("articles", "Article", "configuration", "everyone")
resource("business-hours", "BusinessHours", "configuration", "admins, supervisors")
resource("channels", "Channel", "configuration", "admins, supervisors", "entry_group_id",
         activation={"activate": "409 group_inactive while its entry group is inactive."})
resource("webhooks", "Webhook", "configuration", "admins, supervisors")
members = {"type": "array", "items": ref("Member")}
add("/api/admin/groups/{id}/members", "get", op("A group's members", "configuration", ok(members), params=[ID]))
add("/api/admin/groups/{id}/members", "post", op("Add members (some ids, or all active agents)", "configuration", ok(members),
                                                 json_body(ref("Selection")), WRITE, params=[ID]))
add("/api/admin/groups/{id}/members/remove", "post", op("Remove members (some, or all)", "configuration", ok(members),
                                                        json_body(ref("Selection")), WRITE, params=[ID]))
classification = item("Classification")
add("/api/admin/classifications/{id}/reasons", "post", op("Add a reason", "configuration", ok(classification, "201", "Created"),
                                                          json_body(obj({"name": S}, ("name",))), WRITE, params=[ID]))
add("/api/admin/classifications/{id}/reasons/{reason_id}/sub-reasons", "post",
    op("Add a sub-reason", "configuration", ok(classification, "201", "Created"), json_body(obj({"name": S}, ("name",))), WRITE,
       params=[ID, param("reason_id")]))
add("/api/admin/classifications/{id}/nodes/{node_id}", "patch",
    op("Rename or (de)activate a node", "configuration", ok(classification), json_body(obj({"name": S, "status": ref("Status")})),
       WRITE, params=[ID, param("node_id")]))

# Clients.
add("/api/admin/clients", "get", op("List clients", "clients", ok(page_of(ref("Client"))), params=PAGING,
                                    errors=("401", "403", "422", "503"), desc="Everyone reads; search covers name, phone, e-mail, username, CPF/CNPJ."))
add("/api/admin/clients", "post", op("Create a client", "clients", ok(ref("Client"), "201", "Created"), json_body(ref("ClientInput")), WRITE,
                                     desc="409 phone_taken when another client has the phone."))
add("/api/admin/clients/{id}", "get", op("Read a client", "clients", ok(ref("Client")), params=[ID]))
add("/api/admin/clients/{id}", "patch", op("Update a client", "clients", ok(ref("Client")), json_body(ref("ClientInput")), WRITE, params=[ID]))
for action in ("activate", "deactivate"):
    add(f"/api/admin/clients/{{id}}/{action}", "post", op(f"{action.capitalize()} a client", "clients", ok(ref("Client")), params=[ID]))
add("/api/admin/clients/imports", "post", op("Import clients from a CSV file", "clients", ok(ref("ClientImport"), "201", "Created"),
                                             {"required": True, **content({"type": "string"}, "text/csv")}, WRITE,
                                             desc="Columns NETWORK, COUNTRY CODE, PHONE NUMBER, DISPLAY NAME (required), CPF/CNPJ, EMAIL, "
                                                  "GROUP, AGENT, ATTRIBUTE, ATTRIBUTE'S VALUE. `,` or `;`, UTF-8 with or without BOM, "
                                                  "up to 5,000 rows. Good rows are created; bad rows and duplicates are kept with the reason."))
add("/api/admin/clients/imports/{id}", "get", op("An import's summary and rejected rows", "clients", ok(ref("ClientImport")), params=[ID]))
add("/api/admin/clients/imports/{id}/rows", "get", op("An import's rows", "clients", ok(page_of(ref("ImportRow"))),
                                                      params=[ID, param("status", enum("created", "rejected"), "query")] + PAGING[2:],
                                                      errors=("401", "403", "404", "422", "503")))
add("/api/admin/clients/imports/{id}/rows/{row_id}/resend", "post",
    op("Re-send a rejected row with corrected cells", "clients", ok(ref("ImportRow")),
       json_body(obj({"cells": {"type": "object", "additionalProperties": S, "description": "By CSV column name; empty removes"}}, ("cells",))),
       WRITE, params=[ID, param("row_id")], desc="409 already_created when the row already created its client."))

# Tokens.
add("/api/admin/tokens", "get", op("List API tokens", "tokens", ok({"type": "array", "items": ref("Token")})))
add("/api/admin/tokens", "post", op("Create an API token", "tokens", ok(ref("CreatedToken"), "201", "Created"), json_body(ref("NewToken")), WRITE,
                                    desc="The secret (atk_...) is in this answer only. Send it as Authorization: Bearer; it acts as its "
                                         "creating admin, only on the routes its scopes cover. " + SCOPES_DESC))
add("/api/admin/tokens/{id}", "get", op("Read an API token", "tokens", ok(ref("Token")), params=[ID]))
add("/api/admin/tokens/{id}/revoke", "post", op("Revoke an API token", "tokens", ok(ref("Token")), params=[ID]))

# Webhook delivery log.
schemas["WebhookDelivery"] = {"type": "object", "properties": {
    "id": I, "event": S, "status": enum("queued", "delivered", "failed"), "attempts": I, "response_status": NI,
    "last_error": NS, "payload": {"type": "object"}, "created_at": {"type": "string", "format": "date-time"}, "delivered_at": NS}}
add("/api/admin/webhooks/{id}/deliveries", "get", op("A webhook's delivery log, newest first", "configuration",
                                                     ok(page_of(ref("WebhookDelivery"))), params=[ID] + PAGING[2:],
                                                     errors=("401", "403", "404", "422", "503"),
                                                     desc="Each delivery is a POST of {event, created_at, data, delivery_id} with "
                                                          "X-Atende-Signature-256: sha256=<hex HMAC-SHA256 of the body under the secret>, "
                                                          "X-Atende-Event and X-Atende-Delivery; retried after 10 s, 1 min, 5 min, 30 min, 2 h."))

# Failed logins (the throttle's record).
schemas["LoginFailure"] = {"type": "object", "properties": {
    "id": I, "username": S, "user_id": NI, "address": {"type": "string", "description": "The client address it came from"},
    "reason": enum("wrong_password", "unknown_user"), "created_at": {"type": "string", "format": "date-time"}}}
add("/api/admin/login-failures", "get", op("Failed logins, newest first", "users",
                                           ok(page_of(ref("LoginFailure"))),
                                           params=[param("username", S, "query", "Only this username")] + PAGING[2:],
                                           errors=("401", "403", "422", "503"),
                                           desc="Every failed login of the company: a wrong password or an unknown username, with the "
                                                "address it came from. Attempts refused by the throttle's delay (429) are not listed."))

# Channel webhooks (inbound).
CHANNEL = param("channel_id", desc="The channel's id (GET /api/admin/channels)")
schemas["Accepted"] = {"type": "object", "properties": {"messages": I, "duplicates": I, "statuses": I, "updates": I, "ignored": I},
                       "description": "updates: reactions and edits applied to earlier messages"}
accepted = ok(ref("Accepted"), desc="Stored; duplicates and ignored events are counted, never stored twice")
hook_errors = ("400", "401", "404", "413", "422", "503")
add("/hooks/whatsapp/{channel_id}", "get", op("WhatsApp Cloud API verification handshake", "channels",
    {"200": {"description": "hub.challenge, echoed", **content({"type": "string"}, "text/plain")}},
    params=[CHANNEL, param("hub.mode", S, "query"), param("hub.verify_token", S, "query"), param("hub.challenge", S, "query")],
    errors=("403", "404"), security=[], tenant=False))
add("/hooks/whatsapp/{channel_id}", "post", op("WhatsApp Cloud API webhook (messages and statuses)", "channels", accepted,
    json_body({"type": "object", "description": "The Cloud API's webhook body (object, entry[].changes[].value)"}), hook_errors,
    params=[CHANNEL, param("X-Hub-Signature-256", S, "header", "sha256=<hex HMAC-SHA256 of the raw body under the app secret>")],
    security=[], tenant=False, desc="Each change is stored on the channel of its metadata.phone_number_id (another channel of the "
                                    "same app, same secret, when it is not this one; ignored when none). Text, media (fetched into "
                                    "attachments by the scheduled work), location, contacts, interactive replies; reactions mark the "
                                    "message they refer to; any other type is stored as unsupported with its raw payload. Statuses "
                                    "update our outbound messages. A message without id or with a bad sender is 422."))
for network, title, account in (("messenger", "Facebook Messenger", "page id"), ("instagram", "Instagram Direct", "Instagram account id")):
    add(f"/hooks/{network}/{{channel_id}}", "get", op(f"{title} verification handshake", "channels",
        {"200": {"description": "hub.challenge, echoed", **content({"type": "string"}, "text/plain")}},
        params=[CHANNEL, param("hub.mode", S, "query"), param("hub.verify_token", S, "query"), param("hub.challenge", S, "query")],
        errors=("403", "404"), security=[], tenant=False))
    add(f"/hooks/{network}/{{channel_id}}", "post", op(f"{title} webhook (Messenger Platform)", "channels", accepted,
        json_body({"type": "object", "description": "object, entry[].id, entry[].messaging[] (message, postback, reaction, "
                                                    "message_edit, delivery)"}), hook_errors,
        params=[CHANNEL, param("X-Hub-Signature-256", S, "header", "sha256=<hex HMAC-SHA256 of the raw body under the app secret>")],
        security=[], tenant=False, desc=f"Events are stored on the channel of their entry[].id ({account}). Echoes of our own sends "
                                        "are ignored; attachments are fetched into attachments by the scheduled work."))
add("/hooks/telegram/{channel_id}", "post", op("Telegram Bot API webhook (updates)", "channels", accepted,
    json_body({"type": "object", "description": "A Telegram Update (message, edited_message, callback_query)"}), hook_errors,
    params=[CHANNEL, param("X-Telegram-Bot-Api-Secret-Token", S, "header", "The channel's secret_token")], security=[], tenant=False,
    desc="An edited_message updates the original and keeps its previous text in payload.edits. A callback_query is stored as the "
         "customer's answer and answered in the response body with {method: answerCallbackQuery, callback_query_id}."))
add("/hooks/email/{channel_id}", "post", op("Inbound e-mail (generic JSON, Postmark, Mailgun, SendGrid)", "channels", accepted,
    {"required": True, "content": {
        "application/json": {"schema": obj({"from": S, "to": S, "subject": S, "text": S, "html": S, "message_id": S, "in_reply_to": S,
                   "references": S,
                   "attachments": {"type": "array", "items": {"type": "object", "properties": {"filename": S, "content_type": S,
                                                                                              "content": {"type": "string", "description": "base64"}}}}},
                  ("from", "message_id"), "The generic format; a Postmark channel takes Postmark's inbound JSON (From, FromFull, "
                                          "TextBody, HtmlBody, MessageID, Headers, Attachments)")},
        "multipart/form-data": {"schema": {"type": "object", "description": "Mailgun's route forward (from, body-plain, "
                                           "message-headers, attachment-N, timestamp, token, signature) or SendGrid Inbound Parse "
                                           "(from, to, subject, text, html, headers, attachmentN)"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "description": "Mailgun without attachments"}}}},
    hook_errors, params=[CHANNEL,
                         param("X-Atende-Secret", S, "header", "Generic: the channel's inbound_secret (or Authorization: Bearer)"),
                         param("Authorization", S, "header", "Postmark and SendGrid: Basic, password = inbound_secret"),
                         param("X-Twilio-Email-Event-Webhook-Signature", S, "header",
                               "SendGrid with a security policy: base64 DER ECDSA P-256/SHA-256 of the timestamp header + the raw body"),
                         param("X-Twilio-Email-Event-Webhook-Timestamp", S, "header", "SendGrid with a security policy: Unix seconds")],
    security=[], tenant=False, desc="Mailgun: HMAC-SHA256 of timestamp+token under signing_key, at most 5 minutes old (401 "
                                    "stale_signature). SendGrid: its ECDSA signature when verification_key is set, else Basic. A reply joins the open conversation it answers (In-Reply-To, References, "
                                    "or a +PROTOCOL plus-address). HTML is kept only sanitised; the text part, or the HTML's words, "
                                    "is the message."))
add("/hooks/sms/{channel_id}", "post", op("Inbound SMS (generic JSON, Twilio, Zenvia)", "channels", accepted,
    {"required": True, "content": {
        "application/json": {"schema": obj({"id": S, "from": S, "to": S, "text": S}, ("from", "id"),
                                           "Generic; a Zenvia channel takes Zenvia's MESSAGE and MESSAGE_STATUS events")},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "description": "Twilio: MessageSid, From, Body, NumMedia, "
                                                         "MediaUrlN, MediaContentTypeN; or a status callback (MessageStatus)"}}}},
    hook_errors,
    params=[CHANNEL, param("X-Atende-Secret", S, "header", "Generic and Zenvia: the channel's inbound_secret (or Authorization: Bearer)"),
            param("X-Twilio-Signature", S, "header", "Twilio: base64 HMAC-SHA1 of the URL plus the sorted POST parameters under auth_token")],
    security=[], tenant=False, desc="`from` must be a phone number (422 otherwise)."))

# Web chat widget (public; a visitor token from /sessions).
VISITOR = [{"visitor": []}]
schemas["VisitorMessage"] = {"type": "object", "properties": {"id": I, "role": enum("customer", "agent", "bot", "system"),
    "kind": S, "body": NS, "sender_name": NS, "created_at": {"type": "string", "format": "date-time"},
    "choices": {"type": "array", "items": {"type": "object", "properties": {"id": S, "title": S}},
                "description": "A bot's options, shown as buttons; a click sends its title as text and its id as choice"}}}
add("/widget/{channel_id}/sessions", "post", op("Start a chat session", "widget",
    ok({"type": "object", "properties": {"token": S, "name": S, "expires_at": {"type": "string", "format": "date-time"}}}, "201", "Started"),
    json_body(obj({"name": S, "phone": S, "email": S, "language": ref("Language")}, ("name",), "A phone or an e-mail is required")),
    ("400", "404", "415", "422", "503"), params=[CHANNEL], security=[], tenant=False))
add("/widget/{channel_id}/messages", "post", op("Send a message or an attachment", "widget",
    ok({"type": "object", "properties": {"message_id": NI, "conversation_id": NI, "duplicate": B}}, "201", "Stored"),
    json_body(obj({"text": S, "client_message_id": {"type": "string", "description": "Chosen by the widget; a retry with it is stored once"},
                   "choice": {"type": "string", "description": "The id of a bot's option the visitor clicked (with its title as text)"},
                   "attachment": {"type": "object", "properties": {"filename": S, "content_type": S, "data": {"type": "string", "description": "base64, up to 5 MiB"}}}})),
    ("400", "401", "403", "404", "413", "422", "503"), params=[CHANNEL], security=VISITOR, tenant=False))
add("/widget/{channel_id}/messages", "get", op("New messages after a cursor", "widget",
    ok({"type": "object", "properties": {"messages": {"type": "array", "items": ref("VisitorMessage")}, "cursor": I}}),
    params=[CHANNEL, param("after", I, "query", "The cursor of the previous poll")], errors=("401", "404", "422", "503"),
    security=VISITOR, tenant=False))
add("/widget/{channel_id}/articles", "get", op("Search the FAQ", "widget",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"id": I, "title": S, "body": S}}}}}),
    params=[CHANNEL, param("q", S, "query")], errors=("404", "503"), security=[], tenant=False))
for path in ("sessions", "messages", "articles"):
    add(f"/widget/{{channel_id}}/{path}", "options", op("CORS preflight", "widget", {"204": {"description": "Allowed"}},
                                                        params=[CHANNEL], errors=(), security=[], tenant=False))

# Agent workspace.
CONV = param("id", desc="The conversation's id")
schemas["AgentStatus"] = {"type": "object", "properties": {"status": enum("ready", "paused", "offline"), "pause_reason": NS,
                                                             "since": {"type": "string", "format": "date-time"}}}
schemas["Conversation"] = {"type": "object", "properties": {
    "id": I, "protocol": {"type": "string", "example": "WA00000052829"}, "channel_id": I, "channel_type": S, "client_id": I,
    "group_id": NI, "status": enum("bot", "queued", "offered", "assigned", "pending", "closed"), "agent_id": NI, "priority": I,
    "language": S, "subject": NS, "arrived_at": {"type": "string", "format": "date-time"}, "last_customer_at": NS,
    "closed_at": NS, "closed_by": {"type": ["string", "null"], "description":
        "agent, supervisor_agent, admin, supervisor, client_inactivity, agent_inactivity, bot or system"},
    "classification_id": NI, "reason_id": NI, "sub_reason_id": NI, "close_comment": NS,
    "resolved": {"type": ["boolean", "null"]}, "created_at": {"type": "string", "format": "date-time"}}}
schemas["Message"] = {"type": "object", "properties": {
    "id": I, "conversation_id": I, "role": enum("customer", "agent", "bot", "note", "system"), "sender_id": NI,
    "kind": enum("text", "image", "audio", "video", "document", "location", "interactive", "unsupported"), "body": NS,
    "payload": {"type": ["object", "null"]}, "attachment_id": NI,
    "delivery": {"type": ["string", "null"], "enum": ["queued", "sent", "delivered", "read", "failed", None]},
    "delivery_error": NS, "created_at": {"type": "string", "format": "date-time"}}}
schemas["ConversationSummary"] = {"type": "object", "properties": {
    "id": I, "protocol": S, "status": S, "channel": S, "group_id": NI, "client_id": I, "client_name": S,
    "arrived_at": {"type": "string", "format": "date-time"}, "unread": I, "last_message": NS, "last_message_at": NS}}
text_body = json_body(obj({"text": {"type": "string", "maxLength": 4096},
                           "quick_reply": {"type": "string", "description": "A quick reply's shortcut (notes: text only)"},
                           "article_id": {"type": "integer", "description": "A FAQ article to send (notes: text only)"}},
                          desc="Exactly one of text, quick_reply, article_id"))
INBOX = ("400", "401", "403", "404", "409", "415", "422", "503")
add("/api/inbox/status", "get", op("My status", "inbox", ok(ref("AgentStatus"))))
add("/api/inbox/status", "put", op("Set my status (ready, paused with a reason, offline)", "inbox", ok(ref("AgentStatus")),
    json_body(obj({"status": enum("ready", "paused", "offline"), "reason": {"type": "string", "description": "An active pause reason; pauses only"}}, ("status",))),
    INBOX, desc="A pause never ends by itself. Agents and supervisor-agents only."))
add("/api/inbox/heartbeat", "post", op("The console's heartbeat", "inbox", {"204": {"description": "Noted"}}))
add("/api/inbox/queues/{group_id}/pull", "post", op("Take the first customer of a group's queue", "inbox", ok(ref("Conversation")),
    params=[param("group_id")], errors=INBOX, desc="409 queue_empty, or at_capacity when at the simultaneous limit. Members only."))
add("/api/inbox/conversations", "get", op("My open conversations in arrival order", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": ref("ConversationSummary")}}}),
    params=[param("favourite", {"type": "boolean"}, "query", "Only those I marked favourite")], errors=("401", "403", "422", "503")))
add("/api/inbox/conversations/{id}", "get", op("A conversation with what was recorded on it", "inbox",
    ok({"type": "object", "properties": {"conversation": ref("Conversation"),
        "classification_path": {"type": "array", "items": S, "description": "Classification, reason, sub-reason names"},
        "tags": {"type": "array", "items": {"type": "object"}}, "occurrences": {"type": "array", "items": {"type": "object"}},
        "favourite": {"type": "boolean"}, "timeline": {"type": "array", "items": {"type": "object"}},
        "survey_answers": {"type": "array", "description": "The customer's survey answers, in question order", "items": {"type": "object", "properties": {
            "question": I, "kind": enum("open", "csat", "nps"), "score": NI, "scale": NI, "text": NS,
            "answered_at": {"type": "string", "format": "date-time"}}}}}}), params=[CONV],
    desc="Readable by whoever may act on it and by whoever the history rule lets see it (the rule the customer panel lists by)."))
add("/api/inbox/conversations/{id}/transfer-targets", "get", op("Who I may transfer this conversation to", "inbox",
    ok({"type": "object", "properties": {
        "agents": {"type": "array", "items": {"type": "object", "properties": {"id": I, "display_name": S, "status": enum("ready", "paused"),
                                                                                 "load": I, "max_concurrent": I}}},
        "groups": {"type": "array", "items": {"type": "object", "properties": {"id": I, "name": S}}}}}), params=[CONV],
    desc="Available agents with room (paused ones where the group allows), never the holder; the active groups the group may transfer to."))
add("/api/inbox/conversations/{id}/messages", "get", op("Messages, oldest first, after a cursor", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": ref("Message")}, "cursor": I}}),
    params=[CONV, param("after", I, "query"), param("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "query"),
            param("before", I, "query", "The page just before this message id instead (paging back from the end)"),
            param("latest", {"type": "boolean"}, "query", "true: the newest page (how the console opens a conversation)")],
    errors=("401", "403", "404", "422", "503")))
add("/api/inbox/conversations/{id}/messages", "post", op("Send a text to the customer", "inbox", ok(ref("Message"), "201", "Queued for delivery"),
    text_body, INBOX, params=[CONV], desc="409 agent_paused (\"You are paused! Do you want to resume?\"), agent_offline, conversation_closed; "
                                          "403 receive_only or not_your_conversation. The customer sees the agent's or company's name as the group says."))
add("/api/inbox/conversations/{id}/notes", "post", op("Add an internal note (never sent)", "inbox", ok(ref("Message"), "201", "Stored"), text_body, INBOX, params=[CONV]))
add("/api/inbox/conversations/{id}/read", "post", op("Mark messages read up to an id", "inbox", {"204": {"description": "Noted"}},
    json_body(obj({"up_to": I}, ("up_to",))), INBOX, params=[CONV]))
add("/api/inbox/conversations/{id}/pending", "post", op("Set pending (frees a slot of my limit)", "inbox", ok(ref("Conversation")), params=[CONV], errors=INBOX))
add("/api/inbox/conversations/{id}/resume", "post", op("Bring a pending conversation back", "inbox", ok(ref("Conversation")), params=[CONV], errors=INBOX))
add("/api/inbox/conversations/{id}/close", "post", op("Close (final)", "inbox", ok(ref("Conversation")),
    json_body(obj({"classification_id": I, "reason_id": I, "sub_reason_id": I, "comment": S,
                   "resolved": {"type": "boolean", "description": "Was the matter resolved? (the closing script)"}}), required=False), INBOX, params=[CONV],
    desc="The body may be empty. 422 classification_required / resolution_required where the group requires them; 409 already_closed. "
         "Marks the survey due when the group's survey is sent by this closer."))
add("/api/inbox/attachments/{id}", "get", op("Download an attachment", "inbox",
    {"200": {"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    params=[ID], desc="Only to who may act on its conversation; anyone else gets 404."))

schemas["FeedEntry"] = {"type": "object", "properties": {"id": I, "kind": enum("message", "offered", "offer_withdrawn", "assigned", "withdrawn",
                                                                               "transferred_in", "transferred_out", "pending", "resumed",
                                                                               "closed", "status"),
                                                         "conversation_id": NI, "data": {"type": "object"}, "at": {"type": "string", "format": "date-time"}}}
add("/api/inbox/events", "get", op("Everything new for me since a cursor", "inbox",
    ok({"type": "object", "properties": {"events": {"type": "array", "items": ref("FeedEntry")}, "cursor": I}}),
    params=[param("after", I, "query", "The cursor of the previous poll (0 at first)")], errors=("401", "403", "422", "503"),
    desc="One indexed range query; poll every second or two. Entries are kept 24 hours."))
transfer_body = json_body(obj({"to_agent_id": I, "to_group_id": I, "message": {"type": "string", "description": "Kept as an internal note"}},
                              desc="Exactly one of to_agent_id, to_group_id"))
add("/api/inbox/conversations/{id}/transfer", "post", op("Transfer to an agent or a group", "inbox", ok(ref("Conversation")), transfer_body, INBOX,
    params=[CONV], desc="To an agent who is ready (or paused where the group allows) with room: 409 agent_unavailable or agent_at_capacity otherwise. "
                        "To a group in the group's transfer list: back into its queue keeping the original arrival."))
add("/api/inbox/transfer-all", "post", op("Transfer all my open conversations", "inbox",
    ok({"type": "object", "properties": {"transferred": {"type": "array", "items": I}, "failed": {"type": "array", "items": {"type": "object"}}}}),
    transfer_body, INBOX))
TAG = param("tag_id")
tags_answer = ok({"type": "array", "items": {"type": "object", "properties": {"id": I, "name": S, "color": S}}})
add("/api/inbox/conversations/{id}/tags/{tag_id}", "put", op("Tag the conversation", "inbox", tags_answer, params=[CONV, TAG], errors=INBOX))
add("/api/inbox/conversations/{id}/tags/{tag_id}", "delete", op("Remove a tag", "inbox", tags_answer, params=[CONV, TAG], errors=INBOX))
add("/api/inbox/conversations/{id}/occurrences", "post", op("Record an occurrence (without closing)", "inbox",
    ok({"type": "object"}, "201", "Recorded"), json_body(obj({"occurrence_type_id": I, "comment": S}, ("occurrence_type_id",))), INBOX, params=[CONV]))
add("/api/inbox/conversations/{id}/favourite", "put", op("Favourite", "inbox", {"204": {"description": "Done"}}, params=[CONV], errors=INBOX))
add("/api/inbox/conversations/{id}/favourite", "delete", op("Unfavourite", "inbox", {"204": {"description": "Done"}}, params=[CONV], errors=INBOX))

NAMED = {"type": "object", "properties": {"id": I, "name": S}}
CHOICE = {"type": "object", "properties": {"id": I, "name": S, "children": {"type": "array", "items": NAMED}}}
add("/api/inbox/conversations/{id}/options", "get", op("What the console may offer in this conversation", "inbox",
    ok({"type": "object", "properties": {
        "group": NAMED,
        "classification": {"type": ["object", "null"], "properties": {"id": I, "name": S, "reasons": {"type": "array", "items": CHOICE}}},
        "classification_mandatory": {"type": "boolean"},
        "resolution_mandatory": {"type": "boolean", "description": "Closing must say whether the matter was resolved"},
        "attachments": {"type": "object", "properties": {"image": {"type": "boolean"}, "audio": {"type": "boolean"}, "video": {"type": "boolean"},
                                                         "documents": {"type": "boolean"}, "max_bytes": I}},
        "receive_only": {"type": "boolean"},
        "quick_replies": {"type": "array", "items": {"type": "object", "properties": {"shortcut": S, "text": S}}},
        "transfer_groups": {"type": "array", "items": NAMED},
        "transfer_agents": {"type": "array", "items": {"type": "object", "properties": {
            "id": I, "display_name": S, "status": S, "load": I, "max_concurrent": I}}}}}),
    params=[CONV], errors=INBOX,
    desc="The conversation's group rules that agents cannot read from the configuration API: its active classification tree and "
         "whether closing needs it and the resolved answer, which files may be sent and how large, its quick replies, and the groups and "
         "available agents it may be transferred to (the rule of transfer-targets)."))
add("/api/inbox/queues", "get", op("Waiting customers in my groups", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
        "group_id": I, "name": S, "waiting": I, "oldest_arrival": NS}}}}})))
add("/api/inbox/conversations/{id}/new-protocol", "post", op("A new protocol for the same customer, assigned to me", "inbox",
    ok(ref("Conversation"), "201", "Opened"), params=[CONV], errors=INBOX, desc="409 already_open when the customer has an open conversation on the channel."))
schemas["ActiveMessage"] = {"type": "object", "properties": {
    "id": I, "channel_id": I, "group_id": I, "client_id": I, "agent_id": I, "body": S,
    "template": {"type": ["object", "null"]}, "status": enum("scheduled", "sent", "cancelled"),
    "due_at": {"type": "string", "format": "date-time"}, "conversation_id": NI, "message_id": NI, "sent_at": NS,
    "created_at": {"type": "string", "format": "date-time"}}}
add("/api/inbox/active-messages", "post", op("Write first to a customer (active contact)", "inbox",
    {**ok(ref("ActiveMessage"), "201", "Sent: into a new conversation assigned to me, or the customer's open one when the group's delay is 0"),
     **ok(ref("ActiveMessage"), "202", "Scheduled: the customer has an open conversation on the channel; sent after the group's active-message delay")},
    json_body(obj({"channel_id": I, "group_id": I, "client_id": I, "text": {"type": "string", "maxLength": 4096},
                   "template": obj({"name": S, "language": {"type": "string", "example": "pt_BR"}, "parameters": {"type": "array", "items": S, "maxItems": 20}},
                                   ("name", "language"), "A WhatsApp template (groups with WhatsApp templates on)"),
                   "subject": {"type": "string", "maxLength": 200, "description": "E-mail subject"}},
                  ("channel_id", "group_id", "client_id"), "Exactly one of text or template")), INBOX,
    desc="The group must allow active contact on the channel's type (flags active_whatsapp, active_telegram, active_email, active_sms): "
         "otherwise 403 active_not_allowed. I must be a ready member of the group (403 not_a_member, 409 agent_paused/agent_offline) "
         "and below my limit when a new conversation opens (409 at_capacity). 409 client_inactive for a deactivated client; "
         "422 on client_id when the client cannot be reached on the channel (no phone, no e-mail, never wrote to the Telegram bot)."))
add("/api/inbox/active-messages", "get", op("My active messages (everyone's for supervisors and admins)", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": ref("ActiveMessage")}}}),
    params=[param("status", enum("scheduled", "sent", "cancelled"), "query")], errors=("400", "401", "422", "503")))
add("/api/inbox/active-messages/{id}/cancel", "post", op("Cancel a scheduled active message", "inbox",
    ok(ref("ActiveMessage")), params=[param("id", desc="The active message's id")], errors=("401", "404", "409", "503"),
    desc="409 not_scheduled once it was sent or cancelled."))
CLIENT = param("id", desc="The client's id")
add("/api/inbox/client-attributes", "get", op("The client attribute definitions the customer panel edits", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string", "description": "The key in a client's attributes"}, "label": S,
        "value_type": {"type": "string", "enum": ["text", "number", "date", "boolean"]}}}}}}),
    errors=("401", "503"), desc="Only active definitions; any signed-in user may read them (the admin route is for admins)."))
add("/api/inbox/clients", "post", op("Quick registration of a client", "inbox", ok(ref("Client"), "201", "Created"), json_body(ref("ClientInput")), WRITE))
add("/api/inbox/clients/{id}", "get", op("The customer panel: details and history", "inbox",
    ok({"type": "object", "properties": {"client": ref("Client"), "history": {"type": "array", "items": {"type": "object"}},
                                         "protocols": {"type": "array", "items": {"type": "object"}, "description": "Every past protocol I may see, with message counts"}}}),
    params=[CLIENT, param("days", {"type": "integer", "minimum": 1, "maximum": 31, "default": 31}, "query"),
            param("q", S, "query", "Only conversations with messages containing this")], errors=("401", "403", "404", "422", "503"),
    desc="History shows what the caller may see: their own conversations; their groups' or operations' where permitted; never a colleague's confidential history."))
add("/api/inbox/clients/{id}", "patch", op("Edit a customer's details", "inbox", ok(ref("Client")), json_body(ref("ClientInput")), WRITE,
    params=[CLIENT], desc="Agents edit customers they are serving."))

add("/api/inbox/conversations/{id}/attachments", "post", op("Send a file", "inbox", ok(ref("Message"), "201", "Stored"),
    json_body(obj({"filename": S, "content_type": S, "data": {"type": "string", "description": "base64, up to 5 MiB"}, "caption": S},
                  ("filename", "content_type", "data"))), INBOX + ("413",), params=[CONV],
    desc="403 attachment_type_forbidden when the group does not allow that kind (image, audio, video, documents). Web-chat visitors "
         "download it from the widget; WhatsApp (media upload), Telegram (sendPhoto, sendVideo, sendVoice, sendDocument) and e-mail receive it through the outbox; "
         "SMS carries no files (the message fails with that reason)."))
add("/widget/{channel_id}/attachments/{id}", "get", op("Download a file of my conversations", "widget",
    {"200": {"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    params=[CHANNEL, ID], errors=("401", "404", "503"), security=VISITOR, tenant=False))

OFFER = param("id", desc="The offered conversation's id")
add("/api/inbox/offers", "get", op("My open offers (accept/reject groups)", "inbox",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
        "conversation_id": I, "protocol": S, "channel": S, "phone": NS, "client_name": S, "group_id": NI, "queue": S,
        "subject": NS, "waiting_seconds": I, "expires_at": NS}}}}})))
add("/api/inbox/offers/{id}/accept", "post", op("Accept an offer", "inbox", ok(ref("Conversation")), params=[OFFER], errors=INBOX,
    desc="409 offer_gone when it was accepted, rejected or expired."))
add("/api/inbox/offers/{id}/reject", "post", op("Reject an offer", "inbox", {"204": {"description": "Rejected; offered to another available agent (or back to me if none)"}},
    json_body(obj({"reason": S})), INBOX, params=[OFFER]))
# Reports.
NN = {"type": ["number", "null"]}
DATE = {"type": "string", "format": "date"}
PERIOD = [param("from", DATE, "query", "First day (company time zone); default: 30 days before `to`"),
          param("to", DATE, "query", "Last day, inclusive (company time zone); default: today. At most 31 days from `from`")]
REPORT = ("401", "403", "422", "503")
HISTORY_FILTERS = PERIOD + [
    param("protocol", S, "query"), param("client", S, "query", "Part of the client's name"),
    param("phone", S, "query", "Digits of the phone"), param("document", S, "query", "CPF or CNPJ (digits)"),
    param("text", S, "query", "Messages containing this word or phrase (accent- and case-insensitive)"),
    param("agent_id", I, "query"), param("group_id", I, "query"), param("operation_id", I, "query"),
    param("channel", enum("whatsapp", "telegram", "email", "webchat", "sms"), "query"),
    param("classification_id", I, "query"), param("tag", S, "query", "A tag's id or name"),
    param("resolved", B, "query"), param("survey_score", I, "query"),
    param("include_open", B, "query", "Open conversations too (default: closed only)")]
schemas["HistoryItem"] = {"type": "object", "properties": {
    "id": I, "protocol": S, "channel": S, "client_name": S, "phone": NS, "agent_id": NI, "agent_name": NS,
    "group_id": NI, "group_name": NS, "status": S, "started_at": {"type": "string", "format": "date-time"},
    "closed_at": NS, "waiting_seconds": NI, "handling_seconds": NI,
    "classification": {"type": ["string", "null"], "description": "main > reason > sub-reason"},
    "resolved": {"type": ["boolean", "null"]}, "survey_score": NI}}
WHO = ("Admins see the whole company; supervisors every conversation of the operations they oversee; everyone their own, "
       "plus their groups' or operations' where their permissions say so — never a confidential colleague's.")
add("/api/reports/dashboard", "get", op("Live dashboard: queues, waits, agents", "reports",
    ok({"type": "object", "properties": {
        "groups": {"type": "array", "items": {"type": "object", "properties": {"group_id": I, "name": S, "bot": I, "queued": I, "offered": I,
                                                                               "assigned": I, "pending": I, "longest_wait_seconds": NI}}},
        "agents": {"type": "array", "items": {"type": "object", "properties": {"user_id": I, "display_name": S, "status": enum("ready", "paused", "offline"),
                                                                               "pause_reason": NS, "load": I, "max_concurrent": I}}},
        "totals": {"type": "object", "properties": {"bot": I, "queued": I, "offered": I, "assigned": I, "pending": I}}}}),
    errors=("401", "403", "503"), desc="Supervisors (their operations' groups and members) and admins; agents get 403. One statement: poll it."))
add("/api/reports/history", "get", op("Conversation history", "reports",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": ref("HistoryItem")},
                                         "next": {"type": ["string", "null"], "description": "Cursor of the next page"}}}),
    params=HISTORY_FILTERS + [param("cursor", S, "query"), param("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "query")],
    errors=REPORT, desc="Newest arrival first, paged by keyset (stable while conversations arrive). " + WHO))
for ext, media, what in (("csv", "text/csv", "CSV (UTF-8 with BOM)"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX")):
    add(f"/api/reports/history.{ext}", "get", op(f"The filtered history as {what}", "reports",
        {"200": {"description": "Columns: Protocol, Channel, Client, Phone, Agent, Group, Start, End, Waiting time, Handling time, Classification, Resolved, Survey",
                 "content": {media: {"schema": {"type": "string", "format": "binary"}}}}},
        params=HISTORY_FILTERS, errors=REPORT, desc="Every matching row; the same filters as the history. " + WHO))
add("/api/reports/conversations/{id}", "get", op("A conversation's transcript", "reports",
    ok({"type": "object", "properties": {
        "conversation": {"type": "object"},
        "messages": {"type": "array", "items": {"type": "object", "properties": {
            "id": I, "role": enum("customer", "agent", "bot", "note", "system"), "sender_name": NS, "kind": S, "body": NS,
            "attachment_id": NI, "attachment_name": NS, "created_at": {"type": "string", "format": "date-time"}}}},
        "timeline": {"type": "array", "items": {"type": "object", "properties": {"kind": S, "actor": S, "actor_id": NI, "actor_name": NS,
                                                                                 "data": {"type": ["object", "null"]}, "at": S}}},
        "survey_answers": {"type": "array", "items": {"type": "object", "properties": {"question": I, "kind": enum("open", "csat", "nps"),
                                                                                       "score": NI, "scale": NI, "text": NS, "answered_at": S}}}}}),
    params=[CONV], errors=("401", "403", "404", "503"), desc="Internal notes included (staff only). 403 when it is not in the history I may see."))
add("/api/reports/conversations/{id}/transcript.pdf", "get", op("A conversation's transcript as PDF", "reports",
    {"200": {"description": "Company, protocol, participants, times, messages and timeline",
             "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
    params=[CONV], errors=("401", "403", "404", "503")))
add("/api/reports/service-level", "get", op("Service level per group", "reports",
    ok({"type": "object", "properties": {"from": S, "to": S, "groups": {"type": "array", "items": {"type": "object", "properties": {
        "group_id": I, "group_name": NS, "volume": I, "answered": I, "abandoned": I, "avg_wait_seconds": NN, "p90_wait_seconds": NN,
        "avg_first_response_seconds": NN, "avg_handling_seconds": NN, "sla_minutes": NI, "within_sla": NI, "within_sla_percent": NN,
        "transfers": I}}}}}),
    params=PERIOD + [param("group_id", I, "query")], errors=REPORT,
    desc="Conversations that arrived in the period. Waiting: queue entry to agent; first response: queue entry to the agent's first message; "
         "handling: agent to close; abandoned: closed without an agent; within SLA: % of the volume answered within the group's initial SLA. " + WHO))
add("/api/reports/productivity", "get", op("Agent productivity", "reports",
    ok({"type": "object", "properties": {"from": S, "to": S, "agents": {"type": "array", "items": {"type": "object", "properties": {
        "agent_id": I, "display_name": S, "handled": I, "avg_handling_seconds": NN, "transfers": I, "ready_seconds": I, "paused_seconds": I,
        "paused_by_reason": {"type": "object", "additionalProperties": I}, "offline_seconds": I}}}}}),
    params=PERIOD + [param("agent_id", I, "query")], errors=REPORT,
    desc="Agents see themselves only (403 for another); supervisors the members of their operations' groups; admins everyone."))
add("/api/reports/surveys", "get", op("Satisfaction surveys: CSAT, NPS, open answers", "reports",
    ok({"type": "object", "properties": {"from": S, "to": S,
        "csat": {"type": "object", "properties": {"answers": I, "distribution": {"type": "array", "items": {"type": "object", "properties": {"option": I, "count": I}}},
                                                  "satisfied": I, "score": NN}},
        "nps": {"type": "object", "properties": {"answers": I, "promoters": I, "passives": I, "detractors": I, "score": NN}},
        "open_answers": {"type": "array", "items": {"type": "object"}}}}),
    params=PERIOD + [param("group_id", I, "query"), param("agent_id", I, "query")], errors=REPORT,
    desc="CSAT option 1 is the most satisfied; satisfied = option 1 (options 1-2 on scales of 5 or more). NPS = % promoters (9-10) - % detractors (0-6). " + WHO))
add("/api/reports/occurrences", "get", op("Occurrences by type, group and agent, with the list", "reports",
    ok({"type": "object", "properties": {"total": I, "by_type": {"type": "array", "items": {"type": "object"}},
                                         "by_group": {"type": "array", "items": {"type": "object"}},
                                         "by_agent": {"type": "array", "items": {"type": "object"}},
                                         "items": {"type": "array", "items": {"type": "object"}, "maxItems": 1000}}}),
    params=PERIOD + [param("group_id", I, "query"), param("agent_id", I, "query", "Who recorded it")], errors=REPORT, desc=WHO))

add("/internal/tick", "post", op("Run the scheduled work once", "routing",
    ok({"type": "object", "properties": {"ran": B, "assigned": I, "inactivity_warnings": I, "inactivity_closes": I, "auto_pending": I,
                                         "answer_timeouts": I, "disconnected_agents": I, "bot_inactivity": I, "queue_notices": I,
                                         "surveys_started": I, "surveys_expired": I, "pause_notices": I, "messages_sent": I,
                                         "messages_retried": I, "messages_failed": I, "webhooks_delivered": I, "webhooks_retried": I,
                                         "webhooks_failed": I,
                                         "media": {"type": "object", "properties": {"fetched": I, "retried": I, "failed": I}}}}),
    errors=("401", "403", "503"), security=[{"tick": []}], tenant=False,
    desc="For an external scheduler (CronJob, a platform's cron, curl) every few seconds. Lease-guarded: an overlapping run answers ran: false. "
         "403 tick_disabled when the tick_secret variable is unset."))

# External bot (token scope bots).
BOT = ("400", "401", "403", "404", "409", "413", "415", "422", "503")
schemas["BotConversation"] = {"type": "object", "properties": {
    "id": I, "protocol": S, "channel_type": S, "group_id": NI, "client_id": I, "client_name": S, "language": S,
    "arrived_at": {"type": "string", "format": "date-time"}, "last_customer_message": NS}}
add("/api/bot/conversations", "get", op("Conversations in state bot, oldest first", "bot",
    ok({"type": "object", "properties": {"items": {"type": "array", "items": ref("BotConversation")}}}),
    params=[param("limit", I, "query", "1 to 200, default 50")], errors=("401", "403", "422", "503"),
    desc="For an external bot (Rasa, Dialogflow, your own) with an API token of scope bots (admins and supervisors)."))
add("/api/bot/conversations/{id}", "get", op("A conversation in state bot with its messages", "bot",
    ok({"type": "object", "properties": {"conversation": ref("Conversation"), "messages": {"type": "array", "items": ref("Message")}}}),
    params=[CONV], errors=("401", "403", "404", "409", "503")))
add("/api/bot/conversations/{id}/messages", "post", op("Reply as the bot", "bot",
    ok({"type": "object", "properties": {"message_id": I}}, "201", "Queued for delivery"),
    json_body(obj({"text": {"type": "string", "maxLength": 4096},
                   "options": {"type": "array", "maxItems": 10, "items": obj({"id": {"type": "string", "maxLength": 64}, "title": {"type": "string", "maxLength": 60}}, ("id", "title")),
                               "description": "Sent as WhatsApp buttons or list, a Telegram inline keyboard, widget buttons; the answer's payload carries the id"}},
                  ("text",))), BOT, params=[CONV], desc="Stored with role bot. 409 invalid_state unless the conversation is in state bot."))
add("/api/bot/conversations/{id}/route", "post", op("Route to a group's queue", "bot", ok(ref("Conversation")),
    json_body(obj({"group_id": I}, ("group_id",))), BOT, params=[CONV]))
add("/api/bot/conversations/{id}/close", "post", op("Close as the bot", "bot", ok(ref("Conversation")),
    json_body(obj({"message": {"type": "string", "description": "Said to the customer first"}}), required=False), BOT, params=[CONV],
    desc="closed_by bot; the group's survey follows where it is sent after a bot's close."))

# Platform.
add("/api/platform/tenants", "get", op("List companies", "platform", ok({"type": "array", "items": ref("Tenant")}),
                                       security=[{"platform": []}], errors=("401", "403", "503"), tenant=False))
add("/api/platform/tenants", "post", op("Create a company with its first admin", "platform", ok(ref("CreatedTenant"), "201", "Created"),
                                        json_body(ref("NewTenant")), ("400", "401", "403", "409", "413", "415", "422", "503"),
                                        security=[{"platform": []}], tenant=False,
                                        desc="409 tenant_exists when the slug is taken. 403 platform_api_disabled when platform_secret is unset."))
add("/api/openapi.json", "get", op("This document", "docs", {"200": {"description": "OpenAPI 3.1 document", **content({"type": "object"})}},
                                   errors=(), security=[], tenant=False))

for name in sorted(READ_VIEWS):
    schemas[f"{name}Read"] = read_view(schemas[name])

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Atende API", "version": "0.1.0",
             "description": "Omnichannel customer-service platform. Every error answers with the envelope in components.schemas.Error."},
    "servers": [{"url": "/"}],
    "tags": [{"name": n} for n in ["auth", "users", "configuration", "clients", "tokens", "inbox", "reports", "channels", "widget", "routing", "bot", "platform", "docs"]],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {
        "session": {"type": "http", "scheme": "bearer", "description": "Session token from POST /api/auth/login, or an API token (atk_...) on the routes its scopes cover"},
        "platform": {"type": "http", "scheme": "bearer", "description": "The platform_secret variable"},
        "visitor": {"type": "http", "scheme": "bearer", "description": "Visitor token from POST /widget/{channel_id}/sessions"},
        "tick": {"type": "http", "scheme": "bearer", "description": "The tick_secret variable"}}},
}
text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
if "--check" in sys.argv:
    if OUT.read_text(encoding="utf-8") != text:
        sys.exit("docs/openapi.json is out of date: run python3 scripts/openapi.py")
else:
    OUT.write_text(text, encoding="utf-8")
