//! The outbound webhook events (SPEC §6): every name and payload shape in one place. An event
//! about a conversation carries the conversation as it is after the change, built from its row
//! inside the statement that queues the event — so the payload is the same whichever path
//! produced it, and queueing costs one statement (none read back).

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    ConversationCreated,
    /// Into a group's queue: routed by a bot, or back after an offer, a timeout or a disconnect.
    ConversationQueued,
    /// Offered to an agent in an accept/reject group (not yet theirs).
    ConversationOffered,
    /// An agent holds it now: assigned, pulled, accepted or opened for them — once per holder.
    ConversationAssigned,
    ConversationTransferred,
    ConversationPending,
    ConversationResumed,
    ConversationClosed,
    MessageCreated,
    SurveyAnswered,
}

impl Hook {
    pub const ALL: &'static [Hook] = &[
        Hook::ConversationCreated,
        Hook::ConversationQueued,
        Hook::ConversationOffered,
        Hook::ConversationAssigned,
        Hook::ConversationTransferred,
        Hook::ConversationPending,
        Hook::ConversationResumed,
        Hook::ConversationClosed,
        Hook::MessageCreated,
        Hook::SurveyAnswered,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Hook::ConversationCreated => "conversation.created",
            Hook::ConversationQueued => "conversation.queued",
            Hook::ConversationOffered => "conversation.offered",
            Hook::ConversationAssigned => "conversation.assigned",
            Hook::ConversationTransferred => "conversation.transferred",
            Hook::ConversationPending => "conversation.pending",
            Hook::ConversationResumed => "conversation.resumed",
            Hook::ConversationClosed => "conversation.closed",
            Hook::MessageCreated => "message.created",
            Hook::SurveyAnswered => "survey.answered",
        }
    }

    pub fn parse(name: &str) -> Option<Hook> {
        Hook::ALL.iter().copied().find(|h| h.name() == name)
    }
}

/// Queues `hook` about `conversation` for every subscribed webhook of the tenant. The payload's
/// `data` is `details` (what this event adds: who closed, where it went, the message) with the
/// conversation's `conversation_id`, `protocol` and the `conversation` object set over it.
pub fn emit(
    db: &dyn Sql,
    tenant: TenantId,
    hook: Hook,
    conversation: i64,
    details: &Value,
    now: i64,
) -> Result<(), DbError> {
    crate::webhook_delivery::emit_for_conversation(
        db,
        tenant,
        hook.name(),
        conversation,
        details,
        now,
    )
}

/// The events the tenant's active webhooks subscribe to, when a request read them before taking
/// the write lock: queueing an event nobody subscribes to is a statement under the lock that
/// writes nothing (docs/decisions/0016). `Unknown` queues as always.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Subscribed {
    #[default]
    Unknown,
    Known(Vec<String>),
}

impl Subscribed {
    pub fn wants(&self, hook: Hook) -> bool {
        match self {
            Subscribed::Unknown => true,
            Subscribed::Known(events) => events.iter().any(|e| e == hook.name()),
        }
    }
}

/// [`emit`], skipped when `subscribed` says nobody listens to `hook`. A webhook subscribed
/// between that read and the commit misses this one event, as it would had it been created a
/// moment later.
pub fn emit_if(
    db: &dyn Sql,
    subscribed: &Subscribed,
    tenant: TenantId,
    hook: Hook,
    conversation: i64,
    details: &Value,
    now: i64,
) -> Result<(), DbError> {
    if subscribed.wants(hook) {
        emit(db, tenant, hook, conversation, details, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Hook, Subscribed};

    #[test]
    fn only_known_subscriptions_skip_an_event() {
        assert!(Subscribed::Unknown.wants(Hook::MessageCreated));
        let known = Subscribed::Known(vec!["conversation.created".to_owned()]);
        assert!(known.wants(Hook::ConversationCreated));
        assert!(!known.wants(Hook::MessageCreated));
    }

    #[test]
    fn every_hook_round_trips_by_name() {
        for h in Hook::ALL {
            assert_eq!(Hook::parse(h.name()), Some(*h));
        }
        assert_eq!(Hook::parse("conversation.unknown"), None);
    }
}
