//! `/api/admin/clients`: contacts and their CSV imports. Admins write; supervisors and
//! agents read (agents see clients in the customer panel).

use crate::auth::{authenticate, ADMINS, ALL_PROFILES};
use crate::client::import::{self, Correction};
use crate::client::{self, ClientInput};
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::web::{created, ok, Page, Request, Response, CSV_LIMIT};

/// List clients
///
/// The company's clients; `q` searches name, phone, e-mail and documents.
#[utoipa::path(get, path = "/api/admin/clients", operation_id = "list_clients", params(super::PageParams, ("q" = Option<String>, Query, description = "Text in the name, phone, e-mail or document"), ("status" = Option<Status>, Query, description = "Only active or only inactive clients")), responses((status = 200, description = "A page of clients", body = crate::web::Paged<crate::client::Client>)))]
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

/// Create a client
///
/// Brazilian phones and CPF/CNPJ are validated; a phone another client has is a conflict.
#[utoipa::path(post, path = "/api/admin/clients", operation_id = "create_client", request_body = ClientInput, responses((status = 201, description = "The new client", body = crate::client::Client)))]
pub fn create(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let input: ClientInput = req.json()?;
    created(&client::create(ctx, principal.tenant_id(), input)?)
}

/// Read a client
#[utoipa::path(get, path = "/api/admin/clients/{id}", operation_id = "get_client", responses((status = 200, description = "The client", body = crate::client::Client)))]
pub fn get(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ALL_PROFILES)?;
    ok(&client::get(ctx, principal.tenant_id(), req.param("id")?)?)
}

/// Update a client
///
/// The fields sent replace the stored ones.
#[utoipa::path(patch, path = "/api/admin/clients/{id}", operation_id = "update_client", request_body = ClientInput, responses((status = 200, description = "The updated client", body = crate::client::Client)))]
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

/// Activate a client
#[utoipa::path(post, path = "/api/admin/clients/{id}/activate", operation_id = "activate_client", responses((status = 200, description = "The activated client", body = crate::client::Client)))]
pub fn activate(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status(ctx, req, Status::Active)
}

/// Deactivate a client
#[utoipa::path(post, path = "/api/admin/clients/{id}/deactivate", operation_id = "deactivate_client", responses((status = 200, description = "The deactivated client", body = crate::client::Client)))]
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

/// Import clients from CSV
///
/// Columns `NETWORK`, `COUNTRY CODE`, `PHONE NUMBER`, `DISPLAY NAME` and the optional ones;
/// the good rows become clients, the bad ones are kept with why, to be corrected and re-sent.
#[utoipa::path(post, path = "/api/admin/clients/imports", operation_id = "import_clients", request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, at most 2 MiB"), responses((status = 201, description = "The import with its rejected rows", body = crate::client::import::ImportReport)))]
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

/// Read a client import
#[utoipa::path(get, path = "/api/admin/clients/imports/{id}", operation_id = "get_client_import", responses((status = 200, description = "The import with its rejected rows", body = crate::client::import::ImportReport)))]
pub fn import_report(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    ok(&import::report(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?)
}

/// An import's rows
#[utoipa::path(get, path = "/api/admin/clients/imports/{id}/rows", operation_id = "list_client_import_rows", params(super::PageParams, ("status" = Option<crate::user::import::RowStatus>, Query, description = "Only the rows that created a client, or only the rejected ones")), responses((status = 200, description = "A page of rows", body = crate::web::Paged<crate::client::import::ImportRow>)))]
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

/// Re-send a rejected row
///
/// With its corrected cells: it creates its client once, or is rejected again with the new
/// reason.
#[utoipa::path(post, path = "/api/admin/clients/imports/{id}/rows/{row_id}/resend", operation_id = "resend_client_import_row", request_body = Correction, responses((status = 200, description = "The row after the attempt", body = crate::client::import::ImportRow)))]
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
