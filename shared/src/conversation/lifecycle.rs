//! The one owner of a conversation's state (SPEC §3): every change — open, route, offer,
//! assign, accept, reject, expire, transfer, pending, resume, requeue, close — happens here and
//! nowhere else (the statements are private to `conversation`). Each change, in the caller's
//! transaction, also writes its timeline event, the agents' feed entries and the webhook event
//! ([`Transition::effects`] is the table), and says which queues may move now ([`Wake`]).
//!
//! Functions here run inside a transaction the caller holds and return [`Changed`]; distribution
//! must wait for the commit, so a `Changed` can only be taken apart by [`Changed::settle`]
//! (distributes at once) or [`Changed::defer`] (the tick, which distributes itself).

use super::hooks::{self, Hook};
use super::sql::{self, Closing, NewConversation};
use super::{Conversation, Event, State};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::inbox::conflict;
use serde_json::{json, Value};

/// Who made a change, as the timeline records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Customer,
    /// A signed-in user (agent, supervisor, admin) or an API token acting as one.
    User(i64),
    /// Scheduled work: distribution, expiries, disconnects, automatic pending.
    System,
    Bot,
    ClientInactivity,
    AgentInactivity,
    BotInactivity,
}

impl Actor {
    pub fn name(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::User(_) => "user",
            Actor::System => "system",
            Actor::Bot => "bot",
            Actor::ClientInactivity => "client_inactivity",
            Actor::AgentInactivity => "agent_inactivity",
            Actor::BotInactivity => "bot_inactivity",
        }
    }
    fn id(self) -> Option<i64> {
        match self {
            Actor::User(id) => Some(id),
            _ => None,
        }
    }
}

/// Every change of state, with the states it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A new conversation (any first state: bot, queued, assigned).
    Open,
    /// The bot hands it to a group's queue.
    RouteToQueue,
    Offer,
    Assign,
    Accept,
    Reject,
    Expire,
    TransferToAgent,
    TransferToGroup,
    Pending,
    Resume,
    /// The agent did not answer a new conversation in time: back to the queue, passed over.
    AnswerTimeout,
    /// The agent's console went silent: back to the queue (or closed, per the group).
    Disconnect,
    Close,
}

/// What a transition writes besides the state: its timeline kind, the feed entry its agent(s)
/// get, and the webhook event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    pub timeline: &'static str,
    pub feed: Option<&'static str>,
    pub hook: Hook,
}

