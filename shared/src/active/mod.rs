//! Active contact ("envio ativo", seed 002): an agent writes first to a customer, on a channel
//! whose group allows it (the group's `active_*` flags; a WhatsApp template where the group has
//! `whatsapp_templates`). A customer without an open conversation on that channel gets a new
//! protocol, assigned to the agent. One who already has an open conversation there gets the
//! message after the group's `active_message_delay_minutes` (0 = at once), sent by the tick
//! into whatever conversation is open then, or a new one. Every send is kept with where it
//! went, so a scheduled message is never lost and can be cancelled until it goes.

pub mod sql;

use crate::auth::Principal;
use crate::config::channel::ChannelType;
use crate::config::group::GroupDoc;
use crate::context::Ctx;
use crate::conversation::hooks::{self, Hook};
use crate::conversation::inbound::ChannelInfo;
use crate::conversation::sql as conversation_sql;
use crate::conversation::{lifecycle, outbox, Event, Role, State};
use crate::db::transaction;
use crate::enums::{Profile, Status};
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::inbox::{self, feed};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

crate::enums::stored_enum!(
    ActiveState {
        Scheduled = "scheduled",
        Sent = "sent",
        Cancelled = "cancelled",
    }
);

/// An active message as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActiveMessage {
    pub id: i64,
    pub channel_id: i64,
    pub group_id: i64,
    pub client_id: i64,
    pub agent_id: i64,
    pub body: String,
    /// The WhatsApp template it was sent as (stored as the request gave it).
    #[schema(required = true, value_type = Option<Template>)]
    pub template: Option<Value>,
    pub status: ActiveState,
    /// When it goes (or went) out.
    #[schema(format = DateTime)]
    pub due_at: String,
    #[schema(required = true)]
    pub conversation_id: Option<i64>,
    #[schema(required = true)]
    pub message_id: Option<i64>,
    #[schema(format = DateTime, required = true)]
    pub sent_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// `POST /api/inbox/active-messages`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveRequest {
    pub channel_id: i64,
    pub group_id: i64,
    pub client_id: i64,
    pub text: Option<String>,
    pub template: Option<Template>,
    /// The e-mail's subject.
    pub subject: Option<String>,
}

/// A WhatsApp message template approved for the business (WhatsApp lets a business start a
/// conversation only with one), with its body parameters in order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}

impl Template {
    fn check(&self) -> AppResult<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 512
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(AppError::invalid(
                "template.name",
                "must be the template's name: lowercase letters, digits and _",
            ));
        }
        let language_ok = (2..=10).contains(&self.language.len())
            && self
                .language
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_');
        if !language_ok {
            return Err(AppError::invalid(
                "template.language",
                "must be a language code such as pt_BR, es or en_US",
            ));
        }
        if self.parameters.len() > 20
            || self
                .parameters
                .iter()
                .any(|p| p.trim().is_empty() || p.chars().count() > 1024)
        {
            return Err(AppError::invalid(
                "template.parameters",
                "at most 20 parameters, each 1 to 1024 characters",
            ));
        }
        Ok(())
    }

    /// What the console shows for it.
    fn summary(&self) -> String {
        if self.parameters.is_empty() {
            format!("[{}]", self.name)
        } else {
            format!("[{}] {}", self.name, self.parameters.join(" | "))
        }
    }
}

/// Whether the group lets its agents write first on this kind of channel.
fn allowed(group: &GroupDoc, kind: ChannelType) -> bool {
    let f = &group.flags;
    match kind {
        ChannelType::Whatsapp => f.active_whatsapp,
        ChannelType::Telegram => f.active_telegram,
        ChannelType::Email => f.active_email,
        ChannelType::Sms => f.active_sms,
        // Messenger and Instagram let a business answer, not write first, outside 24 hours.
        ChannelType::Webchat | ChannelType::Messenger | ChannelType::Instagram => false,
    }
}

