//! Every SQL statement on conversations, messages, client identities, protocol counters and
//! the timeline.

use super::visibility::Visibility;
use super::{Conversation, Delivery, Event, Message, MessageKind, Role, State};
use crate::db::Row;
use crate::ids::TenantId;
use crate::ports::{DbError, Rows, Sql, Value};
use crate::time::ms_to_rfc3339;

pub const CONVERSATION_COLUMNS: &str = "id, protocol, channel_id, channel_type, client_id, group_id, \
    status, agent_id, priority, language, subject, arrived_at, last_customer_at, closed_at, closed_by, \
    classification_id, reason_id, sub_reason_id, close_comment, resolved, created_at";

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
        classification_id: r.opt_i64("classification_id")?,
        reason_id: r.opt_i64("reason_id")?,
        sub_reason_id: r.opt_i64("sub_reason_id")?,
        close_comment: r.opt_text("close_comment")?,
        resolved: r.opt_i64("resolved")?.map(|v| v != 0),
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
#[derive(Debug)]
pub struct Known {
    pub client_id: i64,
    pub client_active: bool,
    pub conversation: Option<OpenConversation>,
}

#[derive(Debug)]
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
    rows.first().map(|r| decode_known(&r)).transpose()
}

fn decode_known(r: &Row) -> Result<Known, DbError> {
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
}

/// The columns of [`known_sender_with_duties`], the tenant an SQL expression; the event is `?5`.
macro_rules! sender_with_duties_columns {
    ($tenant:literal) => {
        concat!(
            "i.client_id, c.status AS client_status, v.id AS conversation_id, v.status, \
             v.group_id, v.language, v.out_of_hours_notified, v.agent_id, h.data AS hours_data, \
             EXISTS (SELECT 1 FROM config_items w WHERE w.tenant_id = ",
            $tenant,
            " AND w.kind = 'webhook' AND w.status = 'active' \
                AND EXISTS (SELECT 1 FROM json_each(json_extract(w.data, '$.events')) \
                            WHERE value = ?5)) AS subscribed"
        )
    };
}

/// The joins of [`known_sender_with_duties`] after the identity `i` and its client `c`: the
/// open conversation on the channel (an SQL expression), its group and business hours.
macro_rules! sender_with_duties_joins {
    ($channel:literal) => {
        concat!(
            "LEFT JOIN conversations v ON v.tenant_id = i.tenant_id AND v.channel_id = ",
            $channel,
            " AND v.client_id = i.client_id AND v.status <> 'closed' \
             LEFT JOIN config_items g ON g.tenant_id = i.tenant_id AND g.kind = 'group' \
                  AND g.id = v.group_id AND v.out_of_hours_notified = 0 \
             LEFT JOIN config_items h ON h.tenant_id = g.tenant_id AND h.kind = 'business_hours' \
                  AND h.status = 'active' AND h.id = json_extract(g.data, '$.business_hours_id')"
        )
    };
}

fn sender_ahead_key(
    tenant: TenantId,
    channel_id: i64,
    channel_type: &str,
    external_id: &str,
    event: &str,
) -> String {
    format!(
        "sender\u{1f}{}\u{1f}{channel_id}\u{1f}{channel_type}\u{1f}{external_id}\u{1f}{event}",
        tenant.0
    )
}

/// The columns of [`crate::config::sql::get_any_tenant`] at the head of [`channel_with_sender`].
const CHANNEL_COLUMNS: usize = 8;

/// [`channel_with_sender`]'s statement. Each table is joined by its own key from the channel's
/// row: joining the identity to its client in parentheses first made SQLite build that join
/// for every identity of the database before looking one up (a test keeps the plan).
pub const CHANNEL_WITH_SENDER: &str = concat!(
    "SELECT ch.tenant_id, ch.id, ch.status, ch.ref_id, ch.data, ch.version, ch.created_at, \
            ch.updated_at, ",
    sender_with_duties_columns!("ch.tenant_id"),
    " FROM config_items ch \
     LEFT JOIN client_identities i ON i.tenant_id = ch.tenant_id AND i.channel_type = ?3 \
          AND i.external_id = ?4 \
     LEFT JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id ",
    sender_with_duties_joins!("ch.id"),
    " WHERE ch.kind = 'channel' AND ch.id = ?2"
);

