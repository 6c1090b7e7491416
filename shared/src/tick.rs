//! The scheduled work, as one idempotent step every host calls on a schedule (the local host's
//! scheduler, `POST /internal/tick`, the cron component, an agent's poll when it is due):
//! distribution, the timers, delayed active messages, and delivery of outbound messages and
//! webhooks. It runs under a lease, so overlapping runs never double-act.

use crate::context::Ctx;
use crate::conversation::outbox::{self, DeliveryReport};
use crate::errors::AppResult;
use crate::webhook_delivery;
use serde::Serialize;

/// How much one tick does at most of each kind, so one tick stays short.
const BATCH: i64 = 200;

#[derive(Debug, Default, Serialize)]
pub struct TickReport {
    /// False when another run held the lease: this one did nothing.
    pub ran: bool,
    pub assigned: usize,
    pub inactivity_warnings: usize,
    pub inactivity_closes: usize,
    pub auto_pending: usize,
    pub answer_timeouts: usize,
    pub disconnected_agents: usize,
    pub bot_inactivity: usize,
    pub queue_notices: usize,
    /// Scheduled active messages sent (their delay passed).
    pub active_messages: usize,
    pub messages_sent: usize,
    pub messages_retried: usize,
    pub messages_failed: usize,
    pub webhooks_delivered: usize,
    pub webhooks_retried: usize,
    pub webhooks_failed: usize,
    /// Surveys started after a close, and stopped for the customer's silence.
    pub surveys_started: usize,
    pub surveys_expired: usize,
    /// Pause-protocol "please wait" messages sent.
    pub pause_notices: usize,
    /// Inbound media fetched from the providers into attachments (and retried, failed).
    pub media: crate::media::FetchReport,
}

/// How long a run may hold the lease before another may take over (a crashed run).
const LEASE_MS: i64 = 30_000;

pub fn run(ctx: &Ctx) -> AppResult<TickReport> {
    let holder = format!("{:x}", u64::from_le_bytes(ctx.random_bytes::<8>()));
    let now = ctx.now_ms();
    if !crate::routing::sql::acquire_lease(ctx.db, "tick", &holder, now, now + LEASE_MS)? {
        return Ok(TickReport::default());
    }
    let result = run_leased(ctx);
    crate::routing::sql::release_lease(ctx.db, "tick", &holder, ctx.now_ms())?;
    result
}

/// How long without a run before an agent's poll runs the tick itself.
pub const DUE_AFTER_MS: i64 = 5_000;

/// The opportunistic due-check of agent polling: runs the tick when no scheduler has for
/// [`DUE_AFTER_MS`], so timers keep running on hosts without one while agents are online. A
/// failed run is logged, not the poll's failure.
pub fn run_if_due(ctx: &Ctx) -> Option<TickReport> {
    let now = ctx.now_ms();
    match crate::routing::sql::lease_idle_since(ctx.db, "tick", now, now - DUE_AFTER_MS) {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            eprintln!("tick due-check: {e}");
            return None;
        }
    }
    match run(ctx) {
        Ok(report) => Some(report),
        Err(e) => {
            eprintln!("tick from an agent's poll failed: {e}");
            None
        }
    }
}

fn run_leased(ctx: &Ctx) -> AppResult<TickReport> {
    let timers = crate::routing::inactivity(ctx)?;
    let others = crate::routing::timers::run(ctx)?;
    crate::routing::expire_offers(ctx)?;
    // Before distribution and delivery: a conversation it opens in a queue is handed out, and
    // its message goes out, in this same run.
    let active_messages = crate::active::send_due(ctx, BATCH)?;
    let distribution = crate::routing::distribute_all(ctx)?;
    let queue_notices = crate::routing::timers::queue_notices(ctx)?;
    // Before delivery, so what the bots say goes out in this same run.
    let surveys_expired = crate::bot::survey::expire(ctx)?;
    crate::bot::sql::prune_sessions(ctx.db)?;
    let surveys_started = crate::bot::survey::start_due(ctx, BATCH)?;
    let pause_notices = crate::bot::pause::notify(ctx)?;
    let DeliveryReport {
        sent,
        retried,
        failed,
    } = outbox::deliver_due(ctx, BATCH)?;
    let hooks = webhook_delivery::deliver_due(ctx, BATCH)?;
    let media = crate::media::fetch_due(ctx, BATCH)?;
    crate::inbox::feed::prune(ctx.db, ctx.now_ms())?;
    Ok(TickReport {
        ran: true,
        assigned: distribution.assigned,
        inactivity_warnings: timers.warned,
        inactivity_closes: timers.closed,
        auto_pending: others.auto_pending,
        answer_timeouts: others.answer_timeouts,
        disconnected_agents: others.disconnected_agents,
        bot_inactivity: others.bot_inactivity,
        queue_notices,
        surveys_started,
        surveys_expired,
        pause_notices,
        active_messages,
        messages_sent: sent,
        messages_retried: retried,
        messages_failed: failed,
        webhooks_delivered: hooks.delivered,
        webhooks_retried: hooks.retried,
        webhooks_failed: hooks.failed,
        media,
    })
}