impl Transition {
    pub const ALL: &'static [Transition] = &[
        Transition::Open,
        Transition::RouteToQueue,
        Transition::Offer,
        Transition::Assign,
        Transition::Accept,
        Transition::Reject,
        Transition::Expire,
        Transition::TransferToAgent,
        Transition::TransferToGroup,
        Transition::Pending,
        Transition::Resume,
        Transition::AnswerTimeout,
        Transition::Disconnect,
        Transition::Close,
    ];

    pub fn from(self) -> &'static [State] {
        use State::*;
        match self {
            Transition::Open => &[],
            Transition::RouteToQueue => &[Bot],
            Transition::Offer | Transition::Assign => &[Queued],
            Transition::Accept | Transition::Reject | Transition::Expire => &[Offered],
            Transition::TransferToAgent | Transition::TransferToGroup => &[Assigned, Pending],
            Transition::Pending => &[Assigned],
            Transition::Resume => &[Pending],
            Transition::AnswerTimeout => &[Assigned],
            Transition::Disconnect => &[Offered, Assigned, Pending],
            Transition::Close => &[Bot, Queued, Offered, Assigned, Pending],
        }
    }

    pub fn to(self) -> Option<State> {
        match self {
            Transition::Open => None,
            Transition::RouteToQueue
            | Transition::Reject
            | Transition::Expire
            | Transition::TransferToGroup
            | Transition::AnswerTimeout
            | Transition::Disconnect => Some(State::Queued),
            Transition::Offer => Some(State::Offered),
            Transition::Assign
            | Transition::Accept
            | Transition::TransferToAgent
            | Transition::Resume => Some(State::Assigned),
            Transition::Pending => Some(State::Pending),
            Transition::Close => Some(State::Closed),
        }
    }

    pub fn allowed_from(self, state: State) -> bool {
        self.from().contains(&state)
    }

    pub fn effects(self) -> Effects {
        let (timeline, feed, hook) = match self {
            Transition::Open => ("created", None, Hook::ConversationCreated),
            Transition::RouteToQueue => ("queued", None, Hook::ConversationQueued),
            Transition::Offer => ("offered", Some("offered"), Hook::ConversationOffered),
            Transition::Assign | Transition::Accept => {
                ("assigned", Some("assigned"), Hook::ConversationAssigned)
            }
            Transition::Reject => (
                "offer_rejected",
                Some("offer_withdrawn"),
                Hook::ConversationQueued,
            ),
            Transition::Expire => (
                "offer_expired",
                Some("offer_withdrawn"),
                Hook::ConversationQueued,
            ),
            Transition::TransferToAgent | Transition::TransferToGroup => (
                "transferred",
                Some("transferred_out"),
                Hook::ConversationTransferred,
            ),
            Transition::Pending => ("pending", Some("pending"), Hook::ConversationPending),
            Transition::Resume => ("resumed", Some("resumed"), Hook::ConversationResumed),
            Transition::AnswerTimeout => (
                "answer_timeout",
                Some("withdrawn"),
                Hook::ConversationQueued,
            ),
            Transition::Disconnect => (
                "agent_disconnected",
                Some("withdrawn"),
                Hook::ConversationQueued,
            ),
            Transition::Close => ("closed", Some("closed"), Hook::ConversationClosed),
        };
        Effects {
            timeline,
            feed,
            hook,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Transition::Open => "opened",
            Transition::RouteToQueue => "routed to a queue",
            Transition::Offer => "offered",
            Transition::Assign => "assigned",
            Transition::Accept => "accepted",
            Transition::Reject => "rejected",
            Transition::Expire => "expired",
            Transition::TransferToAgent | Transition::TransferToGroup => "transferred",
            Transition::Pending => "made pending",
            Transition::Resume => "resumed",
            Transition::AnswerTimeout | Transition::Disconnect => "put back in the queue",
            Transition::Close => "closed",
        }
    }
}

/// The 409 for a change the conversation's state does not allow.
pub fn illegal(transition: Transition, state: State) -> AppError {
    let code = match (transition, state) {
        (Transition::Close, State::Closed) => "already_closed",
        (Transition::Accept | Transition::Reject, _) => "offer_gone",
        _ => "invalid_state",
    };
    conflict(
        code,
        crate::errors::Text::new("a {state} conversation cannot be {verb}")
            .with("state", state.as_str())
            .with("verb", transition.verb()),
    )
}

/// Queues that may move once the change commits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[must_use = "distribution must run once the transaction commits: settle or defer it"]
pub struct Wake {
    groups: Vec<(TenantId, i64)>,
    /// Groups whose members the change's own statement found with room: no second look.
    roomy: Vec<(TenantId, i64)>,
    /// Agents whose slot was freed: the queues of their groups.
    agents: Vec<(TenantId, i64)>,
}

impl Wake {
    fn group(tenant: TenantId, group: Option<i64>) -> Wake {
        Wake {
            groups: group.map(|g| (tenant, g)).into_iter().collect(),
            ..Wake::default()
        }
    }
    /// A group where a ready member had room as the change was written.
    fn group_with_room(tenant: TenantId, group: i64) -> Wake {
        Wake {
            roomy: vec![(tenant, group)],
            ..Wake::default()
        }
    }
    /// An agent's capacity grew (a slot freed, or they went ready).
    pub fn agent(tenant: TenantId, agent: Option<i64>) -> Wake {
        Wake {
            agents: agent.map(|a| (tenant, a)).into_iter().collect(),
            ..Wake::default()
        }
    }
    /// Both changes' queues (a bot's change inside the inbound path's transaction).
    pub fn and(mut self, other: Wake) -> Wake {
        self.groups.extend(other.groups);
        self.roomy.extend(other.roomy);
        self.agents.extend(other.agents);
        self
    }