/// The channel with this id, whatever its tenant ([`crate::config::sql::get_any_tenant`]), and
/// in the same statement what [`known_sender_with_duties`] answers for `sender` (channel
/// type, identity) and `event` on it, kept for that call in this request: an inbound message's
/// first two reads in one host call under Spin (docs/decisions/0020).
pub fn channel_with_sender(
    db: &dyn Sql,
    channel_id: i64,
    sender: (&str, &str),
    event: &str,
) -> Result<Option<(TenantId, crate::config::sql::Stored)>, DbError> {
    let (channel_type, external_id) = sender;
    let rows = db.execute(
        CHANNEL_WITH_SENDER,
        &[
            // `?1`, the tenant of the sender's own read, is the channel's column here.
            Value::Null,
            channel_id.into(),
            channel_type.into(),
            external_id.into(),
            event.into(),
        ],
    )?;
    let split = |range: std::ops::Range<usize>, keep: bool| Rows {
        columns: rows.columns.get(range.clone()).unwrap_or_default().to_vec(),
        rows: rows
            .rows
            .iter()
            .filter(|_| keep)
            .map(|row| row.get(range.clone()).unwrap_or_default().to_vec())
            .collect(),
    };
    let channel = crate::config::sql::decode_any_tenant(&split(0..CHANNEL_COLUMNS, true))?;
    if let Some((tenant, _)) = &channel {
        let sender_columns = CHANNEL_COLUMNS..rows.columns.len();
        // No identity, or one whose client is gone (`status` is never NULL in `clients`): the
        // sender's own read, which joins the client, finds no row.
        let known = rows
            .first()
            .is_some_and(|r| r.opt_text("client_status").ok().flatten().is_some());
        crate::cache::read_rows_ahead(
            sender_ahead_key(*tenant, channel_id, channel_type, external_id, event),
            split(sender_columns, known),
        );
    }
    Ok(channel)
}

