//! `/api/admin/clients`: contacts and their CSV imports. Admins write; supervisors and
//! agents read (agents see clients in the customer panel).

use crate::auth::{authenticate, ADMINS, ALL_PROFILES};
use crate::client::import::{self, Correction};
use crate::client::{self, ClientInput};
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::web::{created, ok, Page, Request, Response, CSV_LIMIT};

pub fn list(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ALL_PROFILES)?;
    let query = req.query();
    let page = Page::from_query(&query)?;
    let status = query.status()?;
    let rows = client::sql::list(
        ctx.db,
        principal.tenant_id(),
        query.get("q"),
        status,
        page.offset(),
        page.fetch(),
    )?;
    ok(&page.finish(rows))
}

pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: ClientInput = req.json()?;
    created(&client::create(ctx, principal.tenant_id(), input)?)
}

pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ALL_PROFILES)?;
    ok(&client::get(ctx, principal.tenant_id(), req.param("id")?)?)
}

pub fn update(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: ClientInput = req.json()?;
    ok(&client::update(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
        input,
    )?)
}

pub fn activate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Active)
}

pub fn deactivate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Inactive)
}

fn set_status(ctx: &Ctx, req: &Request, status: Status) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&client::set_status(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
        status,
    )?)
}

/// `POST /api/admin/clients/imports` with a `text/csv` body.
pub fn import(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let text = req.text("text/csv", CSV_LIMIT)?;
    created(&import::import(
        ctx,
        principal.tenant_id(),
        principal.user_id(),
        text,
    )?)
}

pub fn import_report(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&import::report(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}

pub fn import_rows(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let query = req.query();
    let page = Page::from_query(&query)?;
    let status = match query.get("status") {
        None => None,
        Some(s @ ("created" | "rejected")) => Some(s),
        Some(_) => return Err(AppError::invalid("status", "must be created or rejected")),
    };
    let id: i64 = req.param("id")?;
    import::report(ctx, principal.tenant_id(), id)?;
    let rows = import::sql::rows(
        ctx.db,
        principal.tenant_id(),
        id,
        status,
        page.offset(),
        page.fetch(),
    )?;
    ok(&page.finish(rows))
}

pub fn resend_row(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let correction: Correction = req.json()?;
    ok(&import::resend(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
        req.param("row_id")?,
        correction,
    )?)
}
