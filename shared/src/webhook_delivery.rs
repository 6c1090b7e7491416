//! Outbound webhooks to customers' systems (SPEC §6): each event is queued for every active
//! webhook subscribed to it — in the same transaction as the change it reports — then posted
//! as JSON with an HMAC-SHA256 signature, retried with back-off, logged per webhook.

use crate::config::webhook::WebhookDoc;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::providers::hmac_sha256_hex;
use crate::time::ms_to_rfc3339;
use serde::Serialize;
use serde_json::{json, Value};

/// Back-off after each failed attempt; after the last, the delivery is `failed`.
pub const BACKOFF_SECONDS: &[i64] = &[10, 60, 300, 1800, 7200];
const LEASE_MS: i64 = 60_000;
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

/// Whether any active webhook of the tenant subscribes to `event` (bulk work asks once).
pub fn subscribed(db: &dyn Sql, tenant: TenantId, event: &str) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 AS yes FROM config_items WHERE tenant_id = ?1 AND kind = 'webhook' AND status = 'active' \
         AND EXISTS (SELECT 1 FROM json_each(json_extract(data, '$.events')) WHERE value = ?2) LIMIT 1",
        &[tenant.into(), event.into()],
    )?;
    Ok(!rows.is_empty())
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Posts what is due now; one call per tick.
pub fn deliver_due(ctx: &Ctx, limit: i64) -> AppResult<Report> {
    let now = ctx.now_ms();
    let rows = ctx.db.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = ?1 + ?2 \
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'queued' AND next_attempt_at <= ?1 \
                      ORDER BY next_attempt_at LIMIT ?3) \
         RETURNING id, event, payload, attempts, \
           (SELECT data FROM config_items c WHERE c.id = webhook_deliveries.webhook_id) AS webhook",
        &[now.into(), LEASE_MS.into(), limit.into()],
    )?;
    let mut report = Report::default();
    for r in rows.iter() {
        let id = r.i64("id")?;
        let attempts = r.i64("attempts")? + 1;
        let payload = r.text("payload")?;
        let Some(hook) = r
            .opt_text("webhook")?
            .and_then(|w| serde_json::from_str::<WebhookDoc>(&w).ok())
        else {
            finish(
                ctx.db,
                id,
                attempts,
                "failed",
                None,
                Some("the webhook no longer exists"),
                now,
            )?;
            report.failed += 1;
            continue;
        };
        let body = serde_json::to_vec(&{
            let mut v: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
            v["delivery_id"] = json!(id);
            v
        })
        .unwrap_or_default();
        let signature = format!("sha256={}", hmac_sha256_hex(&hook.secret, &body));
        let request = http::Request::builder()
            .method("POST")
            .uri(&hook.url)
            .header("content-type", "application/json")
            .header("user-agent", "Atende-Webhooks/1")
            .header("x-atende-event", r.text("event")?)
            .header("x-atende-delivery", id.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body);
        let outcome = match request {
            Err(e) => Err((None, format!("bad URL: {e}"), true)),
            Ok(request) => match ctx.http.send(request) {
                Ok(resp) if resp.status().is_success() => Ok(resp.status().as_u16()),
                Ok(resp) => Err((
                    Some(resp.status().as_u16()),
                    format!("answered {}", resp.status()),
                    false,
                )),
                Err(e) => Err((None, e.0, false)),
            },
        };
        match outcome {
            Ok(status) => {
                finish(ctx.db, id, attempts, "delivered", Some(status), None, now)?;
                report.delivered += 1;
            }
            Err((status, reason, permanent)) => {
                match BACKOFF_SECONDS.get((attempts - 1) as usize) {
                    Some(seconds) if !permanent => {
                        ctx.db.execute(
                        "UPDATE webhook_deliveries SET attempts = ?, response_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                        &[attempts.into(), status.map(i64::from).into(), reason.into(), (now + seconds * 1000).into(), id.into()],
                    )?;
                        report.retried += 1;
                    }
                    _ => {
                        finish(ctx.db, id, attempts, "failed", status, Some(&reason), now)?;
                        report.failed += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}

fn finish(
    db: &dyn Sql,
    id: i64,
    attempts: i64,
    status: &str,
    response: Option<u16>,
    error: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, last_error = ?, \
         delivered_at = CASE WHEN ? = 'delivered' THEN ? END WHERE id = ?",
        &[status.into(), attempts.into(), response.map(i64::from).into(), error.into(), status.into(), now.into(), id.into()],
    )?;
    Ok(())
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
