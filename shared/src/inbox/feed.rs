//! The change feed each agent's console polls: everything new for that agent since a cursor,
//! read with one range scan of an index — cheap enough to poll every second or two.

use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;
use serde_json::Value;

/// How long entries are kept; a console away longer reloads its lists.
pub const RETENTION_MS: i64 = 24 * 3600 * 1000;

pub fn push(
    db: &dyn Sql,
    tenant: TenantId,
    user: i64,
    kind: &str,
    conversation: Option<i64>,
    data: &Value,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO inbox_feed (tenant_id, user_id, kind, conversation_id, data, at) VALUES (?, ?, ?, ?, ?, ?)",
        &[tenant.into(), user.into(), kind.into(), conversation.into(), data.to_string().into(), now.into()],
    )?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct FeedEntry {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub data: Value,
    pub at: String,
}

/// The statement of the poll (a test checks its query plan).
pub const POLL: &str = "SELECT id, kind, conversation_id, data, at FROM inbox_feed \
    WHERE tenant_id = ? AND user_id = ? AND id > ? ORDER BY id LIMIT 200";

pub fn after(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    cursor: i64,
) -> Result<Vec<FeedEntry>, DbError> {
    let rows = db.execute(POLL, &[tenant.into(), user.into(), cursor.into()])?;
    rows.iter()
        .map(|r| {
            Ok(FeedEntry {
                id: r.i64("id")?,
                kind: r.text("kind")?,
                conversation_id: r.opt_i64("conversation_id")?,
                data: r
                    .opt_text("data")?
                    .and_then(|d| serde_json::from_str(&d).ok())
                    .unwrap_or(Value::Null),
                at: ms_to_rfc3339(r.i64("at")?),
            })
        })
        .collect()
}

/// Drops entries past their retention (run by the scheduled tick).
pub fn prune(db: &dyn Sql, now: i64) -> Result<(), DbError> {
    db.execute(
        "DELETE FROM inbox_feed WHERE at < ?",
        &[(now - RETENTION_MS).into()],
    )?;
    Ok(())
}
