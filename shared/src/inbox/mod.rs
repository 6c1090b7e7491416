//! The agent's workspace (SPEC §3, seeds 000, 001, 004): status, pulling from a queue, the
//! conversations an agent holds and everything done in one — each action checked against
//! who may act and against the group's rules.

pub mod feed;
pub mod sql;

use crate::auth::Principal;
use crate::config::classification::ClassificationDoc;
use crate::config::group::{GroupDoc, NameShown};
use crate::config::survey::{Closer, SurveyDoc};
use crate::context::Ctx;
use crate::conversation::hooks::{self, Hook};
use crate::conversation::inbound::ChannelInfo;
use crate::conversation::lifecycle::{self, Actor};
use crate::conversation::sql::{self as conversation_sql, NewMessage};
use crate::conversation::visibility::Visibility;
use crate::conversation::{outbox, Conversation, Event, MessageKind, Role, State};
use crate::db::transaction;
use crate::enums::Profile;
use crate::errors::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use serde_json::json;

crate::enums::stored_enum!(
    AgentState {
        Ready = "ready",
        Paused = "paused",
        Offline = "offline",
    }
);

pub(crate) fn conflict(code: &'static str, message: impl Into<crate::errors::Text>) -> AppError {
    AppError::Api(crate::errors::ApiError::says(
        http::StatusCode::CONFLICT,
        code,
        message.into(),
    ))
}

/// Sets my status; a pause needs one of the active pause reasons.
pub fn set_status(
    ctx: &Ctx,
    me: &Principal,
    state: AgentState,
    reason: Option<String>,
) -> AppResult<sql::AgentStatus> {
    require_answering(me)?;
    let reason = match (state, reason) {
        (AgentState::Paused, Some(r)) => {
            let known = crate::config::sql::all(ctx.db, me.tenant_id(), "pause_reason")?
                .into_iter()
                .filter(|s| s.status == crate::enums::Status::Active)
                .filter_map(|s| {
                    serde_json::from_str::<crate::config::pause_reason::PauseReasonDoc>(&s.data)
                        .ok()
                })
                .any(|d| d.name.eq_ignore_ascii_case(r.trim()));
            if !known {
                return Err(AppError::invalid(
                    "reason",
                    "is not one of the active pause reasons",
                ));
            }
            Some(r.trim().to_owned())
        }
        (AgentState::Paused, None) => {
            return Err(AppError::invalid("reason", "a pause needs a reason"))
        }
        (_, Some(_)) => return Err(AppError::invalid("reason", "only a pause has a reason")),
        (_, None) => None,
    };
    let now = ctx.now_ms();
    transaction(ctx.db, || {
        sql::set_status(
            ctx.db,
            me.tenant_id(),
            me.user_id(),
            state.as_str(),
            reason.as_deref(),
            now,
        )?;
        let change = json!({"status": state.as_str(), "reason": reason});
        feed::push(
            ctx.db,
            me.tenant_id(),
            me.user_id().0,
            "status",
            None,
            &change,
            now,
        )?;
        Ok(())
    })?;
    if state == AgentState::Ready {
        // An agent going ready is capacity: hand out what waits in their groups now.
        lifecycle::Wake::agent(me.tenant_id(), Some(me.user_id().0)).run(ctx);
    }
    status(ctx, me)
}

pub fn status(ctx: &Ctx, me: &Principal) -> AppResult<sql::AgentStatus> {
    Ok(
        sql::status(ctx.db, me.tenant_id(), me.user_id())?.unwrap_or(sql::AgentStatus {
            status: AgentState::Offline.as_str().into(),
            pause_reason: None,
            since: crate::time::ms_to_rfc3339(0),
        }),
    )
}

pub(crate) fn require_answering(me: &Principal) -> AppResult<()> {
    if me.profile().answers() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "forbidden",
            "only agents and supervisor-agents answer conversations",
        ))
    }
}

/// The conversation, if `me` may act on it: agents on their own; supervisors on those of
/// the operations they oversee; admins on any of the company's.
pub fn actionable(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<(Conversation, GroupDoc)> {
    let conversation = conversation_sql::get(ctx.db, me.tenant_id(), id)?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    let group_id = conversation.group_id.unwrap_or(0);
    let stored = crate::config::sql::get(ctx.db, me.tenant_id(), "group", group_id)?
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("conversation {id} has no group")))?;
    let group: GroupDoc = crate::stored::decode("group", me.tenant_id(), group_id, &stored.data)?;
    let mine = conversation.agent_id == Some(me.user_id().0);
    let allowed = match me.profile() {
        Profile::Admin => true,
        Profile::Agent => mine,
        Profile::Supervisor | Profile::SupervisorAgent => {
            mine || crate::config::members::supervises(
                ctx.db,
                me.tenant_id(),
                me.user_id(),
                group.operation_id,
            )?
        }
    };
    if !allowed {
        return Err(AppError::forbidden(
            "not_your_conversation",
            "this conversation is assigned to someone else",
        ));
    }
    Ok((conversation, group))
}

