//! Every SQL statement on conversations, messages, client identities, protocol counters and
//! the timeline.

use super::{Conversation, Delivery, Event, Message, MessageKind, Role, State};
use crate::db::Row;
use crate::ids::TenantId;
use crate::ports::{DbError, Rows, Sql, Value};
use crate::time::ms_to_rfc3339;

pub const CONVERSATION_COLUMNS: &str = "id, protocol, channel_id, channel_type, client_id, group_id, \
    status, agent_id, priority, language, subject, arrived_at, last_customer_at, closed_at, closed_by, created_at";

pub fn decode_conversation(r: &Row) -> Result<Conversation, DbError> {
    Ok(Conversation {
        id: r.i64("id")?,
        protocol: r.text("protocol")?,
        channel_id: r.i64("channel_id")?,
        channel_type: r.text("channel_type")?,
        client_id: r.i64("client_id")?,
        group_id: r.opt_i64("group_id")?,
        status: State::decode(&r.text("status")?)?,
        agent_id: r.opt_i64("agent_id")?,
        priority: r.i64("priority")?,
        language: r.text("language")?,
        subject: r.opt_text("subject")?,
        arrived_at: ms_to_rfc3339(r.i64("arrived_at")?),
        last_customer_at: r.opt_i64("last_customer_at")?.map(ms_to_rfc3339),
        closed_at: r.opt_i64("closed_at")?.map(ms_to_rfc3339),
        closed_by: r.opt_text("closed_by")?,
        created_at: ms_to_rfc3339(r.i64("created_at")?),
    })
}

pub const MESSAGE_COLUMNS: &str = "id, conversation_id, role, sender_id, kind, body, payload, \
    attachment_id, delivery, delivery_error, created_at";

pub fn decode_message(r: &Row) -> Result<Message, DbError> {
    Ok(Message {
        id: r.i64("id")?,
        conversation_id: r.i64("conversation_id")?,
        role: Role::decode(&r.text("role")?)?,
        sender_id: r.opt_i64("sender_id")?,
        kind: MessageKind::decode(&r.text("kind")?)?,
        body: r.opt_text("body")?,
        payload: r
            .opt_text("payload")?
            .and_then(|p| serde_json::from_str(&p).ok()),
        attachment_id: r.opt_i64("attachment_id")?,
        delivery: r
            .opt_text("delivery")?
            .map(|d| Delivery::decode(&d))
            .transpose()?,
        delivery_error: r.opt_text("delivery_error")?,
        created_at: ms_to_rfc3339(r.i64("created_at")?),
    })
}

/// What the inbound path needs to know about a sender, in one statement: their client (and
/// its status) and their open conversation on this channel, if any.
pub struct Known {
    pub client_id: i64,
    pub client_active: bool,
    pub conversation: Option<OpenConversation>,
}

pub struct OpenConversation {
    pub id: i64,
    pub status: State,
    pub agent_id: Option<i64>,
    pub group_id: Option<i64>,
    pub language: String,
    pub out_of_hours_notified: bool,
}

pub fn known_sender(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    channel_type: &str,
    external_id: &str,
) -> Result<Option<Known>, DbError> {
    let rows = db.execute(
        "SELECT i.client_id, c.status AS client_status, v.id AS conversation_id, v.status, \
                v.group_id, v.language, v.out_of_hours_notified, v.agent_id \
         FROM client_identities i \
         JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id \
         LEFT JOIN conversations v ON v.tenant_id = i.tenant_id AND v.channel_id = ?2 \
              AND v.client_id = i.client_id AND v.status <> 'closed' \
         WHERE i.tenant_id = ?1 AND i.channel_type = ?3 AND i.external_id = ?4",
        &[
            tenant.into(),
            channel_id.into(),
            channel_type.into(),
            external_id.into(),
        ],
    )?;
    rows.first()
        .map(|r| {
            let conversation = match r.opt_i64("conversation_id")? {
                Some(id) => Some(OpenConversation {
                    id,
                    status: State::decode(&r.text("status")?)?,
                    agent_id: r.opt_i64("agent_id")?,
                    group_id: r.opt_i64("group_id")?,
                    language: r.text("language")?,
                    out_of_hours_notified: r.bool("out_of_hours_notified")?,
                }),
                None => None,
            };
            Ok(Known {
                client_id: r.i64("client_id")?,
                client_active: r.text("client_status")? == "active",
                conversation,
            })
        })
        .transpose()
}

