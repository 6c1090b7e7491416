//! Every SQL statement on `agent_status` and `agent_status_log`, and the agent-side
//! statements on conversations (pull, list, state changes).

use crate::conversation::sql::{agent_load, decode_conversation, CONVERSATION_COLUMNS};
use crate::conversation::{Conversation, State};
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AgentStatus {
    pub status: String,
    pub pause_reason: Option<String>,
    pub since: String,
}

pub fn status(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<AgentStatus>, DbError> {
    let rows = db.execute(
        "SELECT status, pause_reason, since FROM agent_status WHERE tenant_id = ? AND user_id = ?",
        &[tenant.into(), user.into()],
    )?;
    rows.first()
        .map(|r| {
            Ok(AgentStatus {
                status: r.text("status")?,
                pause_reason: r.opt_text("pause_reason")?,
                since: ms_to_rfc3339(r.i64("since")?),
            })
        })
        .transpose()
}

/// Sets the status (logging the change when it is one) in one statement pair.
pub fn set_status(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    status: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    let changed = db.execute(
        "INSERT INTO agent_status (tenant_id, user_id, status, pause_reason, since, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) \
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET status = ?3, pause_reason = ?4, last_seen_at = ?5, \
           since = CASE WHEN status = ?3 AND pause_reason IS ?4 THEN since ELSE ?5 END \
         RETURNING since = ?5 AS changed",
        &[tenant.into(), user.into(), status.into(), reason.into(), now.into()],
    )?;
    if changed
        .first()
        .map(|r| r.bool("changed"))
        .transpose()?
        .unwrap_or(false)
    {
        db.execute(
            "INSERT INTO agent_status_log (tenant_id, user_id, status, pause_reason, at) VALUES (?, ?, ?, ?, ?)",
            &[tenant.into(), user.into(), status.into(), reason.into(), now.into()],
        )?;
    }
    Ok(())
}

/// The console's heartbeat; written only when the stored one is older than 10 s. Read first:
/// an `UPDATE` takes SQLite's write lock even when it matches no row, so the recent case must
/// not run one (under Spin it would wait behind every other writer).
pub fn heartbeat(db: &dyn Sql, tenant: TenantId, user: UserId, now: i64) -> Result<(), DbError> {
    let stale = db.execute(
        "SELECT 1 AS stale FROM agent_status WHERE tenant_id = ?1 AND user_id = ?2 AND last_seen_at < ?3 - 10000",
        &[tenant.into(), user.into(), now.into()],
    )?;
    if stale.is_empty() {
        return Ok(());
    }
    db.execute(
        "UPDATE agent_status SET last_seen_at = ?1 WHERE tenant_id = ?2 AND user_id = ?3 AND last_seen_at < ?1 - 10000",
        &[now.into(), tenant.into(), user.into()],
    )?;
    Ok(())
}

pub fn is_member(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    user: UserId,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 AS yes FROM group_members WHERE tenant_id = ? AND group_id = ? AND user_id = ?",
        &[tenant.into(), group.into(), user.into()],
    )?;
    Ok(!rows.is_empty())
}

/// Takes the first conversation of the group's queue (priority first, then arrival) for
/// `agent` if they are below `limit` — one statement, so two pulls never take the same
/// conversation and an agent never passes their limit.
pub fn pull(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    agent: UserId,
    limit: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET status = 'assigned', agent_id = ?3, assigned_at = ?5, updated_at = ?5 \
             WHERE id = (SELECT id FROM conversations WHERE tenant_id = ?1 AND group_id = ?2 AND status = 'queued' \
                         ORDER BY priority DESC, arrived_at, id LIMIT 1) \
               AND status = 'queued' AND {load} < ?4 \
             RETURNING {CONVERSATION_COLUMNS}",
            load = agent_load!("?1", "?3")
        ),
        &[tenant.into(), group.into(), agent.into(), limit.into(), now.into()],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

/// Moves a conversation of `agent` from one of `from` to `to` (compare-and-set).
pub fn transition(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: Option<UserId>,
    from: &[State],
    to: State,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET status = ?1, updated_at = ?2 \
             WHERE tenant_id = ?3 AND id = ?4 AND (?5 IS NULL OR agent_id = ?5) \
               AND status IN (SELECT value FROM json_each(?6)) RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[
            to.into(),
            now.into(),
            tenant.into(),
            id.into(),
            agent.into(),
            serde_json::to_string(&from).unwrap_or_default().into(),
        ],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

pub struct Closing<'a> {
    pub closed_by: &'a str,
    pub classification_id: Option<i64>,
    pub reason_id: Option<i64>,
    pub sub_reason_id: Option<i64>,
    pub comment: Option<&'a str>,
    pub survey_due: bool,
}