    /// Distributes the queues this change may have moved. A failure here does not undo the
    /// committed change: it is logged, and the next tick distributes.
    pub fn run(self, ctx: &Ctx) {
        let mut groups = self.groups;
        for (tenant, agent) in self.agents {
            match crate::inbox::sql::queue_counts(ctx.db, tenant, crate::ids::UserId(agent)) {
                Ok(queues) => groups.extend(
                    queues
                        .iter()
                        .filter(|q| q.waiting > 0)
                        .map(|q| (tenant, q.group_id)),
                ),
                Err(e) => {
                    eprintln!("distribution after a change: reading agent {agent}'s queues: {e}")
                }
            }
        }
        let mut roomy = self.roomy;
        roomy.sort_unstable_by_key(|(t, g)| (t.0, *g));
        roomy.dedup();
        groups.retain(|g| !roomy.contains(g));
        groups.sort_unstable_by_key(|(t, g)| (t.0, *g));
        groups.dedup();
        let runs = groups
            .into_iter()
            .map(|g| (g, false))
            .chain(roomy.into_iter().map(|g| (g, true)));
        for ((tenant, group), room_seen) in runs {
            let distributed = if room_seen {
                crate::routing::distribute_with_room(ctx, tenant, group)
            } else {
                crate::routing::distribute_soon(ctx, tenant, group)
            };
            if let Err(e) = distributed {
                eprintln!(
                    "distribution after a change: tenant {} group {group}: {e:?}",
                    tenant.0
                );
            }
        }
    }
}

/// A change made inside a transaction, with the distribution it calls for.
#[must_use = "distribution must run once the transaction commits: settle or defer it"]
pub struct Changed<T> {
    value: T,
    wake: Wake,
}

