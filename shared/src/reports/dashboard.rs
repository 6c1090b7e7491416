//! The live dashboard supervisors poll: per group, open conversations by state and the
//! longest wait in the queue; agents by status and load; totals. One statement.

use super::sql;
use crate::auth::Principal;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use serde_json::{json, Value};

pub fn report(ctx: &Ctx, me: &Principal) -> AppResult<Value> {
    super::require_supervisor(me)?;
    let now = ctx.now_ms();
    let rows = sql::dashboard(
        ctx.db,
        me.tenant_id(),
        me.user_id().0,
        me.profile() == Profile::Admin,
    )?;
    let mut groups = Vec::new();
    let mut agents = Vec::new();
    let mut totals = [0i64; 5];
    const STATES: [&str; 5] = ["bot", "queued", "offered", "assigned", "pending"];
    for r in rows.iter() {
        if r.text("row_kind")? == "group" {
            let mut g = json!({"group_id": r.i64("id")?, "name": r.text("name")?});
            for (i, state) in STATES.iter().enumerate() {
                let n = r.opt_i64(state)?.unwrap_or(0);
                totals[i] += n;
                g[*state] = json!(n);
            }
            g["longest_wait_seconds"] =
                json!(r.opt_i64("oldest")?.map(|o| ((now - o).max(0)) / 1000));
            groups.push(g);
        } else {
            agents.push(json!({
                "user_id": r.i64("id")?,
                "display_name": r.text("name")?,
                "status": r.text("status")?,
                "pause_reason": r.opt_text("pause_reason")?,
                "load": r.opt_i64("load")?.unwrap_or(0),
                "max_concurrent": r.opt_i64("max_concurrent")?.unwrap_or(0),
            }));
        }
    }
    let totals: serde_json::Map<String, Value> = STATES
        .iter()
        .zip(totals)
        .map(|(s, n)| ((*s).to_owned(), json!(n)))
        .collect();
    Ok(json!({"groups": groups, "agents": agents, "totals": totals}))
}
