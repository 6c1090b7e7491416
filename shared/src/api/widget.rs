//! `/widget/{channel_id}/...`: the public web-chat API the embeddable widget calls from the
//! company's own site — start a session, send, poll, search the FAQ. Visitor sessions live in
//! the key-value store (a lost one only means starting a new chat session). Every answer,
//! errors included, carries CORS headers so the widget works cross-origin.

use crate::client::identity::parse_phone;
use crate::config::channel::ChannelType;
use crate::context::Ctx;
use crate::conversation::inbound::{receive, ChannelInfo, Inbound, NewAttachment, Outcome};
use crate::conversation::MessageKind;
use crate::enums::Language;
use crate::errors::{into_response, AppError, AppResult};
use crate::validate::{email, required_text};
use crate::web::{created, ok, Request, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

const SESSION_DAYS: i64 = 30;
const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct VisitorSession {
    tenant: i64,
    channel: i64,
    external_id: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    language: Language,
    expires_ms: i64,
}

fn session_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    format!(
        "widget:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Answers with CORS headers whatever happened, so the browser shows the widget the error.
/// The channel is read once, for `work` and for its allowed origins: each widget request
/// (a visitor's open chat polls every two seconds) is a fresh connection under Spin.
fn cors(
    ctx: &Ctx,
    req: &Request,
    work: impl FnOnce(AppResult<ChannelInfo>) -> AppResult<Response>,
) -> AppResult<Response> {
    let channel = req
        .param::<i64>("channel_id")
        .and_then(|id| ChannelInfo::load(ctx, id));
    let allowed = channel
        .as_ref()
        .ok()
        .and_then(|c| c.credential("allowed_origins").map(str::to_owned));
    let mut response = work(channel).unwrap_or_else(|e| into_response(&e, req.language()));
    let headers = response.headers_mut();
    headers.insert("vary", http::HeaderValue::from_static("origin"));
    // A site the channel does not allow gets no CORS headers at all: its browser keeps the
    // answer from it.
    let Some(origin) = allowed_origin(req, allowed) else {
        return Ok(response);
    };
    if let Ok(v) = http::HeaderValue::from_str(&origin) {
        headers.insert("access-control-allow-origin", v);
    }
    headers.insert(
        "access-control-allow-headers",
        http::HeaderValue::from_static("authorization, content-type"),
    );
    headers.insert(
        "access-control-allow-methods",
        http::HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        "access-control-max-age",
        http::HeaderValue::from_static("600"),
    );
    Ok(response)
}

/// The channel's `allowed_origins` (comma-separated) decide; unset (or no channel) allows any
/// site. None: the origin is not allowed.
fn allowed_origin(req: &Request, allowed: Option<String>) -> Option<String> {
    let Some(list) = allowed else {
        return Some("*".into());
    };
    let origin = req.header("origin")?;
    list.split(',')
        .any(|o| o.trim() == origin)
        .then(|| origin.to_owned())
}

/// CORS preflight
///
/// What the browser asks before the widget's cross-origin calls: the allowed origin (the
/// channel's `allowed_origins`, any site when unset), headers and methods.
#[utoipa::path(options, path = "/widget/{channel_id}/sessions",
    responses((status = 204, description = "Allowed (CORS headers)")))]
pub fn preflight(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |_| {
        http::Response::builder()
            .status(204)
            .body(Vec::new())
            .map_err(|e| AppError::Unexpected(e.into()))
    })
}

/// The preflight's documentation on each of its three routes (one handler, so no attribute
/// can name them all).
pub mod preflight_docs {
    use utoipa::openapi::path::Operation;

    fn preflight(operation_id: &str) -> Operation {
        let mut op = <super::__path_preflight as utoipa::Path>::operation();
        op.operation_id = Some(operation_id.to_owned());
        op
    }
    pub fn sessions() -> Operation {
        preflight("preflight_sessions")
    }
    pub fn messages() -> Operation {
        preflight("preflight_messages")
    }
    pub fn articles() -> Operation {
        preflight("preflight_articles")
    }
    pub fn no_schemas(_: &mut crate::openapi::SchemaList) {}
}

/// The request's channel ([`cors`] read it), if it is a web chat.
fn webchat(channel: AppResult<ChannelInfo>) -> AppResult<ChannelInfo> {
    let channel = channel?;
    if channel.doc.kind != ChannelType::Webchat {
        return Err(AppError::not_found("channel"));
    }
    Ok(channel)
}