impl<T> Changed<T> {
    fn new(value: T, wake: Wake) -> Self {
        Changed { value, wake }
    }
    /// After the commit: distributes what the change freed or created, and gives the value.
    pub fn settle(self, ctx: &Ctx) -> T {
        self.wake.run(ctx);
        self.value
    }
    /// For scheduled work that distributes every queue itself after its timers.
    pub fn defer(self, wakes: &mut Wake) -> T {
        let taken = std::mem::take(wakes);
        *wakes = taken.and(self.wake);
        self.value
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Changed<U> {
        Changed {
            value: f(self.value),
            wake: self.wake,
        }
    }
}

/// Writes a transition's timeline event, the feed entry of `agent` (if any) and the webhook.
#[allow(clippy::too_many_arguments)]
fn record(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    transition: Transition,
    actor: Actor,
    agent: Option<i64>,
    data: Value,
    at: i64,
) -> AppResult<()> {
    let effects = transition.effects();
    timeline(
        ctx,
        tenant,
        conversation,
        effects.timeline,
        actor,
        &data,
        at,
    )?;
    // The feed tells an agent what others did: their own action's answer already told them.
    let agent = agent.filter(|a| actor != Actor::User(*a));
    if let (Some(kind), Some(agent)) = (effects.feed, agent) {
        crate::inbox::feed::push(ctx.db, tenant, agent, kind, Some(conversation), &data, at)?;
    }
    hooks::emit(ctx.db, tenant, effects.hook, conversation, &data, at)?;
    Ok(())
}

fn timeline(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    kind: &str,
    actor: Actor,
    data: &Value,
    at: i64,
) -> AppResult<()> {
    let event = Event::new(tenant, conversation, kind, actor.name(), actor.id(), at);
    let event = match data {
        Value::Object(m) if m.is_empty() => event,
        Value::Null => event,
        d => event.with_data(d.clone()),
    };
    sql::record(ctx.db, &event)?;
    Ok(())
}

/// The state a conversation is in now (to explain a refused change).
fn state_of(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<State> {
    sql::get(ctx.db, tenant, id)?
        .map(|c| c.status)
        .ok_or_else(|| AppError::not_found("conversation"))
}

/// The refusal for a compare-and-set that did not apply: the state forbids it, or else `other`.
fn refused(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    transition: Transition,
    other: AppError,
) -> AppError {
    match state_of(ctx, tenant, id) {
        Ok(state) if !transition.allowed_from(state) => illegal(transition, state),
        Ok(_) => other,
        Err(e) => e,
    }
}

// --- open ------------------------------------------------------------------------------------

/// A new conversation: a customer's first message, an active contact, a new protocol.
pub struct Opening<'a> {
    pub tenant: TenantId,
    pub channel_id: i64,
    pub channel_type: crate::config::channel::ChannelType,
    pub client_id: i64,
    pub group_id: i64,
    /// The menu bot greets it first (else it waits in the queue).
    pub in_bot: bool,
    /// Starts held by this agent (active contact, new protocol): refused at their limit.
    pub holder: Option<i64>,
    pub language: &'a str,
    pub subject: Option<&'a str>,
    pub reply_to: &'a str,
    pub actor: Actor,
    /// What the timeline keeps of how it was opened (`from_conversation`, `active`).
    pub data: Value,
    /// What the tenant's webhooks subscribe to, if read before the lock.
    pub subscribed: &'a hooks::Subscribed,
    pub now: i64,
}

/// A new customer's first message into `group_id`'s queue: the client, the
/// conversation and the message in one statement ([`sql::open_with_first_message`]), for when
/// nothing else has to happen inside the write (no menu bot, no out-of-hours message, nobody
/// subscribed to the events it makes; the caller has checked). `None` when that statement made
/// nothing: the caller takes its transaction.
pub fn open_with_first_message(
    ctx: &Ctx,
    tenant: TenantId,
    first: &sql::FirstMessage,
) -> AppResult<Option<Changed<sql::FirstOpened>>> {
    let group = first.group_id;
    let opened_event = Transition::Open.effects().timeline;
    Ok(
        sql::open_with_first_message(ctx.db, tenant, first, opened_event, State::Queued)?.map(
            |opened| {
                let wake = if opened.room {
                    Wake::group_with_room(tenant, group)
                } else {
                    Wake::default()
                };
                Changed::new(opened, wake)
            },
        ),
    )
}

/// Opens a conversation with the tenant's next protocol number and the client's priority.
pub fn open(ctx: &Ctx, o: &Opening) -> AppResult<Changed<Conversation>> {
    let tenant = o.tenant;
    if let Some(agent) = o.holder {
        if !sql::agent_has_room(ctx.db, tenant, agent)? {
            return Err(conflict(
                "at_capacity",
                "the agent is at their limit of simultaneous conversations",
            ));
        }
    }
    let status = match (o.holder, o.in_bot) {
        (Some(_), _) => State::Assigned,
        (None, true) => State::Bot,
        (None, false) => State::Queued,
    };
    let opened = sql::open(
        ctx.db,
        tenant,
        &NewConversation {
            protocol_prefix: o.channel_type.protocol_prefix(),
            channel_id: o.channel_id,
            channel_type: o.channel_type.as_str(),
            client_id: o.client_id,
            group_id: o.group_id,
            status,
            language: o.language,
            subject: o.subject,
            reply_to: o.reply_to,
            agent_id: o.holder,
            now: o.now,
        },
    )?
    .ok_or_else(|| {
        conflict(
            "already_open",
            "this customer already has an open conversation on this channel",
        )
    })?;
    let id = opened.id;
    // "created" and the first state (reports count waits from it), in one statement.
    let created = Transition::Open.effects();
    let data = match &o.data {
        Value::Object(m) if m.is_empty() => None,
        Value::Null => None,
        d => Some(d.clone()),
    };
    sql::record_opening(
        ctx.db,
        &Event {
            data,
            ..Event::new(
                tenant,
                id,
                created.timeline,
                o.actor.name(),
                o.actor.id(),
                o.now,
            )
        },
        status.as_str(),
    )?;
    hooks::emit_if(
        ctx.db,
        o.subscribed,
        tenant,
        created.hook,
        id,
        &o.data,
        o.now,
    )?;
    if let Some(agent) = o.holder {
        let data = json!({"protocol": opened.protocol, "via": "open"});
        if o.actor != Actor::User(agent) {
            crate::inbox::feed::push(ctx.db, tenant, agent, "assigned", Some(id), &data, o.now)?;
        }
        hooks::emit_if(
            ctx.db,
            o.subscribed,
            tenant,
            Hook::ConversationAssigned,
            id,
            &data,
            o.now,
        )?;
    }
    let wake = if status == State::Queued {
        Wake::group(tenant, Some(o.group_id))
    } else {
        Wake::default()
    };
    Ok(Changed::new(opened, wake))
}

// --- bot -------------------------------------------------------------------------------------

/// The bot (or its inactivity rule) hands the conversation to `group`'s queue.
pub fn route_to_queue(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    group: i64,
    actor: Actor,
    now: i64,
) -> AppResult<Changed<Conversation>> {
    let moved = sql::route_to_queue(ctx.db, tenant, id, group, now)?.ok_or_else(|| {
        refused(
            ctx,
            tenant,
            id,
            Transition::RouteToQueue,
            conflict("invalid_state", "the conversation changed meanwhile"),
        )
    })?;
    record(
        ctx,
        tenant,
        id,
        Transition::RouteToQueue,
        actor,
        None,
        json!({"group_id": group}),
        now,
    )?;
    Ok(Changed::new(moved, Wake::group(tenant, Some(group))))
}

// --- distribution ------------------------------------------------------------------------------

/// One run of distribution in a group: each hand-out is a compare-and-set with the agent's
/// limit; the timeline and feed entries of the whole chunk are written by [`HandOut::finish`]
/// in two statements, the webhooks one per hand-out where a webhook subscribes.
pub struct HandOut {
    tenant: TenantId,
    strategy: &'static str,
    assigned_hook: bool,
    offered_hook: bool,
    assigned: Vec<(i64, i64)>,
    offered: Vec<(i64, i64)>,
}

impl HandOut {
    pub fn new(ctx: &Ctx, tenant: TenantId, strategy: &'static str) -> AppResult<HandOut> {
        let subscribed = crate::webhook_delivery::subscriptions(ctx.db, tenant)?;
        let wants = |h: Hook| subscribed.iter().any(|e| e == h.name());
        Ok(HandOut {
            tenant,
            strategy,
            assigned_hook: wants(Hook::ConversationAssigned),
            offered_hook: wants(Hook::ConversationOffered),
            assigned: Vec::new(),
            offered: Vec::new(),
        })
    }

