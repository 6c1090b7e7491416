//! Every SQL statement on `agent_status` and `agent_status_log`, and the agent-side
//! statements on conversations (pull, list, state changes).

use crate::conversation::sql::{agent_load, visibility_params, visible};
use crate::conversation::visibility::Visibility;
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentStatus {
    #[schema(value_type = crate::inbox::AgentState)]
    pub status: String,
    #[schema(required = true)]
    pub pause_reason: Option<String>,
    #[schema(format = DateTime)]
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConversationSummary)]
pub struct Summary {
    pub id: i64,
    pub protocol: String,
    #[schema(value_type = crate::conversation::State)]
    pub status: String,
    #[schema(value_type = crate::config::channel::ChannelType)]
    pub channel: String,
    #[schema(required = true)]
    pub group_id: Option<i64>,
    pub client_id: i64,
    pub client_name: String,
    #[schema(format = DateTime)]
    pub arrived_at: String,
    pub unread: i64,
    #[schema(required = true)]
    pub last_message: Option<String>,
    #[schema(format = DateTime, required = true)]
    pub last_message_at: Option<String>,
    /// Marked favourite by me.
    pub favourite: bool,
}

/// [`my_conversations`]' statement. It reads the agent's open conversations through
/// `conversations_agent` and sorts those few; the `+` in the `ORDER BY` keeps
/// `conversations_arrived` out, through which SQLite, without statistics, read every
/// conversation of the company in arrival order to find the agent's (1.8 ms natively at 20,000
/// conversations, on every load of the console's list; a test keeps the plan).
pub const MY_CONVERSATIONS: &str = "SELECT v.id, v.protocol, v.status, v.channel_type, v.group_id, v.client_id, c.display_name, v.arrived_at, \
           (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id \
              AND m.role = 'customer' AND m.id > v.agent_last_read) AS unread, \
           (SELECT m.body FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
              ORDER BY m.id DESC LIMIT 1) AS last_body, \
           (SELECT m.created_at FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
              ORDER BY m.id DESC LIMIT 1) AS last_at, \
           EXISTS (SELECT 1 FROM conversation_favourites f WHERE f.tenant_id = v.tenant_id AND f.user_id = ?2 \
              AND f.conversation_id = v.id) AS favourite \
         FROM conversations v JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         WHERE v.tenant_id = ?1 AND v.agent_id = ?2 AND v.status IN ('assigned', 'pending', 'offered') \
           AND (?3 = 0 OR favourite) \
         ORDER BY +v.arrived_at, v.id";

/// My open conversations in arrival order, with unread counts and the last message — one
/// statement.
pub fn my_conversations(
    db: &dyn Sql,
    tenant: TenantId,
    agent: UserId,
    favourites_only: bool,
) -> Result<Vec<Summary>, DbError> {
    let rows = db.execute(
        MY_CONVERSATIONS,
        &[tenant.into(), agent.into(), favourites_only.into()],
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
                favourite: r.bool("favourite")?,
            })
        })
        .collect()
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

/// [`open_ids_of`]' statement: the agent's open conversations through `conversations_agent`,
/// sorted; the `+` keeps `conversations_arrived` out (see [`MY_CONVERSATIONS`]; 1.7–2.2 ms
/// natively at 20,000 conversations).
pub const OPEN_IDS_OF: &str = "SELECT id FROM conversations \
     WHERE tenant_id = ? AND agent_id = ? AND status IN ('assigned', 'pending') \
     ORDER BY +arrived_at, id";

