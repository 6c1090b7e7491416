//! Occurrences recorded in a period: counts by type, group and agent (who recorded it), and
//! the list (newest first, at most [`LIST_LIMIT`]).

use super::{local_time, sql, Period, Scope};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ports::DbError;
use serde::Serialize;
use utoipa::ToSchema;

pub const LIST_LIMIT: i64 = 1000;

/// How many occurrences one type, group or agent had.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub count: i64,
}

/// One recorded occurrence.
#[derive(Debug, Serialize, ToSchema)]
pub struct Occurrence {
    pub id: i64,
    pub conversation_id: i64,
    pub protocol: String,
    pub type_id: i64,
    pub type_name: Option<String>,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    /// Who recorded it.
    pub agent_id: i64,
    pub agent_name: Option<String>,
    pub comment: Option<String>,
    /// In the company's time zone.
    pub at: String,
}

/// Occurrences of a period: counts by type, group and agent, and the newest 1,000.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceReport {
    pub total: i64,
    pub by_type: Vec<Count>,
    pub by_group: Vec<Count>,
    pub by_agent: Vec<Count>,
    pub items: Vec<Occurrence>,
}

pub fn report(
    ctx: &Ctx,
    me: &Principal,
    period: &Period,
    group: Option<i64>,
    agent: Option<i64>,
) -> AppResult<OccurrenceReport> {
    let scope = Scope::of(me);
    let tenant = me.tenant_id();
    let (from, to) = (period.from_ms, period.to_ms);
    let counts = sql::occurrence_counts(ctx.db, tenant, &scope, from, to, group, agent)?;
    let (mut by_type, mut by_group, mut by_agent) = (Vec::new(), Vec::new(), Vec::new());
    for r in counts.iter() {
        let list = match r.text("dimension")?.as_str() {
            "type" => &mut by_type,
            "group" => &mut by_group,
            "agent" => &mut by_agent,
            _ => continue,
        };
        list.push(Count {
            id: r.opt_i64("id")?,
            name: r.opt_text("name")?,
            count: r.i64("count")?,
        });
    }
    let rows = sql::occurrences(ctx.db, tenant, &scope, from, to, group, agent, LIST_LIMIT)?;
    let total = rows
        .first()
        .map(|r| r.i64("total"))
        .transpose()?
        .unwrap_or(0);
    let items = rows
        .iter()
        .map(|r| {
            Ok(Occurrence {
                id: r.i64("id")?,
                conversation_id: r.i64("conversation_id")?,
                protocol: r.text("protocol")?,
                type_id: r.i64("type_id")?,
                type_name: r.opt_text("type_name")?,
                group_id: r.opt_i64("group_id")?,
                group_name: r.opt_text("group_name")?,
                agent_id: r.i64("agent_id")?,
                agent_name: r.opt_text("agent_name")?,
                comment: r.opt_text("comment")?,
                at: local_time(r.i64("at")?, period.zone),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(OccurrenceReport {
        total,
        by_type,
        by_group,
        by_agent,
        items,
    })
}