/// [`known_sender`], and in the same read what a message on the open conversation may still
/// have to do besides being stored: the business hours of its group (while the out-of-hours
/// message was not sent; active hours only) and whether an active webhook of the tenant
/// subscribes to `event`.
pub fn known_sender_with_duties(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    channel_type: &str,
    external_id: &str,
    event: &str,
) -> Result<Option<(Known, Option<String>, bool)>, DbError> {
    let ahead = crate::cache::rows_read_ahead(&sender_ahead_key(
        tenant,
        channel_id,
        channel_type,
        external_id,
        event,
    ));
    let rows = match ahead {
        Some(rows) => rows,
        None => db.execute(
            concat!(
                "SELECT ",
                sender_with_duties_columns!("?1"),
                " FROM client_identities i \
                 JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id ",
                sender_with_duties_joins!("?2"),
                " WHERE i.tenant_id = ?1 AND i.channel_type = ?3 AND i.external_id = ?4"
            ),
            &[
                tenant.into(),
                channel_id.into(),
                channel_type.into(),
                external_id.into(),
                event.into(),
            ],
        )?,
    };
    rows.first()
        .map(|r| {
            Ok((
                decode_known(&r)?,
                r.opt_text("hours_data")?,
                r.bool("subscribed")?,
            ))
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

/// Whether the client is known on some channel (a Telegram chat, a web-chat visitor...).
pub fn has_identity(db: &dyn Sql, tenant: TenantId, client_id: i64) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 FROM client_identities WHERE tenant_id = ? AND client_id = ? LIMIT 1",
        &[tenant.into(), client_id.into()],
    )?;
    Ok(!rows.is_empty())
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

/// The client with a phone (first) or an e-mail, if one exists, over the placeholders naming
/// the tenant, the phone and the e-mail: two indexed lookups, never a scan.
macro_rules! client_by_contact {
    ($tenant:literal, $phone:literal, $email:literal) => {
        concat!(
            "SELECT id, status FROM (SELECT id, status, 0 AS rank FROM clients WHERE tenant_id = ",
            $tenant,
            " AND phone = ",
            $phone,
            " UNION ALL SELECT id, status, 1 AS rank FROM clients WHERE tenant_id = ",
            $tenant,
            " AND email = ",
            $email,
            ") ORDER BY rank, id LIMIT 1"
        )
    };
}

/// The client with this phone (first) or e-mail, if one exists (with its status).
pub fn client_by_contact(
    db: &dyn Sql,
    tenant: TenantId,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<Option<(i64, bool)>, DbError> {
    let rows = db.execute(
        client_by_contact!("?1", "?2", "?3"),
        &[tenant.into(), phone.into(), email.into()],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.text("status")? == "active")))
        .transpose()
}

/// What a sender unknown a moment ago needs read before their first message is written, in
/// one statement: the entry group with its hours and the tenant's subscribed events
/// ([`crate::config::sql::GROUP_WITH_HOURS_AND_SUBSCRIPTIONS`]), and the client who already
/// has their phone or e-mail ([`client_by_contact`]).
pub fn entry_group_and_contact(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<
    (
        crate::config::sql::GroupAndSubscriptions,
        Option<(i64, bool)>,
    ),
    DbError,
> {
    let rows = db.execute(
        &format!(
            "SELECT q.*, k.id AS contact_id, k.status AS contact_status \
             FROM ({}) q LEFT JOIN ({}) k ON true",
            crate::config::sql::GROUP_WITH_HOURS_AND_SUBSCRIPTIONS,
            // After the group's placeholders (?1 the tenant, ?2 the group).
            client_by_contact!("?1", "?3", "?4"),
        ),
        &[tenant.into(), group.into(), phone.into(), email.into()],
    )?;
    let Some(r) = rows.first() else {
        return Ok(((None, Vec::new()), None));
    };
    let found = r
        .opt_i64("contact_id")?
        .map(|id| Ok::<_, DbError>((id, r.text("contact_status")? == "active")))
        .transpose()?;
    Ok((
        crate::config::sql::decode_group_with_hours_and_subscriptions(&r)?,
        found,
    ))
}

pub struct NewConversation<'a> {
    /// The channel type's two letters; the protocol is they and the tenant's next number in 11
    /// digits (`WA00000052829`), taken inside the insert (migration 0019).
    pub protocol_prefix: &'a str,
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

/// A customer's message in one statement: the trigger of migration 0018 brings the open
/// conversation up to date and writes the holding agent's feed inside it. Answers the message's
/// id and the agent whose feed got it; `None` for a repeat of a stored channel message.
pub fn insert_customer_message(
    db: &dyn Sql,
    tenant: TenantId,
    m: &NewMessage,
) -> Result<Option<(i64, Option<i64>)>, DbError> {
    let rows = db.execute(
        "INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body, \
         payload, attachment_id, channel_message_id, delivery, created_at) \
         VALUES (?1, ?2, ?3, 'customer', NULL, ?4, ?5, ?6, NULL, ?7, NULL, ?8) ON CONFLICT DO NOTHING \
         RETURNING id, (SELECT agent_id FROM conversations \
                         WHERE tenant_id = ?1 AND id = ?2 AND status <> 'closed') AS agent_id",
        &[
            tenant.into(),
            m.conversation_id.into(),
            m.channel_id.into(),
            m.kind.into(),
            m.body.into(),
            m.payload.map(|p| p.to_string()).into(),
            m.channel_message_id.into(),
            m.now.into(),
        ],
    )?;
    rows.first()
        .map(|r| Ok((r.i64("id")?, r.opt_i64("agent_id")?)))
        .transpose()
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

/// Marks the inactivity warning sent; false if it already was (two ticks never both send it).
pub fn mark_inactivity_warned(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<bool, DbError> {
    let rows = db.execute(
        "UPDATE conversations SET inactivity_warned = 1 WHERE tenant_id = ? AND id = ? AND inactivity_warned = 0 RETURNING id",
        &[tenant.into(), id.into()],
    )?;
    Ok(!rows.is_empty())
}

/// Notes the queue position the customer knows (`told_at`: when they were told it).
pub fn note_queue_position(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    position: i64,
    told_at: Option<i64>,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET queue_position_notified = ?1, queue_notified_at = COALESCE(?2, queue_notified_at) \
         WHERE tenant_id = ?3 AND id = ?4",
        &[position.into(), told_at.into(), tenant.into(), id.into()],
    )?;
    Ok(())
}

/// The agent has read the conversation up to message `up_to`.
pub fn mark_read(db: &dyn Sql, tenant: TenantId, id: i64, up_to: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET agent_last_read = MAX(agent_last_read, ?) WHERE tenant_id = ? AND id = ?",
        &[up_to.into(), tenant.into(), id.into()],
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

/// A new conversation's "created" event and its first state (same actor and time, no data on
/// the second) — one statement.
pub(super) fn record_opening(db: &dyn Sql, e: &Event, first_state: &str) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7), (?1, ?2, ?8, ?4, ?5, NULL, ?7)",
        &[
            e.tenant.into(),
            e.conversation.into(),
            e.kind.into(),
            e.actor.into(),
            e.actor_id.into(),
            e.data.as_ref().map(|d| d.to_string()).into(),
            e.at.into(),
            first_state.into(),
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
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ConversationTimelineEntry)]
pub struct TimelineEntry {
    pub kind: String,
    pub actor: String,
    #[schema(required = true)]
    pub actor_id: Option<i64>,
    #[schema(required = true)]
    pub data: Option<serde_json::Value>,
    #[schema(format = DateTime)]
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
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct VisitorMessage {
    pub id: i64,
    pub role: Role,
    pub kind: MessageKind,
    pub body: Option<String>,
    pub attachment_id: Option<i64>,
    pub sender_name: Option<String>,
    pub created_at: String,
    /// A bot's options (`id`, `title`), shown as buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<serde_json::Value>,
}

/// [`visitor_messages`]' statement. The `CROSS JOIN`s keep SQLite's order: the visitor's
/// identity, their conversations on the channel, then each one's messages after the cursor by
/// `messages_conversation`. Left to itself on a database without statistics, SQLite read every
/// message of the company through that index's first column and looked each one's conversation
/// up (5 ms natively at 100,000 messages, on every poll of every open widget; a test keeps the
/// plan).
pub const VISITOR_MESSAGES: &str = "SELECT m.id, m.role, m.kind, m.body, m.attachment_id, m.created_at, \
        CASE WHEN m.role = 'bot' THEN json_extract(m.payload, '$.choices.options') END AS choices, \
        CASE WHEN m.role <> 'agent' THEN NULL \
             WHEN json_extract(g.data, '$.name_shown') = 'agent' THEN u.display_name \
             WHEN json_extract(g.data, '$.name_shown') = 'none' THEN NULL \
             ELSE t.name END AS sender_name \
     FROM client_identities i \
     CROSS JOIN conversations v ON v.tenant_id = i.tenant_id AND v.client_id = i.client_id \
          AND v.channel_id = ?2 \
     CROSS JOIN messages m ON m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.id > ?4 \
     JOIN tenants t ON t.id = i.tenant_id \
     LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.sender_id \
     LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.kind = 'group' AND g.id = v.group_id \
     WHERE i.tenant_id = ?1 AND i.channel_type = 'webchat' AND i.external_id = ?3 \
       AND m.role <> 'note' ORDER BY m.id LIMIT 200";

/// The visitor's messages after `after` on this channel; agent messages read here count as
/// delivered. An agent message's sender is the name its group shows customers (the company's,
/// the agent's, or none).
pub fn visitor_messages(
    db: &dyn Sql,
    tenant: TenantId,
    channel_id: i64,
    external_id: &str,
    after: i64,
) -> Result<Vec<VisitorMessage>, DbError> {
    let rows = db.execute(
        VISITOR_MESSAGES,
        &[
            tenant.into(),
            channel_id.into(),
            external_id.into(),
            after.into(),
        ],
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
                choices: r
                    .opt_text("choices")?
                    .and_then(|c| serde_json::from_str(&c).ok()),
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

// ---------------------------------------------------------------------------------------------
// State changes. Only `conversation::lifecycle` calls these (they are `pub(super)`), so no other
// module can change a conversation's state. Each is one compare-and-set statement: it names the
// states it moves from, and every limit check reads the load and the limit of the agent who will
// hold the conversation inside the statement itself.
// ---------------------------------------------------------------------------------------------

/// The limit of the agent in column or placeholder `$agent`, as an SQL expression.
macro_rules! agent_limit {
    ($tenant:literal, $agent:literal) => {
        concat!(
            "(SELECT max_concurrent FROM users WHERE tenant_id = ",
            $tenant,
            " AND id = ",
            $agent,
            ")"
        )
    };
}

fn one(rows: Rows) -> Result<Option<Conversation>, DbError> {
    one_conversation(&rows)
}

/// Opens a conversation (with the client's priority); `None` if the client already has an open
/// one on the channel (the unique index).
pub(super) fn open(
    db: &dyn Sql,
    tenant: TenantId,
    c: &NewConversation,
) -> Result<Option<Conversation>, DbError> {
    let queued_at: Option<i64> = (c.status == State::Queued).then_some(c.now);
    let assigned_at: Option<i64> = c.agent_id.map(|_| c.now);
    // Only a customer's message sets when the customer last spoke.
    let last_customer_at: Option<i64> = c.agent_id.is_none().then_some(c.now);
    one(db.execute(
        &format!(
            "INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id, \
             status, agent_id, priority, language, subject, reply_to, arrived_at, queued_at, assigned_at, \
             last_customer_at, created_at, updated_at) \
             VALUES (?1, \
                     printf('%s%011d', ?2, COALESCE((SELECT last FROM protocol_counters WHERE tenant_id = ?1), 0) + 1), \
                     ?3, ?4, ?5, ?6, ?7, ?8, \
                     COALESCE((SELECT priority FROM clients WHERE tenant_id = ?1 AND id = ?5), 0), \
                     ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?12, ?12) \
             ON CONFLICT DO NOTHING RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[
            tenant.into(),
            c.protocol_prefix.into(),
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
        ],
    )?)
}

/// A new customer's first message into a queue, with everything it opens ([`FIRST_MESSAGE_TRIGGER`]).
pub struct FirstMessage<'a> {
    pub channel_id: i64,
    pub channel_type: &'a str,
    /// The sender on the channel; also where replies go.
    pub external_id: &'a str,
    /// The new client: a fresh username and what the message says of them.
    pub username: &'a str,
    pub client: &'a crate::client::ClientFields,
    /// The conversation: the channel type's protocol prefix, the entry group, the language and
    /// the subject (e-mail).
    pub protocol_prefix: &'a str,
    pub group_id: i64,
    pub language: &'a str,
    pub subject: Option<&'a str>,
    /// The message.
    pub kind: MessageKind,
    pub body: Option<&'a str>,
    pub payload: Option<&'a serde_json::Value>,
    pub channel_message_id: Option<&'a str>,
    pub now: i64,
}

/// What [`open_with_first_message`] made.
pub struct FirstOpened {
    pub conversation_id: i64,
    pub protocol: String,
    pub message_id: i64,
    /// Whether a ready member of the group had room as the statement ended: if not, nothing
    /// is distributed now (whoever makes room later distributes after committing).
    pub room: bool,
}

/// What a first message's `INSERT INTO first_messages` makes, as a trigger of the request's own
/// connection (migration 0023; docs/decisions/0019): created just before the `INSERT`, it is
/// parsed only by the requests that store a first message, where a trigger of the schema was
/// parsed by every request's connection. `IF NOT EXISTS`: a connection the local host keeps keeps
/// it too. Inside a trigger, `changes()` is the number of rows its previous statement wrote and
/// `last_insert_rowid()` the rowid it inserted last (an insert into a `WITHOUT ROWID` table, the
/// identity, leaves it as it was), so each statement runs only when the one before it wrote its
/// row, and takes that row's id: client → identity → conversation → message → timeline. When
/// the client is not created (the identity or the phone appeared since the read), nothing else
/// is.
const FIRST_MESSAGE_TRIGGER: &str = "CREATE TEMP TRIGGER IF NOT EXISTS first_messages_open \
BEFORE INSERT ON main.first_messages
BEGIN
    INSERT INTO clients (tenant_id, username, display_name, phone, email, network, search,
                         created_at, updated_at)
    SELECT NEW.tenant_id, NEW.username, NEW.display_name, NEW.phone, NEW.email, NEW.network,
           NEW.search, NEW.at, NEW.at
     WHERE NOT EXISTS (SELECT 1 FROM client_identities
                        WHERE tenant_id = NEW.tenant_id AND channel_type = NEW.channel_type
                          AND external_id = NEW.external_id)
    ON CONFLICT DO NOTHING;

    INSERT INTO client_identities (tenant_id, channel_type, external_id, client_id, created_at)
    SELECT NEW.tenant_id, NEW.channel_type, NEW.external_id, last_insert_rowid(), NEW.at
     WHERE changes() = 1;

    INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id,
                               status, priority, language, subject, reply_to, arrived_at,
                               queued_at, last_customer_at, created_at, updated_at)
    SELECT NEW.tenant_id,
           printf('%s%011d', NEW.protocol_prefix,
                  COALESCE((SELECT last FROM protocol_counters WHERE tenant_id = NEW.tenant_id), 0) + 1),
           NEW.channel_id, NEW.channel_type, last_insert_rowid(), NEW.group_id, NEW.first_state, 0,
           NEW.language, NEW.subject, NEW.external_id, NEW.at, NEW.at, NEW.at, NEW.at, NEW.at
     WHERE changes() = 1;

    INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body,
                          payload, attachment_id, channel_message_id, delivery, created_at)
    SELECT NEW.tenant_id, last_insert_rowid(), NEW.channel_id, 'customer', NULL, NEW.kind,
           NEW.body, NEW.payload, NULL, NEW.channel_message_id, NULL, NEW.at
     WHERE changes() = 1;

    INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at)
    SELECT m.tenant_id, m.conversation_id, e.kind, 'customer', NULL, NULL, NEW.at
      FROM messages m
      JOIN (SELECT 0 AS n, NEW.opened_event AS kind UNION ALL SELECT 1, NEW.first_state) e
     WHERE m.id = last_insert_rowid() AND changes() = 1
     ORDER BY e.n;
END";

/// The client, its identity, the conversation (with the tenant's next protocol), its opening
/// on the timeline and the message, in one `INSERT` whose trigger does each ([`FIRST_MESSAGE_TRIGGER`]):
/// SQLite's write lock is held inside that one statement. `None` when it made nothing — the
/// identity or the phone became known since it was read, or the channel message id is a
/// repeat — and the caller takes the transaction, which sorts out each of those.
pub(super) fn open_with_first_message(
    db: &dyn Sql,
    tenant: TenantId,
    f: &FirstMessage,
    opened_event: &str,
    first_state: State,
) -> Result<Option<FirstOpened>, DbError> {
    let made = "FROM client_identities i \
         JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id \
         JOIN conversations v ON v.tenant_id = c.tenant_id AND v.client_id = c.id AND v.channel_id = ?2 \
         WHERE i.tenant_id = ?1 AND i.channel_type = ?3 AND i.external_id = ?4 AND c.username = ?5";
    db.execute(FIRST_MESSAGE_TRIGGER, &[])?;
    let result = db.execute(
        &format!(
            "INSERT INTO first_messages (tenant_id, channel_id, channel_type, external_id, username, \
             display_name, phone, email, network, search, protocol_prefix, group_id, language, subject, \
             opened_event, first_state, kind, body, payload, channel_message_id, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
                     ?19, ?20, ?21) \
             RETURNING (SELECT json_array(v.id, v.protocol, \
                                          (SELECT max(m.id) FROM messages m \
                                            WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id)) \
                        {made}) AS made, \
                       {room} AS room",
            room = crate::routing::sql::room_in_group!("?1", "?12")
        ),
        &[
            tenant.into(),
            f.channel_id.into(),
            f.channel_type.into(),
            f.external_id.into(),
            f.username.into(),
            f.client.display_name.clone().into(),
            f.client.phone.clone().into(),
            f.client.email.clone().into(),
            f.client.network.into(),
            f.client.search(f.username).into(),
            f.protocol_prefix.into(),
            f.group_id.into(),
            f.language.into(),
            f.subject.into(),
            opened_event.into(),
            first_state.into(),
            f.kind.into(),
            f.body.into(),
            f.payload.map(|p| p.to_string()).into(),
            f.channel_message_id.into(),
            f.now.into(),
        ],
    );
    let rows = match result {
        Ok(rows) => rows,
        // The repeated channel message id aborted the statement: nothing was made.
        Err(DbError::Constraint(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    // One subquery finds what was made (each repeats the joins, and compiling them is a good
    // part of the statement's cost on a fresh connection).
    let Some(made) = r.opt_text("made")? else {
        return Ok(None);
    };
    let (conversation_id, protocol, message_id): (i64, String, i64) =
        serde_json::from_str(&made).map_err(|e| DbError::Decode {
            column: "made".into(),
            reason: e.to_string(),
        })?;
    Ok(Some(FirstOpened {
        conversation_id,
        protocol,
        message_id,
        room: r.bool("room")?,
    }))
}

/// A bot hands the conversation to a group's queue.
pub(super) fn route_to_queue(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    group: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'queued', group_id = ?3, queued_at = ?4, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND status = 'bot' RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), group.into(), now.into()],
    )?)
}

