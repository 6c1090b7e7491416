//! `/hooks/{provider}/{channel_id}`: inbound provider webhooks. Each is verified before
//! anything is read (a bad signature is 401 and stores nothing); every field is checked
//! before anything of the delivery is stored (a bad one is a 4xx, logged); a repeated delivery
//! changes nothing; an unknown message type is stored as `unsupported` with its raw payload.

use crate::config::channel::ChannelType;
use crate::context::Ctx;
use crate::conversation::inbound::{receive, ChannelInfo, Outcome};
use crate::conversation::sql::apply_delivery_status;
use crate::errors::{AppError, AppResult};
use crate::providers::form::{self, Form};
use crate::providers::{
    email, hmac_sha256_matches, meta, secret_matches, sms, telegram, whatsapp, InboundEvent,
    Invalid,
};
use crate::web::{ok, Request, Response};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Provider webhooks carry text and media references, not media bytes.
const HOOK_LIMIT: usize = 1024 * 1024;
/// E-mail bodies carry their attachments.
const EMAIL_LIMIT: usize = 16 * 1024 * 1024;
/// How old a signed timestamp (Mailgun) may be: a captured request replayed later is refused.
pub const SIGNATURE_MAX_AGE_SECONDS: i64 = 5 * 60;

/// What a delivery brought: messages stored, repeats of stored ones, delivery statuses,
/// edits and reactions, and events for no channel of this app.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Accepted {
    pub messages: usize,
    pub duplicates: usize,
    pub statuses: usize,
    pub updates: usize,
    pub ignored: usize,
}

fn channel(ctx: &Ctx, req: &Request, kind: ChannelType) -> AppResult<ChannelInfo> {
    channel_reading_ahead(ctx, req, kind, None)
}

/// [`channel`], reading ahead for a delivery of one message from `sender` what storing it
/// reads first ([`ChannelInfo::load_reading_ahead`]).
fn channel_reading_ahead(
    ctx: &Ctx,
    req: &Request,
    kind: ChannelType,
    sender: Option<&str>,
) -> AppResult<ChannelInfo> {
    let sender = sender.map(|s| (kind.as_str(), s));
    let channel = ChannelInfo::load_reading_ahead(ctx, req.param("channel_id")?, sender)?;
    if channel.doc.kind != kind {
        return Err(AppError::not_found("channel"));
    }
    Ok(channel)
}

/// A delivery's body and its events, parsed before the signature is checked only so the
/// channel's read can read ahead for its sender ([`channel_reading_ahead`]): nothing is acted
/// on, and an error is answered in its usual turn, after the signature's.
type Parsed<E> = AppResult<(Value, Result<Vec<E>, Invalid>)>;

/// The largest delivery parsed before its signature is checked. One message is a few KB; a
/// bigger body (a batch, or a caller without the secret) is parsed only once the signature
/// holds, as before: a megabyte of JSON costs tens of milliseconds of CPU.
const READ_AHEAD_LIMIT: usize = 16 * 1024;

/// The delivery parsed ahead, when it is small enough ([`READ_AHEAD_LIMIT`]).
fn parse_ahead<E>(
    req: &Request,
    events: impl Fn(&Value) -> Result<Vec<E>, Invalid>,
) -> Option<Parsed<E>> {
    (req.body().len() <= READ_AHEAD_LIMIT).then(|| parse_now(req, events))
}

fn parse_now<E>(req: &Request, events: impl Fn(&Value) -> Result<Vec<E>, Invalid>) -> Parsed<E> {
    parse_json(req, HOOK_LIMIT).map(|body| {
        let parsed = events(&body);
        (body, parsed)
    })
}

