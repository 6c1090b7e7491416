//! `GET /api/admin/login-failures`: the company's failed logins, for its admin.

use crate::auth::{authenticate, ADMINS};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::login_throttle::sql;
use crate::web::{ok, Page, Request, Response};

/// Failed logins
///
/// The company's failed logins, newest first.
#[utoipa::path(get, path = "/api/admin/login-failures", operation_id = "list_login_failures", params(super::PageParams, ("username" = Option<String>, Query, description = "Only the attempts at this username")), responses((status = 200, description = "A page of failed logins", body = crate::web::Paged<crate::login_throttle::sql::LoggedFailure>)))]
pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let query = req.query();
    let page = Page::from_query(&query)?;
    let username = query
        .get("username")
        .map(|u| u.trim().to_lowercase())
        .filter(|u| !u.is_empty());
    let rows = sql::list(
        ctx.db,
        principal.tenant_id(),
        username.as_deref(),
        page.offset(),
        page.fetch(),
    )?;
    ok(&page.finish(rows))
}
