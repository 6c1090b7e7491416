//! The live dashboard supervisors poll: per group, open conversations by state and the
//! longest wait in the queue; agents by status and load; totals. One statement.

use super::{sql, Scope};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::enums::Profile;
use crate::errors::AppResult;
use serde::Serialize;
use utoipa::ToSchema;

/// Open conversations by state.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ByState {
    pub bot: i64,
    pub queued: i64,
    pub offered: i64,
    pub assigned: i64,
    pub pending: i64,
}

impl ByState {
    fn add(&mut self, other: &ByState) {
        self.bot += other.bot;
        self.queued += other.queued;
        self.offered += other.offered;
        self.assigned += other.assigned;
        self.pending += other.pending;
    }
}

/// A group's open conversations now.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupNow {
    pub group_id: i64,
    pub name: String,
    #[serde(flatten)]
    pub states: ByState,
    /// How long the first customer in the queue has waited.
    pub longest_wait_seconds: Option<i64>,
}

/// An agent now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentNow {
    pub user_id: i64,
    pub display_name: String,
    /// `ready`, `paused` or `offline`.
    pub status: String,
    pub pause_reason: Option<String>,
    /// Conversations in their hands.
    pub load: i64,
    pub max_concurrent: i64,
}

/// The live dashboard: per group, open conversations by state; agents; totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub groups: Vec<GroupNow>,
    pub agents: Vec<AgentNow>,
    pub totals: ByState,
}

pub fn report(ctx: &Ctx, me: &Principal) -> AppResult<Dashboard> {
    Scope::require_supervisor(me)?;
    let now = ctx.now_ms();
    let rows = sql::dashboard(
        ctx.db,
        me.tenant_id(),
        me.user_id().0,
        me.profile() == Profile::Admin,
    )?;
    let mut groups = Vec::new();
    let mut agents = Vec::new();
    let mut totals = ByState::default();
    for r in rows.iter() {
        if r.text("row_kind")? == "group" {
            let count = |state: &str| r.opt_i64(state).map(|n| n.unwrap_or(0));
            let states = ByState {
                bot: count("bot")?,
                queued: count("queued")?,
                offered: count("offered")?,
                assigned: count("assigned")?,
                pending: count("pending")?,
            };
            totals.add(&states);
            groups.push(GroupNow {
                group_id: r.i64("id")?,
                name: r.text("name")?,
                states,
                longest_wait_seconds: r.opt_i64("oldest")?.map(|o| ((now - o).max(0)) / 1000),
            });
        } else {
            agents.push(AgentNow {
                user_id: r.i64("id")?,
                display_name: r.text("name")?,
                status: r.text("status")?,
                pause_reason: r.opt_text("pause_reason")?,
                load: r.opt_i64("load")?.unwrap_or(0),
                max_concurrent: r.opt_i64("max_concurrent")?.unwrap_or(0),
            });
        }
    }
    Ok(Dashboard {
        groups,
        agents,
        totals,
    })
}