/// One hand-out of [`hand_out_many`]: the conversation, the agent, the agent's limit and,
/// for an offer, when it expires.
pub struct Pick {
    pub conversation: i64,
    pub agent: i64,
    pub limit: i64,
    pub expires: Option<i64>,
}

/// Assigns (or, with an expiry, offers) a batch of queued conversations in one statement: SQLite's write lock is held inside it
/// rather than across one statement per conversation. Each row is still a compare-and-set: the
/// conversation must still be queued, and the agent's load (as it was when the statement
/// began) plus the batch's earlier picks for the same agent must stay below their limit — so
/// concurrent writers never push an agent over; a pick that lost its race is left out.
/// Answers the conversations handed out.
pub(super) fn hand_out_many(
    db: &dyn Sql,
    tenant: TenantId,
    picks: &[Pick],
    now: i64,
) -> Result<Vec<i64>, DbError> {
    if picks.is_empty() {
        return Ok(Vec::new());
    }
    let json: Vec<serde_json::Value> = picks
        .iter()
        .map(|p| serde_json::json!([p.conversation, p.agent, p.limit, p.expires]))
        .collect();
    let rows = db.execute(
        concat!(
            "WITH p AS (SELECT json_extract(value, '$[0]') AS conv, json_extract(value, '$[1]') AS agent, \
                json_extract(value, '$[2]') AS lim, json_extract(value, '$[3]') AS exp, \
                ROW_NUMBER() OVER (PARTITION BY json_extract(value, '$[1]') ORDER BY key) - 1 AS prior \
              FROM json_each(?2)) \
             UPDATE conversations SET status = CASE WHEN p.exp IS NULL THEN 'assigned' ELSE 'offered' END, \
               agent_id = p.agent, offer_expires_at = p.exp, \
               assigned_at = CASE WHEN p.exp IS NULL THEN ?3 ELSE assigned_at END, updated_at = ?3 \
             FROM p WHERE conversations.tenant_id = ?1 AND conversations.id = p.conv \
               AND conversations.status = 'queued' AND ",
            agent_load!("?1", "p.agent"),
            " + p.prior < p.lim RETURNING conversations.id"
        ),
        &[
            tenant.into(),
            serde_json::Value::Array(json).to_string().into(),
            now.into(),
        ],
    )?;
    rows.iter().map(|r| r.i64("id")).collect()
}