fn visitor(ctx: &Ctx, req: &Request, channel: &ChannelInfo) -> AppResult<VisitorSession> {
    let token = req
        .bearer_token()
        .ok_or_else(|| AppError::unauthorized("unauthenticated", "start a chat session first"))?;
    let session: VisitorSession = ctx
        .kv
        .get(&session_key(token))?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|s: &VisitorSession| s.channel == channel.id && s.tenant == channel.tenant.0)
        .ok_or_else(|| AppError::unauthorized("invalid_token", "the chat session is not valid"))?;
    if session.expires_ms <= ctx.now_ms() {
        return Err(AppError::unauthorized(
            "session_expired",
            "the chat session has expired",
        ));
    }
    Ok(session)
}

/// Who the visitor is: a name and a phone or an e-mail.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    name: String,
    /// A Brazilian phone (required without `email`).
    phone: Option<String>,
    /// Required without `phone`.
    email: Option<String>,
    language: Option<Language>,
}

/// A chat session: send `token` as `Authorization: Bearer` on the other calls.
#[derive(Serialize, ToSchema)]
pub struct Started {
    token: String,
    name: String,
    expires_at: String,
}

/// Start a chat
///
/// A visitor session on the web-chat channel (30 days).
#[utoipa::path(post, path = "/widget/{channel_id}/sessions", request_body = StartBody,
    responses((status = 201, description = "The session", body = Started)))]
pub fn start(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |channel| {
        let channel = webchat(channel)?;
        let body: StartBody = req.json()?;
        let mut p = crate::validate::Problems::default();
        let name = p
            .check("name", required_text(&body.name, 120))
            .unwrap_or_default();
        let phone = match body
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(raw) => p.check("phone", parse_phone(raw)),
            None => None,
        };
        let email = p.check("email", email(body.email)).flatten();
        if phone.is_none() && email.is_none() && p.is_empty() {
            p.add("phone", "a phone or an e-mail is required");
        }
        p.into_result()?;
        let external_id = phone.clone().or_else(|| email.clone()).unwrap_or_default();
        let token =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ctx.random_bytes::<32>());
        let expires_ms = ctx.now_ms() + SESSION_DAYS * 86_400_000;
        let session = VisitorSession {
            tenant: channel.tenant.0,
            channel: channel.id,
            external_id,
            name: name.clone(),
            phone,
            email,
            language: body.language.unwrap_or(Language::PtBr),
            expires_ms,
        };
        let bytes = serde_json::to_vec(&session).map_err(|e| AppError::Unexpected(e.into()))?;
        ctx.kv.set(&session_key(&token), &bytes)?;
        created(&Started {
            token,
            name,
            expires_at: crate::time::ms_to_rfc3339(expires_ms),
        })
    })
}

/// A file the visitor sends (at most 8 MiB in all).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    filename: String,
    content_type: String,
    /// Base64 of the file.
    data: String,
}

/// A text, a file, or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    text: Option<String>,
    attachment: Option<Upload>,
    /// Chosen by the widget for each message, so a retried send is stored once.
    client_message_id: Option<String>,
    /// The id of a bot's option the visitor clicked (the text is its title).
    choice: Option<String>,
}

/// The stored message, or `duplicate` when this `client_message_id` was already stored.
#[derive(Serialize, ToSchema)]
pub struct VisitorSent {
    message_id: Option<i64>,
    conversation_id: Option<i64>,
    duplicate: bool,
}

/// Send a message
///
/// A text or a file to the company; a retried send with the same `client_message_id` is
/// stored once (200 with `duplicate`).
#[utoipa::path(post, path = "/widget/{channel_id}/messages", request_body = SendBody,
    responses(
        (status = 201, description = "Stored", body = VisitorSent),
        (status = 200, description = "Already stored (the same `client_message_id`)", body = VisitorSent)))]