/// The client's open conversation on the channel: (id, agent), if there is one.
pub fn open_on_channel(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    client_id: i64,
) -> Result<Option<(i64, Option<i64>)>, DbError> {
    let rows = db.execute(
        "SELECT id, agent_id FROM conversations \
         WHERE tenant_id = ? AND channel_id = ? AND client_id = ? AND status <> 'closed'",
        &[tenant.into(), channel_id.into(), client_id.into()],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.opt_i64("agent_id")?)))
        .transpose()
}

/// How the client was last known on a channel type (the identity they wrote from).
pub fn identity_of(
    db: &dyn Sql,
    tenant: TenantId,
    channel_type: &str,
    client_id: i64,
) -> Result<Option<String>, DbError> {
    let rows = db.execute(
        "SELECT external_id FROM client_identities \
         WHERE tenant_id = ? AND channel_type = ? AND client_id = ? ORDER BY created_at DESC LIMIT 1",
        &[tenant.into(), channel_type.into(), client_id.into()],
    )?;
    rows.first().map(|r| r.text("external_id")).transpose()
}

/// The language of the client's latest conversation, if they ever had one.
pub fn last_language(
    db: &dyn Sql,
    tenant: TenantId,
    client_id: i64,
) -> Result<Option<String>, DbError> {
    let rows = db.execute(
        "SELECT language FROM conversations WHERE tenant_id = ? AND client_id = ? \
         ORDER BY created_at DESC LIMIT 1",
        &[tenant.into(), client_id.into()],
    )?;
    rows.first().map(|r| r.text("language")).transpose()
}

/// Links a channel identity to a client (first writer wins).
pub fn link_identity(
    db: &dyn Sql,
    tenant: TenantId,
    channel_type: &str,
    external_id: &str,
    client_id: i64,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO client_identities (tenant_id, channel_type, external_id, client_id, created_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        &[tenant.into(), channel_type.into(), external_id.into(), client_id.into(), now.into()],
    )?;
    Ok(())
}

/// The client with this phone (first) or e-mail, if one exists (with its status): two indexed
/// lookups, never a scan.
pub fn client_by_contact(
    db: &dyn Sql,
    tenant: TenantId,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<Option<(i64, bool)>, DbError> {
    let rows = db.execute(
        "SELECT id, status FROM (\
           SELECT id, status, 0 AS rank FROM clients WHERE tenant_id = ?1 AND phone = ?2 \
           UNION ALL \
           SELECT id, status, 1 AS rank FROM clients WHERE tenant_id = ?1 AND email = ?3) \
         ORDER BY rank, id LIMIT 1",
        &[tenant.into(), phone.into(), email.into()],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.text("status")? == "active")))
        .transpose()
}

/// Advances the tenant's protocol counter atomically and returns the new number.
pub fn next_protocol_number(db: &dyn Sql, tenant: TenantId) -> Result<i64, DbError> {
    let rows = db.execute(
        "INSERT INTO protocol_counters (tenant_id, last) VALUES (?, 1) \
         ON CONFLICT (tenant_id) DO UPDATE SET last = last + 1 RETURNING last",
        &[tenant.into()],
    )?;
    crate::db::scalar_i64(&rows)
}

pub struct NewConversation<'a> {
    pub protocol: &'a str,
    pub channel_id: i64,
    pub channel_type: &'a str,
    pub client_id: i64,
    pub group_id: i64,
    pub status: State,
    pub language: &'a str,
    pub subject: Option<&'a str>,
    pub reply_to: &'a str,
    /// The agent it starts with (an active contact); `None` for a customer's first message.
    pub agent_id: Option<i64>,
    pub now: i64,
}

/// `None` if the client already has an open conversation on the channel (the unique index).
pub fn insert_conversation(
    db: &dyn Sql,
    tenant: TenantId,
    c: &NewConversation,
) -> Result<Option<i64>, DbError> {
    let queued_at: Option<i64> = (c.status == State::Queued).then_some(c.now);
    let assigned_at: Option<i64> = c.agent_id.map(|_| c.now);
    // Only a customer's message sets when the customer last spoke.
    let last_customer_at: Option<i64> = c.agent_id.is_none().then_some(c.now);
    let rows = db.execute(
        "INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id, \
         status, agent_id, language, subject, reply_to, arrived_at, queued_at, assigned_at, last_customer_at, \
         created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        &[
            tenant.into(),
            c.protocol.into(),
            c.channel_id.into(),
            c.channel_type.into(),
            c.client_id.into(),
            c.group_id.into(),
            c.status.into(),
            c.agent_id.into(),
            c.language.into(),
            c.subject.into(),
            c.reply_to.into(),
            c.now.into(),
            queued_at.into(),
            assigned_at.into(),
            last_customer_at.into(),
            c.now.into(),
            c.now.into(),
        ],
    )?;
    rows.first().map(|r| r.i64("id")).transpose()
}

pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub channel_id: i64,
    pub role: Role,
    pub sender_id: Option<i64>,
    pub kind: MessageKind,
    pub body: Option<&'a str>,
    pub payload: Option<&'a serde_json::Value>,
    pub attachment_id: Option<i64>,
    pub channel_message_id: Option<&'a str>,
    pub delivery: Option<Delivery>,
    pub now: i64,
}

/// `None` when a message with the same channel message id exists: the delivery was a repeat.
pub fn insert_message(
    db: &dyn Sql,
    tenant: TenantId,
    m: &NewMessage,
) -> Result<Option<i64>, DbError> {
    let rows = db.execute(
        "INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body, \
         payload, attachment_id, channel_message_id, delivery, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        &[
            tenant.into(),
            m.conversation_id.into(),
            m.channel_id.into(),
            m.role.into(),
            m.sender_id.into(),
            m.kind.into(),
            m.body.into(),
            m.payload.map(|p| p.to_string()).into(),
            m.attachment_id.into(),
            m.channel_message_id.into(),
            m.delivery.into(),
            m.now.into(),
        ],
    )?;
    rows.first().map(|r| r.i64("id")).transpose()
}

/// An agent's load as an SQL expression: the conversations holding one of their slots
/// (assigned or offered; pending ones do not count). Every "below the limit" check compares it
/// with the limit inside the statement that makes the change, so concurrent writers never push
/// an agent over. `tenant` and `agent` are the placeholders or columns naming the agent; the
/// result is a string literal, so statements built with it stay static text (the tick runs
/// them thousands of times).
macro_rules! agent_load {
    ($tenant:literal, $agent:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM conversations WHERE tenant_id = ",
            $tenant,
            " AND agent_id = ",
            $agent,
            " AND status IN ('assigned', 'offered'))"
        )
    };
}
pub(crate) use agent_load;

/// Whether the agent is below their limit of simultaneous conversations.
pub fn agent_has_room(db: &dyn Sql, tenant: TenantId, agent: i64) -> Result<bool, DbError> {
    let rows = db.execute(
        concat!(
            "SELECT ",
            agent_load!("?1", "?2"),
            " < max_concurrent AS room FROM users WHERE tenant_id = ?1 AND id = ?2"
        ),
        &[tenant.into(), agent.into()],
    )?;
    Ok(rows
        .first()
        .map(|r| r.bool("room"))
        .transpose()?
        .unwrap_or(false))
}

/// A customer wrote: note the time (timers count from it); a pending conversation comes back.
pub fn touch_by_customer(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    resume: bool,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET last_customer_at = ?1, updated_at = ?1, inactivity_warned = 0, \
         status = CASE WHEN ?2 AND status = 'pending' THEN 'assigned' ELSE status END \
         WHERE tenant_id = ?3 AND id = ?4",
        &[now.into(), resume.into(), tenant.into(), id.into()],
    )?;
    Ok(())
}

pub fn mark_out_of_hours_notified(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "UPDATE conversations SET out_of_hours_notified = 1 WHERE tenant_id = ? AND id = ? \
         AND out_of_hours_notified = 0 RETURNING id",
        &[tenant.into(), id.into()],
    )?;
    Ok(!rows.is_empty())
}

pub fn record(db: &dyn Sql, e: &Event) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            e.tenant.into(),
            e.conversation.into(),
            e.kind.into(),
            e.actor.into(),
            e.actor_id.into(),
            e.data.as_ref().map(|d| d.to_string()).into(),
            e.at.into(),
        ],
    )?;
    Ok(())
}

