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

pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    require_platform_secret(ctx, req)?;
    let page = crate::web::Page::from_query(&req.query())?;
    ok(&tenant::sql::page(ctx.db, page)?)
}

pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    require_platform_secret(ctx, req)?;
    let input: NewTenant = req.json()?;
    created(&platform::create_tenant(ctx, input)?)
}
