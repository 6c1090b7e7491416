//! `/api/platform/tenants`: the operator's API to create and list companies, guarded by the
//! `platform_secret` variable as a bearer token.

use crate::context::{var, Ctx};
use crate::errors::{AppError, AppResult};
use crate::platform::{self, NewTenant};
use crate::tenant;
use crate::web::{created, ok, Request, Response};
use subtle::ConstantTimeEq;

fn require_platform_secret(ctx: &Ctx, req: &Request) -> AppResult<()> {
    let Some(secret) = ctx.var(var::PLATFORM_SECRET) else {
        return Err(AppError::forbidden(
            "platform_api_disabled",
            "the platform API is off: set the platform_secret variable",
        ));
    };
    let given = req.bearer_token().unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(secret.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::unauthorized(
            "unauthenticated",
            "a valid platform secret is required",
        ))
    }
}

/// List companies
///
/// Every company (tenant) of this installation.
#[utoipa::path(get, path = "/api/platform/tenants", operation_id = "list_tenants", params(super::PageParams), responses((status = 200, description = "A page of companies", body = crate::web::Paged<crate::tenant::Tenant>)))]
pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    require_platform_secret(ctx, req)?;
    let page = crate::web::Page::from_query(&req.query())?;
    ok(&tenant::sql::page(ctx.db, page)?)
}

/// Create a company
///
/// The company and its first admin, together or not at all.
#[utoipa::path(post, path = "/api/platform/tenants", operation_id = "create_tenant", request_body = NewTenant, responses((status = 201, description = "The company and its admin", body = crate::platform::CreatedTenant)))]
pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    require_platform_secret(ctx, req)?;
    let input: NewTenant = req.json()?;
    created(&platform::create_tenant(ctx, input)?)
}

/// Create the demo company
///
/// What `atende --demo` creates, for a deployment with no shell on the host (a bare `spin up`,
/// SpinKube): the company `demo` with one user of every profile (admin, supervisor, supagent,
/// agent1 to agent4, all with the password in the answer), groups behind a menu bot, a
/// satisfaction survey, a web-chat channel and a WhatsApp channel with placeholder credentials.
/// Refused with 409 when a company `demo` exists.
#[utoipa::path(post, path = "/api/platform/demo", operation_id = "create_demo_company", responses((status = 201, description = "The demo company, its users and where to start", body = crate::demo::DemoCompany)))]
pub fn demo(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    require_platform_secret(ctx, req)?;
    created(&crate::demo::create(ctx)?)
}
