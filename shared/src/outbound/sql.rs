//! The outbound queues' data: claims of due items from `outbox` (replies through a provider)
//! and `webhook_deliveries` (posts to customers' systems), their outcomes, and the circuit
//! breakers in `outbound_circuits`.

use super::Caps;
use crate::ids::TenantId;
use crate::ports::{DbError, Sql};

/// A claimed reply with what sending it needs.
pub struct DueReply {
    pub outbox_id: i64,
    pub tenant: TenantId,
    pub message_id: i64,
    pub channel_id: i64,
    pub attempts: i64,
    pub rendered: String,
    pub reply_to: String,
    pub subject: Option<String>,
    /// The channel's stored document, decoded by the caller (which reports what fails).
    pub channel: Option<String>,
    pub kind: String,
    pub attachment_id: Option<i64>,
    pub payload: Option<String>,
    pub protocol: Option<String>,
    /// E-mail: the customer's last `Message-ID`, which the reply answers.
    pub in_reply_to: Option<String>,
}

/// Claims up to `caps.batch` due replies, interleaving tenants (each tenant's oldest first,
/// then every tenant's second, ...) and leaving out tenants that already have
/// `caps.per_tenant` in flight and channels whose circuit is open. The claim is a lease: a
/// worker that dies leaves the item to be claimed again after `lease_ms`.
pub fn claim_replies(
    db: &dyn Sql,
    now: i64,
    lease_ms: i64,
    caps: Caps,
) -> Result<Vec<DueReply>, DbError> {
    let rows = db.execute(
        "WITH busy AS (SELECT tenant_id, COUNT(*) AS n FROM outbox \
                       WHERE status = 'queued' AND leased_until > ?1 GROUP BY tenant_id), \
         due AS (SELECT o.id, o.next_attempt_at, \
                   ROW_NUMBER() OVER (PARTITION BY o.tenant_id ORDER BY o.next_attempt_at, o.id) \
                     + COALESCE(b.n, 0) AS tenant_rank \
                 FROM outbox o JOIN messages m ON m.id = o.message_id \
                 LEFT JOIN busy b ON b.tenant_id = o.tenant_id \
                 WHERE o.status = 'queued' AND o.next_attempt_at <= ?1 AND o.leased_until <= ?1 \
                   AND NOT EXISTS (SELECT 1 FROM outbound_circuits c \
                                   WHERE c.endpoint = 'channel:' || m.channel_id AND c.open_until > ?1)) \
         UPDATE outbox SET leased_until = ?1 + ?2, updated_at = ?1 \
         WHERE id IN (SELECT id FROM due WHERE tenant_rank <= ?3 \
                      ORDER BY tenant_rank, next_attempt_at, id LIMIT ?4) \
         RETURNING id, tenant_id, message_id, attempts, rendered, \
           (SELECT m.channel_id FROM messages m WHERE m.id = outbox.message_id) AS channel_id, \
           (SELECT v.reply_to FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.id = outbox.message_id) AS reply_to, \
           (SELECT v.subject FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.id = outbox.message_id) AS subject, \
           (SELECT c.data FROM messages m JOIN config_items c ON c.id = m.channel_id WHERE m.id = outbox.message_id) AS channel, \
           (SELECT m.kind FROM messages m WHERE m.id = outbox.message_id) AS kind, \
           (SELECT m.attachment_id FROM messages m WHERE m.id = outbox.message_id) AS attachment_id, \
           (SELECT m.payload FROM messages m WHERE m.id = outbox.message_id) AS payload, \
           (SELECT v.protocol FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.id = outbox.message_id) AS protocol, \
           (SELECT json_extract(p.payload, '$.message_id') FROM messages m \
              JOIN conversations v ON v.id = m.conversation_id AND v.channel_type = 'email' \
              JOIN messages p ON p.tenant_id = m.tenant_id AND p.conversation_id = m.conversation_id \
                AND p.role = 'customer' AND p.id < m.id \
              WHERE m.id = outbox.message_id AND json_extract(p.payload, '$.message_id') IS NOT NULL \
              ORDER BY p.id DESC LIMIT 1) AS in_reply_to",
        &[now.into(), lease_ms.into(), caps.per_tenant.into(), caps.batch.into()],
    )?;
    let mut due = Vec::with_capacity(rows.rows.len());
    for r in rows.iter() {
        due.push(DueReply {
            outbox_id: r.i64("id")?,
            tenant: TenantId(r.i64("tenant_id")?),
            message_id: r.i64("message_id")?,
            channel_id: r.opt_i64("channel_id")?.unwrap_or_default(),
            attempts: r.i64("attempts")?,
            rendered: r.opt_text("rendered")?.unwrap_or_default(),
            reply_to: r.opt_text("reply_to")?.unwrap_or_default(),
            subject: r.opt_text("subject")?,
            channel: r.opt_text("channel")?,
            kind: r.opt_text("kind")?.unwrap_or_default(),
            attachment_id: r.opt_i64("attachment_id")?,
            payload: r.opt_text("payload")?,
            protocol: r.opt_text("protocol")?,
            in_reply_to: r.opt_text("in_reply_to")?,
        });
    }
    // Oldest first across the batch, as they were claimed.
    due.sort_by_key(|d| d.outbox_id);
    Ok(due)
}