/// The sender of a delivery that is one customer message and nothing else: what its storing
/// reads first is then known before the channel is read.
fn sole_sender<E>(parsed: &Option<Parsed<E>>, event: impl Fn(&E) -> &InboundEvent) -> Option<&str> {
    match parsed {
        Some(Ok((_, Ok(events)))) => match events.as_slice() {
            [only] => match event(only) {
                InboundEvent::Message(m) => Some(m.external_id.as_str()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn bad_signature() -> AppError {
    AppError::unauthorized(
        "bad_signature",
        "the request signature does not match this channel",
    )
}

fn parse_json(req: &Request, limit: usize) -> AppResult<Value> {
    req.require_size(limit)?;
    serde_json::from_slice(req.body()).map_err(|e| {
        AppError::bad_request(
            "malformed_json",
            crate::errors::Text::new("the body is not valid JSON: {detail}").with("detail", e),
        )
    })
}

fn parse_form(channel: &ChannelInfo, req: &Request, limit: usize) -> AppResult<Form> {
    req.require_size(limit)?;
    form::parse(req.header("content-type").unwrap_or(""), req.body())
        .map_err(|e| refused(channel, e))
}

/// A delivery refused for one field: logged (the provider's dashboard shows only a status),
/// answered 422 with the field.
fn refused(channel: &ChannelInfo, e: Invalid) -> AppError {
    eprintln!(
        "channel {} ({}): refused an inbound delivery: {} {}",
        channel.id,
        channel.doc.kind.as_str(),
        e.field,
        e.message
    );
    AppError::invalid(&e.field, e.message)
}

/// Checks every message of a delivery before any is stored: nothing is half-stored.
fn validate(channel: &ChannelInfo, events: &[InboundEvent]) -> AppResult<()> {
    for event in events {
        let message = match event {
            InboundEvent::Message(m) => m,
            InboundEvent::Edit { fallback, .. } => fallback,
            _ => continue,
        };
        if let Err(e) = message.validate() {
            return Err(refused(
                channel,
                crate::providers::invalid(e.field, e.message),
            ));
        }
    }
    Ok(())
}

/// Checks, then stores, every event of one delivery.
pub fn apply(ctx: &Ctx, channel: &ChannelInfo, events: Vec<InboundEvent>) -> AppResult<Accepted> {
    validate(channel, &events)?;
    let mut accepted = Accepted::default();
    apply_into(ctx, channel, events, &mut accepted)?;
    Ok(accepted)
}

fn store(
    ctx: &Ctx,
    channel: &ChannelInfo,
    m: crate::conversation::inbound::Inbound,
    accepted: &mut Accepted,
) -> AppResult<()> {
    match receive(ctx, channel, m)? {
        // A new conversation is handed out by the lifecycle once it is stored.
        Outcome::Stored { .. } => accepted.messages += 1,
        Outcome::Duplicate => accepted.duplicates += 1,
        Outcome::ClientInactive => accepted.ignored += 1,
    }
    Ok(())
}

fn apply_into(
    ctx: &Ctx,
    channel: &ChannelInfo,
    events: Vec<InboundEvent>,
    accepted: &mut Accepted,
) -> AppResult<()> {
    for event in events {
        match event {
            InboundEvent::Message(m) => store(ctx, channel, *m, accepted)?,
            InboundEvent::Status {
                channel_message_id,
                status,
                error,
            } => {
                apply_delivery_status(
                    ctx.db,
                    channel.tenant,
                    channel.id,
                    &channel_message_id,
                    status,
                    error.as_deref(),
                )?;
                accepted.statuses += 1;
            }
            InboundEvent::Reaction { target, emoji } => {
                let marked = crate::conversation::sql::mark_reaction(
                    ctx.db,
                    channel.tenant,
                    channel.id,
                    &target,
                    emoji.as_deref(),
                )?;
                if let Some((message, conversation)) = marked {
                    crate::media::tell_agent(
                        ctx,
                        channel.tenant,
                        conversation,
                        message,
                        "reaction",
                    )?;
                    accepted.updates += 1;
                } else {
                    eprintln!(
                        "channel {}: a reaction to an unknown message {target} ignored",
                        channel.id
                    );
                    accepted.ignored += 1;
                }
            }
            InboundEvent::Edit {
                original,
                body,
                fallback,
            } => {
                let edited = crate::conversation::sql::edit_message(
                    ctx.db,
                    channel.tenant,
                    channel.id,
                    &original,
                    body.as_deref(),
                    ctx.now_ms(),
                )?;
                match edited {
                    Some((message, conversation)) => {
                        crate::media::tell_agent(
                            ctx,
                            channel.tenant,
                            conversation,
                            message,
                            "edit",
                        )?;
                        accepted.updates += 1;
                    }
                    // The original never reached us: the edited text is all there is.
                    None => store(ctx, channel, *fallback, accepted)?,
                }
            }
            InboundEvent::Ignored(why) => {
                eprintln!("channel {}: ignored an inbound event: {why}", channel.id);
                accepted.ignored += 1;
            }
        }
    }
    Ok(())
}

/// `GET`: the Meta verification handshake — echo `hub.challenge` when the token matches.
pub fn meta_verify(ctx: &Ctx, req: &Request, kind: ChannelType) -> AppResult<Response> {
    let channel = channel(ctx, req, kind)?;
    let query = req.query();
    let token_ok = secret_matches(
        channel.credential("verify_token"),
        query.get("hub.verify_token"),
    );
    if query.get("hub.mode") != Some("subscribe") || !token_ok {
        return Err(AppError::forbidden(
            "verification_failed",
            "hub.mode or hub.verify_token does not match",
        ));
    }
    let challenge = query.get("hub.challenge").unwrap_or("").to_owned();
    http::Response::builder()
        .header("content-type", "text/plain")
        .body(challenge.into_bytes())
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// WhatsApp verification handshake
///
/// Meta's subscription check: answers `hub.challenge` when `hub.mode` is `subscribe` and
/// `hub.verify_token` is the channel's `verify_token`.
#[utoipa::path(get, path = "/hooks/whatsapp/{channel_id}",
    params(
        ("hub.mode" = String, Query, description = "`subscribe`"),
        ("hub.verify_token" = String, Query, description = "The channel's `verify_token`"),
        ("hub.challenge" = String, Query, description = "Echoed back")),
    responses((status = 200, description = "The challenge", content_type = "text/plain", body = String)))]
pub fn whatsapp_verify(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    meta_verify(ctx, req, ChannelType::Whatsapp)
}

/// `X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the Meta app secret.
fn meta_signature_ok(channel: &ChannelInfo, req: &Request) -> bool {
    let signature = req
        .header("x-hub-signature-256")
        .and_then(|s| s.strip_prefix("sha256="));
    let secret = channel.credential("app_secret").unwrap_or("");
    signature.is_some_and(|s| hmac_sha256_matches(secret, req.body(), s))
}

/// Every Meta channel is the account in the payload (`phone_number_id`, a page id), never the
/// URL alone: one app's webhook carries the events of all its numbers and pages. The URL's
/// channel only says whose app secret signed the delivery; an account belongs to another
/// channel of the same tenant only when that channel is of the same app (same secret).
pub fn route_meta(
    ctx: &Ctx,
    url_channel: &ChannelInfo,
    account_key: &str,
    events: Vec<(String, InboundEvent)>,
) -> AppResult<Accepted> {
    let mut accepted = Accepted::default();
    let mut groups: Vec<(String, Vec<InboundEvent>)> = Vec::new();
    for (account, event) in events {
        match groups.iter_mut().find(|(a, _)| *a == account) {
            Some((_, list)) => list.push(event),
            None => groups.push((account, vec![event])),
        }
    }
    let mut routed = Vec::new();
    for (account, events) in groups {
        if url_channel.credential(account_key) == Some(account.as_str()) {
            routed.push((None, events));
            continue;
        }
        let sibling = crate::config::sql::by_unique_key(
            ctx.db,
            url_channel.tenant,
            "channel",
            &format!("{}:{account}", url_channel.doc.kind.as_str()),
        )?
        .filter(|s| s.status == crate::enums::Status::Active)
        .and_then(|s| {
            let doc = serde_json::from_str(&s.data).ok()?;
            Some(ChannelInfo {
                tenant: url_channel.tenant,
                id: s.id,
                doc,
            })
        })
        .filter(|s| {
            s.doc.kind == url_channel.doc.kind
                && secret_matches(
                    url_channel.credential("app_secret"),
                    s.credential("app_secret"),
                )
        });
        match sibling {
            Some(s) => routed.push((Some(s), events)),
            None => {
                eprintln!(
                    "channel {}: {} event(s) for {account_key} {account}, which no channel of this app has, ignored",
                    url_channel.id,
                    events.len()
                );
                accepted.ignored += events.len();
            }
        }
    }
    // Validate every group first: a bad field anywhere refuses the whole delivery.
    for (target, events) in &routed {
        validate(target.as_ref().unwrap_or(url_channel), events)?;
    }
    for (target, events) in routed {
        apply_into(
            ctx,
            target.as_ref().unwrap_or(url_channel),
            events,
            &mut accepted,
        )?;
    }
    Ok(accepted)
}

/// WhatsApp webhook
///
/// A delivery from WhatsApp (messages, statuses, edits, reactions), signed with
/// `X-Hub-Signature-256` (hex HMAC-SHA256 of the raw body with the channel's `app_secret`).
/// The account comes from the payload, so one app serving several channels stores each
/// message once on its own channel.
#[utoipa::path(post, path = "/hooks/whatsapp/{channel_id}",
    request_body(content = Object, description = "Meta's webhook payload", content_type = "application/json"),
    params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex>`")),
    responses((status = 200, description = "Accepted", body = Accepted)))]
pub fn whatsapp(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let ahead = parse_ahead(req, whatsapp::parse);
    let sender = sole_sender(&ahead, |(_, e)| e);
    let channel = channel_reading_ahead(ctx, req, ChannelType::Whatsapp, sender)?;
    req.require_size(HOOK_LIMIT)?;
    if !meta_signature_ok(&channel, req) {
        return Err(bad_signature());
    }
    let (_, events) = ahead.unwrap_or_else(|| parse_now(req, whatsapp::parse))?;
    let events = events.map_err(|e| refused(&channel, e))?;
    ok(&route_meta(ctx, &channel, "phone_number_id", events)?)
}

fn meta_messaging(ctx: &Ctx, req: &Request, kind: ChannelType) -> AppResult<Response> {
    let events_of = |body: &Value| meta::parse(kind, body);
    let ahead = parse_ahead(req, events_of);
    let sender = sole_sender(&ahead, |(_, e)| e);
    let channel = channel_reading_ahead(ctx, req, kind, sender)?;
    req.require_size(HOOK_LIMIT)?;
    if !meta_signature_ok(&channel, req) {
        return Err(bad_signature());
    }
    let (_, events) = ahead.unwrap_or_else(|| parse_now(req, events_of))?;
    let events = events.map_err(|e| refused(&channel, e))?;
    let key = kind.account_key().unwrap_or("page_id");
    ok(&route_meta(ctx, &channel, key, events)?)
}

/// Messenger verification handshake
///
/// Meta's subscription check: answers `hub.challenge` when `hub.mode` is `subscribe` and
/// `hub.verify_token` is the channel's `verify_token`.
#[utoipa::path(get, path = "/hooks/messenger/{channel_id}",
    params(
        ("hub.mode" = String, Query, description = "`subscribe`"),
        ("hub.verify_token" = String, Query, description = "The channel's `verify_token`"),
        ("hub.challenge" = String, Query, description = "Echoed back")),
    responses((status = 200, description = "The challenge", content_type = "text/plain", body = String)))]
pub fn messenger_verify(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    meta_verify(ctx, req, ChannelType::Messenger)
}

/// Messenger webhook
///
/// A delivery from Messenger (messages, statuses, edits, reactions), signed with
/// `X-Hub-Signature-256` (hex HMAC-SHA256 of the raw body with the channel's `app_secret`).
/// The account comes from the payload, so one app serving several channels stores each
/// message once on its own channel.
#[utoipa::path(post, path = "/hooks/messenger/{channel_id}",
    request_body(content = Object, description = "Meta's webhook payload", content_type = "application/json"),
    params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex>`")),
    responses((status = 200, description = "Accepted", body = Accepted)))]
pub fn messenger(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    meta_messaging(ctx, req, ChannelType::Messenger)
}

/// Instagram verification handshake
///
/// Meta's subscription check: answers `hub.challenge` when `hub.mode` is `subscribe` and
/// `hub.verify_token` is the channel's `verify_token`.
#[utoipa::path(get, path = "/hooks/instagram/{channel_id}",
    params(
        ("hub.mode" = String, Query, description = "`subscribe`"),
        ("hub.verify_token" = String, Query, description = "The channel's `verify_token`"),
        ("hub.challenge" = String, Query, description = "Echoed back")),
    responses((status = 200, description = "The challenge", content_type = "text/plain", body = String)))]