    /// Assigns (or, where a pick has an expiry, offers) a batch of queued conversations in one
    /// statement (`sql::hand_out_many`); answers, for each pick in order, whether it was made.
    pub fn give_many(&mut self, ctx: &Ctx, picks: &[sql::Pick], now: i64) -> AppResult<Vec<bool>> {
        let made: std::collections::HashSet<i64> =
            sql::hand_out_many(ctx.db, self.tenant, picks, now)?
                .into_iter()
                .collect();
        let mut given = Vec::with_capacity(picks.len());
        for pick in picks {
            let ok = made.contains(&pick.conversation);
            given.push(ok);
            if !ok {
                continue;
            }
            let (list, hook, wanted) = match pick.expires {
                Some(_) => (
                    &mut self.offered,
                    Hook::ConversationOffered,
                    self.offered_hook,
                ),
                None => (
                    &mut self.assigned,
                    Hook::ConversationAssigned,
                    self.assigned_hook,
                ),
            };
            list.push((pick.conversation, pick.agent));
            if wanted {
                let data = json!({"agent_id": pick.agent, "via": "distribution", "strategy": self.strategy});
                hooks::emit(ctx.db, self.tenant, hook, pick.conversation, &data, now)?;
            }
        }
        Ok(given)
    }

    /// The timeline and the agents' feeds of the hand-outs so far.
    pub fn finish(&mut self, ctx: &Ctx, now: i64) -> AppResult<()> {
        for (made, transition) in [
            (&mut self.assigned, Transition::Assign),
            (&mut self.offered, Transition::Offer),
        ] {
            let kind = transition.effects().timeline;
            sql::record_hand_outs(ctx.db, self.tenant, made, kind, self.strategy, now)?;
            for (_, agent) in made.iter() {
                crate::inbox::feed::written(self.tenant, *agent);
            }
            made.clear();
        }
        Ok(())
    }
}

/// An agent takes the first customer of a group's queue (within their own limit).
pub fn pull(
    ctx: &Ctx,
    tenant: TenantId,
    group: i64,
    agent: i64,
    now: i64,
) -> AppResult<Option<Changed<Conversation>>> {
    let Some(taken) = sql::pull(ctx.db, tenant, group, agent, now)? else {
        return Ok(None);
    };
    let data = json!({"agent_id": agent, "via": "pull", "protocol": taken.protocol});
    record(
        ctx,
        tenant,
        taken.id,
        Transition::Assign,
        Actor::User(agent),
        Some(agent),
        data,
        now,
    )?;
    Ok(Some(Changed::new(taken, Wake::default())))
}

/// The agent accepts their open offer.
pub fn accept(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    agent: i64,
    now: i64,
) -> AppResult<Changed<Conversation>> {
    let accepted = sql::accept(ctx.db, tenant, id, agent, now)?.ok_or_else(|| {
        conflict(
            "offer_gone",
            "this offer is no longer open (accepted, rejected or expired)",
        )
    })?;
    let data = json!({"agent_id": agent, "via": "offer", "protocol": accepted.protocol});
    record(
        ctx,
        tenant,
        id,
        Transition::Accept,
        Actor::User(agent),
        Some(agent),
        data,
        now,
    )?;
    Ok(Changed::new(accepted, Wake::default()))
}

/// An offer goes back to the queue: rejected by its agent (`reason`), or expired (`None` actor
/// is the system). The agent is passed over for it — unless nobody else can take it (seed 001).
pub fn withdraw_offer(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    agent: i64,
    rejected: Option<Option<String>>,
    now: i64,
) -> AppResult<Option<Changed<Conversation>>> {
    let expired_by = rejected.is_none().then_some(now);
    let Some(moved) = sql::withdraw_offer(ctx.db, tenant, id, agent, expired_by, now)? else {
        return Ok(None);
    };
    let (transition, actor, data) = match rejected {
        Some(reason) => (
            Transition::Reject,
            Actor::User(agent),
            json!({"agent_id": agent, "reason": reason}),
        ),
        None => (
            Transition::Expire,
            Actor::System,
            json!({"agent_id": agent, "reason": "expired"}),
        ),
    };
    record(ctx, tenant, id, transition, actor, Some(agent), data, now)?;
    let group = moved.group_id;
    Ok(Some(Changed::new(moved, Wake::group(tenant, group))))
}

// --- transfer --------------------------------------------------------------------------------

/// Where a transfer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An agent, if they have room under their own limit.
    Agent(i64),
    /// A group's queue, keeping the customer's arrival.
    Group(i64),
}

