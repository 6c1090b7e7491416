//! `/api/admin/users`: admins write, supervisors read.

use crate::auth::{authenticate, ADMINS, READERS};
use crate::config::members::{self, Selection};
use crate::context::Ctx;
use crate::enums::{Profile, Status};
use crate::errors::AppResult;
use crate::ids::UserId;
use crate::user::sql::ListFilter;
use crate::user::{import, service, sql, CreateUser, UpdateUser};
use crate::web::{created, ok, Page, Request, Response, CSV_LIMIT};

/// List users
///
/// The company's users, by display name; `q` searches username, name and e-mail.
#[utoipa::path(get, path = "/api/admin/users", operation_id = "list_users", params(super::PageParams, ("q" = Option<String>, Query, description = "Text in the username, name or e-mail"), ("status" = Option<Status>, Query, description = "Only active or only inactive users"), ("profile" = Option<Profile>, Query, description = "Only users of this profile")), responses((status = 200, description = "A page of users", body = crate::web::Paged<crate::user::User>)))]
pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let query = req.query();
    let page = Page::from_query(&query)?;
    let filter = ListFilter {
        q: query.get("q").map(str::to_owned),
        status: query.status()?,
        profile: query.get("profile").map(parse_profile).transpose()?,
    };
    let rows = sql::list(
        ctx.db,
        principal.tenant_id(),
        &filter,
        page.offset(),
        page.fetch(),
    )?;
    ok(&page.finish(rows))
}

fn parse_profile(s: &str) -> AppResult<Profile> {
    Profile::parse(s).ok_or_else(|| {
        crate::errors::AppError::invalid(
            "profile",
            crate::errors::messages::reason::one_of(Profile::expected()),
        )
    })
}

/// Create a user
#[utoipa::path(post, path = "/api/admin/users", operation_id = "create_user", request_body = CreateUser, responses((status = 201, description = "The new user", body = crate::user::User)))]
pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: CreateUser = req.json()?;
    created(&service::create(ctx, principal.tenant_id(), input)?)
}

/// Read a user
#[utoipa::path(get, path = "/api/admin/users/{id}", operation_id = "get_user", responses((status = 200, description = "The user", body = crate::user::User)))]
pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let id: UserId = req.param("id")?;
    ok(&service::get(ctx, principal.tenant_id(), id)?.user)
}

/// Update a user
///
/// Absent fields stay as they are; `null` clears an optional one. A new password revokes the
/// user's sessions.
#[utoipa::path(patch, path = "/api/admin/users/{id}", operation_id = "update_user", request_body = UpdateUser, responses((status = 200, description = "The updated user", body = crate::user::User)))]
pub fn update(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let id: UserId = req.param("id")?;
    let patch: UpdateUser = req.json()?;
    ok(&service::update(ctx, principal.tenant_id(), id, patch)?)
}

/// Deactivate a user
///
/// The user can no longer log in; their sessions end. An admin cannot deactivate themselves.
#[utoipa::path(post, path = "/api/admin/users/{id}/deactivate", operation_id = "deactivate_user", responses((status = 200, description = "The deactivated user", body = crate::user::User)))]
pub fn deactivate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Inactive)
}

/// Activate a user
#[utoipa::path(post, path = "/api/admin/users/{id}/activate", operation_id = "activate_user", responses((status = 200, description = "The activated user", body = crate::user::User)))]
pub fn activate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Active)
}

fn set_status(ctx: &Ctx, req: &Request, status: Status) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let id: UserId = req.param("id")?;
    ok(&service::set_status(
        ctx,
        principal.tenant_id(),
        principal.user_id(),
        id,
        status,
    )?)
}

/// Import users from CSV
///
/// One user per row (`username`, `display_name`, `profile`, `password` and the optional
/// fields), `,` or `;` separated: the good rows are created, each bad one is reported with why.
#[utoipa::path(post, path = "/api/admin/users/import", operation_id = "import_users", request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, at most 2 MiB"), responses((status = 200, description = "What became of each row", body = crate::user::import::ImportReport)))]
pub fn import_csv(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let text = req.text("text/csv", CSV_LIMIT)?;
    ok(&import::import(ctx, principal.tenant_id(), text)?)
}

fn supervisor(ctx: &Ctx, req: &Request, principal: &crate::auth::Principal) -> AppResult<UserId> {
    let id: UserId = req.param("id")?;
    let user = service::get(ctx, principal.tenant_id(), id)?;
    if !matches!(
        user.user.profile,
        Profile::Supervisor | Profile::SupervisorAgent
    ) {
        return Err(crate::errors::AppError::invalid(
            "id",
            "operations are linked to supervisors and supervisor-agents",
        ));
    }
    Ok(id)
}

/// A supervisor's operations
///
/// The operations a supervisor or supervisor-agent oversees.
#[utoipa::path(get, path = "/api/admin/users/{id}/operations", operation_id = "list_user_operations", responses((status = 200, description = "The linked operations", body = Vec<crate::config::members::LinkedOperation>)))]
pub fn operations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let id = supervisor(ctx, req, &principal)?;
    ok(&members::operations_of(ctx.db, principal.tenant_id(), id)?)
}

/// Link operations to a supervisor
///
/// Some operations (`ids`) or every one (`all: true`).
#[utoipa::path(post, path = "/api/admin/users/{id}/operations", operation_id = "link_user_operations", request_body = Selection, responses((status = 200, description = "The operations now linked", body = Vec<crate::config::members::LinkedOperation>)))]
pub fn link_operations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    change_operations(ctx, req, true)
}

/// Unlink operations from a supervisor
///
/// Some operations (`ids`) or every one (`all: true`).
#[utoipa::path(post, path = "/api/admin/users/{id}/operations/remove", operation_id = "unlink_user_operations", request_body = Selection, responses((status = 200, description = "The operations still linked", body = Vec<crate::config::members::LinkedOperation>)))]
pub fn unlink_operations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    change_operations(ctx, req, false)
}

fn change_operations(ctx: &Ctx, req: &Request, link: bool) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let id = supervisor(ctx, req, &principal)?;
    let selection: Selection = req.json()?;
    selection.check()?;
    if link {
        members::link_operations(ctx.db, principal.tenant_id(), id, &selection)?;
    } else {
        members::unlink_operations(ctx.db, principal.tenant_id(), id, &selection)?;
    }
    ok(&members::operations_of(ctx.db, principal.tenant_id(), id)?)
}
