//! Service groups (queues): where conversations wait and who answers them, with the group's
//! bot, survey, classification, queue strategy, feature flags and timers (SPEC §2, seed 002).

use super::{check_refs, sql, Prepared, Resource};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Group;

crate::enums::stored_enum!(StartBot { Menu = "menu", Transfer = "transfer", None = "none" });
crate::enums::stored_enum!(TimeUnit { Seconds = "seconds", Minutes = "minutes", Hours = "hours", Days = "days" });
crate::enums::stored_enum!(BotAction { ToGroup = "to_group", ToQueue = "to_queue", Close = "close" });
crate::enums::stored_enum!(
    /// Whose name agent messages carry to the customer.
    NameShown { Company = "company", Agent = "agent", None = "none" }
);
crate::enums::stored_enum!(
    Strategy {
        Circular = "circular",
        Random = "random",
        AgentPriority = "agent_priority",
        LeastHandlingTime = "least_handling_time",
        LeastConversations = "least_conversations",
    }
);
crate::enums::stored_enum!(OfferMode { Direct = "direct", AcceptReject = "accept_reject" });
crate::enums::stored_enum!(
    /// Whose silence counts for the inactivity close.
    InactivityOn { Customer = "customer", CustomerAndAgent = "customer_and_agent" }
);

impl TimeUnit {
    pub fn seconds(self) -> u64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
            TimeUnit::Days => 86_400,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotInactivity {
    pub time: u32,
    pub unit: TimeUnit,
    pub action: BotAction,
    /// With `to_group`: where the conversation goes.
    #[serde(default)]
    pub group_id: Option<i64>,
}

/// Feature flags (seed 002 "Configurações do Grupo"); absent flags take their defaults.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = GroupFlags)]
#[serde(deny_unknown_fields, default)]
pub struct Flags {
    pub active_sms: bool,
    pub active_voice: bool,
    pub active_whatsapp: bool,
    pub whatsapp_templates: bool,
    pub active_email: bool,
    pub active_telegram: bool,
    /// Priority conversations go straight to the agent.
    pub priority_to_agent: bool,
    /// On agent disconnect, conversations go back to the queue (else they are closed).
    pub redirect_on_disconnect: bool,
    /// Automatic pending after `timers.auto_pending_minutes` without customer interaction.
    pub auto_pending: bool,
    pub whatsapp_partner: bool,
    pub transfer_to_paused: bool,
    /// Queue-position notice every `timers.queue_position_minutes` (else on change).
    pub periodic_queue_position: bool,
    /// Agents cannot send.
    pub receive_only: bool,
    pub allow_audio: bool,
    pub allow_image: bool,
    pub allow_video: bool,
    pub allow_documents: bool,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            active_sms: false,
            active_voice: false,
            active_whatsapp: false,
            whatsapp_templates: false,
            active_email: false,
            active_telegram: false,
            priority_to_agent: false,
            redirect_on_disconnect: true,
            auto_pending: false,
            whatsapp_partner: false,
            transfer_to_paused: false,
            periodic_queue_position: false,
            receive_only: false,
            allow_audio: true,
            allow_image: true,
            allow_video: true,
            allow_documents: true,
        }
    }
}

/// Timers, in minutes (seed 002 "Temporizadores"); absent timers take their defaults.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = GroupTimers)]
#[serde(deny_unknown_fields, default)]
pub struct Timers {
    /// Warn at this % of the inactivity time ("the protocol is close to its inactivity limit").
    pub inactivity_warning_percent: Option<u8>,
    pub inactivity_minutes: u32,
    pub inactivity_close_on: InactivityOn,
    /// For the service-level report only.
    pub initial_sla_minutes: Option<u32>,
    /// Needs `flags.whatsapp_partner`.
    pub partner_session_warning_minutes: Option<u32>,
    /// Time for the agent to answer a new conversation before it is redistributed.
    pub agent_answer_minutes: Option<u32>,
    /// Needs (and is needed by) `flags.auto_pending`.
    pub auto_pending_minutes: Option<u32>,
    /// Needs (and is needed by) `flags.periodic_queue_position`.
    pub queue_position_minutes: Option<u32>,
    /// Delay for an active message to a customer with an open conversation; 0 = now.
    pub active_message_delay_minutes: u32,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            inactivity_warning_percent: None,
            inactivity_minutes: 24 * 60,
            inactivity_close_on: InactivityOn::Customer,
            initial_sla_minutes: None,
            partner_session_warning_minutes: None,
            agent_answer_minutes: None,
            auto_pending_minutes: None,
            queue_position_minutes: None,
            active_message_delay_minutes: 0,
        }
    }
}