pub fn open_ids_of(db: &dyn Sql, tenant: TenantId, agent: UserId) -> Result<Vec<i64>, DbError> {
    let rows = db.execute(OPEN_IDS_OF, &[tenant.into(), agent.into()])?;
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueCount {
    pub group_id: i64,
    pub name: String,
    pub waiting: i64,
    #[schema(format = DateTime, required = true)]
    pub oldest_arrival: Option<String>,
}

/// [`queue_counts`]' statement. The `+` in `MIN(+v.arrived_at)` keeps SQLite's min/max
/// shortcut off: it walked `conversations_group_arrived` from the group's oldest conversation
/// until it met a queued one, so every conversation the group ever closed (queued ones are the
/// newest); now both counts read the group's queue through `conversations_queue` (1.4 ms
/// natively for two groups of 2,000 conversations; a test keeps the plan).
pub const QUEUE_COUNTS: &str = "SELECT g.id, g.name, \
       (SELECT COUNT(*) FROM conversations v \
         WHERE v.tenant_id = g.tenant_id AND v.group_id = g.id AND v.status = 'queued') AS waiting, \
       (SELECT MIN(+v.arrived_at) FROM conversations v \
         WHERE v.tenant_id = g.tenant_id AND v.group_id = g.id AND v.status = 'queued') AS oldest \
     FROM group_members m JOIN config_items g ON g.tenant_id = m.tenant_id AND g.id = m.group_id \
     WHERE m.tenant_id = ? AND m.user_id = ? AND g.status = 'active' ORDER BY g.name COLLATE NOCASE";

/// Waiting customers per group I am a member of — one statement.
pub fn queue_counts(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<QueueCount>, DbError> {
    let rows = db.execute(QUEUE_COUNTS, &[tenant.into(), user.into()])?;
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PastConversation {
    pub id: i64,
    pub protocol: String,
    #[schema(value_type = crate::conversation::State)]
    pub status: String,
    #[schema(value_type = crate::config::channel::ChannelType)]
    pub channel: String,
    #[schema(required = true)]
    pub group_id: Option<i64>,
    #[schema(required = true)]
    pub agent_id: Option<i64>,
    #[schema(required = true)]
    pub agent_name: Option<String>,
    #[schema(format = DateTime)]
    pub arrived_at: String,
    #[schema(format = DateTime, required = true)]
    pub closed_at: Option<String>,
    pub messages: i64,
    pub matching: i64,
    /// When the last of those messages was written (the last contact); none without messages.
    #[schema(format = DateTime, required = true)]
    pub last_message_at: Option<String>,
}

/// [`client_history`]' statement: the client's conversations through `conversations_client`,
/// sorted. The `+`s keep `conversations_arrived` out, through which SQLite, without
/// statistics, read every conversation of the company since `since` to find the client's
/// (3.5 ms natively for the whole history at 20,000 conversations, on every open of a
/// conversation's contact panel; a test keeps the plan).
pub fn client_history_statement() -> String {
    format!("SELECT v.id, v.protocol, v.status, v.channel_type, v.group_id, v.agent_id, u.display_name AS agent_name, \
                v.arrived_at, v.closed_at, \
                (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note') AS messages, \
                (SELECT MAX(m.created_at) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note') AS last_message_at, \
                (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role <> 'note' \
                   AND ?4 IS NOT NULL AND m.body LIKE ?4 ESCAPE '\\') AS matching \
         FROM conversations v LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
         LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         WHERE v.tenant_id = ?1 AND v.client_id = ?2 AND +v.arrived_at >= ?3 \
           AND {} \
         ORDER BY +v.arrived_at DESC, v.id DESC LIMIT 200",
        visible(5)
    )
}

/// A client's conversations since `since`, with message counts and (with `q`) how many of
/// their messages contain it; only those `visible_to` may see (see [`crate::inbox::history`]).
pub fn client_history(
    db: &dyn Sql,
    tenant: TenantId,
    client: i64,
    since: i64,
    q: Option<&str>,
    viewer: &Visibility,
) -> Result<Vec<PastConversation>, DbError> {
    let mut params = vec![
        tenant.into(),
        client.into(),
        since.into(),
        q.map(crate::db::like_pattern).into(),
    ];
    params.extend(visibility_params(tenant, viewer));
    let rows = db.execute(&client_history_statement(), &params)?;
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
                last_message_at: r.opt_i64("last_message_at")?.map(ms_to_rfc3339),
            })
        })
        .collect()
}