pub fn get(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<Conversation>, DbError> {
    one_conversation(&db.execute(
        &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = ? AND id = ?"),
        &[tenant.into(), id.into()],
    )?)
}

fn one_conversation(rows: &Rows) -> Result<Option<Conversation>, DbError> {
    rows.first().map(|r| decode_conversation(&r)).transpose()
}

pub fn messages_after(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    let rows = db.execute(
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ? AND conversation_id = ? AND id > ? \
             ORDER BY id LIMIT ?"
        ),
        &[tenant.into(), conversation.into(), after.into(), limit.into()],
    )?;
    rows.iter().map(|r| decode_message(&r)).collect()
}

/// Applies a provider's delivery status to our outbound message; statuses only move forward.
pub fn apply_delivery_status(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    channel_message_id: &str,
    status: Delivery,
    error: Option<&str>,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "UPDATE messages SET delivery = ?1, delivery_error = COALESCE(?2, delivery_error) \
         WHERE tenant_id = ?3 AND channel_id = ?4 AND channel_message_id = ?5 \
         AND role IN ('agent', 'bot', 'system') \
         AND (CASE delivery WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 \
              WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END) < ?6 RETURNING id",
        &[
            status.into(),
            error.into(),
            tenant.into(),
            channel_id.into(),
            channel_message_id.into(),
            Value::Integer(i64::from(status.rank())),
        ],
    )?;
    Ok(!rows.is_empty())
}

/// One entry of a conversation's timeline, as reports and the customer panel show it.
#[derive(Debug, serde::Serialize)]
pub struct TimelineEntry {
    pub kind: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub data: Option<serde_json::Value>,
    pub at: String,
}

pub fn timeline(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Vec<TimelineEntry>, DbError> {
    let rows = db.execute(
        "SELECT kind, actor, actor_id, data, at FROM conversation_events \
         WHERE tenant_id = ? AND conversation_id = ? ORDER BY id",
        &[tenant.into(), conversation.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(TimelineEntry {
                kind: r.text("kind")?,
                actor: r.text("actor")?,
                actor_id: r.opt_i64("actor_id")?,
                data: r
                    .opt_text("data")?
                    .and_then(|d| serde_json::from_str(&d).ok()),
                at: ms_to_rfc3339(r.i64("at")?),
            })
        })
        .collect()
}

/// A message as the web-chat visitor sees it (never internal notes).
#[derive(Debug, serde::Serialize)]
pub struct VisitorMessage {
    pub id: i64,
    pub role: Role,
    pub kind: MessageKind,
    pub body: Option<String>,
    pub attachment_id: Option<i64>,
    pub sender_name: Option<String>,
    pub created_at: String,
}

/// The visitor's messages after `after` on this channel; agent messages read here count as
/// delivered.
pub fn visitor_messages(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    external_id: &str,
    after: i64,
) -> Result<Vec<VisitorMessage>, DbError> {
    let rows = db.execute(
        "SELECT m.id, m.role, m.kind, m.body, m.attachment_id, m.created_at, \
                CASE WHEN m.role = 'agent' THEN u.display_name END AS sender_name \
         FROM client_identities i \
         JOIN conversations v ON v.tenant_id = i.tenant_id AND v.client_id = i.client_id AND v.channel_id = ?2 \
         JOIN messages m ON m.tenant_id = v.tenant_id AND m.conversation_id = v.id \
         LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.sender_id \
         WHERE i.tenant_id = ?1 AND i.channel_type = 'webchat' AND i.external_id = ?3 \
           AND m.id > ?4 AND m.role <> 'note' ORDER BY m.id LIMIT 200",
        &[tenant.into(), channel_id.into(), external_id.into(), after.into()],
    )?;
    let messages: Vec<VisitorMessage> = rows
        .iter()
        .map(|r| {
            Ok(VisitorMessage {
                id: r.i64("id")?,
                role: Role::decode(&r.text("role")?)?,
                kind: MessageKind::decode(&r.text("kind")?)?,
                body: r.opt_text("body")?,
                attachment_id: r.opt_i64("attachment_id")?,
                sender_name: r.opt_text("sender_name")?,
                created_at: ms_to_rfc3339(r.i64("created_at")?),
            })
        })
        .collect::<Result<_, DbError>>()?;
    let shown: Vec<i64> = messages
        .iter()
        .filter(|m| m.role != Role::Customer)
        .map(|m| m.id)
        .collect();
    if !shown.is_empty() {
        db.execute(
            "UPDATE messages SET delivery = 'delivered' WHERE tenant_id = ? AND delivery = 'sent' \
             AND id IN (SELECT value FROM json_each(?))",
            &[
                tenant.into(),
                serde_json::to_string(&shown).unwrap_or_default().into(),
            ],
        )?;
    }
    Ok(messages)
}

/// The attachment if it belongs to a conversation of this web-chat visitor on this channel.
pub fn visitor_attachment(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    external_id: &str,
    attachment: i64,
) -> Result<Option<(String, String, Vec<u8>)>, DbError> {
    let rows = db.execute(
        "SELECT a.filename, a.content_type, a.data FROM attachments a \
         JOIN conversations v ON v.tenant_id = a.tenant_id AND v.id = a.conversation_id AND v.channel_id = ?2 \
         JOIN client_identities i ON i.tenant_id = v.tenant_id AND i.client_id = v.client_id \
              AND i.channel_type = 'webchat' AND i.external_id = ?3 \
         WHERE a.tenant_id = ?1 AND a.id = ?4",
        &[tenant.into(), channel_id.into(), external_id.into(), attachment.into()],
    )?;
    rows.first()
        .map(|r| {
            Ok((
                r.text("filename")?,
                r.text("content_type")?,
                r.blob("data")?,
            ))
        })
        .transpose()
}

/// A customer's reaction marks the message it refers to (`None` takes it back); it is never a
/// message of its own, so the conversation's last message stays what was said.
pub fn mark_reaction(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    target: &str,
    emoji: Option<&str>,
) -> Result<Option<(i64, i64)>, DbError> {
    let rows = db.execute(
        "UPDATE messages SET payload = CASE WHEN ?4 IS NULL \
           THEN json_remove(COALESCE(payload, '{}'), '$.reaction') \
           ELSE json_set(COALESCE(payload, '{}'), '$.reaction', ?4) END \
         WHERE tenant_id = ?1 AND channel_id = ?2 AND channel_message_id = ?3 \
         RETURNING id, conversation_id",
        &[
            tenant.into(),
            channel_id.into(),
            target.into(),
            emoji.into(),
        ],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.i64("conversation_id")?)))
        .transpose()
}

