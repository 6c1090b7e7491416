//! Service level per group and period (arrivals in the period):
//! - volume: conversations that arrived in the group;
//! - answered: those an agent took; abandoned: closed without ever having an agent;
//! - waiting time (TME): from entering the queue (or arriving, when it skipped the queue) until
//!   an agent took it — mean and 90th percentile (nearest rank), answered conversations only;
//! - first response: from the same start until the agent's first message;
//! - handling time (TMA): from the agent taking it until the close;
//! - within SLA: % of the volume answered within the group's initial SLA (none without one);
//! - transfers: transfers of those conversations.
//!
//! A transferred conversation counts in the group it ended in.

use super::{mean, percent, sql, Period, Scope};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::{AppError, AppResult};
use crate::ports::DbError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupLevel {
    pub group_id: i64,
    pub group_name: Option<String>,
    pub volume: i64,
    pub answered: i64,
    pub abandoned: i64,
    pub avg_wait_seconds: Option<f64>,
    pub p90_wait_seconds: Option<f64>,
    pub avg_first_response_seconds: Option<f64>,
    pub avg_handling_seconds: Option<f64>,
    pub sla_minutes: Option<i64>,
    pub within_sla: Option<i64>,
    pub within_sla_percent: Option<f64>,
    pub transfers: i64,
}

/// Service level per group for the conversations that arrived in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLevel {
    pub from: String,
    pub to: String,
    pub groups: Vec<GroupLevel>,
}

pub fn report(
    ctx: &Ctx,
    me: &Principal,
    period: &Period,
    group: Option<i64>,
) -> AppResult<ServiceLevel> {
    if let (Some(g), Profile::Supervisor) = (group, me.profile()) {
        if !sql::supervises_group(ctx.db, me.tenant_id(), me.user_id().0, g)? {
            return Err(AppError::forbidden(
                "forbidden",
                "this group is not in an operation you supervise",
            ));
        }
    }
    let rows = sql::service_level(
        ctx.db,
        me.tenant_id(),
        &Scope::of(me),
        period.from_ms,
        period.to_ms,
        group,
    )?;
    let seconds = |sum: Option<i64>, n: i64| mean(sum.unwrap_or(0) as f64 / 1000.0, n);
    let groups = rows
        .iter()
        .map(|r| {
            let volume = r.i64("volume")?;
            let sla = r.opt_i64("sla_minutes")?;
            let within = sla.map(|_| r.i64("within_sla")).transpose()?;
            Ok(GroupLevel {
                group_id: r.i64("group_id")?,
                group_name: r.opt_text("group_name")?,
                volume,
                answered: r.i64("answered")?,
                abandoned: r.i64("abandoned")?,
                avg_wait_seconds: seconds(r.opt_i64("wait_sum")?, r.i64("wait_n")?),
                p90_wait_seconds: r.opt_i64("wait_p90")?.map(|w| w as f64 / 1000.0),
                avg_first_response_seconds: seconds(
                    r.opt_i64("first_response_sum")?,
                    r.i64("first_response_n")?,
                ),
                avg_handling_seconds: seconds(r.opt_i64("handling_sum")?, r.i64("handling_n")?),
                sla_minutes: sla,
                within_sla: within,
                within_sla_percent: within.and_then(|w| percent(w, volume)),
                transfers: r.opt_i64("transfers")?.unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(ServiceLevel {
        from: super::local_time(period.from_ms, period.zone),
        to: super::local_time(period.to_ms, period.zone),
        groups,
    })
}