fn start_none() -> StartBot {
    StartBot::None
}
fn company() -> NameShown {
    NameShown::Company
}
fn circular() -> Strategy {
    Strategy::Circular
}
fn direct() -> OfferMode {
    OfferMode::Direct
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    pub name: String,
    pub operation_id: i64,
    /// A child group's parent (whose menu bot routes to it).
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default = "start_none")]
    pub start_bot: StartBot,
    #[serde(default)]
    pub bot_inactivity: Option<BotInactivity>,
    #[serde(default)]
    pub survey_id: Option<i64>,
    #[serde(default)]
    pub survey_mandatory: bool,
    #[serde(default)]
    pub classification_id: Option<i64>,
    #[serde(default)]
    pub classification_mandatory: bool,
    /// The closing script asks "resolved?" and the agent must answer (seed 001).
    #[serde(default)]
    pub resolution_mandatory: bool,
    #[serde(default)]
    pub business_hours_id: Option<i64>,
    #[serde(default = "company")]
    pub name_shown: NameShown,
    #[serde(default = "circular")]
    pub queue_strategy: Strategy,
    #[serde(default = "direct")]
    pub offer_mode: OfferMode,
    /// With `accept_reject`: seconds an offer waits before going to the next agent.
    #[serde(default)]
    pub offer_timeout_seconds: Option<u32>,
    #[serde(default)]
    pub flags: Flags,
    #[serde(default)]
    pub timers: Timers,
    /// Groups this one may transfer to.
    #[serde(default)]
    pub transfer_group_ids: Vec<i64>,
    /// The menu bot's tree (with `start_bot: menu`); without one, an external bot serves the
    /// group's conversations in state `bot` through `/api/bot/...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu: Option<crate::bot::menu::Menu>,
    /// "Please wait" to customers left waiting (seed 004); off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_protocol: Option<crate::bot::pause::PauseProtocol>,
    /// What the customer is told when a conversation of this group closes; on with the
    /// standard texts when absent.
    #[serde(default)]
    pub closing_notice: crate::conversation::closing_notice::ClosingNotice,
}

fn one(id: Option<i64>) -> Vec<i64> {
    id.into_iter().collect()
}

impl Resource for Group {
    const KIND: &'static str = "group";
    const REF_PARAM: Option<&'static str> = Some("operation_id");
    const OPERATION_SCOPED: bool = true;
    const ACTIVATE_ERRORS: crate::openapi::Errors = &[(409, &["group_inactive"])];
    const DEACTIVATE_ERRORS: crate::openapi::Errors = &[(409, &["group_in_use"])];
    type Doc = GroupDoc;