/// Where the client is reached on the channel: the identity they last wrote from there, else
/// their phone (WhatsApp, SMS) or e-mail. A Telegram bot can only write to someone who wrote
/// to it first.
fn address(
    ctx: &Ctx,
    tenant: TenantId,
    kind: ChannelType,
    client: &crate::client::Client,
) -> AppResult<String> {
    if let Some(known) = conversation_sql::identity_of(ctx.db, tenant, kind.as_str(), client.id)? {
        return Ok(known);
    }
    let derived = match kind {
        ChannelType::Whatsapp => client.phone.as_ref().map(|p| p.replace('+', "")),
        ChannelType::Sms => client.phone.clone(),
        ChannelType::Email => client.email.clone(),
        ChannelType::Telegram
        | ChannelType::Webchat
        | ChannelType::Messenger
        | ChannelType::Instagram => None,
    };
    derived.ok_or_else(|| {
        AppError::invalid(
            "client_id",
            match kind {
                ChannelType::Telegram => "this client has never written to the Telegram bot, which can only answer people who wrote first",
                ChannelType::Email => "this client has no e-mail address",
                _ => "this client has no phone number",
            },
        )
    })
}

/// Starts an active contact. Answers the record: `sent` with the conversation it went into, or
/// `scheduled` with when it will go.
pub fn start(ctx: &Ctx, me: &Principal, request: ActiveRequest) -> AppResult<ActiveMessage> {
    inbox::require_answering(me)?;
    let tenant = me.tenant_id();
    let (body, template) = match (&request.text, &request.template) {
        (Some(text), None) => (inbox::check_text(text)?, None),
        (None, Some(t)) => {
            t.check()?;
            (t.summary(), Some(t))
        }
        _ => {
            return Err(AppError::invalid(
                "text",
                "send exactly one of text or template",
            ))
        }
    };
    let subject = match request.subject.as_deref().map(str::trim) {
        Some(s) if s.chars().count() > 200 => {
            return Err(AppError::invalid(
                "subject",
                "must be at most 200 characters",
            ))
        }
        Some(s) if !s.is_empty() => Some(s.to_owned()),
        _ => None,
    };
    let channel = ChannelInfo::load(ctx, request.channel_id)
        .ok()
        .filter(|c| c.tenant == tenant)
        .ok_or_else(|| AppError::invalid("channel_id", "is not an active channel"))?;
    let stored = crate::config::sql::get(ctx.db, tenant, "group", request.group_id)?
        .filter(|g| g.status == Status::Active)
        .ok_or_else(|| AppError::invalid("group_id", "is not an active group"))?;
    let group: GroupDoc = crate::stored::decode("group", tenant, request.group_id, &stored.data)?;
    if !inbox::sql::is_member(ctx.db, tenant, request.group_id, me.user_id())? {
        return Err(AppError::forbidden(
            "not_a_member",
            "you are not a member of this group",
        ));
    }
    let kind = channel.doc.kind;
    if !allowed(&group, kind) {
        return Err(AppError::forbidden(
            "active_not_allowed",
            crate::errors::Text::new(
                "this group does not allow writing first to customers on {channel}",
            )
            .with("channel", kind.as_str()),
        ));
    }
    if template.is_some() && !(kind == ChannelType::Whatsapp && group.flags.whatsapp_templates) {
        return Err(AppError::invalid(
            "template",
            "templates are sent only on WhatsApp, by groups with WhatsApp templates on",
        ));
    }
    if group.flags.receive_only {
        return Err(AppError::forbidden(
            "receive_only",
            "this group only receives messages",
        ));
    }
    inbox::require_ready(ctx, me)?;
    let client = crate::client::sql::get(ctx.db, tenant, request.client_id)?
        .ok_or_else(|| AppError::invalid("client_id", "no such client"))?;
    if client.status != Status::Active {
        return Err(inbox::conflict(
            "client_inactive",
            "this client is deactivated",
        ));
    }
    let address = address(ctx, tenant, kind, &client)?;
    let rendered = inbox::render(
        kind,
        group.name_shown,
        &me.user.display_name,
        &me.tenant.name,
        &body,
    );
    let template = template.map(|t| json!(t));
    let now = ctx.now_ms();
    let delay_ms = i64::from(group.timers.active_message_delay_minutes) * 60_000;
    let mut wake = lifecycle::Wake::default();
    let shown = transaction(ctx.db, || {
        let open = conversation_sql::open_on_channel(ctx.db, tenant, channel.id, client.id)?;
        // A customer in the middle of a conversation is not interrupted at once.
        let due_at = if open.is_some() { now + delay_ms } else { now };
        let id = sql::insert(
            ctx.db,
            tenant,
            &sql::NewActive {
                channel_id: channel.id,
                group_id: request.group_id,
                client_id: client.id,
                agent: me.user_id(),
                address: &address,
                body: &body,
                rendered: &rendered,
                template: template.as_ref(),
                subject: subject.as_deref(),
                due_at,
                now,
            },
        )?;
        if due_at <= now {
            if open.is_none() && !conversation_sql::agent_has_room(ctx.db, tenant, me.user_id().0)?
            {
                return Err(inbox::conflict(
                    "at_capacity",
                    "you are at your limit of simultaneous conversations",
                ));
            }
            send(ctx, &channel, tenant, id, now, &mut wake)?;
        }
        Ok(sql::get(ctx.db, tenant, id)?
            .ok_or_else(|| AppError::not_found("active message"))?
            .shown)
    })?;
    wake.run(ctx);
    Ok(shown)
}