/// Takes the first conversation of the group's queue (priority first, then arrival) for
/// `agent` if they are below their limit — one statement, so two pulls never take the same one.
pub(super) fn pull(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    agent: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'assigned', agent_id = ?3, assigned_at = ?4, updated_at = ?4 \
             WHERE id = (SELECT id FROM conversations WHERE tenant_id = ?1 AND group_id = ?2 AND status = 'queued' \
                         ORDER BY priority DESC, arrived_at, id LIMIT 1) \
               AND status = 'queued' AND {load} < {limit} \
             RETURNING {CONVERSATION_COLUMNS}",
            load = agent_load!("?1", "?3"),
            limit = agent_limit!("?1", "?3"),
        ),
        &[tenant.into(), group.into(), agent.into(), now.into()],
    )?)
}

/// The agent accepts their offer while it is open (its slot was held since the offer).
pub(super) fn accept(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'assigned', assigned_at = ?4, offer_expires_at = NULL, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND agent_id = ?3 AND status = 'offered' AND offer_expires_at > ?4 \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), agent.into(), now.into()],
    )?)
}

/// An offer back to the queue (rejected, or with `expired_by` expired), passing the agent over
/// for it next time.
pub(super) fn withdraw_offer(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: i64,
    expired_by: Option<i64>,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let moved = one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'queued', agent_id = NULL, offer_expires_at = NULL, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND status = 'offered' AND agent_id = ?3 \
               AND (?5 IS NULL OR offer_expires_at <= ?5) RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), agent.into(), now.into(), expired_by.into()],
    )?)?;
    if moved.is_some() {
        skip(db, tenant, id, agent)?;
    }
    Ok(moved)
}