    fn prepare(
        ctx: &Ctx,
        tenant: TenantId,
        id: Option<i64>,
        previous: Option<&GroupDoc>,
        doc: &mut GroupDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        let prev = |f: fn(&GroupDoc) -> Vec<i64>| previous.map(f).unwrap_or_default();

        check_refs(
            ctx,
            tenant,
            &mut p,
            "operation_id",
            "operation",
            &[doc.operation_id],
            &prev(|d| vec![d.operation_id]),
        )?;
        check_refs(
            ctx,
            tenant,
            &mut p,
            "survey_id",
            "survey",
            &one(doc.survey_id),
            &prev(|d| one(d.survey_id)),
        )?;
        check_refs(
            ctx,
            tenant,
            &mut p,
            "classification_id",
            "classification",
            &one(doc.classification_id),
            &prev(|d| one(d.classification_id)),
        )?;
        check_refs(
            ctx,
            tenant,
            &mut p,
            "business_hours_id",
            "business_hours",
            &one(doc.business_hours_id),
            &prev(|d| one(d.business_hours_id)),
        )?;
        if doc.survey_mandatory && doc.survey_id.is_none() {
            p.add("survey_mandatory", "needs a survey_id");
        }
        if doc.classification_mandatory && doc.classification_id.is_none() {
            p.add("classification_mandatory", "needs a classification_id");
        }

        // Parent: another group of the tenant, and never one of this group's descendants.
        if let Some(parent) = doc.parent_id {
            if Some(parent) == id {
                p.add("parent_id", "a group cannot be its own parent");
            } else {
                check_refs(
                    ctx,
                    tenant,
                    &mut p,
                    "parent_id",
                    "group",
                    &[parent],
                    &prev(|d| one(d.parent_id)),
                )?;
                if let Some(id) = id {
                    if is_descendant(ctx, tenant, parent, id)? {
                        p.add(
                            "parent_id",
                            "the parent cannot be one of this group's descendants",
                        );
                    }
                }
            }
        }

        if let Some(rule) = &doc.bot_inactivity {
            if doc.start_bot == StartBot::None {
                p.add("bot_inactivity", "needs a start_bot");
            }
            if rule.time == 0 {
                p.add("bot_inactivity.time", "must be greater than 0");
            }
            match (rule.action, rule.group_id) {
                (BotAction::ToGroup, None) => {
                    p.add("bot_inactivity.group_id", "is required with to_group")
                }
                (BotAction::ToGroup, Some(g)) if Some(g) == id => {
                    p.add("bot_inactivity.group_id", "cannot be the group itself")
                }
                (BotAction::ToGroup, Some(g)) => {
                    let old = prev(|d| {
                        d.bot_inactivity
                            .as_ref()
                            .and_then(|b| b.group_id)
                            .into_iter()
                            .collect()
                    });
                    check_refs(
                        ctx,
                        tenant,
                        &mut p,
                        "bot_inactivity.group_id",
                        "group",
                        &[g],
                        &old,
                    )?;
                }
                (_, Some(_)) => p.add("bot_inactivity.group_id", "only with the to_group action"),
                (_, None) => {}
            }
        }

        match (doc.offer_mode, doc.offer_timeout_seconds) {
            (OfferMode::AcceptReject, None) => doc.offer_timeout_seconds = Some(60),
            (OfferMode::AcceptReject, Some(t)) if !(5..=3600).contains(&t) => {
                p.add("offer_timeout_seconds", "must be 5 to 3600 seconds")
            }
            (OfferMode::Direct, Some(_)) => p.add(
                "offer_timeout_seconds",
                "only with offer_mode accept_reject",
            ),
            _ => {}
        }

        check_timers(&mut p, &doc.flags, &doc.timers);

        if let Some(menu) = doc.menu.as_mut() {
            if doc.start_bot != StartBot::Menu {
                p.add("menu", "needs start_bot menu");
            }
            crate::bot::menu::check(ctx, tenant, id, menu, &mut p)?;
        }
        if let Some(rule) = doc.pause_protocol.as_mut() {
            crate::bot::pause::check(rule, &mut p);
        }
        crate::conversation::closing_notice::check(&mut doc.closing_notice, &mut p);

        let mut targets = Vec::new();
        for t in &doc.transfer_group_ids {
            if Some(*t) == id {
                p.add("transfer_group_ids", "a group does not transfer to itself");
            } else if !targets.contains(t) {
                targets.push(*t);
            }
        }
        check_refs(
            ctx,
            tenant,
            &mut p,
            "transfer_group_ids",
            "group",
            &targets,
            &prev(|d| d.transfer_group_ids.clone()),
        )?;
        doc.transfer_group_ids = targets;

        p.into_result()?;
        Ok(Prepared {
            ref_id: Some(doc.operation_id),
            ..Prepared::named(&doc.name)
        })
    }

