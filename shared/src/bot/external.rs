//! The external-bot API's work (`/api/bot/...`, token scope `bots`): a bot of the company's
//! own (Rasa, Dialogflow, …) lists the conversations in state `bot`, reads them, replies,
//! routes them to a group's queue, or closes them — through the same lifecycle as the menu
//! bot, its messages stored with role `bot`.

use super::{say, sql as bot_sql};
use crate::context::Ctx;
use crate::conversation::inbound::ChannelInfo;
use crate::conversation::lifecycle::{self, Actor};
use crate::conversation::sql as conversation_sql;
use crate::conversation::Message;
use crate::conversation::{Conversation, State};
use crate::db::transaction;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::providers::Choice;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The conversation, which must be in state `bot` (409 `invalid_state` otherwise).
fn in_bot(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<(Conversation, ChannelInfo)> {
    let c = conversation_sql::get(ctx.db, tenant, id)?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    if c.status != State::Bot {
        return Err(AppError::conflict(
            "invalid_state",
            "id",
            format!("the conversation is {}, not with a bot", c.status.as_str()),
        ));
    }
    let channel = ChannelInfo::load(ctx, c.channel_id)?;
    Ok((c, channel))
}

/// The conversations waiting with a bot, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InBotList {
    pub items: Vec<bot_sql::InBot>,
}

pub fn list(ctx: &Ctx, tenant: TenantId, limit: i64) -> AppResult<InBotList> {
    Ok(InBotList {
        items: bot_sql::in_bot(ctx.db, tenant, limit)?,
    })
}

/// A conversation with a bot and its messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct BotConversation {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

/// A conversation in state `bot` with its messages (its first 200: a bot conversation is short).
pub fn conversation(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<BotConversation> {
    let (conversation, _) = in_bot(ctx, tenant, id)?;
    let messages = conversation_sql::messages_after(ctx.db, tenant, id, 0, 200)?;
    Ok(BotConversation {
        conversation,
        messages,
    })
}

/// The message a bot's reply was stored as.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    pub message_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub text: String,
    /// Options sent as the channel's buttons (at most 10); the answer carries the id back.
    #[serde(default)]
    pub options: Vec<Choice>,
}

pub fn reply(ctx: &Ctx, tenant: TenantId, id: i64, r: Reply) -> AppResult<Sent> {
    let text = r.text.trim();
    if text.is_empty() || text.chars().count() > 4096 {
        return Err(AppError::invalid(
            "text",
            "is required (at most 4096 characters)",
        ));
    }
    if r.options.len() > super::menu::MAX_OPTIONS {
        return Err(AppError::invalid("options", "at most 10 options"));
    }
    for (i, o) in r.options.iter().enumerate() {
        if o.id.trim().is_empty() || o.id.len() > 64 {
            return Err(AppError::invalid(
                &format!("options[{i}].id"),
                "is required (at most 64 bytes)",
            ));
        }
        if o.title.trim().is_empty() || o.title.chars().count() > 60 {
            return Err(AppError::invalid(
                &format!("options[{i}].title"),
                "is required (at most 60 characters)",
            ));
        }
    }
    let now = ctx.now_ms();
    let message = transaction(ctx.db, || {
        let (c, channel) = in_bot(ctx, tenant, id)?;
        say(ctx, &channel, id, &c.language, text, r.options, now)
    })?;
    Ok(Sent {
        message_id: message,
    })
}

pub fn route(ctx: &Ctx, tenant: TenantId, id: i64, group: i64) -> AppResult<Conversation> {
    match crate::config::sql::statuses(ctx.db, tenant, "group", &[group])?.first() {
        Some((_, Status::Active)) => {}
        Some(_) => {
            return Err(AppError::invalid(
                "group_id",
                format!("group {group} is deactivated"),
            ))
        }
        None => {
            return Err(AppError::invalid(
                "group_id",
                format!("group {group} does not exist"),
            ))
        }
    }
    let now = ctx.now_ms();
    let moved = transaction(ctx.db, || {
        in_bot(ctx, tenant, id)?;
        bot_sql::end_session(ctx.db, tenant, id)?;
        lifecycle::route_to_queue(ctx, tenant, id, group, Actor::Bot, now)
    })?;
    Ok(moved.settle(ctx))
}

pub fn close(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    message: Option<String>,
) -> AppResult<Conversation> {
    let message = message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message.as_ref().is_some_and(|m| m.chars().count() > 4096) {
        return Err(AppError::invalid("message", "at most 4096 characters"));
    }
    let now = ctx.now_ms();
    let closed = transaction(ctx.db, || {
        let (c, channel) = in_bot(ctx, tenant, id)?;
        if let Some(m) = &message {
            say(ctx, &channel, id, &c.language, m, Vec::new(), now)?;
        }
        let group = match c.group_id {
            Some(g) => crate::config::sql::get(ctx.db, tenant, "group", g)?
                .and_then(|s| serde_json::from_str::<crate::config::group::GroupDoc>(&s.data).ok()),
            None => None,
        };
        super::close(ctx, tenant, id, group.as_ref(), now)
    })?;
    Ok(closed.settle(ctx))
}