pub fn instagram_verify(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    meta_verify(ctx, req, ChannelType::Instagram)
}

/// Instagram webhook
///
/// A delivery from Instagram (messages, statuses, edits, reactions), signed with
/// `X-Hub-Signature-256` (hex HMAC-SHA256 of the raw body with the channel's `app_secret`).
/// The account comes from the payload, so one app serving several channels stores each
/// message once on its own channel.
#[utoipa::path(post, path = "/hooks/instagram/{channel_id}",
    request_body(content = Object, description = "Meta's webhook payload", content_type = "application/json"),
    params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex>`")),
    responses((status = 200, description = "Accepted", body = Accepted)))]
pub fn instagram(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    meta_messaging(ctx, req, ChannelType::Instagram)
}

/// What Telegram's webhook is answered: the Bot API method that stops a pressed button
/// spinning, or what the delivery brought.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum TelegramAnswer {
    Method(crate::providers::telegram::WebhookMethod),
    Accepted(Accepted),
}

/// Telegram webhook
///
/// An update from the Bot API (`setWebhook` with `secret_token`), checked by
/// `X-Telegram-Bot-Api-Secret-Token`.
#[utoipa::path(post, path = "/hooks/telegram/{channel_id}",
    request_body(content = Object, description = "A Telegram `Update`", content_type = "application/json"),
    params(("X-Telegram-Bot-Api-Secret-Token" = String, Header, description = "The channel's `secret_token`")),
    responses((status = 200, description = "Accepted", body = TelegramAnswer)))]
pub fn telegram(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let ahead = parse_ahead(req, telegram::parse);
    let sender = sole_sender(&ahead, |e| e);
    let channel = channel_reading_ahead(ctx, req, ChannelType::Telegram, sender)?;
    if !secret_matches(
        channel.credential("secret_token"),
        req.header("x-telegram-bot-api-secret-token"),
    ) {
        return Err(bad_signature());
    }
    let (body, events) = ahead.unwrap_or_else(|| parse_now(req, telegram::parse))?;
    let events = events.map_err(|e| refused(&channel, e))?;
    let accepted = apply(ctx, &channel, events)?;
    ok(&match telegram::webhook_answer(&body) {
        Some(method) => TelegramAnswer::Method(method),
        None => TelegramAnswer::Accepted(accepted),
    })
}

/// The shared secret of generic providers: `X-Atende-Secret`, or a bearer token.
fn shared_secret_ok(channel: &ChannelInfo, req: &Request) -> bool {
    let given = req.header("x-atende-secret").or_else(|| req.bearer_token());
    secret_matches(channel.credential("inbound_secret"), given)
}

/// HTTP Basic credentials in the webhook URL (`https://user:secret@host/...`): the password
/// is the channel's `inbound_secret`; the user, when `inbound_user` is set, must match too.
fn basic_auth_ok(channel: &ChannelInfo, req: &Request) -> bool {
    let Some(encoded) = req.header("authorization").and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    }) else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let decoded = String::from_utf8_lossy(&decoded);
    let Some((user, password)) = decoded.split_once(':') else {
        return false;
    };
    let user_ok = match channel.credential("inbound_user") {
        Some(expected) => secret_matches(Some(expected), Some(user)),
        None => true,
    };
    user_ok && secret_matches(channel.credential("inbound_secret"), Some(password))
}