/// Sends one scheduled message now: into the customer's open conversation on the channel, or
/// a new one — assigned to its agent when they are ready, a member and below their limit,
/// otherwise queued in the group so the next free agent gets the customer's reply. Must run
/// inside a transaction; false if it was no longer scheduled.
fn send(
    ctx: &Ctx,
    channel: &ChannelInfo,
    tenant: TenantId,
    id: i64,
    now: i64,
    wake: &mut lifecycle::Wake,
) -> AppResult<bool> {
    let Some(item) = sql::get(ctx.db, tenant, id)? else {
        return Ok(false);
    };
    if !sql::leave_scheduled(ctx.db, tenant, id, ActiveState::Sent, now)? {
        return Ok(false);
    }
    let a = &item.shown;
    let agent = UserId(a.agent_id);
    let (conversation, holder) =
        match conversation_sql::open_on_channel(ctx.db, tenant, channel.id, a.client_id)? {
            Some((open, holder)) => {
                record(ctx, tenant, open, "active_message", a, now)?;
                (open, holder)
            }
            None => {
                let takes = agent_takes(ctx, tenant, agent, a.group_id)?;
                let language = conversation_sql::last_language(ctx.db, tenant, a.client_id)?
                    .unwrap_or_else(|| "pt-BR".to_owned());
                let opened = lifecycle::open(
                    ctx,
                    &lifecycle::Opening {
                        tenant,
                        channel_id: channel.id,
                        channel_type: channel.doc.kind,
                        client_id: a.client_id,
                        group_id: a.group_id,
                        in_bot: false,
                        holder: takes.then_some(a.agent_id),
                        language: &language,
                        subject: item.subject.as_deref(),
                        reply_to: &item.address,
                        actor: lifecycle::Actor::User(a.agent_id),
                        data: json!({"active_message_id": a.id, "active": true}),
                        subscribed: &Default::default(),
                        now,
                    },
                )?
                .defer(wake);
                // The customer's answer, from this address, lands in this conversation.
                conversation_sql::link_identity(
                    ctx.db,
                    tenant,
                    channel.doc.kind.as_str(),
                    &item.address,
                    a.client_id,
                    now,
                )?;
                (opened.id, opened.agent_id)
            }
        };
    let message = outbox::enqueue(
        ctx,
        channel,
        conversation,
        Role::Agent,
        Some(a.agent_id),
        &a.body,
        &item.rendered,
        item.template.as_ref(),
        now,
    )?;
    let was_pending = conversation_sql::get(ctx.db, tenant, conversation)?
        .is_some_and(|c| c.status == State::Pending);
    lifecycle::wrote(
        ctx,
        lifecycle::Actor::User(a.agent_id),
        tenant,
        conversation,
        was_pending,
        now,
    )?
    .defer(wake);
    if let Some(holder) = holder.filter(|h| *h != a.agent_id) {
        feed::push(
            ctx.db,
            tenant,
            holder,
            "message",
            Some(conversation),
            &json!({"message_id": message, "kind": "text", "body": a.body}),
            now,
        )?;
    }
    hooks::emit(
        ctx.db,
        tenant,
        Hook::MessageCreated,
        conversation,
        &json!({"message_id": message, "role": "agent", "kind": "text", "body": a.body, "active": true}),
        now,
    )?;
    sql::record_sent(ctx.db, tenant, id, conversation, message, now)?;
    Ok(true)
}

