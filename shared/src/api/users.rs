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

pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: CreateUser = req.json()?;
    created(&service::create(ctx, principal.tenant_id(), input)?)
}

pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let id: UserId = req.param("id")?;
    ok(&service::get(ctx, principal.tenant_id(), id)?.user)
}

pub fn update(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let id: UserId = req.param("id")?;
    let patch: UpdateUser = req.json()?;
    ok(&service::update(ctx, principal.tenant_id(), id, patch)?)
}

pub fn deactivate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Inactive)
}

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

/// `POST /api/admin/users/import` with a `text/csv` body.
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

/// `GET /api/admin/users/{id}/operations`: the operations a supervisor oversees.
pub fn operations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let id = supervisor(ctx, req, &principal)?;
    ok(&members::operations_of(ctx.db, principal.tenant_id(), id)?)
}

/// Link some operations (`ids`) or all (`all: true`).
pub fn link_operations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    change_operations(ctx, req, true)
}

/// Unlink some operations or all.
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