/// Whether `viewer` may see conversation `id` (the panel lists exactly these).
pub fn visible_to(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    viewer: &Visibility,
) -> Result<bool, DbError> {
    let mut params = vec![tenant.into(), id.into()];
    params.extend(visibility_params(tenant, viewer));
    let rows = db.execute(
        &format!(
            "SELECT 1 AS yes FROM conversations v LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
             LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
             WHERE v.tenant_id = ?1 AND v.id = ?2 AND {}",
            visible(3)
        ),
        &params,
    )?;
    Ok(!rows.is_empty())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OccurrenceOnConversation {
    pub id: i64,
    pub occurrence_type_id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub comment: Option<String>,
    #[schema(required = true)]
    pub user_id: Option<i64>,
    #[schema(format = DateTime)]
    pub at: String,
}

pub fn occurrences(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Vec<OccurrenceOnConversation>, DbError> {
    let rows = db.execute(
        "SELECT o.id, o.occurrence_type_id, t.name, o.comment, o.user_id, o.at FROM conversation_occurrences o \
         LEFT JOIN config_items t ON t.tenant_id = o.tenant_id AND t.id = o.occurrence_type_id \
         WHERE o.tenant_id = ? AND o.conversation_id = ? ORDER BY o.id",
        &[tenant.into(), conversation.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(OccurrenceOnConversation {
                id: r.i64("id")?,
                occurrence_type_id: r.i64("occurrence_type_id")?,
                name: r.opt_text("name")?,
                comment: r.opt_text("comment")?,
                user_id: r.opt_i64("user_id")?,
                at: ms_to_rfc3339(r.i64("at")?),
            })
        })
        .collect()
}

pub fn is_favourite(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    conversation: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 AS yes FROM conversation_favourites WHERE tenant_id = ? AND user_id = ? AND conversation_id = ?",
        &[tenant.into(), user.into(), conversation.into()],
    )?;
    Ok(!rows.is_empty())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentTarget {
    pub id: i64,
    pub display_name: String,
    #[schema(value_type = crate::inbox::AgentState)]
    pub status: String,
    pub load: i64,
    pub max_concurrent: i64,
}

/// Agents who may receive a transfer now: active, answering, ready (or paused where
/// `paused_ok`), below their limit, other than the holder.
pub fn transfer_agents(
    db: &dyn Sql,
    tenant: TenantId,
    holder: Option<i64>,
    paused_ok: bool,
) -> Result<Vec<AgentTarget>, DbError> {
    let rows = db.execute(
        concat!(
            "SELECT u.id, u.display_name, s.status, u.max_concurrent, ",
            agent_load!("u.tenant_id", "u.id"),
            " AS load FROM users u JOIN agent_status s ON s.tenant_id = u.tenant_id AND s.user_id = u.id \
             WHERE u.tenant_id = ?1 AND u.status = 'active' AND u.profile IN ('agent', 'supervisor_agent') \
               AND (s.status = 'ready' OR (?2 AND s.status = 'paused')) AND u.id IS NOT ?3 \
               AND load < u.max_concurrent ORDER BY u.display_name COLLATE NOCASE, u.id"
        ),
        &[tenant.into(), paused_ok.into(), holder.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(AgentTarget {
                id: r.i64("id")?,
                display_name: r.text("display_name")?,
                status: r.text("status")?,
                load: r.i64("load")?,
                max_concurrent: r.i64("max_concurrent")?,
            })
        })
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupTarget {
    pub id: i64,
    pub name: String,
}

/// The active groups among `ids`.
pub fn active_groups(
    db: &dyn Sql,
    tenant: TenantId,
    ids: &[i64],
) -> Result<Vec<GroupTarget>, DbError> {
    let rows = db.execute(
        "SELECT id, name FROM config_items WHERE tenant_id = ? AND kind = 'group' AND status = 'active' \
         AND id IN (SELECT value FROM json_each(?)) ORDER BY name COLLATE NOCASE",
        &[tenant.into(), serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()).into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(GroupTarget {
                id: r.i64("id")?,
                name: r.text("name")?,
            })
        })
        .collect()
}

pub fn reply_to(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<String>, DbError> {
    let rows = db.execute(
        "SELECT reply_to FROM conversations WHERE tenant_id = ? AND id = ?",
        &[tenant.into(), id.into()],
    )?;
    rows.first().map(|r| r.text("reply_to")).transpose()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub conversation_id: i64,
    pub protocol: String,
    #[schema(value_type = crate::config::channel::ChannelType)]
    pub channel: String,
    #[schema(required = true)]
    pub phone: Option<String>,
    pub client_name: String,
    #[schema(required = true)]
    pub group_id: Option<i64>,
    pub queue: String,
    #[schema(required = true)]
    pub subject: Option<String>,
    /// Seconds since the customer arrived.
    pub waiting_seconds: i64,
    #[schema(format = DateTime, required = true)]
    pub expires_at: Option<String>,
}

/// [`offers`]' statement: the agent's offers through `conversations_agent`, sorted; the `+`
/// keeps `conversations_arrived` out (see [`MY_CONVERSATIONS`]; 1.8 ms natively at 20,000
/// conversations, on every load of the console's offers).
pub const OFFERS: &str = "SELECT v.id, v.protocol, v.channel_type, c.phone, c.display_name, v.group_id, \
            COALESCE(g.name, '') AS queue, v.subject, v.arrived_at, v.offer_expires_at \
     FROM conversations v JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
     LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
     WHERE v.tenant_id = ? AND v.agent_id = ? AND v.status = 'offered' ORDER BY +v.arrived_at, v.id";

/// My open offers with what the console shows: channel and phone, queue, subject, wait.
pub fn offers(
    db: &dyn Sql,
    tenant: TenantId,
    agent: UserId,
    now: i64,
) -> Result<Vec<Offer>, DbError> {
    let rows = db.execute(OFFERS, &[tenant.into(), agent.into()])?;
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
