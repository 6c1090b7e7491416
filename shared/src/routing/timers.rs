//! The conversation timers besides inactivity (seed 002 "Temporizadores"): automatic pending,
//! the agent's answer timeout, agent disconnects, queue-position notices and the bot's
//! inactivity rule. Each acts by compare-and-set, so a timer and an agent acting at the same
//! moment never both win.

use crate::config::group::{BotAction, GroupDoc};
use crate::context::Ctx;
use crate::conversation::sql as conversation_sql;
use crate::conversation::{Event, Role};
use crate::db::transaction;
use crate::errors::AppResult;
use crate::ids::TenantId;
use serde::Serialize;
use serde_json::json;

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

fn record(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    kind: &str,
    actor: &str,
    actor_id: Option<i64>,
    at: i64,
) -> AppResult<()> {
    conversation_sql::record(
        ctx.db,
        &Event::new(tenant, conversation, kind, actor, actor_id, at),
    )?;
    Ok(())
}

pub fn run(ctx: &Ctx) -> AppResult<TimerReport> {
    let now = ctx.now_ms();
    let mut report = TimerReport::default();
    for (tenant, group, doc) in groups_with(ctx, "'assigned', 'bot'")? {
        // Automatic pending: the customer silent for N minutes.
        if let (true, Some(minutes)) = (doc.flags.auto_pending, doc.timers.auto_pending_minutes) {
            let cutoff = now - i64::from(minutes) * 60_000;
            let rows = ctx.db.execute(
                "UPDATE conversations SET status = 'pending', updated_at = ?1 WHERE tenant_id = ?2 AND group_id = ?3 \
                 AND status = 'assigned' AND COALESCE(last_customer_at, arrived_at) <= ?4 RETURNING id, agent_id",
                &[now.into(), tenant.into(), group.into(), cutoff.into()],
            )?;
            for r in rows.iter() {
                record(ctx, tenant, r.i64("id")?, "pending", "system", None, now)?;
                if let Some(agent) = r.opt_i64("agent_id")? {
                    crate::inbox::feed::push(
                        ctx.db,
                        tenant,
                        agent,
                        "pending",
                        Some(r.i64("id")?),
                        &json!({"by": "system"}),
                        now,
                    )?;
                }
                report.auto_pending += 1;
            }
        }
        // The agent did not answer a new conversation in time: back to the queue, and the
        // agent is passed over for it.
        if let Some(minutes) = doc.timers.agent_answer_minutes {
            let cutoff = now - i64::from(minutes) * 60_000;
            let rows = ctx.db.execute(
                "UPDATE conversations SET status = 'queued', agent_id = NULL, queued_at = ?1, updated_at = ?1 \
                 WHERE tenant_id = ?2 AND group_id = ?3 AND status = 'assigned' AND assigned_at <= ?4 \
                   AND (last_agent_at IS NULL OR last_agent_at < assigned_at) \
                 RETURNING id, (SELECT agent_id FROM conversation_events e WHERE e.conversation_id = conversations.id \
                                AND e.kind = 'assigned' ORDER BY e.id DESC LIMIT 1) AS agent",
                &[now.into(), tenant.into(), group.into(), cutoff.into()],
            )?;
            for r in rows.iter() {
                let id = r.i64("id")?;
                if let Some(agent) = r.opt_i64("agent")? {
                    ctx.db.execute(
                        "INSERT INTO conversation_skips (tenant_id, conversation_id, agent_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        &[tenant.into(), id.into(), agent.into()],
                    )?;
                    crate::inbox::feed::push(
                        ctx.db,
                        tenant,
                        agent,
                        "withdrawn",
                        Some(id),
                        &json!({"reason": "answer_timeout"}),
                        now,
                    )?;
                }
                record(
                    ctx,
                    tenant,
                    id,
                    "answer_timeout",
                    "agent_inactivity",
                    r.opt_i64("agent")?,
                    now,
                )?;
                report.answer_timeouts += 1;
            }
        }
        // The bot's inactivity rule.
        if let Some(rule) = &doc.bot_inactivity {
            let cutoff = now - i64::from(rule.time) * rule.unit.seconds() as i64 * 1000;
            let (sql, target) = match rule.action {
                BotAction::ToQueue => ("UPDATE conversations SET status = 'queued', group_id = ?5, queued_at = ?1, updated_at = ?1", group),
                BotAction::ToGroup => ("UPDATE conversations SET status = 'queued', group_id = ?5, queued_at = ?1, updated_at = ?1", rule.group_id.unwrap_or(group)),
                BotAction::Close => ("UPDATE conversations SET status = 'closed', closed_at = ?1, closed_by = 'client_inactivity', updated_at = ?1, \
                                      group_id = ?5", group),
            };
            let rows = ctx.db.execute(
                &format!("{sql} WHERE tenant_id = ?2 AND group_id = ?3 AND status = 'bot' AND COALESCE(last_customer_at, arrived_at) <= ?4 RETURNING id"),
                &[now.into(), tenant.into(), group.into(), cutoff.into(), target.into()],
            )?;
            for r in rows.iter() {
                record(
                    ctx,
                    tenant,
                    r.i64("id")?,
                    rule.action.as_str(),
                    "bot_inactivity",
                    None,
                    now,
                )?;
                report.bot_inactivity += 1;
            }
        }
    }
    report.disconnected_agents = disconnects(ctx, now)?;
    Ok(report)
}

/// Agents with no heartbeat for the grace time go offline; their conversations go back to the
/// queue keeping their place, or are closed, per each group's flag.
fn disconnects(ctx: &Ctx, now: i64) -> AppResult<usize> {
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
            let redirect = crate::stored::decode_or_report::<GroupDoc>(
                "group",
                *tenant,
                group,
                &r.text("data")?,
            )
            .is_none_or(|g| g.flags.redirect_on_disconnect);
            transaction(ctx.db, || {
                if redirect {
                    ctx.db.execute(
                        "UPDATE conversations SET status = 'queued', agent_id = NULL, offer_expires_at = NULL, queued_at = ?1, updated_at = ?1 \
                         WHERE tenant_id = ?2 AND id = ?3 AND agent_id = ?4 AND status <> 'closed'",
                        &[now.into(), (*tenant).into(), id.into(), (*agent).into()],
                    )?;
                    record(
                        ctx,
                        *tenant,
                        id,
                        "agent_disconnected",
                        "system",
                        Some(*agent),
                        now,
                    )
                } else {
                    ctx.db.execute(
                        "UPDATE conversations SET status = 'closed', closed_at = ?1, closed_by = 'system', updated_at = ?1 \
                         WHERE tenant_id = ?2 AND id = ?3 AND agent_id = ?4 AND status <> 'closed'",
                        &[now.into(), (*tenant).into(), id.into(), (*agent).into()],
                    )?;
                    record(ctx, *tenant, id, "closed", "system", Some(*agent), now)
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
                    ctx.db.execute(
                        "UPDATE conversations SET queue_position_notified = ? WHERE tenant_id = ? AND id = ?",
                        &[position.into(), tenant.into(), id.into()],
                    )?;
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
                ctx.db.execute(
                    "UPDATE conversations SET queue_position_notified = ?, queue_notified_at = ? WHERE tenant_id = ? AND id = ?",
                    &[position.into(), now.into(), tenant.into(), id.into()],
                )?;
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
