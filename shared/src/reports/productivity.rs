//! Agent productivity in a period: conversations closed in their hands, the mean handling time
//! of those, transfers they made, and their time ready, paused (by reason) and offline from the
//! status log — clipped to the period and to now. Between the account's creation and an agent's
//! first status change they count as offline; before the account existed, as nothing.

use super::{mean, sql, Period};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::conversation::visibility::Visibility;
use crate::enums::Profile;
use crate::errors::{AppError, AppResult};
use crate::ports::DbError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentFigures {
    pub agent_id: i64,
    pub display_name: String,
    pub handled: i64,
    pub avg_handling_seconds: Option<f64>,
    pub transfers: i64,
    pub ready_seconds: i64,
    pub paused_seconds: i64,
    /// Paused time by reason (the empty reason as "").
    pub paused_by_reason: BTreeMap<String, i64>,
    pub offline_seconds: i64,
}

/// Agent productivity in a period (company time zone).
#[derive(Debug, Serialize, ToSchema)]
pub struct Productivity {
    pub from: String,
    pub to: String,
    pub agents: Vec<AgentFigures>,
}

pub fn report(
    ctx: &Ctx,
    me: &Principal,
    period: &Period,
    agent: Option<i64>,
) -> AppResult<Productivity> {
    if me.profile() == Profile::Agent && agent.is_some_and(|a| a != me.user_id().0) {
        return Err(AppError::forbidden(
            "forbidden",
            "agents see only their own productivity",
        ));
    }
    let scope = Visibility::of(me);
    let rows = sql::productivity(
        ctx.db,
        me.tenant_id(),
        &scope,
        period.from_ms,
        period.to_ms,
        agent,
    )?;
    let mut agents = rows
        .iter()
        .map(|r| {
            let handled = r.i64("handled")?;
            Ok(AgentFigures {
                agent_id: r.i64("id")?,
                display_name: r.text("display_name")?,
                handled,
                avg_handling_seconds: mean(
                    r.opt_i64("handling_sum")?.unwrap_or(0) as f64 / 1000.0,
                    handled,
                ),
                transfers: r.i64("transfers")?,
                ready_seconds: 0,
                paused_seconds: 0,
                paused_by_reason: BTreeMap::new(),
                offline_seconds: 0,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    if let Some(a) = agent {
        if agents.is_empty() {
            return Err(AppError::forbidden(
                "forbidden",
                crate::errors::Text::new("agent {agent} is not among the agents you may see")
                    .with("agent", a),
            ));
        }
    }
    let end = period.to_ms.min(ctx.now_ms()).max(period.from_ms);
    let ids: Vec<i64> = agents.iter().map(|a| a.agent_id).collect();
    let log = sql::status_log(ctx.db, me.tenant_id(), &ids, period.from_ms, end)?;
    let mut changes: BTreeMap<i64, Vec<(i64, String, Option<String>)>> = BTreeMap::new();
    for r in log.iter() {
        changes.entry(r.i64("user_id")?).or_default().push((
            r.i64("at")?.max(period.from_ms),
            r.text("status")?,
            r.opt_text("pause_reason")?,
        ));
    }
    for (a, r) in agents.iter_mut().zip(rows.iter()) {
        // An account made inside the period was not offline before it existed.
        let mut at = period.from_ms.max(r.i64("created_at")?.min(end));
        let mut state = ("offline".to_owned(), None::<String>);
        let entries = changes.remove(&a.agent_id).unwrap_or_default();
        for (when, status, reason) in
            entries
                .into_iter()
                .chain(std::iter::once((end, String::new(), None)))
        {
            let span = (when - at).max(0) / 1000;
            match state.0.as_str() {
                "ready" => a.ready_seconds += span,
                "paused" => {
                    a.paused_seconds += span;
                    *a.paused_by_reason
                        .entry(state.1.clone().unwrap_or_default())
                        .or_default() += span;
                }
                _ => a.offline_seconds += span,
            }
            at = when.max(at);
            state = (status, reason);
        }
        a.paused_by_reason.retain(|_, s| *s > 0);
    }
    Ok(Productivity {
        from: super::local_time(period.from_ms, period.zone),
        to: super::local_time(period.to_ms, period.zone),
        agents,
    })
}
