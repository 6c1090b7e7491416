//! Outbound channel messages: stored first (so nothing an agent or the system says is lost),
//! then delivered through the channel's HTTP API by the scheduled work (`crate::outbound`),
//! with retries and back-off, ending `sent` or `failed` with the reason the agent sees.

use super::inbound::ChannelInfo;
use super::sql::{self, NewMessage};
use super::{Delivery, MessageKind, Role};
use crate::config::channel::ChannelType;
use crate::context::Ctx;
use crate::errors::AppResult;

/// Back-off after each failed attempt; after the last, the message is `failed`.
pub const BACKOFF_SECONDS: &[i64] = &[30, 120, 600, 3600];

/// Stores an outbound message and queues its delivery; returns the message id. Web chat
/// messages are delivered by the visitor's poll, so they are `sent` at once.
#[allow(clippy::too_many_arguments)]
pub fn enqueue(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    role: Role,
    sender: Option<i64>,
    body: &str,
    rendered: &str,
    template: Option<&serde_json::Value>,
    now: i64,
) -> AppResult<i64> {
    let payload = template.map(|t| serde_json::json!({ "template": t }));
    enqueue_with(
        ctx,
        channel,
        conversation,
        role,
        sender,
        body,
        rendered,
        payload.as_ref(),
        now,
    )
}

/// [`enqueue`] with the message's payload as given: a template (`{"template": …}`) or a bot's
/// options (`{"choices": …}`, [`providers::Choices`]) the delivery turns into buttons.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_with(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    role: Role,
    sender: Option<i64>,
    body: &str,
    rendered: &str,
    payload: Option<&serde_json::Value>,
    now: i64,
) -> AppResult<i64> {
    let webchat = channel.doc.kind == ChannelType::Webchat;
    let message = sql::insert_message(
        ctx.db,
        channel.tenant,
        &NewMessage {
            conversation_id: conversation,
            channel_id: channel.id,
            role,
            sender_id: sender,
            kind: MessageKind::Text,
            body: Some(body),
            payload,
            attachment_id: None,
            channel_message_id: None,
            delivery: Some(if webchat {
                Delivery::Sent
            } else {
                Delivery::Queued
            }),
            now,
        },
    )?
    .ok_or_else(|| {
        crate::errors::AppError::Unexpected(anyhow::anyhow!("outbound message not stored"))
    })?;
    if !webchat {
        ctx.db.execute(
            "INSERT INTO outbox (tenant_id, message_id, rendered, status, next_attempt_at, created_at, updated_at) \
             VALUES (?, ?, ?, 'queued', ?, ?, ?)",
            &[channel.tenant.into(), message.into(), rendered.into(), now.into(), now.into(), now.into()],
        )?;
    }
    Ok(message)
}
