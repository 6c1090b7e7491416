//! Outbound webhooks to customers' systems (SPEC §6): each event is queued for every active
//! webhook subscribed to it — in the same transaction as the change it reports — then posted
//! as JSON with an HMAC-SHA256 signature, retried with back-off, logged per webhook.

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;
use serde_json::Value;

/// Back-off after each failed attempt; after the last, the delivery is `failed`.
pub const BACKOFF_SECONDS: &[i64] = &[10, 60, 300, 1800, 7200];
/// The signature header: `sha256=<hex HMAC of the body under the webhook's secret>`.
pub const SIGNATURE_HEADER: &str = "x-atende-signature-256";

/// The conversation as every event about it shows it (one SQL expression, so no path can
/// build it differently).
const CONVERSATION_JSON: &str = "json_object('id', v.id, 'protocol', v.protocol, 'channel_id', v.channel_id, \
    'channel', v.channel_type, 'client_id', v.client_id, 'group_id', v.group_id, 'agent_id', v.agent_id, \
    'status', v.status, 'priority', v.priority, 'language', v.language, \
    'arrived_at', strftime('%Y-%m-%dT%H:%M:%fZ', v.arrived_at / 1000.0, 'unixepoch'), \
    'closed_at', strftime('%Y-%m-%dT%H:%M:%fZ', v.closed_at / 1000.0, 'unixepoch'), 'closed_by', v.closed_by)";

/// Queues `event` about a conversation for every subscribed webhook: `details` with the
/// conversation's id, protocol and current row set over it — one statement, nothing read back.
pub fn emit_for_conversation(
    db: &dyn Sql,
    tenant: TenantId,
    event: &str,
    conversation: i64,
    details: &Value,
    now: i64,
) -> Result<(), DbError> {
    let details = if details.is_object() {
        details.to_string()
    } else {
        "{}".to_owned()
    };
    db.execute(
        &format!(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, payload, status, next_attempt_at, created_at) \
             SELECT w.tenant_id, w.id, ?2, json_object('event', ?2, 'created_at', ?5, 'data', \
                      json_set(json(?4), '$.conversation_id', v.id, '$.protocol', v.protocol, '$.conversation', {CONVERSATION_JSON})), \
                    'queued', ?6, ?6 \
             FROM config_items w JOIN conversations v ON v.tenant_id = w.tenant_id AND v.id = ?3 \
             WHERE w.tenant_id = ?1 AND w.kind = 'webhook' AND w.status = 'active' \
               AND EXISTS (SELECT 1 FROM json_each(json_extract(w.data, '$.events')) WHERE value = ?2)"
        ),
        &[
            tenant.into(),
            event.into(),
            conversation.into(),
            details.into(),
            ms_to_rfc3339(now).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Every event some active webhook of the tenant subscribes to (bulk work asks once).
pub fn subscriptions(db: &dyn Sql, tenant: TenantId) -> Result<Vec<String>, DbError> {
    let rows = db.execute(
        "SELECT DISTINCT e.value AS event FROM config_items w, json_each(json_extract(w.data, '$.events')) e \
         WHERE w.tenant_id = ? AND w.kind = 'webhook' AND w.status = 'active'",
        &[tenant.into()],
    )?;
    rows.iter().map(|r| r.text("event")).collect()
}

crate::enums::stored_enum!(
    /// Queued until delivered, or failed after its last attempt.
    DeliveryStatus {
        Queued = "queued",
        Delivered = "delivered",
        Failed = "failed",
    }
);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedDelivery {
    pub id: i64,
    pub event: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    #[schema(required = true)]
    pub response_status: Option<i64>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub payload: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub delivered_at: Option<String>,
}

/// The delivery log of one webhook, newest first.
pub fn log(
    db: &dyn Sql,
    tenant: TenantId,
    webhook: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<LoggedDelivery>, DbError> {
    let rows = db.execute(
        "SELECT id, event, status, attempts, response_status, last_error, payload, created_at, delivered_at \
         FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        &[tenant.into(), webhook.into(), limit.into(), offset.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(LoggedDelivery {
                id: r.i64("id")?,
                event: r.text("event")?,
                status: DeliveryStatus::decode(&r.text("status")?)?,
                attempts: r.i64("attempts")?,
                response_status: r.opt_i64("response_status")?,
                last_error: r.opt_text("last_error")?,
                payload: serde_json::from_str(&r.text("payload")?).unwrap_or(Value::Null),
                created_at: ms_to_rfc3339(r.i64("created_at")?),
                delivered_at: r.opt_i64("delivered_at")?.map(ms_to_rfc3339),
            })
        })
        .collect()
}
