//! `/api/admin/tokens`: API tokens — the secret is in the creation answer only.

use crate::auth::{authenticate, ADMINS};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::token::{self, NewToken};
use crate::web::{created, ok, Request, Response};

pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let page = crate::web::Page::from_query(&req.query())?;
    ok(&token::list(ctx.db, principal.tenant_id(), page)?)
}

pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: NewToken = req.json()?;
    created(&token::create(
        ctx,
        principal.tenant_id(),
        principal.user_id(),
        input,
    )?)
}

pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&token::get(
        ctx.db,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}

pub fn revoke(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&token::revoke(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}