/// The agent is passed over for this conversation when it is handed out again.
fn skip(db: &dyn Sql, tenant: TenantId, id: i64, agent: i64) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO conversation_skips (tenant_id, conversation_id, agent_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        &[tenant.into(), id.into(), agent.into()],
    )?;
    Ok(())
}

/// Hands an open conversation held by `from` to `to` if `to` is below their own limit.
pub(super) fn transfer_to_agent(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    from: Option<i64>,
    to: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET agent_id = ?3, status = 'assigned', assigned_at = ?4, updated_at = ?4, agent_last_read = 0 \
             WHERE tenant_id = ?1 AND id = ?2 AND status IN ('assigned', 'pending') AND agent_id IS ?5 \
               AND {load} < {limit} \
             RETURNING {CONVERSATION_COLUMNS}",
            load = agent_load!("?1", "?3"),
            limit = agent_limit!("?1", "?3"),
        ),
        &[tenant.into(), id.into(), to.into(), now.into(), from.into()],
    )?)
}

/// Back into a group's queue (a transfer to a group, an answer timeout, a disconnect), keeping
/// the customer's original arrival; `from` is the holder it is taken from.
pub(super) fn requeue(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    from: Option<i64>,
    group: Option<i64>,
    states: &'static str,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    let moved = one(db.execute(
        &format!(
            "UPDATE conversations SET group_id = COALESCE(?3, group_id), agent_id = NULL, status = 'queued', \
               offer_expires_at = NULL, queued_at = ?4, updated_at = ?4 \
             WHERE tenant_id = ?1 AND id = ?2 AND status IN ({states}) AND agent_id IS ?5 \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), group.into(), now.into(), from.into()],
    )?)?;
    Ok(moved)
}