/// A customer's edit: the message takes the new text and keeps the one it replaces in
/// `payload.edits`; the same edit delivered again changes nothing. `None` when the original
/// is not ours.
pub fn edit_message(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    original: &str,
    body: Option<&str>,
    now: i64,
) -> Result<Option<(i64, i64)>, DbError> {
    let rows = db.execute(
        "UPDATE messages SET \
           payload = CASE WHEN body IS ?4 THEN payload ELSE json_set(COALESCE(payload, '{}'), '$.edits', \
             json_insert(COALESCE(json_extract(payload, '$.edits'), '[]'), '$[#]', \
               json_object('body', body, 'replaced_at', ?5))) END, \
           body = ?4 \
         WHERE tenant_id = ?1 AND channel_id = ?2 AND channel_message_id = ?3 AND role = 'customer' \
         RETURNING id, conversation_id",
        &[
            tenant.into(),
            channel_id.into(),
            original.into(),
            body.into(),
            now.into(),
        ],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.i64("conversation_id")?)))
        .transpose()
}

/// The sender of the open e-mail conversation a reply belongs to: by its plus-address tag
/// (the protocol) or by a message id it answers (`In-Reply-To`, `References`).
pub fn thread_sender(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    protocol: Option<&str>,
    message_ids: &[String],
) -> Result<Option<String>, DbError> {
    if protocol.is_none() && message_ids.is_empty() {
        return Ok(None);
    }
    let ids = serde_json::Value::from(message_ids.to_vec()).to_string();
    let rows = db.execute(
        "SELECT v.reply_to FROM conversations v \
         WHERE v.tenant_id = ?1 AND v.channel_id = ?2 AND v.status <> 'closed' AND ( \
           v.protocol = ?3 OR EXISTS (SELECT 1 FROM messages m \
             WHERE m.tenant_id = ?1 AND m.conversation_id = v.id \
             AND (m.channel_message_id IN (SELECT value FROM json_each(?4)) \
                  OR json_extract(m.payload, '$.message_id') IN (SELECT value FROM json_each(?4))))) \
         ORDER BY v.id DESC LIMIT 1",
        &[tenant.into(), channel_id.into(), protocol.into(), ids.into()],
    )?;
    rows.first().map(|r| r.text("reply_to")).transpose()
}