    fn on_deactivate(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<()> {
        refuse_if_fed(ctx, tenant, id)
    }

    fn on_activate(ctx: &Ctx, tenant: TenantId, doc: &GroupDoc) -> AppResult<()> {
        match doc.bot_inactivity.as_ref().and_then(|b| b.group_id) {
            Some(target) => {
                super::require_active_group(ctx, tenant, "bot_inactivity.group_id", target)
            }
            None => Ok(()),
        }
    }
}

/// A group that channels or other groups' bots still send conversations to keeps them
/// coming while inactive, so deactivating it is refused until they point elsewhere.
fn refuse_if_fed(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<()> {
    let feeders = sql::feeding_group(ctx.db, tenant, id)?;
    if feeders.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = feeders
        .iter()
        .map(|(kind, id, name)| match kind.as_str() {
            "channel" => format!("channel {id} '{name}' (its entry group)"),
            "menu" => format!("group {id} '{name}' (its menu bot)"),
            _ => format!("group {id} '{name}' (its bot-inactivity rule)"),
        })
        .collect();
    Err(AppError::conflict(
        "group_in_use",
        "id",
        crate::errors::Text::new(
            "conversations still come to this group from {sources}; point them to another \
             group or deactivate them first",
        )
        .with("sources", named.join(", ")),
    ))
}

/// A timer set with its flag off, or a flag on without its timer, is refused with the reason.
fn check_timers(p: &mut Problems, flags: &Flags, t: &Timers) {
    let pairs = [
        (
            "auto_pending_minutes",
            t.auto_pending_minutes,
            flags.auto_pending,
            "flags.auto_pending",
        ),
        (
            "queue_position_minutes",
            t.queue_position_minutes,
            flags.periodic_queue_position,
            "flags.periodic_queue_position",
        ),
    ];
    for (timer, value, flag, flag_name) in pairs {
        match (value, flag) {
            (Some(_), false) => p.add(
                &format!("timers.{timer}"),
                crate::errors::Text::new("needs {flag} on").with("flag", flag_name),
            ),
            (None, true) => p.add(
                &format!("timers.{timer}"),
                crate::errors::Text::new("is required when {flag} is on").with("flag", flag_name),
            ),
            (Some(0), true) => p.add(&format!("timers.{timer}"), "must be greater than 0"),
            _ => {}
        }
    }
    if t.partner_session_warning_minutes.is_some() && !flags.whatsapp_partner {
        p.add(
            "timers.partner_session_warning_minutes",
            "needs flags.whatsapp_partner on",
        );
    }
    if let Some(pct) = t.inactivity_warning_percent {
        if !(1..=99).contains(&pct) {
            p.add("timers.inactivity_warning_percent", "must be 1 to 99");
        }
    }
    if t.inactivity_minutes == 0 {
        p.add("timers.inactivity_minutes", "must be greater than 0");
    }
    if t.agent_answer_minutes == Some(0) {
        p.add("timers.agent_answer_minutes", "must be greater than 0");
    }
}

/// Whether `candidate` is `root` or lies below it in the parent tree.
fn is_descendant(ctx: &Ctx, tenant: TenantId, candidate: i64, root: i64) -> AppResult<bool> {
    let parents: Vec<(i64, Option<i64>)> = sql::all(ctx.db, tenant, Group::KIND)?
        .into_iter()
        .filter_map(|s| {
            serde_json::from_str::<GroupDoc>(&s.data)
                .ok()
                .map(|d| (s.id, d.parent_id))
        })
        .collect();
    let mut current = Some(candidate);
    let mut steps = 0;
    while let Some(node) = current {
        if node == root {
            return Ok(true);
        }
        steps += 1;
        if steps > parents.len() {
            break;
        }
        current = parents
            .iter()
            .find(|(id, _)| *id == node)
            .and_then(|(_, p)| *p);
    }
    Ok(false)
}