pub fn send(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |channel| {
        let channel = webchat(channel)?;
        let session = visitor(ctx, req, &channel)?;
        let body: SendBody = req.json_within(UPLOAD_LIMIT)?;
        let text = body
            .text
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > 4096) {
            return Err(AppError::invalid("text", "must be at most 4096 characters"));
        }
        let attachment = match body.attachment {
            None => None,
            Some(u) => Some(NewAttachment {
                data: base64::engine::general_purpose::STANDARD
                    .decode(u.data.trim())
                    .map_err(|_| AppError::invalid("attachment.data", "must be base64"))?,
                filename: u.filename,
                content_type: u.content_type,
            }),
        };
        if text.is_none() && attachment.is_none() {
            return Err(AppError::invalid("text", "send a text or an attachment"));
        }
        let kind = match attachment
            .as_ref()
            .map(|a| a.content_type.split('/').next().unwrap_or(""))
        {
            None => MessageKind::Text,
            Some("image") => MessageKind::Image,
            Some("audio") => MessageKind::Audio,
            Some("video") => MessageKind::Video,
            Some(_) => MessageKind::Document,
        };
        let choice = body
            .choice
            .filter(|c| !c.is_empty() && c.len() <= 100 && text.is_some());
        let kind = if choice.is_some() {
            MessageKind::Interactive
        } else {
            kind
        };
        let channel_message_id = body
            .client_message_id
            .filter(|c| !c.is_empty() && c.len() <= 100)
            .map(|c| format!("{}:{c}", session.external_id));
        let outcome = receive(
            ctx,
            &channel,
            Inbound {
                external_id: session.external_id.clone(),
                name: Some(session.name.clone()),
                phone: session.phone.clone(),
                email: session.email.clone(),
                language: Some(session.language),
                channel_message_id,
                kind: Some(kind),
                body: text.or_else(|| attachment.as_ref().map(|a| a.filename.clone())),
                payload: choice.map(|id| serde_json::json!({ "id": id })),
                attachment,
                ..Inbound::default()
            },
        )?;
        match outcome {
            Outcome::Stored {
                conversation_id,
                message_id,
                ..
            } => created(&VisitorSent {
                message_id: Some(message_id),
                conversation_id: Some(conversation_id),
                duplicate: false,
            }),
            Outcome::Duplicate => ok(&VisitorSent {
                message_id: None,
                conversation_id: None,
                duplicate: true,
            }),
            Outcome::ClientInactive => Err(AppError::forbidden(
                "client_inactive",
                "this contact cannot open conversations",
            )),
        }
    })
}

/// The visitor's new messages.
#[derive(Serialize, ToSchema)]
pub struct Poll {
    messages: Vec<crate::conversation::sql::VisitorMessage>,
    /// Send back as `after` on the next poll.
    cursor: i64,
}

/// Poll for messages
///
/// The visitor's messages after `after` (agent messages read here count as delivered).
#[utoipa::path(get, path = "/widget/{channel_id}/messages",
    params(("after" = Option<i64>, Query, description = "The `cursor` of the last poll")),
    responses((status = 200, description = "New messages", body = Poll)))]
pub fn poll(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |channel| {
        let channel = webchat(channel)?;
        let session = visitor(ctx, req, &channel)?;
        let after = req.query().parse::<i64>("after")?.unwrap_or(0);
        let messages = crate::conversation::sql::visitor_messages(
            ctx.db,
            channel.tenant,
            channel.id,
            &session.external_id,
            after,
        )?;
        let cursor = messages.last().map_or(after, |m| m.id);
        ok(&Poll { messages, cursor })
    })
}

/// FAQ articles a customer may read.
#[derive(Serialize, ToSchema)]
pub struct Articles {
    items: Vec<crate::config::sql::PublicArticle>,
}

/// Search the FAQ
///
/// Up to 20 articles visible to customers, by title and text.
#[utoipa::path(get, path = "/widget/{channel_id}/articles",
    params(("q" = Option<String>, Query, description = "Words to look for")),
    responses((status = 200, description = "Matching articles", body = Articles)))]
pub fn articles(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |channel| {
        let channel = webchat(channel)?;
        let found = crate::config::sql::public_articles(
            ctx.db,
            channel.tenant,
            req.query().get("q"),
            req.language(),
        )?;
        ok(&Articles { items: found })
    })
}

/// Download a file
///
/// A file of the visitor's conversations (what an agent sent, or what they uploaded).
#[utoipa::path(get, path = "/widget/{channel_id}/attachments/{id}",
    responses((status = 200, description = "The file, with its own content type", content_type = "*/*", body = Vec<u8>)))]
pub fn attachment(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    cors(ctx, req, |channel| {
        let channel = webchat(channel)?;
        let session = visitor(ctx, req, &channel)?;
        let (filename, content_type, data) = crate::conversation::sql::visitor_attachment(
            ctx.db,
            channel.tenant,
            channel.id,
            &session.external_id,
            req.param("id")?,
        )?
        .ok_or_else(|| AppError::not_found("attachment"))?;
        http::Response::builder()
            .header("content-type", content_type)
            .header(
                "content-disposition",
                format!(
                    "attachment; filename=\"{}\"",
                    filename.replace(['"', '\\', '\r', '\n'], "_")
                ),
            )
            .header("x-content-type-options", "nosniff")
            .body(data)
            .map_err(|e| AppError::Unexpected(e.into()))
    })
}