/// A transfer of an open conversation held by `from` (`message`, for whoever receives it, is
/// stored by the caller as an internal note).
pub struct Transfer<'a> {
    pub actor: Actor,
    pub tenant: TenantId,
    pub id: i64,
    pub from: Option<i64>,
    pub to: Target,
    pub message: Option<&'a str>,
    pub now: i64,
}

pub fn transfer(ctx: &Ctx, t: &Transfer) -> AppResult<Changed<Conversation>> {
    let (tenant, id, from, now) = (t.tenant, t.id, t.from, t.now);
    let (transition, moved) = match t.to {
        Target::Agent(to) => (
            Transition::TransferToAgent,
            sql::transfer_to_agent(ctx.db, tenant, id, from, to, now)?,
        ),
        Target::Group(group) => (
            Transition::TransferToGroup,
            sql::requeue(
                ctx.db,
                tenant,
                id,
                from,
                Some(group),
                "'assigned', 'pending'",
                now,
            )?,
        ),
    };
    let moved = moved.ok_or_else(|| {
        let other = match t.to {
            Target::Agent(_) => conflict(
                "agent_at_capacity",
                "that agent has no room for another conversation",
            ),
            Target::Group(_) => conflict("invalid_state", "the conversation changed meanwhile"),
        };
        refused(ctx, tenant, id, transition, other)
    })?;
    let (to_agent, to_group) = match t.to {
        Target::Agent(a) => (Some(a), None),
        Target::Group(g) => (None, Some(g)),
    };
    let data = json!({"from_agent_id": from, "to_agent_id": to_agent, "to_group_id": to_group,
                      "message": t.message});
    record(
        ctx,
        tenant,
        id,
        transition,
        t.actor,
        from,
        data.clone(),
        now,
    )?;
    if let Some(to) = to_agent {
        crate::inbox::feed::push(ctx.db, tenant, to, "transferred_in", Some(id), &data, now)?;
    }
    let wake = Wake::group(tenant, to_group).and(Wake::agent(tenant, from));
    Ok(Changed::new(moved, wake))
}

