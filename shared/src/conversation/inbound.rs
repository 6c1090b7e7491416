//! The inbound path shared by every channel: a normalised message in, stored in its
//! customer's open conversation (or a new one) — in one short transaction, so a repeated
//! delivery or a message that must open nothing leaves no trace.

use super::hooks::{self, Hook};
use super::lifecycle;
use super::sql::{self, NewMessage};
use super::{MessageKind, Role, State};
use crate::client::{self, ClientFields};
use crate::config::business_hours::BusinessHoursDoc;
use crate::config::channel::ChannelDoc;
use crate::config::group::{GroupDoc, StartBot};
use crate::context::Ctx;
use crate::db::{atomically, Finish};
use crate::enums::Language;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use serde_json::{json, Value};

/// Largest attachment a customer may send.
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;

/// A channel as the inbound path sees it.
pub struct ChannelInfo {
    pub tenant: TenantId,
    pub id: i64,
    pub doc: ChannelDoc,
}

impl ChannelInfo {
    /// The active channel with this id, whatever its tenant (hooks carry only the id).
    pub fn load(ctx: &Ctx, id: i64) -> AppResult<ChannelInfo> {
        Self::load_reading_ahead(ctx, id, None)
    }

    /// [`ChannelInfo::load`], reading ahead in the same statement what storing a message from
    /// `sender` (channel type, identity) on it reads first: a delivery of one customer message
    /// then costs one statement less (docs/decisions/0020).
    pub fn load_reading_ahead(
        ctx: &Ctx,
        id: i64,
        sender: Option<(&str, &str)>,
    ) -> AppResult<ChannelInfo> {
        let found = match sender {
            Some(sender) => {
                sql::channel_with_sender(ctx.db, id, sender, Hook::MessageCreated.name())?
            }
            None => crate::config::sql::get_any_tenant(ctx.db, "channel", id)?,
        };
        let (tenant, stored) = found
            .filter(|(_, s)| s.status == crate::enums::Status::Active)
            .ok_or_else(|| AppError::not_found("channel"))?;
        let doc = crate::stored::decode("channel", tenant, id, &stored.data)?;
        Ok(ChannelInfo { tenant, id, doc })
    }

