//! Pause protocol (seed 004 "Pausar Protocolo"): when the agent holding a conversation is
//! paused while the customer waits for an answer, or when a queued customer has waited longer
//! than the group's configured time, the customer gets the group's "please wait" message — at
//! most once per configured interval, until an agent answers. Off unless the group sets it.

use super::{pick, say};
use crate::config::group::GroupDoc;
use crate::context::Ctx;
use crate::conversation::inbound::ChannelInfo;
use crate::db::transaction;
use crate::errors::AppResult;
use crate::validate::{Localized, Problems};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseProtocol {
    pub message: Localized,
    /// At most one message per this many minutes to the same customer.
    pub interval_minutes: u32,
    /// Queued customers get it after waiting this long; without it, only customers whose
    /// agent is paused do.
    #[serde(default)]
    pub queue_wait_minutes: Option<u32>,
}

pub fn check(rule: &mut PauseProtocol, p: &mut Problems) {
    rule.message.check(p, "pause_protocol.message", 1000);
    if !(1..=24 * 60).contains(&rule.interval_minutes) {
        p.add("pause_protocol.interval_minutes", "must be 1 to 1440");
    }
    if rule
        .queue_wait_minutes
        .is_some_and(|m| !(1..=24 * 60).contains(&m))
    {
        p.add("pause_protocol.queue_wait_minutes", "must be 1 to 1440");
    }
}

/// Sends the "please wait" messages that are due (one tick's work); returns how many.
pub fn notify(ctx: &Ctx) -> AppResult<usize> {
    let now = ctx.now_ms();
    let mut sent = 0;
    for (tenant, group, data) in super::sql::groups_with_open(ctx.db)? {
        let Some(rule) = serde_json::from_str::<GroupDoc>(&data)
            .ok()
            .and_then(|g| g.pause_protocol)
        else {
            continue;
        };
        let queue_cutoff = rule.queue_wait_minutes.map(|m| now - i64::from(m) * 60_000);
        let notice_cutoff = now - i64::from(rule.interval_minutes) * 60_000;
        for w in super::sql::waiting(ctx.db, tenant, group, queue_cutoff, notice_cutoff)? {
            let Ok(channel) = ChannelInfo::load(ctx, w.channel_id) else {
                continue;
            };
            transaction(ctx.db, || {
                super::sql::noticed(ctx.db, tenant, w.id, now)?;
                say(
                    ctx,
                    &channel,
                    w.id,
                    &w.language,
                    pick(&rule.message, &w.language),
                    Vec::new(),
                    now,
                )?;
                Ok(())
            })?;
            sent += 1;
        }
    }
    Ok(sent)
}
