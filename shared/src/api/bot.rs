//! `/api/bot/...`: the external-bot API (token scope `bots`), for admins and supervisors and
//! their tokens.

use crate::auth::authenticate;
use crate::bot::external::{self, Reply};
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use crate::web::{ok, Request, Response};
use serde::Deserialize;

const BOT_OWNERS: &[Profile] = &[Profile::Admin, Profile::Supervisor];

/// Conversations in state `bot`, oldest first (`limit`, default 50, at most 200).
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

pub fn conversation(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(BOT_OWNERS)?;
    ok(&external::conversation(
        ctx,
        me.tenant_id(),
        req.param("id")?,
    )?)
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteBody {
    group_id: i64,
}

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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    message: Option<String>,
}

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
