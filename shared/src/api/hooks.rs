//! `/hooks/{provider}/{channel_id}`: inbound provider webhooks. Each is verified before
//! anything is read (a bad signature is 401 and stores nothing); a repeated delivery changes
//! nothing; an unknown message type is stored as `unsupported` with its raw payload.

use crate::config::channel::ChannelType;
use crate::context::Ctx;
use crate::conversation::inbound::{receive, ChannelInfo, Outcome};
use crate::conversation::sql::apply_delivery_status;
use crate::errors::{AppError, AppResult};
use crate::providers::{
    email, hmac_sha256_matches, secret_matches, sms, telegram, whatsapp, InboundEvent,
};
use crate::web::{ok, Request, Response};
use serde::Serialize;
use serde_json::Value;

/// Provider webhooks carry text and media references, not media bytes.
const HOOK_LIMIT: usize = 1024 * 1024;
/// E-mail bodies carry their attachments.
const EMAIL_LIMIT: usize = 8 * 1024 * 1024;

#[derive(Debug, Default, Serialize)]
pub struct Accepted {
    pub messages: usize,
    pub duplicates: usize,
    pub statuses: usize,
    pub ignored: usize,
}

fn channel(ctx: &Ctx, req: &Request, kind: ChannelType) -> AppResult<ChannelInfo> {
    let channel = ChannelInfo::load(ctx, req.param("channel_id")?)?;
    if channel.doc.kind != kind {
        return Err(AppError::not_found("channel"));
    }
    Ok(channel)
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
        AppError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })
}

/// A new conversation is work: hand it out now, not at the next tick. The message is already
/// stored, so a failure here (a busy database) is logged and left to the tick rather than
/// answered with an error the provider would retry for a message it need not send again.
pub(crate) fn distribute_after_store(ctx: &Ctx, tenant: crate::ids::TenantId, group: i64) {
    if let Err(e) = crate::routing::distribute_soon(ctx, tenant, group) {
        let detail = match &e {
            AppError::Api(crate::errors::ApiError { log: Some(d), .. }) => d.to_string(),
            other => other.to_string(),
        };
        eprintln!("distribution after a stored message left to the tick: {detail}");
    }
}

/// Stores every event of one delivery.
pub fn apply(ctx: &Ctx, channel: &ChannelInfo, events: Vec<InboundEvent>) -> AppResult<Accepted> {
    let mut accepted = Accepted::default();
    for event in events {
        match event {
            InboundEvent::Message(m) => match receive(ctx, channel, *m)? {
                Outcome::Stored {
                    protocol_opened: Some(_),
                    group_id: Some(group),
                    ..
                } => {
                    accepted.messages += 1;
                    distribute_after_store(ctx, channel.tenant, group);
                }
                Outcome::Stored { .. } => accepted.messages += 1,
                Outcome::Duplicate => accepted.duplicates += 1,
                Outcome::ClientInactive => accepted.ignored += 1,
            },
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
            InboundEvent::Ignored(why) => {
                eprintln!("channel {}: ignored an inbound event: {why}", channel.id);
                accepted.ignored += 1;
            }
        }
    }
    Ok(accepted)
}

/// `GET`: the Cloud API's verification handshake — echo `hub.challenge` when the token matches.
pub fn whatsapp_verify(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Whatsapp)?;
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

pub fn whatsapp(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Whatsapp)?;
    req.require_size(HOOK_LIMIT)?;
    let signature = req
        .header("x-hub-signature-256")
        .and_then(|s| s.strip_prefix("sha256="));
    let secret = channel.credential("app_secret").unwrap_or("");
    if !signature.is_some_and(|s| hmac_sha256_matches(secret, req.body(), s)) {
        return Err(bad_signature());
    }
    let body = parse_json(req, HOOK_LIMIT)?;
    ok(&apply(ctx, &channel, whatsapp::parse(&body))?)
}

pub fn telegram(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Telegram)?;
    if !secret_matches(
        channel.credential("secret_token"),
        req.header("x-telegram-bot-api-secret-token"),
    ) {
        return Err(bad_signature());
    }
    let body = parse_json(req, HOOK_LIMIT)?;
    ok(&apply(ctx, &channel, telegram::parse(&body))?)
}

/// The shared secret of e-mail and SMS providers: `X-Atende-Secret`, or a bearer token.
fn shared_secret_ok(channel: &ChannelInfo, req: &Request) -> bool {
    let given = req.header("x-atende-secret").or_else(|| req.bearer_token());
    secret_matches(channel.credential("inbound_secret"), given)
}

pub fn email(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Email)?;
    if !shared_secret_ok(&channel, req) {
        return Err(bad_signature());
    }
    let body = parse_json(req, EMAIL_LIMIT)?;
    let events = email::parse(&body).map_err(|m| AppError::invalid("body", m))?;
    ok(&apply(ctx, &channel, events)?)
}

pub fn sms(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let channel = channel(ctx, req, ChannelType::Sms)?;
    if !shared_secret_ok(&channel, req) {
        return Err(bad_signature());
    }
    let body = parse_json(req, HOOK_LIMIT)?;
    let events = sms::parse(&body).map_err(|m| AppError::invalid("body", m))?;
    ok(&apply(ctx, &channel, events)?)
}
