//! Outbound webhooks to customers' systems (SPEC §6): each event is queued for every active
//! webhook subscribed to it — in the same transaction as the change it reports — then posted
//! as JSON with an HMAC-SHA256 signature, retried with back-off, logged per webhook.

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;
use serde_json::{json, Value};

/// Back-off after each failed attempt; after the last, the delivery is `failed`.
pub const BACKOFF_SECONDS: &[i64] = &[10, 60, 300, 1800, 7200];
/// The signature header: `sha256=<hex HMAC of the body under the webhook's secret>`.
pub const SIGNATURE_HEADER: &str = "x-atende-signature-256";

/// Queues `event` for every active webhook of the tenant that subscribes to it (one statement;
/// nothing when there is none).
pub fn emit(
    db: &dyn Sql,
    tenant: TenantId,
    event: &str,
    data: &Value,
    now: i64,
) -> Result<(), DbError> {
    let payload =
        json!({"event": event, "created_at": ms_to_rfc3339(now), "data": data}).to_string();
    db.execute(
        "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, payload, status, next_attempt_at, created_at) \
         SELECT tenant_id, id, ?2, ?3, 'queued', ?4, ?4 FROM config_items \
         WHERE tenant_id = ?1 AND kind = 'webhook' AND status = 'active' \
         AND EXISTS (SELECT 1 FROM json_each(json_extract(data, '$.events')) WHERE value = ?2)",
        &[tenant.into(), event.into(), payload.into(), now.into()],
    )?;
    Ok(())
}

/// Whether any active webhook of the tenant subscribes to `event` (bulk work asks once).
pub fn subscribed(db: &dyn Sql, tenant: TenantId, event: &str) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 AS yes FROM config_items WHERE tenant_id = ?1 AND kind = 'webhook' AND status = 'active' \
         AND EXISTS (SELECT 1 FROM json_each(json_extract(data, '$.events')) WHERE value = ?2) LIMIT 1",
        &[tenant.into(), event.into()],
    )?;
    Ok(!rows.is_empty())
}

#[derive(Debug, Serialize)]
pub struct LoggedDelivery {
    pub id: i64,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub response_status: Option<i64>,
    pub last_error: Option<String>,
    pub payload: Value,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// The delivery log of one webhook, newest first.
pub fn log(
    db: &dyn Sql,
    tenant: TenantId,
    webhook: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<LoggedDelivery>, i64), DbError> {
    let total = crate::db::scalar_i64(&db.execute(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ?",
        &[tenant.into(), webhook.into()],
    )?)?;
    let rows = db.execute(
        "SELECT id, event, status, attempts, response_status, last_error, payload, created_at, delivered_at \
         FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        &[tenant.into(), webhook.into(), limit.into(), offset.into()],
    )?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(LoggedDelivery {
                id: r.i64("id")?,
                event: r.text("event")?,
                status: r.text("status")?,
                attempts: r.i64("attempts")?,
                response_status: r.opt_i64("response_status")?,
                last_error: r.opt_text("last_error")?,
                payload: serde_json::from_str(&r.text("payload")?).unwrap_or(Value::Null),
                created_at: ms_to_rfc3339(r.i64("created_at")?),
                delivered_at: r.opt_i64("delivered_at")?.map(ms_to_rfc3339),
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok((items, total))
}
