//! `/api/admin/groups/{id}/members`: who answers a group's queue (add some, add all, remove
//! some, remove all).

use crate::auth::{authenticate, ADMINS, READERS};
use crate::config::group::Group;
use crate::config::members::{self, Selection};
use crate::config::{self, Resource};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::web::{ok, Request, Response};

/// A group's members
///
/// The agents and supervisor-agents who answer the group's queue.
#[utoipa::path(get, path = "/api/admin/groups/{id}/members", operation_id = "list_group_members", responses((status = 200, description = "The members", body = Vec<crate::config::members::Member>)))]
pub fn members(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(READERS)?;
    let stored = config::get::<Group>(ctx, principal.tenant_id(), req.param("id")?)?;
    if matches!(
        principal.profile(),
        crate::enums::Profile::Supervisor | crate::enums::Profile::SupervisorAgent
    ) && !members::supervises(
        ctx.db,
        principal.tenant_id(),
        principal.user_id(),
        stored.ref_id.unwrap_or(0),
    )? {
        return Err(AppError::not_found(Group::KIND));
    }
    ok(&members::members(ctx.db, principal.tenant_id(), stored.id)?)
}

/// Add members to a group
///
/// Some users (`ids`) or every agent and supervisor-agent (`all: true`).
#[utoipa::path(post, path = "/api/admin/groups/{id}/members", operation_id = "add_group_members", request_body = Selection, responses((status = 200, description = "The members now", body = Vec<crate::config::members::Member>)))]
pub fn add_members(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    change(ctx, req, true)
}

/// Remove members from a group
///
/// Some users (`ids`) or every member (`all: true`).
#[utoipa::path(post, path = "/api/admin/groups/{id}/members/remove", operation_id = "remove_group_members", request_body = Selection, responses((status = 200, description = "The members left", body = Vec<crate::config::members::Member>)))]
pub fn remove_members(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    change(ctx, req, false)
}

fn change(ctx: &Ctx, req: &Request, add: bool) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let group = config::get::<Group>(ctx, principal.tenant_id(), req.param("id")?)?;
    let selection: Selection = req.json()?;
    selection.check()?;
    if add {
        members::add_members(
            ctx.db,
            principal.tenant_id(),
            group.id,
            &selection,
            ctx.now_ms(),
        )?;
    } else {
        members::remove_members(ctx.db, principal.tenant_id(), group.id, &selection)?;
    }
    ok(&members::members(ctx.db, principal.tenant_id(), group.id)?)
}