/// Passes `agent` over for the conversation (answer timeout) — with the requeue.
pub(super) fn pass_over(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    agent: i64,
) -> Result<(), DbError> {
    skip(db, tenant, id, agent)
}

/// Assigned → pending: frees a slot of the holder's limit.
pub(super) fn set_pending(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'pending', updated_at = ?3 \
             WHERE tenant_id = ?1 AND id = ?2 AND status = 'assigned' RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[tenant.into(), id.into(), now.into()],
    )?)
}

/// Pending → assigned, if the holder (whoever asks) is below their own limit.
pub(super) fn resume(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    now: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'assigned', updated_at = ?3 \
             WHERE tenant_id = ?1 AND id = ?2 AND status = 'pending' AND agent_id IS NOT NULL \
               AND {load} < {limit} RETURNING {CONVERSATION_COLUMNS}",
            load = agent_load!("?1", "conversations.agent_id"),
            limit = agent_limit!("?1", "conversations.agent_id"),
        ),
        &[tenant.into(), id.into(), now.into()],
    )?)
}

/// Someone wrote in the conversation: the customer (`by_customer`) resets the inactivity
/// clock; an agent's message records the first response and the agent's last activity.
pub(super) fn touch(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    by_customer: bool,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE conversations SET updated_at = ?3, \
           last_customer_at = CASE WHEN ?4 THEN ?3 ELSE last_customer_at END, \
           inactivity_warned = CASE WHEN ?4 THEN 0 ELSE inactivity_warned END, \
           last_agent_at = CASE WHEN ?4 THEN last_agent_at ELSE ?3 END, \
           first_response_at = CASE WHEN ?4 THEN first_response_at ELSE COALESCE(first_response_at, ?3) END \
         WHERE tenant_id = ?1 AND id = ?2",
        &[tenant.into(), id.into(), now.into(), by_customer.into()],
    )?;
    Ok(())
}