pub fn reply_sent(
    db: &dyn Sql,
    item: &DueReply,
    attempts: i64,
    provider_id: Option<String>,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE outbox SET status = 'sent', attempts = ?, last_error = NULL, leased_until = 0, updated_at = ? WHERE id = ?",
        &[attempts.into(), now.into(), item.outbox_id.into()],
    )?;
    // The provider's id lets its delivery statuses find the message. A provider that gives no
    // id, or one already stored on the channel (providers do repeat ids), leaves it NULL: the
    // message was sent all the same, and the unique index never fails the delivery.
    db.execute(
        "UPDATE messages SET delivery = CASE WHEN delivery = 'queued' THEN 'sent' ELSE delivery END, \
         channel_message_id = CASE WHEN channel_message_id IS NOT NULL OR ?1 IS NULL OR EXISTS ( \
             SELECT 1 FROM messages o WHERE o.tenant_id = ?2 AND o.channel_id = messages.channel_id \
               AND o.channel_message_id = ?1) THEN channel_message_id ELSE ?1 END \
         WHERE tenant_id = ?2 AND id = ?3",
        &[provider_id.into(), item.tenant.into(), item.message_id.into()],
    )?;
    Ok(())
}

pub fn reply_retry(
    db: &dyn Sql,
    item: &DueReply,
    attempts: i64,
    reason: &str,
    next_attempt_at: i64,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, leased_until = 0, updated_at = ? WHERE id = ?",
        &[attempts.into(), reason.into(), next_attempt_at.into(), now.into(), item.outbox_id.into()],
    )?;
    Ok(())
}

pub fn reply_failed(
    db: &dyn Sql,
    item: &DueReply,
    attempts: i64,
    reason: &str,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?, leased_until = 0, updated_at = ? WHERE id = ?",
        &[attempts.into(), reason.into(), now.into(), item.outbox_id.into()],
    )?;
    db.execute(
        "UPDATE messages SET delivery = 'failed', delivery_error = ? WHERE tenant_id = ? AND id = ?",
        &[reason.into(), item.tenant.into(), item.message_id.into()],
    )?;
    Ok(())
}

/// Gives a claimed reply back untouched (its channel just failed in this batch).
pub fn reply_release(db: &dyn Sql, outbox_id: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE outbox SET leased_until = 0 WHERE id = ?",
        &[outbox_id.into()],
    )?;
    Ok(())
}

/// A claimed webhook delivery.
pub struct DueHook {
    pub id: i64,
    pub tenant: TenantId,
    pub webhook_id: i64,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    /// The webhook's stored document, decoded by the caller.
    pub webhook: Option<String>,
}

/// [`claim_hooks`]' statement. `busy` is `MATERIALIZED`: the deliveries in flight are read
/// once. The local host's SQLite and Spin 4.0.2's (3.49.1) otherwise fold it into the two
/// correlated counts, and the tenant's count then read every delivery the company ever had
/// through `webhook_deliveries_webhook`, once for each due delivery, on every tick: 144 ms
/// natively on SQLite 3.49.1 with 67 deliveries due among a company's 20,000, 0.15 ms
/// materialized (a test keeps the plan).
pub const CLAIM_HOOKS: &str = "WITH busy AS MATERIALIZED (SELECT tenant_id, webhook_id FROM webhook_deliveries \
                   WHERE status = 'queued' AND leased_until > ?1), \
     due AS (SELECT d.id, d.next_attempt_at, \
               ROW_NUMBER() OVER (PARTITION BY d.tenant_id ORDER BY d.next_attempt_at, d.id) \
                 + (SELECT COUNT(*) FROM busy b WHERE b.tenant_id = d.tenant_id) AS tenant_rank, \
               ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) \
                 + (SELECT COUNT(*) FROM busy b WHERE b.webhook_id = d.webhook_id) AS endpoint_rank \
             FROM webhook_deliveries d \
             JOIN config_items w ON w.id = d.webhook_id AND w.status = 'active' \
             WHERE d.status = 'queued' AND d.next_attempt_at <= ?1 AND d.leased_until <= ?1 \
               AND NOT EXISTS (SELECT 1 FROM outbound_circuits c \
                               WHERE c.endpoint = 'webhook:' || d.webhook_id AND c.open_until > ?1)) \
     UPDATE webhook_deliveries SET leased_until = ?1 + ?2 \
     WHERE id IN (SELECT id FROM due WHERE tenant_rank <= ?3 AND endpoint_rank <= ?4 \
                  ORDER BY tenant_rank, next_attempt_at, id LIMIT ?5) \
     RETURNING id, tenant_id, webhook_id, event, payload, attempts, \
       (SELECT data FROM config_items c WHERE c.id = webhook_deliveries.webhook_id) AS webhook";

