//! The conversation timers besides inactivity (seed 002 "Temporizadores"): automatic pending,
//! the agent's answer timeout, agent disconnects, queue-position notices and the bot's
//! inactivity rule. Each acts by compare-and-set, so a timer and an agent acting at the same
//! moment never both win.

use crate::config::group::{BotAction, GroupDoc};
use crate::context::Ctx;
use crate::conversation::lifecycle::{self, Actor, Changed, Transition, Wake};
use crate::conversation::sql::{self as conversation_sql, Closing};
use crate::conversation::Role;
use crate::db::transaction;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use serde::Serialize;

/// An agent whose console sent no heartbeat for this long is disconnected.
pub const DISCONNECT_GRACE_MS: i64 = 2 * 60_000;

#[derive(Debug, Default, Serialize)]
pub struct TimerReport {
    pub auto_pending: usize,
    pub answer_timeouts: usize,
    pub disconnected_agents: usize,
    pub queue_notices: usize,
    pub bot_inactivity: usize,
}

pub fn queue_position_text(language: &str, position: i64) -> String {
    match language {
        "es" => format!("Usted es el número {position} en la fila. En breve será atendido."),
        "en" => {
            format!("You are number {position} in the queue. An agent will be with you shortly.")
        }
        _ => format!("Você é o número {position} na fila. Em breve você será atendido."),
    }
}

/// Groups (with their documents) that have conversations in one of `statuses`.
fn groups_with(ctx: &Ctx, statuses: &str) -> AppResult<Vec<(TenantId, i64, GroupDoc)>> {
    let rows = ctx.db.execute(
        &format!(
            "SELECT DISTINCT v.tenant_id, v.group_id, g.data FROM conversations v \
             JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id WHERE v.status IN ({statuses})"
        ),
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows.iter() {
        let (tenant, group) = (TenantId(r.i64("tenant_id")?), r.i64("group_id")?);
        if let Some(doc) = crate::stored::decode_or_report("group", tenant, group, &r.text("data")?)
        {
            out.push((tenant, group, doc));
        }
    }
    Ok(out)
}

/// Ids (with their holder) of a group's conversations a timer is due for: `condition` over
/// `conversations` with `?1` now, `?2` tenant, `?3` group, `?4` the cutoff.
fn due(
    ctx: &Ctx,
    tenant: TenantId,
    group: i64,
    condition: &str,
    cutoff: i64,
    now: i64,
) -> AppResult<Vec<(i64, Option<i64>)>> {
    let rows = ctx.db.execute(
        &format!(
            "SELECT id, agent_id FROM conversations WHERE tenant_id = ?2 AND group_id = ?3 AND {condition}"
        ),
        &[now.into(), tenant.into(), group.into(), cutoff.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.i64("id")?, r.opt_i64("agent_id")?)))
        .collect::<Result<_, crate::ports::DbError>>()
        .map_err(Into::into)
}

