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
    written(tenant, user);
    Ok(())
}

/// How long an agent's poll trusts what it last found in its feed without reading it again.
/// Every write to a feed forgets its entry once committed ([`written`]); this bounds how late
/// an entry is seen when a poll raced that write (docs/decisions/0016).
const HEAD_CACHED_MS: i64 = 10_000;

/// Rows at most one poll returns.
const PAGE: usize = 200;

/// The key-value entry of `user`'s feed head (the poll reads it ahead with its session).
pub fn head_key(tenant: TenantId, user: UserId) -> String {
    format!("feed:{}:{}", tenant.0, user.0)
}

/// Announces entries written to `user`'s feed: their polls read SQLite again once the writing
/// request has committed. Whoever writes `inbox_feed` calls it.
pub fn written(tenant: TenantId, user: i64) {
    crate::cache::forget_after_commit(head_key(tenant, UserId(user)));
}

/// The agent's poll, answered from the key-value store while nothing was written to the feed
/// since the last poll found it empty after `cursor` and the scheduled work ran in the last
/// [`crate::tick::DUE_AFTER_MS`]: then nothing touches SQLite. Otherwise [`poll`], whose
/// finding is kept for the next one.
pub fn poll_cached(
    ctx: &crate::Ctx,
    tenant: TenantId,
    user: UserId,
    cursor: i64,
    now: i64,
) -> Result<Poll, DbError> {
    let key = head_key(tenant, user);
    let cached: Option<i64> = crate::cache::get(ctx.kv, &key, now, HEAD_CACHED_MS);
    let ran = crate::tick::ran_recently(ctx, now);
    // A poll whose session's user was just read again from SQLite (its entry had expired) reads
    // its feed there too, on the connection already open, and writes the head's entry with the
    // user's: the two then expire together, and an idle agent's polls open one connection in
    // [`HEAD_CACHED_MS`], not one for each entry (docs/decisions/0021).
    let along = crate::cache::refilled();
    if cached.is_some_and(|h| cursor >= h) && ran && !along {
        return Ok(Poll {
            events: Vec::new(),
            tick_due: false,
        });
    }
    let mut found = poll(
        ctx.db,
        tenant,
        user,
        cursor,
        now,
        crate::tick::due_before(now),
    )?;
    // A run asked for in the last seconds is not asked for again, though the lease may not
    // show it yet.
    if ran {
        found.tick_due = false;
    } else if found.tick_due {
        crate::tick::asked(ctx, now);
    }
    // A full page may have more behind it; anything less ends at the feed's head. A key-value
    // write costs more than a read (Spin's default store commits each to disk), so an entry
    // that already says this is left as it is.
    if found.events.len() < PAGE {
        let head = found.events.last().map_or(cursor, |e| e.id);
        if cached != Some(head) || along {
            crate::cache::put(ctx.kv, &key, now, &head);
        }
    }
    Ok(found)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedEntry {
    pub id: i64,
    pub kind: String,
    #[schema(required = true)]
    pub conversation_id: Option<i64>,
    pub data: Value,
    #[schema(format = DateTime)]
    pub at: String,
}

/// The statement of the poll (a test checks its query plan).
pub const POLL: &str = "SELECT id, kind, conversation_id, data, at FROM inbox_feed \
    WHERE tenant_id = ? AND user_id = ? AND id > ? ORDER BY id LIMIT 200";

/// The agent's poll: [`POLL`], and in the same statement the scheduled work's due-check — one
/// more row, all NULL, when the tick has neither run since `?5` nor is running now (`?4` is
/// now). It reads the tick's lease here, outside its table's module, so that an idle poll is
/// one statement under Spin rather than two (docs/decisions/0011).
pub const POLL_OR_DUE: &str = "SELECT id, kind, conversation_id, data, at FROM \
    (SELECT id, kind, conversation_id, data, at FROM inbox_feed \
     WHERE tenant_id = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT 200) \
    UNION ALL SELECT NULL, NULL, NULL, NULL, NULL WHERE NOT EXISTS \
    (SELECT 1 FROM tick_leases WHERE name = 'tick' AND (expires_at > ?4 OR last_run_at > ?5))";

/// What an agent's poll found: the feed after its cursor, and whether the tick is due.
#[derive(Debug)]
pub struct Poll {
    pub events: Vec<FeedEntry>,
    pub tick_due: bool,
}

pub fn poll(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    cursor: i64,
    now: i64,
    due_before: i64,
) -> Result<Poll, DbError> {
    let mut rows = db.execute(
        POLL_OR_DUE,
        &[
            tenant.into(),
            user.into(),
            cursor.into(),
            now.into(),
            due_before.into(),
        ],
    )?;
    let before = rows.rows.len();
    rows.rows
        .retain(|r| !matches!(r.first(), Some(crate::ports::Value::Null)));
    Ok(Poll {
        tick_due: rows.rows.len() < before,
        events: entries(&rows)?,
    })
}

fn entries(rows: &crate::ports::Rows) -> Result<Vec<FeedEntry>, DbError> {
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
