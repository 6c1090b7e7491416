//! The console's reads: a group's quick replies and the colleagues a conversation may go to.

use crate::conversation::sql::agent_load;
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct QuickReply {
    pub shortcut: String,
    pub text: String,
}

/// The active quick replies of the group and those of every group, by shortcut; a group's
/// own reply wins over a company-wide one with the same shortcut (as sending resolves it).
pub fn quick_replies(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
) -> Result<Vec<QuickReply>, DbError> {
    let rows = db.execute(
        "SELECT json_extract(data, '$.shortcut') AS shortcut, json_extract(data, '$.text') AS text, \
                MIN(ref_id IS NULL) AS general \
         FROM config_items WHERE tenant_id = ? AND kind = 'quick_reply' AND status = 'active' \
           AND (ref_id = ? OR ref_id IS NULL) \
         GROUP BY json_extract(data, '$.shortcut') ORDER BY shortcut COLLATE NOCASE LIMIT 500",
        &[tenant.into(), group.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(QuickReply {
                shortcut: r.text("shortcut")?,
                text: r.text("text")?,
            })
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Colleague {
    pub id: i64,
    pub display_name: String,
    pub status: String,
    pub load: i64,
    pub max_concurrent: i64,
}

/// Active members of `group` other than `me` who are ready (or paused, when allowed) and
/// below their limit of simultaneous conversations.
pub fn colleagues(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    me: UserId,
    paused_too: bool,
) -> Result<Vec<Colleague>, DbError> {
    let rows = db.execute(
        concat!(
            "SELECT id, display_name, status, load, max_concurrent FROM (\
               SELECT u.id, u.display_name, s.status, u.max_concurrent, ",
            agent_load!("u.tenant_id", "u.id"),
            " AS load FROM group_members m \
               JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
               JOIN agent_status s ON s.tenant_id = m.tenant_id AND s.user_id = m.user_id \
               WHERE m.tenant_id = ?1 AND m.group_id = ?2 AND m.user_id <> ?3 AND u.status = 'active' \
                 AND (s.status = 'ready' OR (?4 AND s.status = 'paused'))) \
             WHERE load < max_concurrent ORDER BY load, display_name COLLATE NOCASE"
        ),
        &[tenant.into(), group.into(), me.into(), paused_too.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Colleague {
                id: r.i64("id")?,
                display_name: r.text("display_name")?,
                status: r.text("status")?,
                load: r.i64("load")?,
                max_concurrent: r.i64("max_concurrent")?,
            })
        })
        .collect()
}

/// The `limit` messages just before message `before` (the newest when `before` is `None`),
/// oldest first — how the console opens a long conversation at its end and pages back.
pub fn messages_before(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<crate::conversation::Message>, DbError> {
    use crate::conversation::sql::{decode_message, MESSAGE_COLUMNS};
    let rows = db.execute(
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ? AND conversation_id = ? AND id < ? \
             ORDER BY id DESC LIMIT ?"
        ),
        &[
            tenant.into(),
            conversation.into(),
            before.unwrap_or(i64::MAX).into(),
            limit.into(),
        ],
    )?;
    let mut page = rows
        .iter()
        .map(|r| decode_message(&r))
        .collect::<Result<Vec<_>, _>>()?;
    page.reverse();
    Ok(page)
}