/// How a conversation is closed: who, and the closing script's answers.
pub struct Closing<'a> {
    pub closed_by: &'a str,
    pub classification_id: Option<i64>,
    pub reason_id: Option<i64>,
    pub sub_reason_id: Option<i64>,
    pub comment: Option<&'a str>,
    pub resolved: Option<bool>,
    pub survey_due: bool,
}

/// Closes for good, from any open state (`holder`: only if that agent still holds it).
pub(super) fn close(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    holder: Option<i64>,
    c: &Closing,
    at: i64,
) -> Result<Option<Conversation>, DbError> {
    one(db.execute(
        &format!(
            "UPDATE conversations SET status = 'closed', closed_at = ?1, closed_by = ?2, classification_id = ?3, \
               reason_id = ?4, sub_reason_id = ?5, close_comment = ?6, survey_due = ?7, resolved = ?8, \
               offer_expires_at = NULL, updated_at = ?1 \
             WHERE tenant_id = ?9 AND id = ?10 AND (?11 IS NULL OR agent_id = ?11) AND status <> 'closed' \
             RETURNING {CONVERSATION_COLUMNS}"
        ),
        &[
            at.into(),
            c.closed_by.into(),
            c.classification_id.into(),
            c.reason_id.into(),
            c.sub_reason_id.into(),
            c.comment.into(),
            c.survey_due.into(),
            c.resolved.into(),
            tenant.into(),
            id.into(),
            holder.into(),
        ],
    )?)
}

/// The timeline and the agents' feeds of a batch of hand-outs — two statements, whatever the
/// batch size.
pub(super) fn record_hand_outs(
    db: &dyn Sql,
    tenant: TenantId,
    made: &[(i64, i64)],
    kind: &str,
    strategy: &str,
    now: i64,
) -> Result<(), DbError> {
    if made.is_empty() {
        return Ok(());
    }
    let pairs = serde_json::to_string(made).unwrap_or_else(|_| "[]".into());
    db.execute(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at) \
         SELECT ?1, json_extract(value, '$[0]'), ?5, 'system', json_extract(value, '$[1]'), \
                json_object('strategy', ?3), ?4 FROM json_each(?2)",
        &[tenant.into(), pairs.clone().into(), strategy.into(), now.into(), kind.into()],
    )?;
    db.execute(
        "INSERT INTO inbox_feed (tenant_id, user_id, kind, conversation_id, data, at) \
         SELECT ?1, json_extract(value, '$[1]'), ?4, json_extract(value, '$[0]'), '{}', ?3 FROM json_each(?2)",
        &[tenant.into(), pairs.into(), now.into(), kind.into()],
    )?;
    Ok(())
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

/// Who may see a conversation ([`super::visibility`]) as SQL over `v` (the conversation),
/// `g` (its group, `config_items`) and `u` (its agent, `users`), which the statement joins;
/// its parameters are [`visibility_params`], numbered from `?{first}`.
pub fn visible(first: usize) -> String {
    let t = first;
    let me = first + 1;
    let all = first + 2;
    let groups = first + 3;
    let ops = first + 4;
    let sup = first + 5;
    format!(
        "(?{all} = 1 OR v.agent_id = ?{me} \
          OR (?{sup} = 1 AND g.ref_id IN (SELECT operation_id FROM supervisor_operations \
                                         WHERE tenant_id = ?{t} AND user_id = ?{me})) \
          OR (COALESCE(u.confidential_history, 0) = 0 AND ( \
               (?{groups} = 1 AND v.group_id IN (SELECT group_id FROM group_members \
                                                  WHERE tenant_id = ?{t} AND user_id = ?{me})) \
            OR (?{ops} = 1 AND g.ref_id IN (SELECT c.ref_id FROM group_members gm \
                    JOIN config_items c ON c.tenant_id = gm.tenant_id AND c.id = gm.group_id \
                    WHERE gm.tenant_id = ?{t} AND gm.user_id = ?{me})))))"
    )
}

/// The tenant and the viewer, in the order [`visible`] numbers them.
pub fn visibility_params(tenant: TenantId, viewer: &Visibility) -> Vec<Value> {
    vec![
        tenant.into(),
        viewer.user.into(),
        viewer.all.into(),
        viewer.groups.into(),
        viewer.operations_of_groups.into(),
        viewer.supervised_operations.into(),
    ]
}
