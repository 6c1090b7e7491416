//! `/api/admin/tokens`: API tokens — the secret is in the creation answer only.

use crate::auth::{authenticate, ADMINS};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::token::{self, NewToken};
use crate::web::{created, ok, Request, Response};

/// List API tokens
///
/// Never their secrets.
#[utoipa::path(get, path = "/api/admin/tokens", operation_id = "list_tokens", params(super::PageParams), responses((status = 200, description = "A page of the company's tokens", body = crate::web::Paged<crate::token::Token>)))]
pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let page = crate::web::Page::from_query(&req.query())?;
    ok(&token::list(ctx.db, principal.tenant_id(), page)?)
}

/// Create an API token
///
/// The secret is in this answer only. The token acts as the admin who created it, where its
/// scopes reach.
#[utoipa::path(post, path = "/api/admin/tokens", operation_id = "create_token", request_body = NewToken, responses((status = 201, description = "The token with its secret", body = crate::token::CreatedToken)))]
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

/// Read an API token
#[utoipa::path(get, path = "/api/admin/tokens/{id}", operation_id = "get_token", responses((status = 200, description = "The token", body = crate::token::Token)))]
pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&token::get(
        ctx.db,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}

/// Revoke an API token
///
/// It authenticates nothing from then on; revoking twice changes nothing.
#[utoipa::path(post, path = "/api/admin/tokens/{id}/revoke", operation_id = "revoke_token", responses((status = 200, description = "The revoked token", body = crate::token::Token)))]
pub fn revoke(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&token::revoke(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}