    pub fn credential(&self, key: &str) -> Option<&str> {
        self.doc
            .credentials
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// One message from a customer, whatever the channel.
#[derive(Default)]
pub struct Inbound {
    /// Who sent it on this channel: a WhatsApp id, a Telegram chat, an address, a phone.
    pub external_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Option<Language>,
    /// The provider's id of the message: a repeat with the same id is ignored.
    pub channel_message_id: Option<String>,
    pub kind: Option<MessageKind>,
    pub body: Option<String>,
    pub payload: Option<Value>,
    pub attachment: Option<NewAttachment>,
    pub subject: Option<String>,
}

/// Why an inbound message was refused at the edge: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub message: String,
}

impl Inbound {
    /// Every field checked before anything of a delivery is stored: the provider's id (the
    /// only way to recognise a repeat), a sender, a phone that parses as one, an e-mail
    /// address that is one, an attachment with a name, a media type and a size we keep.
    pub fn validate(&self) -> Result<(), Refused> {
        let refuse = |field: &'static str, message: &str| {
            Err(Refused {
                field,
                message: message.to_owned(),
            })
        };
        match self.channel_message_id.as_deref().map(str::trim) {
            None | Some("") => return refuse("id", "the provider's message id is required"),
            Some(id) if id.len() > 512 => return refuse("id", "is too long"),
            _ => {}
        }
        let sender = self.external_id.trim();
        if sender.is_empty() {
            return refuse("from", "the sender is missing");
        }
        if sender.len() > 320 || sender.chars().any(char::is_control) {
            return refuse("from", "is not a sender id");
        }
        if let Some(phone) = &self.phone {
            match crate::client::identity::parse_phone(phone) {
                Ok(normal) if normal == *phone => {}
                _ => return refuse("from", "is not a phone number"),
            }
        }
        if let Some(email) = &self.email {
            if crate::validate::email(Some(email.clone())) != Ok(Some(email.to_lowercase())) {
                return refuse("from", "is not an e-mail address");
            }
        }
        if self.name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return refuse("name", "is too long");
        }
        if self.body.as_ref().is_some_and(|b| b.len() > 256 * 1024) {
            return refuse("text", "is too long");
        }
        if let Some(a) = &self.attachment {
            if a.filename.trim().is_empty() || a.filename.chars().count() > 255 {
                return refuse(
                    "attachments.filename",
                    "is required (at most 255 characters)",
                );
            }
            let valid_type = a.content_type.split_once('/').is_some_and(|(t, sub)| {
                !t.is_empty()
                    && !sub.is_empty()
                    && a.content_type.len() <= 255
                    && a.content_type.is_ascii()
                    && !a.content_type.chars().any(char::is_control)
            });
            if !valid_type {
                return refuse("attachments.content_type", "is not a media type");
            }
            if a.data.is_empty() {
                return refuse("attachments.content", "is empty");
            }
            if a.data.len() > MAX_ATTACHMENT {
                return refuse("attachments.content", "is larger than 5 MiB");
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stored {
        conversation_id: i64,
        message_id: i64,
        protocol_opened: Option<String>,
        group_id: Option<i64>,
    },
    /// The same channel message was delivered before: nothing changed.
    Duplicate,
    /// The client is deactivated: acknowledged, nothing opened.
    ClientInactive,
}

fn out_of_hours_text(hours: &BusinessHoursDoc, language: &str) -> String {
    let m = &hours.out_of_hours_message;
    match language {
        "es" => m.es.clone(),
        "en" => m.en.clone(),
        _ => m.pt_br.clone(),
    }
}

/// The client with the sender's phone or e-mail, when it was read before the write lock.
#[derive(Clone, Copy)]
enum Contact {
    Read(Option<(i64, bool)>),
    Unread,
}

/// A new client as its first message describes them.
fn new_client_fields(channel: &ChannelInfo, msg: &Inbound) -> ClientFields {
    let name = msg
        .name
        .clone()
        .or_else(|| msg.phone.clone())
        .or_else(|| msg.email.clone())
        .unwrap_or_else(|| msg.external_id.clone());
    ClientFields {
        display_name: name.chars().take(120).collect(),
        phone: msg.phone.clone(),
        email: msg.email.clone(),
        network: Some(channel.doc.kind),
        ..ClientFields::default()
    }
}

/// The client this sender is, creating one (and linking the identity) the first time; the last
/// value says whether the client was created now.
fn client_for(
    ctx: &Ctx,
    channel: &ChannelInfo,
    msg: &Inbound,
    contact: Contact,
    now: i64,
) -> AppResult<(i64, bool, bool)> {
    let tenant = channel.tenant;
    let ctype = channel.doc.kind.as_str();
    let existing = match contact {
        Contact::Read(found) => found,
        Contact::Unread => {
            sql::client_by_contact(ctx.db, tenant, msg.phone.as_deref(), msg.email.as_deref())?
        }
    };
    let (id, active, created) = match existing {
        Some((id, active)) => (id, active, false),
        None => {
            let fields = new_client_fields(channel, msg);
            let username = client::new_username(ctx);
            match client::sql::insert(ctx.db, tenant, &username, &fields, now)? {
                Some(created) => (created.id, true, true),
                // Another request created a client with this phone or e-mail between the
                // read before the lock and now: that one is this sender.
                None => sql::client_by_contact(
                    ctx.db,
                    tenant,
                    msg.phone.as_deref(),
                    msg.email.as_deref(),
                )?
                .map(|(id, active)| (id, active, false))
                .ok_or_else(|| {
                    AppError::Unexpected(anyhow::anyhow!(
                        "client insert conflicted with no client of that phone or e-mail"
                    ))
                })?,
            }
        }
    };
    sql::link_identity(ctx.db, tenant, ctype, &msg.external_id, id, now)?;
    Ok((id, active, created))
}

/// Stores one inbound message. Out of business hours, the customer gets the out-of-hours
/// message once per conversation.
pub fn receive(ctx: &Ctx, channel: &ChannelInfo, msg: Inbound) -> AppResult<Outcome> {
    if msg.external_id.trim().is_empty() {
        return Err(AppError::invalid("from", "the sender is missing"));
    }
    if msg
        .attachment
        .as_ref()
        .is_some_and(|a| a.data.len() > MAX_ATTACHMENT)
    {
        return Err(crate::web::payload_too_large(MAX_ATTACHMENT));
    }
    let tenant = channel.tenant;
    let now = ctx.now_ms();
    let ctype = channel.doc.kind.as_str();
    let kind = msg.kind.unwrap_or(MessageKind::Text);
    let sender_known = match receive_on_open(ctx, channel, &msg, kind, now)? {
        OnOpen::Stored(outcome) => return Ok(outcome),
        OnOpen::Transaction { sender_known } => sender_known,
    };
    // Read before the write lock: the entry group (and its business hours) a new conversation
    // opens in, and which events anyone subscribes to. A sender unknown a moment ago is most
    // likely still unknown under the lock: the client with their phone or e-mail is read in
    // the same statement, not while every other writer waits.
    let entry_group = channel.doc.entry_group_id;
    let ((entry, events), contact) = match sender_known {
        Some(false) => {
            let (entry, found) = sql::entry_group_and_contact(
                ctx.db,
                tenant,
                entry_group,
                msg.phone.as_deref(),
                msg.email.as_deref(),
            )?;
            (entry, Contact::Read(found))
        }
        _ => (
            crate::config::sql::group_with_hours_and_subscriptions(ctx.db, tenant, entry_group)?,
            Contact::Unread,
        ),
    };
    let subscribed = hooks::Subscribed::Known(events);
    if let Contact::Read(None) = contact {
        let first = First {
            entry_group,
            entry: entry.as_ref(),
            subscribed: &subscribed,
        };
        if let Some(outcome) = receive_first(ctx, channel, &msg, kind, &first, now)? {
            return Ok(outcome);
        }
    }
    atomically(ctx.db, || {
        // Nobody had this identity, phone or e-mail a moment ago: the client is created unless
        // the identity appeared since (checked inside the insert), without reading first.
        let fresh = match contact {
            Contact::Read(None) => client::sql::insert_for_new_identity(
                ctx.db,
                tenant,
                &client::new_username(ctx),
                &new_client_fields(channel, &msg),
                (ctype, &msg.external_id),
                now,
            )?
            .map(|c| c.id),
            _ => None,
        };
        let known = match fresh {
            Some(_) => None,
            None => sql::known_sender(ctx.db, tenant, channel.id, ctype, &msg.external_id)?,
        };
        let (client_id, active, open, new_client) = match (known, fresh) {
            (_, Some(id)) => {
                sql::link_identity(ctx.db, tenant, ctype, &msg.external_id, id, now)?;
                (id, true, None, true)
            }
            (Some(k), None) => (k.client_id, k.client_active, k.conversation, false),
            (None, None) => {
                // A new client's insert found the sender known after all: read again.
                let contact = match contact {
                    Contact::Read(None) => Contact::Unread,
                    other => other,
                };
                let (id, active, created) = client_for(ctx, channel, &msg, contact, now)?;
                // A client created just now has no conversation and no survey yet.
                let open = if created {
                    None
                } else {
                    sql::known_sender(ctx.db, tenant, channel.id, ctype, &msg.external_id)?
                        .and_then(|k| k.conversation)
                };
                (id, active, open, created)
            }
        };
        if !active {
            eprintln!(
                "inbound message for inactive client {client_id} on channel {} ignored",
                channel.id
            );
            return Ok(Finish::Rollback((Outcome::ClientInactive, lifecycle::Wake::default())));
        }

        // While the customer answers a survey, their messages are answers: no new protocol.
        if open.is_none() && !new_client {
            if let Some(run) = crate::bot::sql::running(ctx.db, tenant, channel.id, client_id, now)? {
                return Ok(match crate::bot::survey::receive(ctx, channel, &run, &msg, kind, now)? {
                    Outcome::Duplicate => Finish::Rollback((Outcome::Duplicate, lifecycle::Wake::default())),
                    stored => Finish::Commit((stored, lifecycle::Wake::default())),
                });
            }
        }
        let mut agent = None;
        let in_bot;
        let mut wake = lifecycle::Wake::default();
        let (conversation_id, group_id, language, opened, was_pending, notified) = match open {
            Some(c) => {
                agent = c.agent_id;
                in_bot = c.status == State::Bot;
                (
                    c.id,
                    c.group_id,
                    c.language,
                    None,
                    c.status == State::Pending,
                    c.out_of_hours_notified,
                )
            }
            None => {
                let group_id = entry_group;
                let group: Option<GroupDoc> = entry.as_ref().and_then(|(data, _)| {
                    crate::stored::decode_or_report("group", tenant, group_id, data)
                });
                let language = msg.language.unwrap_or(Language::PtBr).as_str().to_owned();
                let opened = lifecycle::open(
                    ctx,
                    &lifecycle::Opening {
                        tenant,
                        channel_id: channel.id,
                        channel_type: channel.doc.kind,
                        client_id,
                        group_id,
                        in_bot: group.as_ref().is_some_and(|g| g.start_bot == StartBot::Menu),
                        holder: None,
                        language: &language,
                        subject: msg.subject.as_deref(),
                        reply_to: &msg.external_id,
                        actor: lifecycle::Actor::Customer,
                        data: Value::Null,
                        subscribed: &subscribed,
                        now,
                    },
                )?
                .defer(&mut wake);
                in_bot = opened.status == State::Bot;
                (opened.id, Some(group_id), language, Some(opened.protocol), false, false)
            }
        };

        let attachment_id = match &msg.attachment {
            Some(a) => Some(insert_attachment(ctx, tenant, conversation_id, a, now)?),
            None => None,
        };
        let inserted = sql::insert_message(
            ctx.db,
            tenant,
            &NewMessage {
                conversation_id,
                channel_id: channel.id,
                role: Role::Customer,
                sender_id: None,
                kind,
                body: msg.body.as_deref(),
                payload: msg.payload.as_ref(),
                attachment_id,
                channel_message_id: msg.channel_message_id.as_deref(),
                delivery: None,
                now,
            },
        )?;
        let Some(message_id) = inserted else {
            return Ok(Finish::Rollback((Outcome::Duplicate, lifecycle::Wake::default())));
        };
        lifecycle::wrote(
            ctx,
            lifecycle::Actor::Customer,
            tenant,
            conversation_id,
            was_pending,
            now,
        )?
        .defer(&mut wake);
        // The insert's trigger (migration 0018) wrote the holding agent's feed.
        if let Some(agent) = agent {
            crate::inbox::feed::written(tenant, agent);
        }
        if !notified {
            if let Some(group) = group_id {
                let hours = if group == entry_group {
                    entry.as_ref().map(|(_, hours)| hours.clone())
                } else {
                    crate::config::sql::group_with_hours(ctx.db, tenant, group)?
                        .map(|(_, hours)| hours)
                };
                notify_if_closed(ctx, channel, conversation_id, hours, &language, now)?;
            }
        }
        hooks::emit_if(
            ctx.db,
            &subscribed,
            tenant,
            Hook::MessageCreated,
            conversation_id,
            &json!({
                "message_id": message_id, "role": "customer", "kind": kind.as_str(), "body": msg.body
            }),
            now,
        )?;
        if let (true, Some(group_id)) = (in_bot, group_id) {
            let turn = crate::bot::menu::Turn {
                channel,
                conversation: conversation_id,
                client_id,
                group_id,
                language: &language,
                first: opened.is_some(),
            };
            let said = crate::bot::Said::of(msg.body.as_deref(), msg.payload.as_ref());
            let moved = crate::bot::menu::answer(ctx, &turn, &said, now)?;
            wake = std::mem::take(&mut wake).and(moved);
        }
        Ok(Finish::Commit((
            Outcome::Stored {
                conversation_id,
                message_id,
                protocol_opened: opened,
                group_id,
            },
            wake,
        )))
    })
    .map(|(outcome, wake)| {
        // Distribution once the message is committed: a new conversation in the queue.
        wake.run(ctx);
        outcome
    })
}

/// Whether business hours, as stored, are closed now (hours that do not parse never are: no
/// out-of-hours message is sent on them).
fn closed_now(ctx: &Ctx, hours: Option<&str>) -> bool {
    hours
        .and_then(|h| serde_json::from_str::<BusinessHoursDoc>(h).ok())
        .is_some_and(|h| !h.is_open(ctx.clock.now()))
}

/// What was read before the write about where a new conversation opens.
struct First<'a> {
    entry_group: i64,
    /// The entry group's document and its business hours, if the group exists.
    entry: Option<&'a (String, Option<String>)>,
    subscribed: &'a hooks::Subscribed,
}

/// A new customer's first message in one write, when nothing else must happen inside it: no
/// attachment, an entry group with no menu bot and open now (no out-of-hours message), and
/// nobody subscribed to `conversation.created` or `message.created`. The client, the
/// conversation and the message are then one `INSERT` (`sql::FIRST_MESSAGE_TRIGGER`) instead of a
/// transaction of seven statements holding the write lock (docs/decisions/0018). `None`: the
/// message needs [`receive`]'s transaction.
fn receive_first(
    ctx: &Ctx,
    channel: &ChannelInfo,
    msg: &Inbound,
    kind: MessageKind,
    first: &First,
    now: i64,
) -> AppResult<Option<Outcome>> {
    let tenant = channel.tenant;
    let Some((group_data, hours)) = first.entry else {
        return Ok(None);
    };
    let group: Option<GroupDoc> =
        crate::stored::decode_or_report("group", tenant, first.entry_group, group_data);
    let closed = closed_now(ctx, hours.as_deref());
    if msg.attachment.is_some()
        || group.is_none_or(|g| g.start_bot == StartBot::Menu)
        || closed
        || first.subscribed.wants(Hook::ConversationCreated)
        || first.subscribed.wants(Hook::MessageCreated)
    {
        return Ok(None);
    }
    let language = msg.language.unwrap_or(Language::PtBr).as_str();
    let username = client::new_username(ctx);
    let opened = lifecycle::open_with_first_message(
        ctx,
        tenant,
        &sql::FirstMessage {
            channel_id: channel.id,
            channel_type: channel.doc.kind.as_str(),
            external_id: &msg.external_id,
            username: &username,
            client: &new_client_fields(channel, msg),
            protocol_prefix: channel.doc.kind.protocol_prefix(),
            group_id: first.entry_group,
            language,
            subject: msg.subject.as_deref(),
            kind,
            body: msg.body.as_deref(),
            payload: msg.payload.as_ref(),
            channel_message_id: msg.channel_message_id.as_deref(),
            now,
        },
    )?;
    let Some(opened) = opened else {
        return Ok(None);
    };
    // Distribution now that the message is committed: a new conversation in the queue.
    let opened = opened.settle(ctx);
    Ok(Some(Outcome::Stored {
        conversation_id: opened.conversation_id,
        message_id: opened.message_id,
        protocol_opened: Some(opened.protocol),
        group_id: Some(first.entry_group),
    }))
}

enum OnOpen {
    Stored(Outcome),
    /// Whether the sender's identity was found, when it was looked up.
    Transaction {
        sender_known: Option<bool>,
    },
}

/// The common case in one write: a message without an attachment on a conversation that is
/// open and out of the bot, out of the pending state, with no out-of-hours message to send and
/// no webhook subscribed to `message.created`. Everything is read first (no lock held), then one
/// `INSERT` stores it, and its trigger (migration 0018) brings the conversation up to date and
/// writes the holding agent's feed: SQLite's write lock is held inside that one statement
/// (docs/decisions/0016). Otherwise the message needs [`receive`]'s transaction.
fn receive_on_open(
    ctx: &Ctx,
    channel: &ChannelInfo,
    msg: &Inbound,
    kind: MessageKind,
    now: i64,
) -> AppResult<OnOpen> {
    let transaction = |known: Option<bool>| {
        Ok(OnOpen::Transaction {
            sender_known: known,
        })
    };
    if msg.attachment.is_some() {
        return transaction(None);
    }
    let tenant = channel.tenant;
    let ctype = channel.doc.kind.as_str();
    let Some((known, hours, subscribed)) = sql::known_sender_with_duties(
        ctx.db,
        tenant,
        channel.id,
        ctype,
        &msg.external_id,
        Hook::MessageCreated.name(),
    )?
    else {
        return transaction(Some(false));
    };
    let Some(open) = known
        .conversation
        .filter(|c| known.client_active && !matches!(c.status, State::Bot | State::Pending))
    else {
        return transaction(Some(true));
    };
    let closed = closed_now(ctx, hours.as_deref());
    if subscribed || closed {
        return transaction(Some(true));
    }
    let inserted = sql::insert_customer_message(
        ctx.db,
        tenant,
        &NewMessage {
            conversation_id: open.id,
            channel_id: channel.id,
            role: Role::Customer,
            sender_id: None,
            kind,
            body: msg.body.as_deref(),
            payload: msg.payload.as_ref(),
            attachment_id: None,
            channel_message_id: msg.channel_message_id.as_deref(),
            delivery: None,
            now,
        },
    )?;
    let Some((message_id, agent)) = inserted else {
        return Ok(OnOpen::Stored(Outcome::Duplicate));
    };
    if let Some(agent) = agent {
        crate::inbox::feed::written(tenant, agent);
    }
    Ok(OnOpen::Stored(Outcome::Stored {
        conversation_id: open.id,
        message_id,
        protocol_opened: None,
        group_id: open.group_id,
    }))
}

pub fn insert_attachment(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    a: &NewAttachment,
    now: i64,
) -> AppResult<i64> {
    let rows = ctx.db.execute(
        "INSERT INTO attachments (tenant_id, conversation_id, filename, content_type, size, data, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            tenant.into(),
            conversation.into(),
            a.filename.chars().take(200).collect::<String>().into(),
            a.content_type.chars().take(120).collect::<String>().into(),
            (a.data.len() as i64).into(),
            crate::ports::Value::Blob(a.data.clone()),
            now.into(),
        ],
    )?;
    Ok(crate::db::scalar_i64(&rows)?)
}

/// Sends the out-of-hours message (once per conversation) when the group's business hours
/// (`hours`: the group was found, and has active hours) are closed.
fn notify_if_closed(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    hours: Option<Option<String>>,
    language: &str,
    now: i64,
) -> AppResult<()> {
    let Some(Some(hours)) = hours else {
        return Ok(());
    };
    let Ok(hours) = serde_json::from_str::<BusinessHoursDoc>(&hours) else {
        return Ok(());
    };
    if hours.is_open(ctx.clock.now())
        || !sql::mark_out_of_hours_notified(ctx.db, channel.tenant, conversation)?
    {
        return Ok(());
    }
    let text = out_of_hours_text(&hours, language);
    super::outbox::enqueue(
        ctx,
        channel,
        conversation,
        Role::System,
        None,
        &text,
        &text,
        None,
        now,
    )?;
    Ok(())
}
