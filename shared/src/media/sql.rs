//! Every SQL statement that touches the `media_fetches` table (and the message and attachment
//! a fetch completes).

use crate::config::channel::ChannelDoc;
use crate::ids::TenantId;
use crate::ports::{DbError, Sql, Value};

/// How long a claimed fetch is left alone by other workers while it downloads.
const LEASE_MS: i64 = 120_000;

pub struct Due {
    pub id: i64,
    pub tenant: TenantId,
    pub message_id: i64,
    pub conversation_id: i64,
    pub kind: String,
    pub attempts: i64,
    /// The message's `payload.media`: where the file is and what the provider said of it.
    pub media: serde_json::Value,
    pub channel: Option<ChannelDoc>,
}

/// Claims up to `limit` due fetches (a lease so overlapping workers never fetch twice).
pub fn claim(db: &dyn Sql, now: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let rows = db.execute(
        "UPDATE media_fetches SET next_attempt_at = ?1 + ?2, updated_at = ?1 \
         WHERE id IN (SELECT id FROM media_fetches WHERE status = 'queued' AND next_attempt_at <= ?1 \
                      ORDER BY next_attempt_at LIMIT ?3) \
         RETURNING id, tenant_id, message_id, attempts, \
           (SELECT m.conversation_id FROM messages m WHERE m.id = media_fetches.message_id) AS conversation_id, \
           (SELECT m.kind FROM messages m WHERE m.id = media_fetches.message_id) AS kind, \
           (SELECT json_extract(m.payload, '$.media') FROM messages m WHERE m.id = media_fetches.message_id) AS media, \
           (SELECT c.data FROM messages m JOIN config_items c ON c.id = m.channel_id \
              WHERE m.id = media_fetches.message_id) AS channel",
        &[now.into(), LEASE_MS.into(), limit.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.i64("id")?,
                tenant: TenantId(r.i64("tenant_id")?),
                message_id: r.i64("message_id")?,
                conversation_id: r.opt_i64("conversation_id")?.unwrap_or(0),
                kind: r.opt_text("kind")?.unwrap_or_default(),
                attempts: r.i64("attempts")?,
                media: r
                    .opt_text("media")?
                    .and_then(|m| serde_json::from_str(&m).ok())
                    .unwrap_or(serde_json::Value::Null),
                channel: r
                    .opt_text("channel")?
                    .and_then(|c| serde_json::from_str(&c).ok()),
            })
        })
        .collect()
}

/// The file arrived: the attachment, the message pointing at it, the fetch done — one
/// statement each, inside the caller's transaction.
pub fn complete(db: &dyn Sql, due: &Due, attachment_id: i64, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE messages SET attachment_id = ?1, \
           payload = json_remove(json_set(payload, '$.media.status', 'fetched'), '$.media.error') \
         WHERE tenant_id = ?2 AND id = ?3",
        &[
            attachment_id.into(),
            due.tenant.into(),
            due.message_id.into(),
        ],
    )?;
    db.execute(
        "UPDATE media_fetches SET status = 'fetched', attempts = attempts + 1, last_error = NULL, \
         updated_at = ?1 WHERE id = ?2",
        &[now.into(), due.id.into()],
    )?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or failed for good (`None`); the message shows
/// the reason either way.
pub fn attempt_failed(
    db: &dyn Sql,
    due: &Due,
    reason: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    let status = if retry_at.is_some() {
        "retrying"
    } else {
        "failed"
    };
    db.execute(
        "UPDATE messages SET payload = json_set(payload, '$.media.status', ?1, '$.media.error', ?2) \
         WHERE tenant_id = ?3 AND id = ?4",
        &[
            status.into(),
            reason.into(),
            due.tenant.into(),
            due.message_id.into(),
        ],
    )?;
    db.execute(
        "UPDATE media_fetches SET status = CASE WHEN ?1 IS NULL THEN 'failed' ELSE 'queued' END, \
           next_attempt_at = COALESCE(?1, next_attempt_at), attempts = attempts + 1, \
           last_error = ?2, updated_at = ?3 WHERE id = ?4",
        &[
            retry_at.map_or(Value::Null, Value::Integer),
            reason.into(),
            now.into(),
            due.id.into(),
        ],
    )?;
    Ok(())
}