/// Mailgun: `signature` = hex HMAC-SHA256 of `timestamp` + `token` under the webhook signing
/// key, with the timestamp no older than [`SIGNATURE_MAX_AGE_SECONDS`].
fn mailgun_signature(ctx: &Ctx, channel: &ChannelInfo, form: &Form) -> AppResult<()> {
    let (Some(timestamp), Some(token), Some(signature)) = (
        form.get("timestamp"),
        form.get("token"),
        form.get("signature"),
    ) else {
        return Err(bad_signature());
    };
    let key = channel.credential("signing_key").unwrap_or("");
    if !hmac_sha256_matches(key, format!("{timestamp}{token}").as_bytes(), signature) {
        return Err(bad_signature());
    }
    if !fresh(ctx, timestamp) {
        return Err(stale());
    }
    Ok(())
}

fn stale() -> AppError {
    AppError::unauthorized(
        "stale_signature",
        "the signed timestamp is too old (or not a time)",
    )
}

fn fresh(ctx: &Ctx, timestamp: &str) -> bool {
    timestamp
        .trim()
        .parse::<i64>()
        .is_ok_and(|t| (ctx.now_ms() / 1000 - t).abs() <= SIGNATURE_MAX_AGE_SECONDS)
}

/// SendGrid: its signature when the channel has SendGrid's `verification_key` (a security
/// policy on the Parse webhook), else HTTP Basic.
fn sendgrid_verified(ctx: &Ctx, channel: &ChannelInfo, req: &Request) -> AppResult<()> {
    let Some(key) = channel.credential("verification_key") else {
        return if basic_auth_ok(channel, req) {
            Ok(())
        } else {
            Err(bad_signature())
        };
    };
    let (Some(signature), Some(timestamp)) = (
        req.header("x-twilio-email-event-webhook-signature"),
        req.header("x-twilio-email-event-webhook-timestamp"),
    ) else {
        return Err(bad_signature());
    };
    if !email::sendgrid_signature_ok(key, timestamp, req.body(), signature) {
        return Err(bad_signature());
    }
    if !fresh(ctx, timestamp) {
        return Err(stale());
    }
    Ok(())
}

