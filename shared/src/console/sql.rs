//! The console's reads: a group's quick replies and the colleagues a conversation may go to.

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = QuickReplyChoice)]
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