/// Claims due webhook deliveries of active webhooks, interleaving tenants, within the
/// in-flight caps per tenant and per webhook, skipping webhooks whose circuit is open.
pub fn claim_hooks(
    db: &dyn Sql,
    now: i64,
    lease_ms: i64,
    caps: Caps,
) -> Result<Vec<DueHook>, DbError> {
    let rows = db.execute(
        CLAIM_HOOKS,
        &[
            now.into(),
            lease_ms.into(),
            caps.per_tenant.into(),
            caps.per_endpoint.into(),
            caps.batch.into(),
        ],
    )?;
    let mut due = Vec::with_capacity(rows.rows.len());
    for r in rows.iter() {
        due.push(DueHook {
            id: r.i64("id")?,
            tenant: TenantId(r.i64("tenant_id")?),
            webhook_id: r.i64("webhook_id")?,
            event: r.text("event")?,
            payload: r.text("payload")?,
            attempts: r.i64("attempts")?,
            webhook: r.opt_text("webhook")?,
        });
    }
    due.sort_by_key(|d| d.id);
    Ok(due)
}

/// Ends a delivery: `delivered` or `failed`.
pub fn hook_finish(
    db: &dyn Sql,
    id: i64,
    attempts: i64,
    status: &str,
    response: Option<u16>,
    error: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, last_error = ?, leased_until = 0, \
         delivered_at = CASE WHEN ? = 'delivered' THEN ? END WHERE id = ?",
        &[status.into(), attempts.into(), response.map(i64::from).into(), error.into(), status.into(), now.into(), id.into()],
    )?;
    Ok(())
}

pub fn hook_retry(
    db: &dyn Sql,
    id: i64,
    attempts: i64,
    response: Option<u16>,
    reason: &str,
    next_attempt_at: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE webhook_deliveries SET attempts = ?, response_status = ?, last_error = ?, next_attempt_at = ?, leased_until = 0 \
         WHERE id = ?",
        &[attempts.into(), response.map(i64::from).into(), reason.into(), next_attempt_at.into(), id.into()],
    )?;
    Ok(())
}

pub fn hook_release(db: &dyn Sql, id: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE webhook_deliveries SET leased_until = 0 WHERE id = ?",
        &[id.into()],
    )?;
    Ok(())
}

/// [`cancel_hooks`]' statement. The `+` keeps `webhook_deliveries_webhook` out, so SQLite
/// finds the queued deliveries through the partial index of queued ones; through that index's
/// `(tenant_id, webhook_id)` it read every delivery the webhook ever had, holding the write
/// lock (1.3 ms natively at 10,000 deliveries; a test keeps the plan).
pub const CANCEL_HOOKS: &str =
    "UPDATE webhook_deliveries SET status = 'failed', last_error = ?, leased_until = 0 \
     WHERE +tenant_id = ? AND webhook_id = ? AND status = 'queued' RETURNING id";

/// Ends every queued delivery of a webhook being deactivated; returns how many.
pub fn cancel_hooks(
    db: &dyn Sql,
    tenant: TenantId,
    webhook: i64,
    reason: &str,
) -> Result<usize, DbError> {
    let rows = db.execute(
        CANCEL_HOOKS,
        &[reason.into(), tenant.into(), webhook.into()],
    )?;
    Ok(rows.rows.len())
}

/// A success closes the endpoint's circuit (a write only when it had failures).
pub fn circuit_success(db: &dyn Sql, endpoint: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE outbound_circuits SET failures = 0, opened = 0, open_until = 0, last_error = NULL, updated_at = ? \
         WHERE endpoint = ? AND failures > 0",
        &[now.into(), endpoint.into()],
    )?;
    Ok(())
}

/// Counts a failure. From the `threshold`-th in a row the circuit opens for `base_ms`,
/// doubling each time it opens again without a success between, up to `max_ms`; failures
/// of calls already in flight while it is open do not extend it. Returns until when it is
/// open (0: closed).
pub fn circuit_failure(
    db: &dyn Sql,
    tenant: TenantId,
    endpoint: &str,
    reason: &str,
    now: i64,
    (threshold, base_ms, max_ms): (i64, i64, i64),
) -> Result<i64, DbError> {
    let rows = db.execute(
        "INSERT INTO outbound_circuits (endpoint, tenant_id, failures, opened, open_until, last_error, updated_at) \
         VALUES (?1, ?2, 1, CASE WHEN 1 >= ?5 THEN 1 ELSE 0 END, CASE WHEN 1 >= ?5 THEN ?4 + ?6 ELSE 0 END, ?3, ?4) \
         ON CONFLICT (endpoint) DO UPDATE SET failures = failures + 1, last_error = ?3, updated_at = ?4, \
           opened = CASE WHEN open_until <= ?4 AND failures + 1 >= ?5 THEN opened + 1 ELSE opened END, \
           open_until = CASE WHEN open_until > ?4 THEN open_until \
                             WHEN failures + 1 >= ?5 THEN ?4 + MIN(?6 * (1 << MIN(opened, 20)), ?7) \
                             ELSE 0 END \
         RETURNING open_until",
        &[
            endpoint.into(),
            tenant.into(),
            reason.into(),
            now.into(),
            threshold.into(),
            base_ms.into(),
            max_ms.into(),
        ],
    )?;
    crate::db::scalar_i64(&rows)
}