// --- pending, resume, requeue ------------------------------------------------------------------

/// Assigned → pending (by an agent, or automatically after the customer's silence).
pub fn pending(
    ctx: &Ctx,
    actor: Actor,
    tenant: TenantId,
    id: i64,
    now: i64,
) -> AppResult<Changed<Conversation>> {
    let moved = sql::set_pending(ctx.db, tenant, id, now)?.ok_or_else(|| {
        refused(
            ctx,
            tenant,
            id,
            Transition::Pending,
            conflict("invalid_state", "the conversation changed meanwhile"),
        )
    })?;
    let by = actor.name();
    record(
        ctx,
        tenant,
        id,
        Transition::Pending,
        actor,
        moved.agent_id,
        json!({"by": by}),
        now,
    )?;
    let holder = moved.agent_id;
    Ok(Changed::new(moved, Wake::agent(tenant, holder)))
}

/// Pending → assigned, if the agent who holds it has room under their own limit (whoever asks).
pub fn resume(
    ctx: &Ctx,
    actor: Actor,
    tenant: TenantId,
    id: i64,
    now: i64,
) -> AppResult<Changed<Conversation>> {
    let moved = sql::resume(ctx.db, tenant, id, now)?.ok_or_else(|| {
        refused(
            ctx,
            tenant,
            id,
            Transition::Resume,
            conflict(
                "at_capacity",
                "the agent holding it is at their limit of simultaneous conversations",
            ),
        )
    })?;
    record(
        ctx,
        tenant,
        id,
        Transition::Resume,
        actor,
        moved.agent_id,
        json!({"by": actor.name()}),
        now,
    )?;
    Ok(Changed::new(moved, Wake::default()))
}

/// Someone wrote: the customer (their reply brings a pending conversation back if its agent
/// has room; otherwise it stays pending with the message unread) or an agent (first response;
/// their message brings it back the same way). `was_pending` is the state the caller read in
/// its transaction: only then is a resume tried, so a message costs no extra statement.
pub fn wrote(
    ctx: &Ctx,
    actor: Actor,
    tenant: TenantId,
    id: i64,
    was_pending: bool,
    now: i64,
) -> AppResult<Changed<bool>> {
    // A customer's message brought the conversation up to date in the statement that stored it
    // (the trigger of migration 0018).
    if actor != Actor::Customer {
        sql::touch(ctx.db, tenant, id, false, now)?;
    }
    if !was_pending {
        return Ok(Changed::new(false, Wake::default()));
    }
    match resume(ctx, actor, tenant, id, now) {
        Ok(resumed) => Ok(resumed.map(|_| true)),
        Err(AppError::Api(_)) => Ok(Changed::new(false, Wake::default())),
        Err(e) => Err(e),
    }
}

