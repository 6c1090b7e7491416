//! What the console reads that agents cannot read from the configuration APIs:
//! `/api/inbox/conversations/{id}/options` (the group rules it draws its controls from) and
//! `/api/inbox/client-attributes` (the fields of the customer panel).

use crate::auth::authenticate;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::web::{ok, Request, Response};

/// `GET /api/inbox/client-attributes`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClientAttributes {
    pub items: Vec<crate::config::client_attribute::ClientAttributeDoc>,
}

/// What the console may do with a conversation
///
/// The group's close rules with its classification tree, which files may be sent and how
/// large, its quick replies and whom it may be transferred to.
#[utoipa::path(get, path = "/api/inbox/conversations/{id}/options", responses((status = 200, description = "The conversation's options", body = crate::console::Options)))]
pub fn options(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&crate::console::options(ctx, &me, req.param("id")?)?)
}

/// Client attributes
///
/// The active client attribute definitions, so the customer panel can offer every field.
#[utoipa::path(get, path = "/api/inbox/client-attributes", responses((status = 200, description = "The attributes", body = ClientAttributes)))]
pub fn client_attributes(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let lookups = crate::client::Lookups::load(ctx, me.tenant_id())?;
    ok(&ClientAttributes {
        items: lookups.attributes,
    })
}