/// E-mail webhook
///
/// An inbound e-mail from the channel's `provider`: Postmark (JSON, HTTP Basic), SendGrid
/// Inbound Parse (multipart form, ECDSA signature or HTTP Basic), Mailgun (form, HMAC of
/// `timestamp`+`token`), or the generic JSON (`X-Atende-Secret` or bearer `inbound_secret`).
#[utoipa::path(post, path = "/hooks/email/{channel_id}",
    request_body(content(
        (Object = "application/json"),
        (Object = "multipart/form-data"),
        (Object = "application/x-www-form-urlencoded")),
        description = "The provider's inbound e-mail"),
    responses((status = 200, description = "Accepted", body = Accepted)))]
pub fn email(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Email)?;
    let provider = channel.credential("provider").unwrap_or("generic");
    let mail = match provider {
        "postmark" => {
            if !basic_auth_ok(&channel, req) {
                return Err(bad_signature());
            }
            email::from_postmark(&parse_json(req, EMAIL_LIMIT)?)
        }
        "sendgrid" => {
            sendgrid_verified(ctx, &channel, req)?;
            email::from_sendgrid(&parse_form(&channel, req, EMAIL_LIMIT)?)
        }
        "mailgun" => {
            let form = parse_form(&channel, req, EMAIL_LIMIT)?;
            mailgun_signature(ctx, &channel, &form)?;
            email::from_mailgun(&form)
        }
        _ => {
            if !shared_secret_ok(&channel, req) {
                return Err(bad_signature());
            }
            email::from_generic(&parse_json(req, EMAIL_LIMIT)?)
        }
    }
    .map_err(|e| refused(&channel, e))?;
    let thread = crate::conversation::sql::thread_sender(
        ctx.db,
        channel.tenant,
        channel.id,
        email::plus_tag(&mail).as_deref(),
        &mail
            .in_reply_to
            .iter()
            .chain(&mail.references)
            .cloned()
            .collect::<Vec<_>>(),
    )?;
    let mut events = email::events(mail).map_err(|e| refused(&channel, e))?;
    if let Some(owner) = thread {
        // A reply in a thread (by its headers or the plus-address) joins that thread's open
        // conversation even from another address (a colleague in copy); who wrote it stays
        // in the message's `from`.
        for event in &mut events {
            if let InboundEvent::Message(m) = event {
                if m.external_id != owner {
                    m.external_id.clone_from(&owner);
                    m.email = None;
                    m.name = None;
                }
            }
        }
    }
    ok(&apply(ctx, &channel, events)?)
}