/// Closes for good; `None` if it was already closed (or is not this agent's).
pub fn close(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: Option<UserId>,
    c: &Closing,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET status = 'closed', closed_at = ?1, closed_by = ?2, classification_id = ?3, \
               reason_id = ?4, sub_reason_id = ?5, close_comment = ?6, survey_due = ?7, updated_at = ?1 \
             WHERE tenant_id = ?8 AND id = ?9 AND (?10 IS NULL OR agent_id = ?10) AND status <> 'closed' \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[
            now.into(),
            c.closed_by.into(),
            c.classification_id.into(),
            c.reason_id.into(),
            c.sub_reason_id.into(),
            c.comment.into(),
            c.survey_due.into(),
            tenant.into(),
            id.into(),
            agent.into(),
        ],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

/// After an agent's message: first response time (once) and the agent's last activity.
pub fn touch_by_agent(db: &dyn Sql, tenant: TenantId, id: i64, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET last_agent_at = ?1, first_response_at = COALESCE(first_response_at, ?1), \
         status = CASE WHEN status = 'pending' THEN 'assigned' ELSE status END, updated_at = ?1 \
         WHERE tenant_id = ?2 AND id = ?3",
        &[now.into(), tenant.into(), id.into()],
    )?;
    Ok(())
}

pub fn mark_read(db: &dyn Sql, tenant: TenantId, id: i64, up_to: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET agent_last_read = MAX(agent_last_read, ?) WHERE tenant_id = ? AND id = ?",
        &[up_to.into(), tenant.into(), id.into()],
    )?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub id: i64,
    pub protocol: String,
    pub status: String,
    pub channel: String,
    pub group_id: Option<i64>,
    pub client_id: i64,
    pub client_name: String,
    pub arrived_at: String,
    pub unread: i64,
    pub last_message: Option<String>,
    pub last_message_at: Option<String>,
}

/// My open conversations in arrival order, with unread counts and the last message — one
/// statement.
pub fn my_conversations(
    db: &dyn Sql,
    tenant: TenantId,
    agent: UserId,
) -> Result<Vec<Summary>, DbError> {
    let rows = db.execute(
        "SELECT v.id, v.protocol, v.status, v.channel_type, v.group_id, v.client_id, c.display_name, v.arrived_at, \
           (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id \
              AND m.role = 'customer' AND m.id > v.agent_last_read) AS unread, \
           (SELECT m.body FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
              ORDER BY m.id DESC LIMIT 1) AS last_body, \
           (SELECT m.created_at FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
              ORDER BY m.id DESC LIMIT 1) AS last_at \
         FROM conversations v JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         WHERE v.tenant_id = ? AND v.agent_id = ? AND v.status IN ('assigned', 'pending', 'offered') \
         ORDER BY v.arrived_at, v.id",
        &[tenant.into(), agent.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Summary {
                id: r.i64("id")?,
                protocol: r.text("protocol")?,
                status: r.text("status")?,
                channel: r.text("channel_type")?,
                group_id: r.opt_i64("group_id")?,
                client_id: r.i64("client_id")?,
                client_name: r.text("display_name")?,
                arrived_at: ms_to_rfc3339(r.i64("arrived_at")?),
                unread: r.i64("unread")?,
                last_message: r.opt_text("last_body")?,
                last_message_at: r.opt_i64("last_at")?.map(ms_to_rfc3339),
            })
        })
        .collect()
}

pub fn assigned_count(db: &dyn Sql, tenant: TenantId, agent: UserId) -> Result<i64, DbError> {
    crate::db::scalar_i64(&db.execute(
        concat!("SELECT ", agent_load!("?1", "?2"), " AS n"),
        &[tenant.into(), agent.into()],
    )?)
}

