//! The inbound path shared by every channel: a normalised message in, stored in its
//! customer's open conversation (or a new one) — in one short transaction, so a repeated
//! delivery or a message that must open nothing leaves no trace.

use super::sql::{self, NewConversation, NewMessage};
use super::{protocol, Event, MessageKind, Role, State};
use crate::client::{self, ClientFields};
use crate::config::business_hours::BusinessHoursDoc;
use crate::config::channel::ChannelDoc;
use crate::config::group::{GroupDoc, StartBot};
use crate::context::Ctx;
use crate::db::{atomically, Finish};
use crate::enums::Language;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::webhook_delivery;
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
        let (tenant, stored) = crate::config::sql::get_any_tenant(ctx.db, "channel", id)?
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

/// The client this sender is, creating one (and linking the identity) the first time.
fn client_for(ctx: &Ctx, channel: &ChannelInfo, msg: &Inbound, now: i64) -> AppResult<(i64, bool)> {
    let tenant = channel.tenant;
    let ctype = channel.doc.kind.as_str();
    let existing =
        sql::client_by_contact(ctx.db, tenant, msg.phone.as_deref(), msg.email.as_deref())?;
    let (id, active) = match existing {
        Some(found) => found,
        None => {
            let name = msg
                .name
                .clone()
                .or_else(|| msg.phone.clone())
                .or_else(|| msg.email.clone())
                .unwrap_or_else(|| msg.external_id.clone());
            let fields = ClientFields {
                display_name: name.chars().take(120).collect(),
                phone: msg.phone.clone(),
                email: msg.email.clone(),
                network: Some(channel.doc.kind),
                ..ClientFields::default()
            };
            let username = client::new_username(ctx);
            let created = client::sql::insert(ctx.db, tenant, &username, &fields, now)?
                .ok_or_else(|| {
                    AppError::Unexpected(anyhow::anyhow!(
                        "client insert conflicted inside a write lock"
                    ))
                })?;
            (created.id, true)
        }
    };
    sql::link_identity(ctx.db, tenant, ctype, &msg.external_id, id, now)?;
    Ok((id, active))
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
    atomically(ctx.db, || {
        let known = sql::known_sender(ctx.db, tenant, channel.id, ctype, &msg.external_id)?;
        let (client_id, active, open) = match known {
            Some(k) => (k.client_id, k.client_active, k.conversation),
            None => {
                let (id, active) = client_for(ctx, channel, &msg, now)?;
                let open = sql::known_sender(ctx.db, tenant, channel.id, ctype, &msg.external_id)?
                    .and_then(|k| k.conversation);
                (id, active, open)
            }
        };
        if !active {
            eprintln!(
                "inbound message for inactive client {client_id} on channel {} ignored",
                channel.id
            );
            return Ok(Finish::Rollback(Outcome::ClientInactive));
        }

        let mut agent = None;
        let (conversation_id, group_id, language, opened, resume, notified) = match open {
            Some(c) => {
                // A reply brings a pending conversation back only if its agent has room;
                // otherwise it stays pending, its unread count showing the new message.
                let resume = c.status == State::Pending
                    && match c.agent_id {
                        Some(agent) => sql::agent_has_room(ctx.db, tenant, agent)?,
                        None => false,
                    };
                agent = c.agent_id;
                (
                    c.id,
                    c.group_id,
                    c.language,
                    None,
                    resume,
                    c.out_of_hours_notified,
                )
            }
            None => {
                let group_id = channel.doc.entry_group_id;
                let group: Option<GroupDoc> =
                    crate::config::sql::get(ctx.db, tenant, "group", group_id)?.and_then(|g| {
                        crate::stored::decode_or_report("group", tenant, group_id, &g.data)
                    });
                let status = match group.as_ref().map(|g| g.start_bot) {
                    Some(StartBot::Menu) => State::Bot,
                    _ => State::Queued,
                };
                let number = sql::next_protocol_number(ctx.db, tenant)?;
                let protocol = protocol(channel.doc.kind.protocol_prefix(), number);
                let language = msg.language.unwrap_or(Language::PtBr).as_str().to_owned();
                let new = NewConversation {
                    protocol: &protocol,
                    channel_id: channel.id,
                    channel_type: ctype,
                    client_id,
                    group_id,
                    status,
                    language: &language,
                    subject: msg.subject.as_deref(),
                    reply_to: &msg.external_id,
                    agent_id: None,
                    now,
                };
                let id = sql::insert_conversation(ctx.db, tenant, &new)?.ok_or_else(|| {
                    AppError::Unexpected(anyhow::anyhow!(
                        "an open conversation appeared inside a write lock"
                    ))
                })?;
                for kind in ["created", status.as_str()] {
                    sql::record(ctx.db, &Event::new(tenant, id, kind, "customer", None, now))?;
                }
                webhook_delivery::emit(
                    ctx.db,
                    tenant,
                    "conversation.created",
                    &json!({
                        "conversation_id": id, "protocol": protocol, "channel_id": channel.id,
                        "channel": ctype, "client_id": client_id, "group_id": group_id, "status": status.as_str()
                    }),
                    now,
                )?;
                (id, Some(group_id), language, Some(protocol), false, false)
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
            return Ok(Finish::Rollback(Outcome::Duplicate));
        };
        sql::touch_by_customer(ctx.db, tenant, conversation_id, resume, now)?;
        if let Some(agent) = agent {
            crate::inbox::feed::push(
                ctx.db,
                tenant,
                agent,
                "message",
                Some(conversation_id),
                &json!({"message_id": message_id, "kind": kind.as_str(), "body": msg.body}),
                now,
            )?;
        }
        if resume {
            sql::record(
                ctx.db,
                &Event::new(tenant, conversation_id, "resumed", "customer", None, now),
            )?;
        }
        if !notified {
            if let Some(group) = group_id {
                notify_if_closed(ctx, channel, conversation_id, group, &language, now)?;
            }
        }
        webhook_delivery::emit(
            ctx.db,
            tenant,
            "message.created",
            &json!({
                "conversation_id": conversation_id, "message_id": message_id, "role": "customer",
                "kind": kind.as_str(), "body": msg.body
            }),
            now,
        )?;
        Ok(Finish::Commit(Outcome::Stored {
            conversation_id,
            message_id,
            protocol_opened: opened,
            group_id,
        }))
    })
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

/// Sends the out-of-hours message (once per conversation) when the group's hours are closed.
fn notify_if_closed(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    group: i64,
    language: &str,
    now: i64,
) -> AppResult<()> {
    let Some((_, Some(hours))) =
        crate::config::sql::group_with_hours(ctx.db, channel.tenant, group)?
    else {
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