/// The URL Twilio called, as it signed it: the channel's `webhook_url` when set (behind a
/// proxy the host we see may differ), else Spin's `spin-full-url`, else rebuilt from `Host`.
fn twilio_url(channel: &ChannelInfo, req: &Request) -> String {
    if let Some(url) = channel.credential("webhook_url") {
        return url.to_owned();
    }
    if let Some(url) = req.header("spin-full-url") {
        return url.to_owned();
    }
    let scheme = req.header("x-forwarded-proto").unwrap_or("https");
    let host = req.header("host").unwrap_or_default();
    format!("{scheme}://{host}{}", req.path_and_query())
}

/// SMS webhook
///
/// An inbound SMS/MMS or a delivery status from the channel's `provider`: Twilio (form,
/// `X-Twilio-Signature`), Zenvia (JSON, `X-Atende-Secret`), or the generic JSON.
#[utoipa::path(post, path = "/hooks/sms/{channel_id}",
    request_body(content(
        (Object = "application/json"),
        (Object = "application/x-www-form-urlencoded")),
        description = "The provider's message or status"),
    responses((status = 200, description = "Accepted", body = Accepted)))]
pub fn sms(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Sms)?;
    let events = match channel.credential("provider").unwrap_or("generic") {
        "twilio" => {
            let form = parse_form(&channel, req, HOOK_LIMIT)?;
            let token = channel.credential("auth_token").unwrap_or("");
            let given = req.header("x-twilio-signature").unwrap_or("");
            if !sms::twilio_signature_matches(token, &twilio_url(&channel, req), &form, given) {
                return Err(bad_signature());
            }
            sms::parse_twilio(&form)
        }
        "zenvia" => {
            if !shared_secret_ok(&channel, req) {
                return Err(bad_signature());
            }
            sms::parse_zenvia(&parse_json(req, HOOK_LIMIT)?)
        }
        _ => {
            if !shared_secret_ok(&channel, req) {
                return Err(bad_signature());
            }
            sms::parse_generic(&parse_json(req, HOOK_LIMIT)?)
        }
    }
    .map_err(|e| refused(&channel, e))?;
    ok(&apply(ctx, &channel, events)?)
}
