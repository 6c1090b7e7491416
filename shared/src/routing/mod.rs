//! Distribution and timers (SPEC §4, seed 002 "Gestão de fila", "Temporizadores"): queued
//! conversations go to eligible agents by the group's strategy; idle conversations get the
//! inactivity warning and are closed at their deadline. Every assignment is a compare-and-set
//! that also checks the agent's limit, so nothing here can double-assign, whatever runs at
//! the same time.

pub mod sql;
pub mod timers;

use crate::config::group::{GroupDoc, Strategy};
use crate::context::Ctx;
use crate::conversation::{lifecycle, Role};
use crate::db::transaction;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::user::hours::WorkingHours;
use chrono::TimeZone;
use serde::Serialize;
use sql::Candidate;

/// Conversations one group hands out per run (the rest wait for the next run).
const BATCH: i64 = 5_000;
/// Assignments per write transaction: short enough that inbound requests waiting for the
/// write lock wait little (at 250 a writer waited up to 132 ms under Spin), long enough that
/// commits are not the cost (docs/decisions/0023).
const CHUNK: usize = 125;

/// The next agent among `ids` after `last` in id order, wrapping around.
fn after_last(ids: &[i64], last: Option<i64>) -> Option<i64> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    match last {
        Some(last) => sorted
            .iter()
            .copied()
            .find(|id| *id > last)
            .or_else(|| sorted.first().copied()),
        None => sorted.first().copied(),
    }
}

