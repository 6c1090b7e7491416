//! The scheduled work, as one idempotent step the hosts call on a schedule: deliver outbound
//! channel messages and webhooks that are due. (Distribution and the conversation timers join
//! it as they are built.)

use crate::context::Ctx;
use crate::conversation::outbox::{self, DeliveryReport};
use crate::errors::AppResult;
use crate::webhook_delivery;
use serde::Serialize;

/// How much one tick does at most of each kind, so one tick stays short.
const BATCH: i64 = 200;

#[derive(Debug, Default, Serialize)]
pub struct TickReport {
    pub messages_sent: usize,
    pub messages_retried: usize,
    pub messages_failed: usize,
    pub webhooks_delivered: usize,
    pub webhooks_retried: usize,
    pub webhooks_failed: usize,
}

pub fn run(ctx: &Ctx) -> AppResult<TickReport> {
    let DeliveryReport {
        sent,
        retried,
        failed,
    } = outbox::deliver_due(ctx, BATCH)?;
    let hooks = webhook_delivery::deliver_due(ctx, BATCH)?;
    crate::inbox::feed::prune(ctx.db, ctx.now_ms())?;
    Ok(TickReport {
        messages_sent: sent,
        messages_retried: retried,
        messages_failed: failed,
        webhooks_delivered: hooks.delivered,
        webhooks_retried: hooks.retried,
        webhooks_failed: hooks.failed,
    })
}