/// [`actionable`], for what changes the conversation or reaches its customer: the agent an offer
/// went to accepts it first. Until then the offer may still expire or go to someone else, and
/// an answer, a tag or a close on it would belong to nobody (a reply sent from an offered
/// conversation was stored while the offer stayed open). Reading it, its options and the read
/// marker stay open to them, so the agent can look before accepting.
fn acting_on(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<(Conversation, GroupDoc)> {
    let (conversation, group) = actionable(ctx, me, id)?;
    if conversation.status == State::Offered && conversation.agent_id == Some(me.user_id().0) {
        return Err(conflict(
            "offer_not_accepted",
            "accept this conversation's offer first",
        ));
    }
    Ok((conversation, group))
}

/// The conversation, if `me` may read it: whoever may act on it, and whoever the history rule
/// lets see it — the same rule that lists it in the customer panel, so what is listed opens.
pub fn readable(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Conversation> {
    match actionable(ctx, me, id) {
        Ok((conversation, _)) => Ok(conversation),
        Err(AppError::Api(e)) if e.status == http::StatusCode::FORBIDDEN => {
            if sql::visible_to(ctx.db, me.tenant_id(), id, &Visibility::of(me))? {
                conversation_sql::get(ctx.db, me.tenant_id(), id)?
                    .ok_or_else(|| AppError::not_found("conversation"))
            } else {
                Err(AppError::Api(e))
            }
        }
        Err(e) => Err(e),
    }
}

/// `GET /api/inbox/conversations/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConversationDetails)]
pub struct Details {
    pub conversation: Conversation,
    /// The closing script's classification, reason and sub-reason, by name.
    pub classification_path: Vec<String>,
    pub tags: Vec<sql::TagOnConversation>,
    pub occurrences: Vec<sql::OccurrenceOnConversation>,
    /// Whether I marked it as a favourite.
    pub favourite: bool,
    pub timeline: Vec<conversation_sql::TimelineEntry>,
    pub survey_answers: Vec<crate::bot::sql::SurveyAnswer>,
}

/// One conversation as the console and the customer panel show it: its state, the closing
/// script's answers (with the classification's names), tags, occurrences, my favourite mark
/// and its timeline.
pub fn details(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Details> {
    let conversation = readable(ctx, me, id)?;
    let tenant = me.tenant_id();
    let classification_path = match conversation.classification_id {
        Some(c) => crate::config::sql::get(ctx.db, tenant, "classification", c)?
            .and_then(|s| serde_json::from_str::<ClassificationDoc>(&s.data).ok())
            .map(|tree| {
                classification_path(&tree, conversation.reason_id, conversation.sub_reason_id)
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Details {
        tags: sql::tags(ctx.db, tenant, id)?,
        occurrences: sql::occurrences(ctx.db, tenant, id)?,
        favourite: sql::is_favourite(ctx.db, tenant, me.user_id(), id)?,
        timeline: conversation_sql::timeline(ctx.db, tenant, id)?,
        survey_answers: crate::bot::sql::answers(ctx.db, tenant, id)?,
        conversation,
        classification_path,
    })
}

/// "Tree › reason › sub-reason", by name.
fn classification_path(
    tree: &ClassificationDoc,
    reason: Option<i64>,
    sub: Option<i64>,
) -> Vec<String> {
    let mut path = vec![tree.name.clone()];
    let find = |nodes: &[crate::config::classification::Node], id: Option<i64>| {
        id.and_then(|id| {
            nodes
                .iter()
                .find(|n| n.id.map(i64::from) == Some(id))
                .cloned()
        })
    };
    if let Some(reason) = find(&tree.reasons, reason) {
        path.push(reason.name.clone());
        if let Some(sub) = find(&reason.children, sub) {
            path.push(sub.name);
        }
    }
    path
}

/// Who I may transfer this conversation to: available agents with room (paused ones where the
/// group allows) and the groups this one may transfer to.
pub fn transfer_targets(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<TransferTargets> {
    let (conversation, group) = actionable(ctx, me, id)?;
    let tenant = me.tenant_id();
    Ok(TransferTargets {
        agents: sql::transfer_agents(
            ctx.db,
            tenant,
            conversation.agent_id,
            group.flags.transfer_to_paused,
        )?,
        groups: sql::active_groups(ctx.db, tenant, &group.transfer_group_ids)?,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferTargets {
    pub agents: Vec<sql::AgentTarget>,
    pub groups: Vec<sql::GroupTarget>,
}

/// Takes the first customer waiting in a group's queue.
pub fn pull(ctx: &Ctx, me: &Principal, group: i64) -> AppResult<Conversation> {
    require_answering(me)?;
    if !sql::is_member(ctx.db, me.tenant_id(), group, me.user_id())? {
        return Err(AppError::forbidden(
            "not_a_member",
            "you are not a member of this group",
        ));
    }
    let now = ctx.now_ms();
    let tenant = me.tenant_id();
    let taken = transaction(ctx.db, || {
        match lifecycle::pull(ctx, tenant, group, me.user_id().0, now)? {
            Some(taken) => Ok(taken),
            None => {
                let waiting = crate::db::scalar_i64(&ctx.db.execute(
                    "SELECT COUNT(*) FROM conversations WHERE tenant_id = ? AND group_id = ? AND status = 'queued'",
                    &[tenant.into(), group.into()],
                )?)?;
                Err(if waiting == 0 {
                    conflict("queue_empty", "nobody is waiting in this queue")
                } else {
                    conflict(
                        "at_capacity",
                        "you are at your limit of simultaneous conversations",
                    )
                })
            }
        }
    })?;
    Ok(taken.settle(ctx))
}

/// What the customer receives: the text, signed with the agent's or the company's name when
/// the group says so, the way the channel shows a name.
pub fn render(
    channel: crate::config::channel::ChannelType,
    shown: NameShown,
    agent: &str,
    company: &str,
    text: &str,
) -> String {
    let name = match shown {
        NameShown::Agent => Some(agent),
        NameShown::Company => Some(company),
        NameShown::None => None,
    };
    channel.sign(name, text)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Compose {
    pub text: Option<String>,
    /// A quick reply's shortcut (typed `/shortcut` in the composer).
    pub quick_reply: Option<String>,
    /// A FAQ article to send (inserted with `#` in the composer).
    pub article_id: Option<i64>,
}

/// The text to send: typed, a quick reply of the group, or a FAQ article.
fn compose_text(
    ctx: &Ctx,
    me: &Principal,
    conversation: &crate::conversation::Conversation,
    compose: &Compose,
) -> AppResult<String> {
    let group = conversation.group_id.unwrap_or(0);
    match (&compose.text, &compose.quick_reply, compose.article_id) {
        (Some(text), None, None) => check_text(text),
        (None, Some(shortcut), None) => {
            let shortcut = shortcut.trim().trim_start_matches('/').to_lowercase();
            sql::quick_reply(ctx.db, me.tenant_id(), group, &shortcut)?.ok_or_else(|| {
                AppError::invalid(
                    "quick_reply",
                    format!("there is no quick reply /{shortcut} for this group"),
                )
            })
        }
        (None, None, Some(article)) => {
            let stored = crate::config::sql::get(ctx.db, me.tenant_id(), "article", article)?
                .filter(|a| a.status == crate::enums::Status::Active)
                .ok_or_else(|| AppError::invalid("article_id", "is not an active article"))?;
            let doc: crate::config::article::ArticleDoc =
                serde_json::from_str(&stored.data).map_err(|e| AppError::Unexpected(e.into()))?;
            let language = crate::enums::Language::parse(&conversation.language)
                .unwrap_or(crate::enums::Language::PtBr);
            check_text(&doc.message(language))
        }
        _ => Err(AppError::invalid(
            "text",
            "send exactly one of text, quick_reply or article_id",
        )),
    }
}

pub(crate) fn check_text(text: &str) -> AppResult<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AppError::invalid("text", "is required"));
    }
    if t.chars().count() > 4096 {
        return Err(AppError::invalid("text", "must be at most 4096 characters"));
    }
    Ok(t.to_owned())
}

/// Sends a text to the customer through the conversation's channel.
pub fn send(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    compose: Compose,
) -> AppResult<crate::conversation::Message> {
    let (conversation, group) = acting_on(ctx, me, id)?;
    let text = compose_text(ctx, me, &conversation, &compose)?;
    may_send(ctx, me, &conversation, &group)?;
    let channel = ChannelInfo::load(ctx, conversation.channel_id)?;
    let rendered = render(
        channel.doc.kind,
        group.name_shown,
        &me.user.display_name,
        &me.tenant.name,
        &text,
    );
    let now = ctx.now_ms();
    let tenant = me.tenant_id();
    let (message, wrote) = transaction(ctx.db, || {
        let message = outbox::enqueue(
            ctx,
            &channel,
            id,
            Role::Agent,
            Some(me.user_id().0),
            &text,
            &rendered,
            None,
            now,
        )?;
        let wrote = lifecycle::wrote(
            ctx,
            Actor::User(me.user_id().0),
            tenant,
            id,
            conversation.status == State::Pending,
            now,
        )?;
        hooks::emit(
            ctx.db,
            tenant,
            Hook::MessageCreated,
            id,
            &json!({"message_id": message, "role": "agent", "kind": "text", "body": text}),
            now,
        )?;
        Ok((stored_message(ctx, me, id, message)?, wrote))
    })?;
    wrote.settle(ctx);
    Ok(message)
}

/// An internal note: in the conversation, never sent to the customer.
pub fn note(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    compose: Compose,
) -> AppResult<crate::conversation::Message> {
    let text = check_text(compose.text.as_deref().unwrap_or(""))?;
    let (conversation, _) = acting_on(ctx, me, id)?;
    let now = ctx.now_ms();
    let message = conversation_sql::insert_message(
        ctx.db,
        me.tenant_id(),
        &NewMessage {
            conversation_id: id,
            channel_id: conversation.channel_id,
            role: Role::Note,
            sender_id: Some(me.user_id().0),
            kind: MessageKind::Text,
            body: Some(&text),
            payload: None,
            attachment_id: None,
            channel_message_id: None,
            delivery: None,
            now,
        },
    )?
    .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("note not stored")))?;
    stored_message(ctx, me, id, message)
}

/// Pending frees a slot of my limit; my own action or the customer's reply brings it back.
pub fn pending(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Conversation> {
    acting_on(ctx, me, id)?;
    let now = ctx.now_ms();
    let actor = Actor::User(me.user_id().0);
    let moved = transaction(ctx.db, || {
        lifecycle::pending(ctx, actor, me.tenant_id(), id, now)
    })?;
    Ok(moved.settle(ctx))
}

/// Brings a pending conversation back — within the limit of the agent who holds it, whoever
/// asks (a supervisor or an admin resuming it does not lend their own limit).
pub fn resume(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Conversation> {
    acting_on(ctx, me, id)?;
    let now = ctx.now_ms();
    let actor = Actor::User(me.user_id().0);
    let moved = transaction(ctx.db, || {
        lifecycle::resume(ctx, actor, me.tenant_id(), id, now)
    })?;
    Ok(moved.settle(ctx))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// The group's classification tree (optional: it is the group's own).
    pub classification_id: Option<i64>,
    pub reason_id: Option<u32>,
    pub sub_reason_id: Option<u32>,
    pub comment: Option<String>,
    /// The closing script's "was it resolved?" (mandatory where the group says so).
    pub resolved: Option<bool>,
}

/// Closes for good: the classification is checked against the group's tree (and required
/// where the group says so); the survey is marked due when the group has one for this closer.
pub fn close(ctx: &Ctx, me: &Principal, id: i64, request: CloseRequest) -> AppResult<Conversation> {
    let (conversation, group) = acting_on(ctx, me, id)?;
    if conversation.status == State::Closed {
        return Err(lifecycle::illegal(
            lifecycle::Transition::Close,
            conversation.status,
        ));
    }
    if request
        .classification_id
        .is_some_and(|c| Some(c) != group.classification_id)
    {
        return Err(AppError::invalid(
            "classification_id",
            "is not the classification of the conversation's group",
        ));
    }
    if request.resolved.is_none() && group.resolution_mandatory {
        return Err(AppError::Api(
            crate::errors::ApiError::new(
                http::StatusCode::UNPROCESSABLE_ENTITY,
                "resolution_required",
                "this group asks whether the matter was resolved before closing",
            )
            .with_field("resolved"),
        ));
    }
    let classification: Option<ClassificationDoc> = match group.classification_id {
        Some(c) => crate::config::sql::get(ctx.db, me.tenant_id(), "classification", c)?
            .and_then(|s| serde_json::from_str(&s.data).ok()),
        None => None,
    };
    match (&classification, request.reason_id) {
        (Some(tree), Some(reason)) if !tree.accepts(reason, request.sub_reason_id) => {
            return Err(AppError::invalid(
                "reason_id",
                "is not an active reason (and sub-reason) of the group's classification",
            ))
        }
        (Some(_), None) if group.classification_mandatory => {
            return Err(AppError::Api(
                crate::errors::ApiError::new(
                    http::StatusCode::UNPROCESSABLE_ENTITY,
                    "classification_required",
                    "this group requires a classification to close",
                )
                .with_field("reason_id"),
            ))
        }
        (None, Some(_)) => {
            return Err(AppError::invalid(
                "reason_id",
                "this group has no classification",
            ))
        }
        _ => {}
    }
    let comment = request
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(AppError::invalid(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    let closer = match me.profile() {
        Profile::SupervisorAgent => Some(Closer::SupervisorAgent),
        Profile::Agent => Some(Closer::Agent),
        // Admins and supervisors closing are recorded as such; no survey is set off by them.
        Profile::Admin | Profile::Supervisor => None,
    };
    let survey_due = match (group.survey_id, closer) {
        (Some(s), Some(closer)) => crate::config::sql::get(ctx.db, me.tenant_id(), "survey", s)?
            .filter(|s| s.status == crate::enums::Status::Active)
            .and_then(|s| serde_json::from_str::<SurveyDoc>(&s.data).ok())
            .is_some_and(|d| d.sent_by.contains(&closer)),
        _ => false,
    };
    let closed_by = closer.map_or(me.profile().as_str(), Closer::as_str);
    let now = ctx.now_ms();
    let closing = conversation_sql::Closing {
        closed_by,
        classification_id: group
            .classification_id
            .filter(|_| request.reason_id.is_some()),
        reason_id: request.reason_id.map(i64::from),
        sub_reason_id: request.sub_reason_id.map(i64::from),
        comment: comment.as_deref(),
        resolved: request.resolved,
        survey_due,
    };
    let actor = Actor::User(me.user_id().0);
    // What the customer is told is read now, so the close holds the write lock only for its
    // writes.
    let notice = crate::conversation::closing_notice::prepare(
        ctx,
        me.tenant_id(),
        &conversation,
        &group,
        actor,
    )?;
    let closed = transaction(ctx.db, || {
        lifecycle::close(ctx, actor, me.tenant_id(), id, None, &closing, notice, now)
    })?;
    Ok(closed.settle(ctx))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_agent_id: Option<i64>,
    pub to_group_id: Option<i64>,
    /// For the receiving agent: kept as an internal note.
    pub message: Option<String>,
}

/// Transfers to an agent (available — ready, or paused where the group allows — with room)
/// or to a group in the allowed list (back into its queue, keeping the original arrival).
pub fn transfer(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    request: &TransferRequest,
) -> AppResult<Conversation> {
    let (conversation, group) = acting_on(ctx, me, id)?;
    if !lifecycle::Transition::TransferToAgent.allowed_from(conversation.status) {
        return Err(lifecycle::illegal(
            lifecycle::Transition::TransferToAgent,
            conversation.status,
        ));
    }
    let now = ctx.now_ms();
    let from = conversation.agent_id;
    let note = request
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let tenant = me.tenant_id();
    let actor = Actor::User(me.user_id().0);
    let moved = transaction(ctx.db, || {
        let to = match (request.to_agent_id, request.to_group_id) {
            (Some(agent), None) => {
                check_transfer_target(ctx, me, &group, agent, from)?;
                lifecycle::Target::Agent(agent)
            }
            (None, Some(target_group)) => {
                if !group.transfer_group_ids.contains(&target_group) {
                    return Err(AppError::invalid(
                        "to_group_id",
                        "is not a group this one may transfer to",
                    ));
                }
                lifecycle::Target::Group(target_group)
            }
            _ => {
                return Err(AppError::invalid(
                    "to_agent_id",
                    "send to_agent_id or to_group_id",
                ))
            }
        };
        let moved = lifecycle::transfer(
            ctx,
            &lifecycle::Transfer {
                actor,
                tenant,
                id,
                from,
                to,
                message: note.as_deref(),
                now,
            },
        )?;
        if let Some(text) = &note {
            conversation_sql::insert_message(
                ctx.db,
                tenant,
                &NewMessage {
                    conversation_id: id,
                    channel_id: conversation.channel_id,
                    role: Role::Note,
                    sender_id: Some(me.user_id().0),
                    kind: MessageKind::Text,
                    body: Some(text),
                    payload: None,
                    attachment_id: None,
                    channel_message_id: None,
                    delivery: None,
                    now,
                },
            )?;
        }
        Ok(moved)
    })?;
    Ok(moved.settle(ctx))
}

/// Whether `agent` may receive this conversation: an active answering user, available (ready,
/// or paused where the group allows), not its holder.
fn check_transfer_target(
    ctx: &Ctx,
    me: &Principal,
    group: &GroupDoc,
    agent: i64,
    from: Option<i64>,
) -> AppResult<()> {
    let Some((profile, user_status, _, agent_status)) =
        sql::availability(ctx.db, me.tenant_id(), crate::ids::UserId(agent))?
    else {
        return Err(AppError::invalid(
            "to_agent_id",
            "is not a user of this company",
        ));
    };
    let answering = Profile::parse(&profile).is_some_and(Profile::answers);
    let available =
        agent_status == "ready" || (agent_status == "paused" && group.flags.transfer_to_paused);
    if !answering || user_status != "active" {
        return Err(AppError::invalid("to_agent_id", "is not an active agent"));
    }
    if !available || Some(agent) == from {
        return Err(conflict(
            "agent_unavailable",
            "that agent is not available (offline, paused, or already has it)",
        ));
    }
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferAll {
    /// The conversations that moved.
    pub transferred: Vec<i64>,
    /// The ones that did not, each with the error it would have answered alone.
    pub failed: Vec<TransferFailure>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferFailure {
    pub conversation_id: i64,
    pub code: String,
    pub message: String,
}

/// Transfers every open conversation of mine; each is tried on its own and reported.
pub fn transfer_all(
    ctx: &Ctx,
    me: &Principal,
    request: &TransferRequest,
) -> AppResult<TransferAll> {
    let mut report = TransferAll {
        transferred: Vec::new(),
        failed: Vec::new(),
    };
    for id in sql::open_ids_of(ctx.db, me.tenant_id(), me.user_id())? {
        match transfer(ctx, me, id, request) {
            Ok(_) => report.transferred.push(id),
            Err(AppError::Api(e)) => report.failed.push(TransferFailure {
                conversation_id: id,
                code: e.code.to_owned(),
                message: e.message.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

pub fn tag(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    tag: i64,
    on: bool,
) -> AppResult<Vec<sql::TagOnConversation>> {
    let (conversation, _) = acting_on(ctx, me, id)?;
    if on {
        let active = crate::config::sql::get(ctx.db, me.tenant_id(), "tag", tag)?
            .is_some_and(|t| t.status == crate::enums::Status::Active);
        if !active {
            return Err(AppError::invalid("tag_id", "is not an active tag"));
        }
        sql::add_tag(
            ctx.db,
            me.tenant_id(),
            conversation.id,
            tag,
            me.user_id(),
            ctx.now_ms(),
        )?;
    } else {
        sql::remove_tag(ctx.db, me.tenant_id(), conversation.id, tag)?;
    }
    Ok(sql::tags(ctx.db, me.tenant_id(), conversation.id)?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceRequest {
    pub occurrence_type_id: i64,
    pub comment: Option<String>,
}

/// Records an occurrence on an open conversation, without closing it.
pub fn occurrence(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    request: &OccurrenceRequest,
) -> AppResult<OccurrenceAdded> {
    let (conversation, _) = acting_on(ctx, me, id)?;
    if conversation.status == State::Closed {
        return Err(conflict(
            "conversation_closed",
            "occurrences are recorded on open conversations",
        ));
    }
    let active = crate::config::sql::get(
        ctx.db,
        me.tenant_id(),
        "occurrence_type",
        request.occurrence_type_id,
    )?
    .is_some_and(|t| t.status == crate::enums::Status::Active);
    if !active {
        return Err(AppError::invalid(
            "occurrence_type_id",
            "is not an active occurrence type",
        ));
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(AppError::invalid(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    let now = ctx.now_ms();
    let occurrence = transaction(ctx.db, || {
        let occurrence = sql::add_occurrence(
            ctx.db,
            me.tenant_id(),
            id,
            request.occurrence_type_id,
            comment,
            me.user_id(),
            now,
        )?;
        record_mine(
            ctx,
            me,
            id,
            "occurrence",
            Some(json!({"occurrence_type_id": request.occurrence_type_id, "comment": comment})),
            now,
        )?;
        Ok(occurrence)
    })?;
    Ok(OccurrenceAdded {
        id: occurrence,
        conversation_id: id,
        occurrence_type_id: request.occurrence_type_id,
        comment: comment.map(str::to_owned),
    })
}

/// `POST /api/inbox/conversations/{id}/occurrences`: the occurrence as recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OccurrenceAdded {
    pub id: i64,
    pub conversation_id: i64,
    pub occurrence_type_id: i64,
    #[schema(required = true)]
    pub comment: Option<String>,
}

/// A new protocol for the same customer on the same channel, assigned to me (the source
/// conversation stays as it is; a closed one is never reopened).
pub fn new_protocol(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Conversation> {
    require_answering(me)?;
    let (source, _) = acting_on(ctx, me, id)?;
    let tenant = me.tenant_id();
    let reply_to = sql::reply_to(ctx.db, tenant, id)?.unwrap_or_default();
    let channel_type = crate::config::channel::ChannelType::parse(&source.channel_type)
        .unwrap_or(crate::config::channel::ChannelType::Webchat);
    let now = ctx.now_ms();
    let opened = transaction(ctx.db, || {
        lifecycle::open(
            ctx,
            &lifecycle::Opening {
                tenant,
                channel_id: source.channel_id,
                channel_type,
                client_id: source.client_id,
                group_id: source.group_id.unwrap_or(0),
                in_bot: false,
                // Held by me, within my own limit.
                holder: Some(me.user_id().0),
                language: &source.language,
                subject: None,
                reply_to: &reply_to,
                actor: Actor::User(me.user_id().0),
                data: json!({"from_conversation": id}),
                subscribed: &Default::default(),
                now,
            },
        )
    })?;
    Ok(opened.settle(ctx))
}

/// The customer panel: the client; their conversations of the last `days` (31 by default)
/// that I may see, with counts (`q`: only those with messages containing it); and the timeline
/// of all their past protocols I may see.
pub fn customer_panel(
    ctx: &Ctx,
    me: &Principal,
    client: i64,
    days: i64,
    q: Option<&str>,
) -> AppResult<CustomerPanel> {
    let details = crate::client::get(ctx, me.tenant_id(), client)?;
    if !(1..=31).contains(&days) {
        return Err(AppError::invalid("days", "history covers 1 to 31 days"));
    }
    let since = ctx.now_ms() - days * 86_400_000;
    let history = sql::client_history(
        ctx.db,
        me.tenant_id(),
        client,
        since,
        q,
        &Visibility::of(me),
    )?;
    let history: Vec<_> = match q {
        Some(_) => history.into_iter().filter(|h| h.matching > 0).collect(),
        None => history,
    };
    // The timeline of every past protocol (any age), with message counts.
    let protocols =
        sql::client_history(ctx.db, me.tenant_id(), client, 0, None, &Visibility::of(me))?;
    Ok(CustomerPanel {
        client: details,
        history,
        protocols,
    })
}

/// `GET /api/inbox/clients/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerPanel {
    pub client: crate::client::Client,
    /// Their conversations of the last `days` that I may see (with `q`, only those whose
    /// messages contain it).
    pub history: Vec<sql::PastConversation>,
    /// Every past protocol of theirs that I may see, of any age.
    pub protocols: Vec<sql::PastConversation>,
}

/// A file an agent sends.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = AgentUpload)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    /// Base64 of the file.
    pub data: String,
    pub caption: Option<String>,
}

/// What kind of message a file is, and whether the group lets agents send that kind.
fn kind_allowed(group: &GroupDoc, content_type: &str) -> (MessageKind, bool) {
    let flags = &group.flags;
    match content_type.split('/').next().unwrap_or("") {
        "image" => (MessageKind::Image, flags.allow_image),
        "audio" => (MessageKind::Audio, flags.allow_audio),
        "video" => (MessageKind::Video, flags.allow_video),
        _ => (MessageKind::Document, flags.allow_documents),
    }
}

/// Sends a file: within the group's permissions and the size limit. Web-chat visitors
/// download it from the widget; on WhatsApp, Telegram and e-mail the outbox delivers it
/// through the provider's media API (SMS carries no files: it fails with that reason).
pub fn send_attachment(
    ctx: &Ctx,
    me: &Principal,
    id: i64,
    upload: Upload,
) -> AppResult<crate::conversation::Message> {
    use base64::Engine;
    let (conversation, group) = acting_on(ctx, me, id)?;
    may_send(ctx, me, &conversation, &group)?;
    let (kind, allowed) = kind_allowed(&group, &upload.content_type);
    if !allowed {
        return Err(AppError::forbidden(
            "attachment_type_forbidden",
            crate::errors::Text::new("this group does not allow sending {kind}")
                .with("kind", kind.as_str()),
        ));
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(upload.data.trim())
        .map_err(|_| AppError::invalid("data", "must be base64"))?;
    if data.len() > crate::conversation::inbound::MAX_ATTACHMENT {
        return Err(crate::web::payload_too_large(
            crate::conversation::inbound::MAX_ATTACHMENT,
        ));
    }
    let filename = crate::validate::required_text(&upload.filename, 200)
        .map_err(|m| AppError::invalid("filename", m))?;
    let caption = upload
        .caption
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let channel = ChannelInfo::load(ctx, conversation.channel_id)?;
    let webchat = channel.doc.kind == crate::config::channel::ChannelType::Webchat;
    let now = ctx.now_ms();
    transaction(ctx.db, || {
        let attachment = crate::conversation::inbound::insert_attachment(
            ctx,
            me.tenant_id(),
            id,
            &crate::conversation::inbound::NewAttachment {
                filename: filename.clone(),
                content_type: upload.content_type.clone(),
                data: data.clone(),
            },
            now,
        )?;
        let body = caption.clone().unwrap_or_else(|| filename.clone());
        let message = conversation_sql::insert_message(
            ctx.db,
            me.tenant_id(),
            &NewMessage {
                conversation_id: id,
                channel_id: conversation.channel_id,
                role: Role::Agent,
                sender_id: Some(me.user_id().0),
                kind,
                body: Some(&body),
                payload: Some(&json!({"filename": filename, "content_type": upload.content_type})),
                attachment_id: Some(attachment),
                channel_message_id: None,
                delivery: Some(if webchat {
                    crate::conversation::Delivery::Sent
                } else {
                    crate::conversation::Delivery::Queued
                }),
                now,
            },
        )?
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("attachment message not stored")))?;
        if !webchat {
            // Delivered through the provider by the outbox, like any message; the caption
            // (or the file name) goes with it, signed as the group says.
            let rendered = render(
                channel.doc.kind,
                group.name_shown,
                &me.user.display_name,
                &me.tenant.name,
                &body,
            );
            ctx.db.execute(
                "INSERT INTO outbox (tenant_id, message_id, rendered, status, next_attempt_at, created_at, updated_at) \
                 VALUES (?, ?, ?, 'queued', ?, ?, ?)",
                &[me.tenant_id().into(), message.into(), rendered.into(), now.into(), now.into(), now.into()],
            )?;
        }
        let wrote = lifecycle::wrote(
            ctx,
            Actor::User(me.user_id().0),
            me.tenant_id(),
            id,
            conversation.status == State::Pending,
            now,
        )?;
        hooks::emit(
            ctx.db,
            me.tenant_id(),
            Hook::MessageCreated,
            id,
            &json!({"message_id": message, "role": "agent", "kind": kind.as_str(), "body": body, "attachment_id": attachment}),
            now,
        )?;
        Ok((stored_message(ctx, me, id, message)?, wrote))
    })
    .map(|(message, wrote)| {
        wrote.settle(ctx);
        message
    })
}

/// Accepts an offer: the conversation becomes mine.
pub fn accept(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Conversation> {
    let now = ctx.now_ms();
    let accepted = transaction(ctx.db, || {
        lifecycle::accept(ctx, me.tenant_id(), id, me.user_id().0, now)
    })?;
    Ok(accepted.settle(ctx))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub reason: Option<String>,
}

/// Rejects an offer: it goes to another available agent (if none, back to me — seed 001).
pub fn reject(ctx: &Ctx, me: &Principal, id: i64, request: &RejectRequest) -> AppResult<()> {
    let now = ctx.now_ms();
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(500).collect::<String>());
    let rejected = transaction(ctx.db, || {
        lifecycle::withdraw_offer(ctx, me.tenant_id(), id, me.user_id().0, Some(reason), now)?
            .ok_or_else(|| {
                conflict(
                    "offer_gone",
                    "this offer is no longer open (accepted, rejected or expired)",
                )
            })
    })?;
    rejected.settle(ctx);
    Ok(())
}

/// The message just stored, as the API shows it.
fn stored_message(
    ctx: &Ctx,
    me: &Principal,
    conversation: i64,
    message: i64,
) -> AppResult<crate::conversation::Message> {
    conversation_sql::messages_after(ctx.db, me.tenant_id(), conversation, message - 1, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "message {message} not found after storing it"
            ))
        })
}

/// An event of a conversation's timeline done by the signed-in user.
fn record_mine(
    ctx: &Ctx,
    me: &Principal,
    conversation: i64,
    kind: &str,
    data: Option<serde_json::Value>,
    at: i64,
) -> AppResult<()> {
    conversation_sql::record(
        ctx.db,
        &Event {
            data,
            ..Event::new(
                me.tenant_id(),
                conversation,
                kind,
                "user",
                Some(me.user_id().0),
                at,
            )
        },
    )?;
    Ok(())
}

/// Whether I may send to the customer now, whatever I send: the conversation is open, the
/// group is not receive-only, and I am ready (admins act whatever their status).
fn may_send(
    ctx: &Ctx,
    me: &Principal,
    conversation: &Conversation,
    group: &GroupDoc,
) -> AppResult<()> {
    if conversation.status == State::Closed {
        return Err(conflict(
            "conversation_closed",
            "this conversation is closed; open a new protocol to write again",
        ));
    }
    if group.flags.receive_only {
        return Err(AppError::forbidden(
            "receive_only",
            "this group only receives messages",
        ));
    }
    require_ready(ctx, me)
}

/// Sending needs me ready (admins act whatever their status).
pub(crate) fn require_ready(ctx: &Ctx, me: &Principal) -> AppResult<()> {
    match status(ctx, me)?.status.as_str() {
        "paused" => {
            return Err(conflict(
                "agent_paused",
                "You are paused! Do you want to resume?",
            ))
        }
        "ready" => {}
        _ if me.profile() == Profile::Admin => {}
        _ => {
            return Err(conflict(
                "agent_offline",
                "set your status to ready to send messages",
            ))
        }
    }
    Ok(())
}