/// The agent the strategy picks among candidates with room (ties rotate after `last`).
pub fn pick(
    strategy: Strategy,
    candidates: &[&Candidate],
    last: Option<i64>,
    random: u64,
) -> Option<i64> {
    if candidates.is_empty() {
        return None;
    }
    let best_by = |key: &dyn Fn(&Candidate) -> i64| {
        let best = candidates.iter().map(|c| key(c)).min().unwrap_or(0);
        let ties: Vec<i64> = candidates
            .iter()
            .filter(|c| key(c) == best)
            .map(|c| c.id)
            .collect();
        after_last(&ties, last)
    };
    match strategy {
        Strategy::Circular => {
            after_last(&candidates.iter().map(|c| c.id).collect::<Vec<_>>(), last)
        }
        Strategy::Random => candidates
            .get((random % candidates.len() as u64) as usize)
            .map(|c| c.id),
        Strategy::AgentPriority => best_by(&|c| -c.priority),
        Strategy::LeastHandlingTime => best_by(&|c| c.handling_ms_today),
        Strategy::LeastConversations => best_by(&|c| c.conversations_today),
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Distribution {
    pub assigned: usize,
}

fn day_start(now_ms: i64, zone: chrono_tz::Tz) -> i64 {
    let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let local = now.with_timezone(&zone).date_naive();
    zone.from_local_datetime(&local.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now_ms - 86_400_000, |d| d.timestamp_millis())
}

/// How long a group's distribution lease lasts if its holder dies mid-run (the tick still
/// distributes meanwhile).
const DISTRIBUTION_LEASE_MS: i64 = 10_000;
/// Runs one holder does before leaving further asks to the next request or the tick.
const MAX_RUNS: usize = 16;

/// Distribution right after an event that creates or frees work in a group. Concurrent
/// requests coalesce: the one that finds the group's lease free distributes, and runs again for
/// as long as others asked meanwhile (each run takes everything then queued); the others
/// return at once. So a burst of first messages costs a few distributions, not one each.
pub fn distribute_soon(ctx: &Ctx, tenant: TenantId, group_id: i64) -> AppResult<()> {
    // A read before the lease's write: with nobody to hand work to (every agent busy, away or
    // not yet in the group), the request writes nothing more. Whoever makes room later (an
    // agent going ready, a close) distributes after committing, and sees this conversation.
    if !sql::anyone_with_room(ctx.db, tenant, group_id)? {
        return Ok(());
    }
    distribute_with_room(ctx, tenant, group_id)
}

/// [`distribute_soon`] for a caller whose own statement has just seen a ready member of the
/// group with room (a first message's `INSERT`, docs/decisions/0018).
pub fn distribute_with_room(ctx: &Ctx, tenant: TenantId, group_id: i64) -> AppResult<()> {
    let name = format!("distribute:{}:{group_id}", tenant.0);
    let holder = format!("{:x}", u64::from_le_bytes(ctx.random_bytes::<8>()));
    let now = ctx.now_ms();
    if !sql::ask_for_run(ctx.db, &name, &holder, now, now + DISTRIBUTION_LEASE_MS)? {
        return Ok(());
    }
    for run in 0..MAX_RUNS {
        // Taking the lease cleared its asks; later runs clear those made during the last.
        if run > 0 {
            sql::start_run(ctx.db, &name, &holder)?;
        }
        if let Err(e) = distribute_group(ctx, tenant, group_id) {
            sql::release_lease(ctx.db, &name, &holder, ctx.now_ms())?;
            return Err(e);
        }
        if sql::release_unless_wanted(ctx.db, &name, &holder)? {
            return Ok(());
        }
    }
    // Still asked after many runs: the next ask (or the tick) takes over.
    sql::release_lease(ctx.db, &name, &holder, ctx.now_ms())?;
    Ok(())
}

/// Hands the group's queue to its eligible agents, in queue order, by its strategy.
pub fn distribute_group(ctx: &Ctx, tenant: TenantId, group_id: i64) -> AppResult<Distribution> {
    let mut done = Distribution::default();
    let Some(stored) = crate::config::sql::get(ctx.db, tenant, "group", group_id)? else {
        return Ok(done);
    };
    let Some(group) =
        crate::stored::decode_or_report::<GroupDoc>("group", tenant, group_id, &stored.data)
    else {
        return Ok(done);
    };
    let zone = crate::tenant::sql::by_id(ctx.db, tenant)?
        .map_or(chrono_tz::Tz::America__Sao_Paulo, |t| t.zone());
    let now = ctx.now_ms();
    let clock_now = ctx.clock.now();
    let today = matches!(
        group.queue_strategy,
        Strategy::LeastHandlingTime | Strategy::LeastConversations
    )
    .then(|| day_start(now, zone));
    let mut candidates: Vec<Candidate> = sql::candidates(ctx.db, tenant, group_id, today, now)?
        .into_iter()
        .filter(|c| WorkingHours::from_stored(&c.working_hours).allows(clock_now, zone))
        .collect();
    if candidates.is_empty() {
        return Ok(done);
    }
    let mut last = sql::last_served(ctx.db, tenant, group_id)?;
    let mut hand_out = lifecycle::HandOut::new(ctx, tenant, group.queue_strategy.as_str())?;
    let skipped = sql::skips(ctx.db, tenant, group_id)?;
    let offering = group.offer_mode == crate::config::group::OfferMode::AcceptReject;
    let offer_ms = i64::from(group.offer_timeout_seconds.unwrap_or(60)) * 1000;
    let queue = sql::queue(ctx.db, tenant, group_id, BATCH)?;
    let mut held = std::time::Duration::ZERO;
    // Assignments are written in chunks: one short transaction per chunk (the hand-outs in one
    // statement, the timeline and the feeds in two more), so other writers get the write lock
    // between chunks. Each assignment is still a compare-and-set with the limit check.
    for (n, chunk) in queue.chunks(CHUNK).enumerate() {
        if n > 0 {
            ctx.db.let_writers_in(held);
        }
        let began = std::time::Instant::now();
        let (assigned, stop) = transaction(ctx.db, || {
            let mut picks = Vec::with_capacity(chunk.len());
            // Set when nobody can take the next conversation: the rest of the queue waits.
            let mut stop = false;
            for waiting in chunk {
                let with_room: Vec<&Candidate> = candidates
                    .iter()
                    .filter(|c| c.load < c.max_concurrent)
                    .collect();
                if with_room.is_empty() {
                    stop = true;
                    break;
                }
                // Agents who rejected or let this conversation's offer expire are passed over —
                // unless nobody else can take it, then it goes back to them (seed 001).
                let others: Vec<&Candidate> = with_room
                    .iter()
                    .copied()
                    .filter(|c| {
                        !skipped
                            .iter()
                            .any(|(conv, a)| *conv == waiting.id && *a == c.id)
                    })
                    .collect();
                let with_room = if others.is_empty() { with_room } else { others };
                // A portfolio client goes to their agent when that agent can take them.
                let portfolio = waiting
                    .portfolio_agent
                    .filter(|a| with_room.iter().any(|c| c.id == *a));
                let random = u64::from_le_bytes(ctx.random_bytes::<8>());
                let Some(agent) =
                    portfolio.or_else(|| pick(group.queue_strategy, &with_room, last, random))
                else {
                    stop = true;
                    break;
                };
                let limit = with_room
                    .iter()
                    .find(|c| c.id == agent)
                    .map_or(0, |c| c.max_concurrent);
                // "Priority to the agent" (seed 002): a priority customer is not offered, they
                // are the agent's at once.
                let offers = offering && !(group.flags.priority_to_agent && waiting.priority > 0);
                // Counted as given; a pick that loses its race is taken back below.
                if let Some(c) = candidates.iter_mut().find(|c| c.id == agent) {
                    c.load += 1;
                    c.conversations_today += 1;
                }
                last = Some(agent);
                picks.push(crate::conversation::sql::Pick {
                    conversation: waiting.id,
                    agent,
                    limit,
                    expires: offers.then_some(now + offer_ms),
                });
            }
            // The chunk's hand-outs in one statement.
            let given = hand_out.give_many(ctx, &picks, now)?;
            let mut assigned = 0;
            for (pick, ok) in picks.iter().zip(given) {
                if ok {
                    assigned += 1;
                } else if let Some(c) = candidates.iter_mut().find(|c| c.id == pick.agent) {
                    // Someone else changed this agent's load meanwhile; re-read next run.
                    c.load = c.max_concurrent;
                }
            }
            // The timeline and the agents' feeds, for the whole chunk in two statements.
            hand_out.finish(ctx, now)?;
            if let Some(agent) = last {
                sql::set_last_served(ctx.db, tenant, group_id, agent)?;
            }
            Ok((assigned, stop))
        })?;
        held = began.elapsed();
        done.assigned += assigned;
        if stop {
            break;
        }
    }
    Ok(done)
}

/// Every group with a queue.
pub fn distribute_all(ctx: &Ctx) -> AppResult<Distribution> {
    let mut total = Distribution::default();
    for (tenant, group) in sql::groups_with_queue(ctx.db)? {
        total.assigned += distribute_group(ctx, tenant, group)?.assigned;
    }
    Ok(total)
}

/// The warning every system message catalogue has in the three languages.
pub fn inactivity_warning(language: &str) -> &'static str {
    match language {
        "es" => "¡El protocolo está cerca de alcanzar el tiempo de inactividad!",
        "en" => "The protocol is close to its inactivity limit!",
        _ => "O protocolo está próximo de atingir o tempo de inatividade!",
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Timers {
    pub warned: usize,
    pub closed: usize,
}

struct Idle {
    id: i64,
    tenant: TenantId,
    channel_id: i64,
    language: String,
    warned: bool,
    last_activity: i64,
}

/// Inactivity: the warning at P% of the group's inactivity time, and the close at the
/// deadline — measured from the customer's last message, or the last of customer and agent,
/// per the group. A close records `client_inactivity` and the time the deadline fell.
pub fn inactivity(ctx: &Ctx) -> AppResult<Timers> {
    let now = ctx.now_ms();
    let mut report = Timers::default();
    // The tick distributes every queue after its timers.
    let mut wakes = lifecycle::Wake::default();
    let groups = ctx.db.execute(
        "SELECT DISTINCT v.tenant_id, v.group_id, g.data FROM conversations v \
         JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         WHERE v.status IN ('bot', 'queued', 'assigned', 'pending')",
        &[],
    )?;
    for g in groups.iter() {
        let tenant = TenantId(g.i64("tenant_id")?);
        let group_id = g.i64("group_id")?;
        let Some(group) = crate::stored::decode_or_report::<GroupDoc>(
            "group",
            tenant,
            group_id,
            &g.text("data")?,
        ) else {
            continue;
        };
        let limit_ms = i64::from(group.timers.inactivity_minutes) * 60_000;
        let warn_ms = group
            .timers
            .inactivity_warning_percent
            .map(|p| limit_ms * i64::from(p) / 100);
        let both = group.timers.inactivity_close_on
            == crate::config::group::InactivityOn::CustomerAndAgent;
        let earliest = warn_ms.unwrap_or(limit_ms);
        let rows = ctx.db.execute(
            "SELECT id, channel_id, language, inactivity_warned, \
               CASE WHEN ?4 THEN MAX(COALESCE(last_customer_at, arrived_at), COALESCE(last_agent_at, 0)) \
                    ELSE COALESCE(last_customer_at, arrived_at) END AS last_activity \
             FROM conversations WHERE tenant_id = ?1 AND group_id = ?2 AND status IN ('bot', 'queued', 'assigned', 'pending') \
               AND last_activity <= ?3",
            &[tenant.into(), g.i64("group_id")?.into(), (now - earliest).into(), both.into()],
        )?;
        let idle: Vec<Idle> = rows
            .iter()
            .map(|r| {
                Ok(Idle {
                    id: r.i64("id")?,
                    tenant,
                    channel_id: r.i64("channel_id")?,
                    language: r.text("language")?,
                    warned: r.bool("inactivity_warned")?,
                    last_activity: r.i64("last_activity")?,
                })
            })
            .collect::<Result<_, crate::ports::DbError>>()?;
        for c in idle {
            let deadline = c.last_activity + limit_ms;
            if now >= deadline {
                let closing = crate::conversation::sql::Closing {
                    closed_by: "client_inactivity",
                    classification_id: None,
                    reason_id: None,
                    sub_reason_id: None,
                    comment: None,
                    resolved: None,
                    survey_due: false,
                };
                // Closed at the deadline, whenever the tick noticed it.
                let closed = transaction(ctx.db, || {
                    match lifecycle::close(
                        ctx,
                        lifecycle::Actor::ClientInactivity,
                        c.tenant,
                        c.id,
                        None,
                        &closing,
                        crate::conversation::closing_notice::Notice::Of(
                            group.closing_notice.clone(),
                        ),
                        deadline,
                    ) {
                        Ok(closed) => Ok(Some(closed)),
                        // Someone else closed it meanwhile.
                        Err(AppError::Api(_)) => Ok(None),
                        Err(e) => Err(e),
                    }
                })?;
                if let Some(closed) = closed {
                    closed.defer(&mut wakes);
                    report.closed += 1;
                }
            } else if let (Some(warn), false) = (warn_ms, c.warned) {
                if now >= c.last_activity + warn {
                    let Ok(channel) =
                        crate::conversation::inbound::ChannelInfo::load(ctx, c.channel_id)
                    else {
                        continue;
                    };
                    let sent = transaction(ctx.db, || {
                        if !crate::conversation::sql::mark_inactivity_warned(
                            ctx.db, c.tenant, c.id,
                        )? {
                            return Ok(false);
                        }
                        let text = inactivity_warning(&c.language);
                        crate::conversation::outbox::enqueue(
                            ctx,
                            &channel,
                            c.id,
                            Role::System,
                            None,
                            text,
                            text,
                            None,
                            now,
                        )?;
                        Ok(true)
                    })?;
                    if sent {
                        report.warned += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Offers nobody answered in time go back to the queue, passing the agent over, and are
/// offered again at once.
pub fn expire_offers(ctx: &Ctx) -> AppResult<usize> {
    let now = ctx.now_ms();
    let mut expired = 0;
    // The tick distributes every queue (these back in theirs) right after.
    let mut wakes = lifecycle::Wake::default();
    for (tenant, conversation, agent) in sql::expired_offers(ctx.db, now)? {
        let withdrawn = transaction(ctx.db, || {
            lifecycle::withdraw_offer(ctx, tenant, conversation, agent, None, now)
        })?;
        if let Some(withdrawn) = withdrawn {
            withdrawn.defer(&mut wakes);
            expired += 1;
        }
    }
    Ok(expired)
}