/// Back to its group's queue, keeping the customer's arrival, from `agent` who held it:
/// [`Transition::AnswerTimeout`] (the agent is passed over for it) or
/// [`Transition::Disconnect`].
pub fn requeue(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    agent: i64,
    why: Transition,
    now: i64,
) -> AppResult<Option<Changed<Conversation>>> {
    let (states, actor) = match why {
        Transition::AnswerTimeout => ("'assigned'", Actor::AgentInactivity),
        Transition::Disconnect => ("'offered', 'assigned', 'pending'", Actor::System),
        other => {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "{other:?} is not a return to the queue"
            )))
        }
    };
    let Some(moved) = sql::requeue(ctx.db, tenant, id, Some(agent), None, states, now)? else {
        return Ok(None);
    };
    if why == Transition::AnswerTimeout {
        sql::pass_over(ctx.db, tenant, id, agent)?;
    }
    let data = json!({"agent_id": agent, "reason": why.effects().timeline});
    // The timeline names the agent who let it go.
    let event = Event::new(
        tenant,
        id,
        why.effects().timeline,
        actor.name(),
        Some(agent),
        now,
    )
    .with_data(data.clone());
    sql::record(ctx.db, &event)?;
    crate::inbox::feed::push(ctx.db, tenant, agent, "withdrawn", Some(id), &data, now)?;
    hooks::emit(ctx.db, tenant, why.effects().hook, id, &data, now)?;
    let group = moved.group_id;
    Ok(Some(Changed::new(moved, Wake::group(tenant, group))))
}

// --- close -----------------------------------------------------------------------------------

/// Who closed: an agent, a supervisor-agent or an admin (`closed_by` from their profile), the
/// customer's silence (`client_inactivity`), the agent's disconnect (`agent_inactivity`), the
/// bot, or the system. The customer is told, in the same transaction, unless the bot closed
/// ([`super::closing_notice`]; `notice` as prepared before the transaction, or the group's
/// settings to word it here).
#[allow(clippy::too_many_arguments)]
pub fn close(
    ctx: &Ctx,
    actor: Actor,
    tenant: TenantId,
    id: i64,
    holder: Option<i64>,
    closing: &Closing,
    notice: super::closing_notice::Notice,
    at: i64,
) -> AppResult<Changed<Conversation>> {
    let closed = sql::close(ctx.db, tenant, id, holder, closing, at)?.ok_or_else(|| {
        refused(
            ctx,
            tenant,
            id,
            Transition::Close,
            conflict("invalid_state", "the conversation changed meanwhile"),
        )
    })?;
    let data = json!({
        "closed_by": closing.closed_by,
        "reason_id": closing.reason_id,
        "sub_reason_id": closing.sub_reason_id,
        "resolved": closing.resolved,
        "survey_due": closing.survey_due,
    });
    // The holder's console drops it.
    record(
        ctx,
        tenant,
        id,
        Transition::Close,
        actor,
        closed.agent_id,
        data,
        at,
    )?;
    super::closing_notice::send(ctx, tenant, &closed, actor, notice)?;
    let holder = closed.agent_id;
    Ok(Changed::new(closed, Wake::agent(tenant, holder)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_names_where_it_goes_and_closed_is_final() {
        for t in Transition::ALL {
            assert!(!t.allowed_from(State::Closed), "{t:?} leaves closed");
            if *t != Transition::Open {
                assert!(t.to().is_some(), "{t:?}");
                assert!(!t.from().is_empty(), "{t:?}");
            }
        }
    }

    #[test]
    fn an_offer_fires_offered_and_only_assignment_fires_assigned() {
        assert_eq!(Transition::Offer.effects().hook, Hook::ConversationOffered);
        let assigned: Vec<_> = Transition::ALL
            .iter()
            .filter(|t| t.effects().hook == Hook::ConversationAssigned)
            .collect();
        assert_eq!(assigned, [&Transition::Assign, &Transition::Accept]);
    }

    #[test]
    fn illegal_changes_are_conflicts_with_a_code() {
        let e = illegal(Transition::Pending, State::Queued);
        let AppError::Api(api) = e else {
            panic!("not an API error")
        };
        assert_eq!(api.status, http::StatusCode::CONFLICT);
        assert_eq!(api.code, "invalid_state");
        assert!(api.message.contains("queued"));
    }
}
