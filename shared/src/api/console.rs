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

pub fn options(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&crate::console::options(ctx, &me, req.param("id")?)?)
}

/// `GET /api/inbox/client-attributes`: the active client attribute definitions, so the customer
/// panel can offer every field (the configuration route is for admins).
pub fn client_attributes(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let lookups = crate::client::Lookups::load(ctx, me.tenant_id())?;
    ok(&ClientAttributes {
        items: lookups.attributes,
    })
}
