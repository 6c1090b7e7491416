//! `/api/bot/...`: the external-bot API (token scope `bots`), for admins and supervisors and
//! their tokens.

use crate::auth::authenticate;
use crate::bot::external::{self, BotConversation, InBotList, Reply, Sent};
use crate::context::Ctx;
use crate::conversation::Conversation;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::web::{ok, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

const BOT_OWNERS: &[Profile] = &[Profile::Admin, Profile::Supervisor];

/// Conversations with a bot
///
/// Conversations in state `bot`, oldest first.
#[utoipa::path(get, path = "/api/bot/conversations",
    params(("limit" = Option<i64>, Query, description = "1 to 200, default 50")),
    responses((status = 200, description = "Oldest first", body = InBotList)))]
pub fn conversations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    let limit = req.query().parse::<i64>("limit")?.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(crate::errors::AppError::invalid(
            "limit",
            "must be 1 to 200",
        ));
    }
    ok(&external::list(ctx, me.tenant_id(), limit)?)
}

/// A conversation with a bot
///
/// The conversation (state `bot`) and its first 200 messages.
#[utoipa::path(get, path = "/api/bot/conversations/{id}",
    responses((status = 200, description = "The conversation", body = BotConversation)))]
pub fn conversation(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    ok(&external::conversation(
        ctx,
        me.tenant_id(),
        req.param("id")?,
    )?)
}

/// Reply as the bot
///
/// A message to the customer, with up to 10 options sent as the channel's buttons.
#[utoipa::path(post, path = "/api/bot/conversations/{id}/messages", request_body = Reply,
    responses((status = 201, description = "Stored and queued for delivery", body = Sent)))]
pub fn reply(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    let body: Reply = req.json()?;
    crate::web::created(&external::reply(
        ctx,
        me.tenant_id(),
        req.param("id")?,
        body,
    )?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteBody {
    group_id: i64,
}

/// Route to a group
///
/// Ends the bot's part: the conversation joins the group's queue.
#[utoipa::path(post, path = "/api/bot/conversations/{id}/route", request_body = RouteBody,
    responses((status = 200, description = "Queued", body = Conversation)))]
pub fn route(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    let body: RouteBody = req.json()?;
    ok(&external::route(
        ctx,
        me.tenant_id(),
        req.param("id")?,
        body.group_id,
    )?)
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// A last message to the customer.
    message: Option<String>,
}

/// Close
///
/// Closes the conversation, after an optional last message; the body may be empty.
#[utoipa::path(post, path = "/api/bot/conversations/{id}/close", request_body = Option<CloseBody>,
    responses((status = 200, description = "Closed", body = Conversation)))]
pub fn close(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    let body: CloseBody = if req.body().is_empty() {
        CloseBody::default()
    } else {
        req.json()?
    };
    ok(&external::close(
        ctx,
        me.tenant_id(),
        req.param("id")?,
        body.message,
    )?)
}
