//! `/api/inbox/conversations/{id}/options`: the group rules the console draws its controls from.

use crate::auth::authenticate;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::web::{ok, Request, Response};

pub fn options(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&crate::console::options(ctx, &me, req.param("id")?)?)
}
