//! The scheduled work, as one idempotent step every host calls on a schedule (the local host's
//! scheduler, `POST /internal/tick`, the cron component, an agent's poll when it is due):
//! distribution, the timers and delayed active messages, under a lease so overlapping runs
//! never double-act. [`run`] never calls out: an agent's poll may run it. Outbound delivery
//! (replies, webhooks) is [`run_scheduled`]'s second part, outside the lease (its items are
//! claimed one by one), or the local host's delivery workers.

use crate::context::Ctx;
use crate::errors::AppResult;
use crate::outbound::{self, Caps, Lane};
use anyhow::Context;
use serde::Serialize;

/// How much one tick does at most of each kind, so one tick stays short.
const BATCH: i64 = 200;

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
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
    let started = std::time::Instant::now();
    let result = run_leased(ctx);
    crate::routing::sql::release_lease(ctx.db, "tick", &holder, ctx.now_ms())
        .context("releasing the tick's lease")?;
    crate::cache::put(ctx.kv, RAN_KEY, ctx.now_ms(), &true);
    log_run("tick", started, &result);
    result
}

/// One JSON line per run: what it did and how long it took, or why it failed.
fn log_run(event: &str, started: std::time::Instant, result: &AppResult<TickReport>) {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(report) => {
            let mut fields = serde_json::to_value(report).unwrap_or_default();
            fields["duration_ms"] = duration_ms.into();
            crate::log::event(event, &fields);
        }
        Err(e) => crate::log::event(
            event,
            &serde_json::json!({"level": "error", "error": format!("{e:#}"), "duration_ms": duration_ms}),
        ),
    }
}

/// How long without a run before an agent's poll runs the tick itself.
pub const DUE_AFTER_MS: i64 = 5_000;

/// The key-value entry each run leaves behind, so an idle poll learns that the tick is not due
/// without reading its lease in SQLite.
pub const RAN_KEY: &str = "tick:ran";

/// Whether a run ended, or a poll asked for one, within the last [`DUE_AFTER_MS`], as the
/// key-value store knows it. `false` is only "not known": the poll then asks SQLite, where the
/// lease says for sure.
pub fn ran_recently(ctx: &Ctx, now: i64) -> bool {
    crate::cache::get::<bool>(ctx.kv, RAN_KEY, now, DUE_AFTER_MS).is_some()
}

/// A poll found the tick due and is asking for a run: the polls of the next
/// [`DUE_AFTER_MS`] take it as run. Under Spin the run happens in another component after the
/// poll has answered, and until it ended every poll read SQLite and asked again: hundreds a
/// second under load, each a connection, the schema's parse and a chained request that only
/// found the lease taken (docs/decisions/0021). A run that fails is tried again by the first
/// poll after that time, as before.
pub fn asked(ctx: &Ctx, now: i64) {
    crate::cache::put(ctx.kv, RAN_KEY, now, &true);
}

/// The latest last run that leaves the tick not yet due at `now` (agents' polls check it with
/// their feed's read, `inbox::feed::poll`).
pub fn due_before(now: i64) -> i64 {
    now - DUE_AFTER_MS
}

/// The opportunistic run of agent polling, when its poll found the tick due: timers keep
/// running on hosts without a scheduler while agents are online. A failed run is logged, not
/// the poll's failure. The native hosts call it after the request that [`want_run`];
/// under Spin the feed component asks the routing component instead (`spin::serve`).
pub fn run_for_poll(ctx: &Ctx) -> Option<TickReport> {
    // A failure is already logged by `run`.
    run(ctx).ok()
}

thread_local! {
    /// A poll found the tick due. A request runs on one thread from start to end on both hosts
    /// (a Spin instance has one), so this is the request's, as `cache`'s stale keys are.
    static WANTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Asks the host to run the tick once this request has been answered: the poll itself never
/// carries the tick's code, which would make the feed component as big as the inbox
/// (docs/decisions/0017).
pub fn want_run() {
    WANTED.with(|w| w.set(true));
}

/// Whether the request just served asked for a run ([`want_run`]); clears the request's ask.
pub fn take_wanted() -> bool {
    WANTED.with(|w| w.replace(false))
}

fn run_leased(ctx: &Ctx) -> AppResult<TickReport> {
    let timers = crate::routing::inactivity(ctx).context("tick: inactivity timers")?;
    let others = crate::routing::timers::run(ctx).context("tick: other timers")?;
    crate::routing::expire_offers(ctx).context("tick: expiring offers")?;
    // Before distribution and delivery: a conversation it opens in a queue is handed out, and
    // its message goes out, in this same run.
    let active_messages =
        crate::active::send_due(ctx, BATCH).context("tick: scheduled active messages")?;
    let distribution = crate::routing::distribute_all(ctx).context("tick: distribution")?;
    let queue_notices =
        crate::routing::timers::queue_notices(ctx).context("tick: queue notices")?;
    // The bots' messages are queued here; delivery sends them (after this run, or at once on
    // the local host's workers).
    let surveys_expired = crate::bot::survey::expire(ctx).context("tick: expiring surveys")?;
    crate::bot::sql::prune_sessions(ctx.db).context("tick: pruning bot sessions")?;
    let surveys_started =
        crate::bot::survey::start_due(ctx, BATCH).context("tick: starting surveys")?;
    let pause_notices = crate::bot::pause::notify(ctx).context("tick: pause notices")?;
    crate::inbox::feed::prune(ctx.db, ctx.now_ms()).context("tick: pruning the feed")?;
    crate::reports::sql::index_new_messages(ctx.db).context("tick: indexing new messages")?;
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
        ..TickReport::default()
    })
}

/// The scheduled work of a host without delivery workers (`POST /internal/tick`, the cron
/// component): the tick, then one batch of each outbound lane — replies first, so they never
/// wait behind webhooks. Delivery runs after the lease is released, so an agent's poll is
/// never held up by a slow receiver.
pub fn run_scheduled(ctx: &Ctx) -> AppResult<TickReport> {
    let mut report = run(ctx)?;
    let started = std::time::Instant::now();
    let replies =
        outbound::deliver(ctx, Lane::Replies, Caps::batch(BATCH)).context("delivering replies")?;
    let hooks = outbound::deliver(ctx, Lane::Webhooks, Caps::batch(BATCH))
        .context("delivering webhooks")?;
    crate::log::event(
        "delivery",
        &serde_json::json!({"replies": {"sent": replies.sent, "retried": replies.retried, "failed": replies.failed, "deferred": replies.deferred},
                            "webhooks": {"delivered": hooks.sent, "retried": hooks.retried, "failed": hooks.failed, "deferred": hooks.deferred},
                            "duration_ms": started.elapsed().as_secs_f64() * 1000.0}),
    );
    report.messages_sent = replies.sent;
    report.messages_retried = replies.retried;
    report.messages_failed = replies.failed;
    report.webhooks_delivered = hooks.sent;
    report.webhooks_retried = hooks.retried;
    report.webhooks_failed = hooks.failed;
    // Inbound media are outbound calls too (to the provider's media API): here, never in the
    // poll-driven tick.
    report.media = crate::media::fetch_due(ctx, BATCH).context("fetching inbound media")?;
    Ok(report)
}
