//! `POST /internal/tick`: the scheduled work for any external scheduler (a Kubernetes CronJob,
//! a platform's cron, curl), guarded by the `tick_secret` variable as a bearer token.

use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::web::{ok, Request, Response};
use subtle::ConstantTimeEq;

pub const TICK_SECRET: &str = "tick_secret";

/// Run the tick
///
/// Distribution, every timer, outbound delivery and webhooks, once; guarded by a lease so
/// overlapping runs never double-act (`ran` is false when another run held it).
#[utoipa::path(post, path = "/internal/tick",
    responses((status = 200, description = "What the run did", body = crate::tick::TickReport)))]
pub fn tick(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let Some(secret) = ctx.var(TICK_SECRET) else {
        return Err(AppError::forbidden(
            "tick_disabled",
            "set the tick_secret variable to drive the tick over HTTP",
        ));
    };
    let given = req.bearer_token().unwrap_or("");
    if !bool::from(given.as_bytes().ct_eq(secret.as_bytes())) {
        return Err(AppError::unauthorized(
            "unauthenticated",
            "a valid tick secret is required",
        ));
    }
    ok(&crate::tick::run_scheduled(ctx)?)
}