pub struct Attachment {
    pub conversation_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub fn attachment(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<Attachment>, DbError> {
    let rows = db.execute(
        "SELECT conversation_id, filename, content_type, data FROM attachments WHERE tenant_id = ? AND id = ?",
        &[tenant.into(), id.into()],
    )?;
    rows.first()
        .map(|r| {
            Ok(Attachment {
                conversation_id: r.opt_i64("conversation_id")?,
                filename: r.text("filename")?,
                content_type: r.text("content_type")?,
                data: r.blob("data")?,
            })
        })
        .transpose()
}

/// Hands an open conversation to `to` if they have room — one statement, so concurrent
/// transfers never push an agent over their limit.
pub fn transfer_to_agent(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    from: Option<i64>,
    to: UserId,
    limit: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET agent_id = ?3, status = 'assigned', assigned_at = ?5, updated_at = ?5, agent_last_read = 0 \
             WHERE tenant_id = ?1 AND id = ?2 AND status IN ('assigned', 'pending') AND agent_id IS ?6 \
               AND {load} < ?4 \
             RETURNING {CONVERSATION_COLUMNS}",
            load = agent_load!("?1", "?3")
        ),
        &[tenant.into(), id.into(), to.into(), limit.into(), now.into(), from.into()],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

/// Back into another group's queue, keeping the customer's original arrival time.
pub fn transfer_to_group(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    from: Option<i64>,
    group: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET group_id = ?3, agent_id = NULL, status = 'queued', queued_at = ?4, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND status IN ('assigned', 'pending') AND agent_id IS ?5 \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), group.into(), now.into(), from.into()],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

/// The agent's current status and profile, for transfer checks.
pub fn availability(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<(String, String, i64, String)>, DbError> {
    let rows = db.execute(
        "SELECT u.profile, u.status AS user_status, u.max_concurrent, COALESCE(s.status, 'offline') AS agent_status \
         FROM users u LEFT JOIN agent_status s ON s.tenant_id = u.tenant_id AND s.user_id = u.id \
         WHERE u.tenant_id = ? AND u.id = ?",
        &[tenant.into(), user.into()],
    )?;
    rows.first()
        .map(|r| {
            Ok((
                r.text("profile")?,
                r.text("user_status")?,
                r.i64("max_concurrent")?,
                r.text("agent_status")?,
            ))
        })
        .transpose()
}

pub fn open_ids_of(db: &dyn Sql, tenant: TenantId, agent: UserId) -> Result<Vec<i64>, DbError> {
    let rows = db.execute(
        "SELECT id FROM conversations WHERE tenant_id = ? AND agent_id = ? AND status IN ('assigned', 'pending') ORDER BY arrived_at, id",
        &[tenant.into(), agent.into()],
    )?;
    rows.iter().map(|r| r.i64("id")).collect()
}

pub fn add_tag(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    tag: i64,
    by: UserId,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO conversation_tags (tenant_id, conversation_id, tag_id, added_by, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        &[tenant.into(), conversation.into(), tag.into(), by.into(), now.into()],
    )?;
    Ok(())
}

pub fn remove_tag(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    tag: i64,
) -> Result<(), DbError> {
    db.execute(
        "DELETE FROM conversation_tags WHERE tenant_id = ? AND conversation_id = ? AND tag_id = ?",
        &[tenant.into(), conversation.into(), tag.into()],
    )?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct TagOnConversation {
    pub id: i64,
    pub name: String,
    pub color: String,
}

pub fn tags(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Vec<TagOnConversation>, DbError> {
    let rows = db.execute(
        "SELECT c.id, c.name, json_extract(c.data, '$.color') AS color FROM conversation_tags t \
         JOIN config_items c ON c.tenant_id = t.tenant_id AND c.id = t.tag_id \
         WHERE t.tenant_id = ? AND t.conversation_id = ? ORDER BY c.name COLLATE NOCASE",
        &[tenant.into(), conversation.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(TagOnConversation {
                id: r.i64("id")?,
                name: r.text("name")?,
                color: r.text("color")?,
            })
        })
        .collect()
}

pub fn add_occurrence(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    kind: i64,
    comment: Option<&str>,
    by: UserId,
    now: i64,
) -> Result<i64, DbError> {
    crate::db::scalar_i64(&db.execute(
        "INSERT INTO conversation_occurrences (tenant_id, conversation_id, occurrence_type_id, comment, user_id, at) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        &[tenant.into(), conversation.into(), kind.into(), comment.into(), by.into(), now.into()],
    )?)
}

pub fn set_favourite(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    conversation: i64,
    on: bool,
) -> Result<(), DbError> {
    let sql = if on {
        "INSERT INTO conversation_favourites (tenant_id, user_id, conversation_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM conversation_favourites WHERE tenant_id = ? AND user_id = ? AND conversation_id = ?"
    };
    db.execute(sql, &[tenant.into(), user.into(), conversation.into()])?;
    Ok(())
}

/// The text of the quick reply with this shortcut for a group (its own first, then shared).
pub fn quick_reply(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    shortcut: &str,
) -> Result<Option<String>, DbError> {
    let rows = db.execute(
        "SELECT json_extract(data, '$.text') AS text FROM config_items WHERE tenant_id = ? AND kind = 'quick_reply' \
         AND status = 'active' AND unique_key IN (? || '/' || ?, 'all/' || ?) ORDER BY ref_id IS NULL LIMIT 1",
        &[tenant.into(), group.into(), shortcut.into(), shortcut.into()],
    )?;
    rows.first().map(|r| r.text("text")).transpose()
}

#[derive(Debug, Serialize)]
pub struct QueueCount {
    pub group_id: i64,
    pub name: String,
    pub waiting: i64,
    pub oldest_arrival: Option<String>,
}

/// Waiting customers per group I am a member of — one statement.
pub fn queue_counts(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<QueueCount>, DbError> {
    let rows = db.execute(
        "SELECT g.id, g.name, \
           (SELECT COUNT(*) FROM conversations v WHERE v.tenant_id = g.tenant_id AND v.group_id = g.id AND v.status = 'queued') AS waiting, \
           (SELECT MIN(arrived_at) FROM conversations v WHERE v.tenant_id = g.tenant_id AND v.group_id = g.id AND v.status = 'queued') AS oldest \
         FROM group_members m JOIN config_items g ON g.tenant_id = m.tenant_id AND g.id = m.group_id \
         WHERE m.tenant_id = ? AND m.user_id = ? AND g.status = 'active' ORDER BY g.name COLLATE NOCASE",
        &[tenant.into(), user.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(QueueCount {
                group_id: r.i64("id")?,
                name: r.text("name")?,
                waiting: r.i64("waiting")?,
                oldest_arrival: r.opt_i64("oldest")?.map(ms_to_rfc3339),
            })
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct PastConversation {
    pub id: i64,
    pub protocol: String,
    pub status: String,
    pub channel: String,
    pub group_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub arrived_at: String,
    pub closed_at: Option<String>,
    pub messages: i64,
    pub matching: i64,
}

/// A client's conversations since `since`, with message counts and (with `q`) how many of
/// their messages contain it; only those `visible_to` may see (see [`crate::inbox::history`]).
pub fn client_history(
    db: &dyn Sql,
    tenant: TenantId,
    client: i64,
    since: i64,
    q: Option<&str>,
    viewer: &Viewer,
) -> Result<Vec<PastConversation>, DbError> {
    let rows = db.execute(
        "SELECT v.id, v.protocol, v.status, v.channel_type, v.group_id, v.agent_id, u.display_name AS agent_name, \
                v.arrived_at, v.closed_at, \
                (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note') AS messages, \
                (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
                   AND ?4 IS NOT NULL AND m.body LIKE ?4 ESCAPE '\\') AS matching \
         FROM conversations v LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
         LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         WHERE v.tenant_id = ?1 AND v.client_id = ?2 AND v.arrived_at >= ?3 \
           AND (?5 = 1 \
                OR v.agent_id = ?6 \
                OR (COALESCE(u.confidential_history, 0) = 0 AND ( \
                     (?7 = 1 AND v.group_id IN (SELECT group_id FROM group_members WHERE tenant_id = ?1 AND user_id = ?6)) \
                  OR (?8 = 1 AND g.ref_id IN (SELECT c.ref_id FROM group_members gm JOIN config_items c ON c.tenant_id = gm.tenant_id AND c.id = gm.group_id \
                                             WHERE gm.tenant_id = ?1 AND gm.user_id = ?6)) \
                  OR (?9 = 1 AND g.ref_id IN (SELECT operation_id FROM supervisor_operations WHERE tenant_id = ?1 AND user_id = ?6))))) \
         ORDER BY v.arrived_at DESC, v.id DESC LIMIT 200",
        &[
            tenant.into(),
            client.into(),
            since.into(),
            q.map(crate::db::like_pattern).into(),
            viewer.sees_all.into(),
            viewer.user.into(),
            viewer.groups.into(),
            viewer.operations_of_groups.into(),
            viewer.supervised_operations.into(),
        ],
    )?;
    rows.iter()
        .map(|r| {
            Ok(PastConversation {
                id: r.i64("id")?,
                protocol: r.text("protocol")?,
                status: r.text("status")?,
                channel: r.text("channel_type")?,
                group_id: r.opt_i64("group_id")?,
                agent_id: r.opt_i64("agent_id")?,
                agent_name: r.opt_text("agent_name")?,
                arrived_at: ms_to_rfc3339(r.i64("arrived_at")?),
                closed_at: r.opt_i64("closed_at")?.map(ms_to_rfc3339),
                messages: r.i64("messages")?,
                matching: r.i64("matching")?,
            })
        })
        .collect()
}

/// What history a user may see (SPEC §1, §7): always their own conversations; their groups'
/// or operations' where their permissions say so; supervisors their operations'; admins all —
/// and never a colleague's whose history is confidential (admins excepted).
pub struct Viewer {
    pub user: UserId,
    pub sees_all: bool,
    pub groups: bool,
    pub operations_of_groups: bool,
    pub supervised_operations: bool,
}

/// Opens a new conversation for the client on the channel, assigned to `agent`.
pub fn open_for_agent(
    db: &dyn Sql,
    tenant: TenantId,
    source: &Conversation,
    protocol: &str,
    reply_to: &str,
    agent: UserId,
    now: i64,
) -> Result<Option<i64>, DbError> {
    let rows = db.execute(
        "INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id, status, agent_id, \
           language, reply_to, arrived_at, assigned_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'assigned', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        &[
            tenant.into(),
            protocol.into(),
            source.channel_id.into(),
            source.channel_type.as_str().into(),
            source.client_id.into(),
            source.group_id.into(),
            agent.into(),
            source.language.as_str().into(),
            reply_to.into(),
            now.into(),
            now.into(),
            now.into(),
            now.into(),
        ],
    )?;
    rows.first().map(|r| r.i64("id")).transpose()
}

pub fn reply_to(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<String>, DbError> {
    let rows = db.execute(
        "SELECT reply_to FROM conversations WHERE tenant_id = ? AND id = ?",
        &[tenant.into(), id.into()],
    )?;
    rows.first().map(|r| r.text("reply_to")).transpose()
}

#[derive(Debug, Serialize)]
pub struct Offer {
    pub conversation_id: i64,
    pub protocol: String,
    pub channel: String,
    pub phone: Option<String>,
    pub client_name: String,
    pub group_id: Option<i64>,
    pub queue: String,
    pub subject: Option<String>,
    /// Seconds since the customer arrived.
    pub waiting_seconds: i64,
    pub expires_at: Option<String>,
}

/// My open offers with what the console shows: channel and phone, queue, subject, wait.
pub fn offers(
    db: &dyn Sql,
    tenant: TenantId,
    agent: UserId,
    now: i64,
) -> Result<Vec<Offer>, DbError> {
    let rows = db.execute(
        "SELECT v.id, v.protocol, v.channel_type, c.phone, c.display_name, v.group_id, COALESCE(g.name, '') AS queue, \
                v.subject, v.arrived_at, v.offer_expires_at \
         FROM conversations v JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         WHERE v.tenant_id = ? AND v.agent_id = ? AND v.status = 'offered' ORDER BY v.arrived_at, v.id",
        &[tenant.into(), agent.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Offer {
                conversation_id: r.i64("id")?,
                protocol: r.text("protocol")?,
                channel: r.text("channel_type")?,
                phone: r.opt_text("phone")?,
                client_name: r.text("display_name")?,
                group_id: r.opt_i64("group_id")?,
                queue: r.text("queue")?,
                subject: r.opt_text("subject")?,
                waiting_seconds: (now - r.i64("arrived_at")?) / 1000,
                expires_at: r.opt_i64("offer_expires_at")?.map(ms_to_rfc3339),
            })
        })
        .collect()
}

/// Accepts my offer while it is still open.
pub fn accept_offer(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: UserId,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let rows = db.execute(
        &format!(
            "UPDATE conversations SET status = 'assigned', assigned_at = ?4, offer_expires_at = NULL, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND agent_id = ?3 AND status = 'offered' AND offer_expires_at > ?4 \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), agent.into(), now.into()],
    )?;
    rows.first().map(|r| decode_conversation(&r)).transpose()
}
