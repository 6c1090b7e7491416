//! Outbound channel messages: stored first (so nothing an agent or the system says is lost),
//! then delivered through the channel's HTTP API by the scheduled work, with retries and
//! back-off, ending `sent` or `failed` with the reason the agent sees.

use super::inbound::ChannelInfo;
use super::sql::{self, NewMessage};
use super::{Delivery, MessageKind, Role};
use crate::config::channel::{ChannelDoc, ChannelType};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::providers;

/// Back-off after each failed attempt; after the last, the message is `failed`.
pub const BACKOFF_SECONDS: &[i64] = &[30, 120, 600, 3600];
/// How long a claimed item is left alone by other workers while it is being sent.
const LEASE_MS: i64 = 60_000;

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

/// A claimed delivery with what sending it needs.
struct Due {
    outbox_id: i64,
    tenant: TenantId,
    message_id: i64,
    attempts: i64,
    rendered: String,
    reply_to: String,
    subject: Option<String>,
    channel: ChannelDoc,
    kind: String,
    attachment_id: Option<i64>,
    /// A WhatsApp template to send instead of the text.
    template: Option<serde_json::Value>,
    /// A bot's options, sent as buttons.
    choices: Option<providers::Choices>,
}

/// Claims up to `limit` due deliveries (a lease so overlapping workers never send twice).
fn claim(db: &dyn Sql, now: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let rows = db.execute(
        "UPDATE outbox SET next_attempt_at = ?1 + ?2, updated_at = ?1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1 \
                      ORDER BY next_attempt_at LIMIT ?3) \
         RETURNING id, tenant_id, message_id, attempts, rendered, \
           (SELECT v.reply_to FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.id = outbox.message_id) AS reply_to, \
           (SELECT v.subject FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.id = outbox.message_id) AS subject, \
           (SELECT c.data FROM messages m JOIN config_items c ON c.id = m.channel_id WHERE m.id = outbox.message_id) AS channel, \
           (SELECT m.kind FROM messages m WHERE m.id = outbox.message_id) AS kind, \
           (SELECT m.attachment_id FROM messages m WHERE m.id = outbox.message_id) AS attachment_id, \
           (SELECT m.payload FROM messages m WHERE m.id = outbox.message_id) AS payload",
        &[now.into(), LEASE_MS.into(), limit.into()],
    )?;
    let mut due = Vec::new();
    for r in rows.iter() {
        let Ok(channel) =
            serde_json::from_str::<ChannelDoc>(&r.opt_text("channel")?.unwrap_or_default())
        else {
            continue;
        };
        let payload = r
            .opt_text("payload")?
            .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok());
        due.push(Due {
            outbox_id: r.i64("id")?,
            tenant: TenantId(r.i64("tenant_id")?),
            message_id: r.i64("message_id")?,
            attempts: r.i64("attempts")?,
            rendered: r.opt_text("rendered")?.unwrap_or_default(),
            reply_to: r.opt_text("reply_to")?.unwrap_or_default(),
            subject: r.opt_text("subject")?,
            channel,
            kind: r.opt_text("kind")?.unwrap_or_default(),
            attachment_id: r.opt_i64("attachment_id")?,
            template: payload
                .as_ref()
                .map(|p| p["template"].clone())
                .filter(|t| t.is_object()),
            choices: payload.and_then(|p| serde_json::from_value(p["choices"].clone()).ok()),
        });
    }
    Ok(due)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Delivers what is due now; one call per tick.
pub fn deliver_due(ctx: &Ctx, limit: i64) -> AppResult<DeliveryReport> {
    let now = ctx.now_ms();
    let mut report = DeliveryReport::default();
    for item in claim(ctx.db, now, limit)? {
        let file = match item.attachment_id {
            Some(id) => crate::inbox::sql::attachment(ctx.db, item.tenant, id)?.map(|a| {
                providers::OutgoingFile {
                    kind: super::MessageKind::parse(&item.kind)
                        .unwrap_or(super::MessageKind::Document),
                    filename: a.filename,
                    content_type: a.content_type,
                    data: a.data,
                }
            }),
            None => None,
        };
        let request = providers::Outgoing {
            to: &item.reply_to,
            text: &item.rendered,
            subject: item.subject.as_deref(),
            file: file.as_ref(),
            template: item.template.as_ref(),
            choices: item.choices.as_ref(),
        };
        let result = providers::send(ctx, &item.channel, &request);
        let attempts = item.attempts + 1;
        match result {
            Ok(provider_id) => {
                ctx.db.execute(
                    "UPDATE outbox SET status = 'sent', attempts = ?, last_error = NULL, updated_at = ? WHERE id = ?",
                    &[attempts.into(), now.into(), item.outbox_id.into()],
                )?;
                ctx.db.execute(
                    "UPDATE messages SET delivery = CASE WHEN delivery = 'queued' THEN 'sent' ELSE delivery END, \
                     channel_message_id = COALESCE(channel_message_id, ?) WHERE tenant_id = ? AND id = ?",
                    // A provider that gives no id leaves it NULL (never ''), so the next
                    // id-less send does not collide on the unique index.
                    &[provider_id.into(), item.tenant.into(), item.message_id.into()],
                )?;
                report.sent += 1;
            }
            Err(e) => {
                let backoff = BACKOFF_SECONDS.get(item.attempts as usize).copied();
                match (e.permanent, backoff) {
                    (false, Some(seconds)) => {
                        ctx.db.execute(
                            "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
                            &[attempts.into(), e.reason.clone().into(), (now + seconds * 1000).into(), now.into(), item.outbox_id.into()],
                        )?;
                        report.retried += 1;
                    }
                    _ => {
                        ctx.db.execute(
                            "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?, updated_at = ? WHERE id = ?",
                            &[attempts.into(), e.reason.clone().into(), now.into(), item.outbox_id.into()],
                        )?;
                        ctx.db.execute(
                            "UPDATE messages SET delivery = 'failed', delivery_error = ? WHERE tenant_id = ? AND id = ?",
                            &[e.reason.into(), item.tenant.into(), item.message_id.into()],
                        )?;
                        report.failed += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}