/// Whether a new conversation of an active message starts with its agent.
fn agent_takes(ctx: &Ctx, tenant: TenantId, agent: UserId, group: i64) -> AppResult<bool> {
    let Some((_, user_status, _, agent_status)) = inbox::sql::availability(ctx.db, tenant, agent)?
    else {
        return Ok(false);
    };
    Ok(user_status == Status::Active.as_str()
        && agent_status == "ready"
        && inbox::sql::is_member(ctx.db, tenant, group, agent)?
        && conversation_sql::agent_has_room(ctx.db, tenant, agent.0)?)
}

fn record(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    kind: &str,
    a: &ActiveMessage,
    at: i64,
) -> AppResult<()> {
    conversation_sql::record(
        ctx.db,
        &Event::new(tenant, conversation, kind, "user", Some(a.agent_id), at)
            .with_data(json!({"active_message_id": a.id})),
    )?;
    Ok(())
}

/// Sends the scheduled messages whose delay has passed; one call per tick.
pub fn send_due(ctx: &Ctx, limit: i64) -> AppResult<usize> {
    let now = ctx.now_ms();
    let mut sent = 0;
    let mut wakes = lifecycle::Wake::default();
    for (tenant, id) in sql::due(ctx.db, now, limit)? {
        let channel_id = match sql::get(ctx.db, tenant, id)? {
            Some(item) => item.shown.channel_id,
            None => continue,
        };
        let done = match ChannelInfo::load(ctx, channel_id) {
            // Distribution of what this opens runs later in the same tick.
            Ok(channel) => {
                transaction(ctx.db, || send(ctx, &channel, tenant, id, now, &mut wakes))?
            }
            // The channel was deactivated meanwhile: nothing can carry it.
            Err(_) => {
                eprintln!("active message {id}: its channel {channel_id} is not active; cancelled");
                sql::leave_scheduled(ctx.db, tenant, id, ActiveState::Cancelled, now)?;
                false
            }
        };
        sent += usize::from(done);
    }
    Ok(sent)
}

/// My active messages (everyone's for admins and supervisors), newest first, a page at a time.
pub fn list(
    ctx: &Ctx,
    me: &Principal,
    status: Option<ActiveState>,
    page: crate::web::Page,
) -> AppResult<crate::web::Paged<ActiveMessage>> {
    let mine_only = matches!(me.profile(), Profile::Agent);
    let rows = sql::list(
        ctx.db,
        me.tenant_id(),
        mine_only.then(|| me.user_id()),
        status,
        page.offset(),
        page.fetch(),
    )?;
    Ok(page.finish(rows))
}

/// Cancels a scheduled message (its agent, a supervisor or an admin).
pub fn cancel(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<ActiveMessage> {
    let tenant = me.tenant_id();
    let item = sql::get(ctx.db, tenant, id)?
        .filter(|a| a.shown.agent_id == me.user_id().0 || me.profile() != Profile::Agent)
        .ok_or_else(|| AppError::not_found("active message"))?;
    let cancelled = sql::leave_scheduled(ctx.db, tenant, id, ActiveState::Cancelled, ctx.now_ms())?;
    let latest = sql::get(ctx.db, tenant, id)?.map_or(item.shown, |a| a.shown);
    if !cancelled {
        return Err(inbox::conflict(
            "not_scheduled",
            crate::errors::Text::new("this message is already {status}")
                .with("status", latest.status.as_str()),
        ));
    }
    Ok(latest)
}
