//! Occurrences recorded in a period: counts by type, group and agent (who recorded it), and
//! the list (newest first, at most [`LIST_LIMIT`]).

use super::{local_time, sql, Period};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::conversation::visibility::Visibility;
use crate::errors::AppResult;
use crate::ports::DbError;
use serde_json::{json, Value};

pub const LIST_LIMIT: i64 = 1000;

pub fn report(
    ctx: &Ctx,
    me: &Principal,
    period: &Period,
    group: Option<i64>,
    agent: Option<i64>,
) -> AppResult<Value> {
    let scope = Visibility::of(me);
    let tenant = me.tenant_id();
    let (from, to) = (period.from_ms, period.to_ms);
    let counts = sql::occurrence_counts(ctx.db, tenant, &scope, from, to, group, agent)?;
    let mut by = json!({"type": [], "group": [], "agent": []});
    for r in counts.iter() {
        let dimension = r.text("dimension")?;
        if let Some(list) = by[dimension.as_str()].as_array_mut() {
            list.push(json!({"id": r.opt_i64("id")?, "name": r.opt_text("name")?, "count": r.i64("count")?}));
        }
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
            Ok(json!({
                "id": r.i64("id")?,
                "conversation_id": r.i64("conversation_id")?,
                "protocol": r.text("protocol")?,
                "type_id": r.i64("type_id")?,
                "type_name": r.opt_text("type_name")?,
                "group_id": r.opt_i64("group_id")?,
                "group_name": r.opt_text("group_name")?,
                "agent_id": r.i64("agent_id")?,
                "agent_name": r.opt_text("agent_name")?,
                "comment": r.opt_text("comment")?,
                "at": local_time(r.i64("at")?, period.zone),
            }))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(json!({
        "total": total,
        "by_type": by["type"],
        "by_group": by["group"],
        "by_agent": by["agent"],
        "items": items,
    }))
}