/// Runs one timer's change in its own short transaction; a conversation someone else changed
/// meanwhile (a 409 from the lifecycle) is skipped.
fn apply<T>(
    ctx: &Ctx,
    wakes: &mut Wake,
    change: impl FnOnce() -> AppResult<Option<Changed<T>>>,
) -> AppResult<bool> {
    match transaction(ctx.db, change) {
        Ok(Some(changed)) => {
            changed.defer(wakes);
            Ok(true)
        }
        Ok(None) | Err(AppError::Api(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn run(ctx: &Ctx) -> AppResult<TimerReport> {
    let now = ctx.now_ms();
    let mut report = TimerReport::default();
    // The tick distributes every queue after its timers.
    let mut wakes = Wake::default();
    for (tenant, group, doc) in groups_with(ctx, "'assigned', 'bot'")? {
        // Automatic pending: the customer silent for N minutes.
        if let (true, Some(minutes)) = (doc.flags.auto_pending, doc.timers.auto_pending_minutes) {
            let cutoff = now - i64::from(minutes) * 60_000;
            let silent = "status = 'assigned' AND COALESCE(last_customer_at, arrived_at) <= ?4";
            for (id, _) in due(ctx, tenant, group, silent, cutoff, now)? {
                if apply(ctx, &mut wakes, || {
                    lifecycle::pending(ctx, Actor::System, tenant, id, now).map(Some)
                })? {
                    report.auto_pending += 1;
                }
            }
        }
        // The agent did not answer a new conversation in time: back to the queue, and the
        // agent is passed over for it.
        if let Some(minutes) = doc.timers.agent_answer_minutes {
            let cutoff = now - i64::from(minutes) * 60_000;
            let unanswered = "status = 'assigned' AND assigned_at <= ?4 \
                AND (last_agent_at IS NULL OR last_agent_at < assigned_at)";
            for (id, agent) in due(ctx, tenant, group, unanswered, cutoff, now)? {
                let Some(agent) = agent else { continue };
                if apply(ctx, &mut wakes, || {
                    lifecycle::requeue(ctx, tenant, id, agent, Transition::AnswerTimeout, now)
                })? {
                    report.answer_timeouts += 1;
                }
            }
        }
        // The bot's inactivity rule.
        if let Some(rule) = &doc.bot_inactivity {
            let cutoff = now - i64::from(rule.time) * rule.unit.seconds() as i64 * 1000;
            let silent = "status = 'bot' AND COALESCE(last_customer_at, arrived_at) <= ?4";
            for (id, _) in due(ctx, tenant, group, silent, cutoff, now)? {
                let moved = apply(ctx, &mut wakes, || match rule.action {
                    BotAction::ToQueue | BotAction::ToGroup => {
                        let target = match rule.action {
                            BotAction::ToGroup => rule.group_id.unwrap_or(group),
                            _ => group,
                        };
                        lifecycle::route_to_queue(
                            ctx,
                            tenant,
                            id,
                            target,
                            Actor::BotInactivity,
                            now,
                        )
                        .map(Some)
                    }
                    BotAction::Close => {
                        let closing = closing_by("client_inactivity");
                        lifecycle::close(
                            ctx,
                            Actor::BotInactivity,
                            tenant,
                            id,
                            None,
                            &closing,
                            crate::conversation::closing_notice::Notice::Of(
                                doc.closing_notice.clone(),
                            ),
                            now,
                        )
                        .map(Some)
                    }
                })?;
                if moved {
                    report.bot_inactivity += 1;
                }
            }
        }
    }
    report.disconnected_agents = disconnects(ctx, now, &mut wakes)?;
    Ok(report)
}

/// A close by scheduled work: no classification, no survey.
fn closing_by(closed_by: &str) -> Closing<'_> {
    Closing {
        closed_by,
        classification_id: None,
        reason_id: None,
        sub_reason_id: None,
        comment: None,
        resolved: None,
        survey_due: false,
    }
}

/// Agents with no heartbeat for the grace time go offline; their conversations go back to the
/// queue keeping their place, or are closed, per each group's flag.
fn disconnects(ctx: &Ctx, now: i64, wakes: &mut Wake) -> AppResult<usize> {
    let gone = ctx.db.execute(
        "UPDATE agent_status SET status = 'offline', pause_reason = NULL, since = ?1 \
         WHERE status <> 'offline' AND last_seen_at <= ?2 RETURNING tenant_id, user_id",
        &[now.into(), (now - DISCONNECT_GRACE_MS).into()],
    )?;
    let agents: Vec<(TenantId, i64)> = gone
        .iter()
        .map(|r| Ok((TenantId(r.i64("tenant_id")?), r.i64("user_id")?)))
        .collect::<Result<_, crate::ports::DbError>>()?;
    for (tenant, agent) in &agents {
        ctx.db.execute(
            "INSERT INTO agent_status_log (tenant_id, user_id, status, at) VALUES (?, ?, 'offline', ?)",
            &[(*tenant).into(), (*agent).into(), now.into()],
        )?;
        let open = ctx.db.execute(
            "SELECT v.id, g.id AS group_id, g.data FROM conversations v JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
             WHERE v.tenant_id = ? AND v.agent_id = ? AND v.status IN ('assigned', 'pending', 'offered')",
            &[(*tenant).into(), (*agent).into()],
        )?;
        for r in open.iter() {
            let id = r.i64("id")?;
            let group = r.i64("group_id")?;
            let doc = crate::stored::decode_or_report::<GroupDoc>(
                "group",
                *tenant,
                group,
                &r.text("data")?,
            );
            let redirect = doc.as_ref().is_none_or(|g| g.flags.redirect_on_disconnect);
            let settings = doc.map(|g| g.closing_notice).unwrap_or_default();
            let agent = *agent;
            apply(ctx, wakes, || {
                if redirect {
                    lifecycle::requeue(ctx, *tenant, id, agent, Transition::Disconnect, now)
                } else {
                    let closing = closing_by("agent_inactivity");
                    lifecycle::close(
                        ctx,
                        Actor::AgentInactivity,
                        *tenant,
                        id,
                        Some(agent),
                        &closing,
                        crate::conversation::closing_notice::Notice::Of(settings.clone()),
                        now,
                    )
                    .map(Some)
                }
            })?;
        }
    }
    Ok(agents.len())
}

/// Tells customers waiting their position: every N minutes where the group says so, else
/// whenever it changes. Runs after distribution, so positions are the ones left.
pub fn queue_notices(ctx: &Ctx) -> AppResult<usize> {
    let now = ctx.now_ms();
    let mut sent = 0;
    for (tenant, group, doc) in groups_with(ctx, "'queued'")? {
        let period = doc
            .timers
            .queue_position_minutes
            .filter(|_| doc.flags.periodic_queue_position)
            .map(|m| i64::from(m) * 60_000);
        let rows = ctx.db.execute(
            "SELECT id, channel_id, language, queue_position_notified, queue_notified_at, \
                    ROW_NUMBER() OVER (ORDER BY priority DESC, arrived_at, id) AS position \
             FROM conversations WHERE tenant_id = ? AND group_id = ? AND status = 'queued'",
            &[tenant.into(), group.into()],
        )?;
        for r in rows.iter() {
            let position = r.i64("position")?;
            let id = r.i64("id")?;
            let known = r.opt_i64("queue_position_notified")?;
            let due = match period {
                Some(p) => r
                    .opt_i64("queue_notified_at")?
                    .is_none_or(|at| now - at >= p),
                // Without the periodic flag the customer hears of their position when it
                // changes (seed 002): the first one is only noted.
                None if known.is_none() => {
                    conversation_sql::note_queue_position(ctx.db, tenant, id, position, None)?;
                    false
                }
                None => known != Some(position),
            };
            if !due {
                continue;
            }
            let Ok(channel) =
                crate::conversation::inbound::ChannelInfo::load(ctx, r.i64("channel_id")?)
            else {
                continue;
            };
            let text = queue_position_text(&r.text("language")?, position);
            transaction(ctx.db, || {
                conversation_sql::note_queue_position(ctx.db, tenant, id, position, Some(now))?;
                crate::conversation::outbox::enqueue(
                    ctx,
                    &channel,
                    id,
                    Role::System,
                    None,
                    &text,
                    &text,
                    None,
                    now,
                )?;
                Ok(())
            })?;
            sent += 1;
        }
    }
    Ok(sent)
}
