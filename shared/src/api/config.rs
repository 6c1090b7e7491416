//! `/api/admin/<resource>`: the same six handlers for every configuration resource — admins
//! write; who reads depends on the resource; supervisors see only their operations' groups.

use crate::auth::{authenticate, Principal, ADMINS};
use crate::config::{self, members, Resource};
use crate::context::Ctx;
use crate::enums::{Profile, Status};
use crate::errors::{AppError, AppResult};
use crate::web::{created, ok, Request, Response};
use serde_json::Value;

/// Supervisors read an operation-scoped item only when they oversee its operation.
fn visible<R: Resource>(
    ctx: &Ctx,
    principal: &Principal,
    stored: &config::sql::Stored,
) -> AppResult<()> {
    let supervisor = matches!(
        principal.profile(),
        Profile::Supervisor | Profile::SupervisorAgent
    );
    if R::OPERATION_SCOPED && supervisor {
        let operation = stored.ref_id.unwrap_or(0);
        if !members::supervises(
            ctx.db,
            principal.tenant_id(),
            principal.user_id(),
            operation,
        )? {
            return Err(AppError::not_found(R::KIND));
        }
    }
    Ok(())
}

pub fn list<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(R::READ)?;
    ok(&config::list::<R>(ctx, &principal, &req.query())?)
}

pub fn create<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let body: Value = req.json()?;
    created(&config::present::<R>(&config::create::<R>(
        ctx,
        principal.tenant_id(),
        body,
    )?)?)
}

pub fn get<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(R::READ)?;
    let stored = config::get::<R>(ctx, principal.tenant_id(), req.param("id")?)?;
    visible::<R>(ctx, &principal, &stored)?;
    ok(&config::present::<R>(&stored)?)
}

pub fn update<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let patch: Value = req.json()?;
    let stored = config::update::<R>(ctx, principal.tenant_id(), req.param("id")?, patch)?;
    ok(&config::present::<R>(&stored)?)
}

pub fn activate<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status::<R>(ctx, req, Status::Active)
}

pub fn deactivate<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status::<R>(ctx, req, Status::Inactive)
}

fn set_status<R: Resource>(ctx: &Ctx, req: &Request, status: Status) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let stored = config::set_status::<R>(ctx, principal.tenant_id(), req.param("id")?, status)?;
    ok(&config::present::<R>(&stored)?)
}

/// A webhook's deliveries
///
/// Its delivery log, newest first: each event with its attempts and the last answer.
#[utoipa::path(get, path = "/api/admin/webhooks/{id}/deliveries", responses((status = 200, description = "A page of deliveries", body = crate::web::Paged<crate::webhook_delivery::LoggedDelivery>)))]
pub fn webhook_deliveries(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(crate::auth::READERS)?;
    let hook = config::get::<crate::config::webhook::Webhook>(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?;
    let page = crate::web::Page::from_query(&req.query())?;
    let (items, total) = crate::webhook_delivery::log(
        ctx.db,
        principal.tenant_id(),
        hook.id,
        page.offset(),
        page.limit(),
    )?;
    ok(&crate::web::Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
