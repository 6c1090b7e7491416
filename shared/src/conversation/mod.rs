//! Conversations ("atendimentos", SPEC §3): every inbound message lands in its customer's open
//! conversation on that channel, or opens a new one with a protocol number in the channel's
//! entry group. States move only by compare-and-set; a closed conversation is never reopened.

pub mod closing_notice;
pub mod hooks;
pub mod inbound;
pub mod lifecycle;
pub mod outbox;
pub mod sql;
pub mod visibility;

use crate::ids::TenantId;
use serde::Serialize;

crate::enums::stored_enum!(
    State {
        Bot = "bot",
        Queued = "queued",
        Offered = "offered",
        Assigned = "assigned",
        Pending = "pending",
        Closed = "closed",
    }
);

crate::enums::stored_enum!(
    /// Who a message is from, shown in distinct colours in the console.
    Role {
        Customer = "customer",
        Agent = "agent",
        Bot = "bot",
        Note = "note",
        System = "system",
    }
);

crate::enums::stored_enum!(
    MessageKind {
        Text = "text",
        Image = "image",
        Audio = "audio",
        Video = "video",
        Document = "document",
        Location = "location",
        Contact = "contact",
        Interactive = "interactive",
        Unsupported = "unsupported",
    }
);

crate::enums::stored_enum!(
    Delivery {
        Queued = "queued",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Failed = "failed",
    }
);

impl Delivery {
    /// Statuses only move forward (a late "delivered" never undoes "read").
    pub fn rank(self) -> u8 {
        match self {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed => 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Conversation {
    pub id: i64,
    pub protocol: String,
    pub channel_id: i64,
    #[schema(value_type = crate::config::channel::ChannelType)]
    pub channel_type: String,
    pub client_id: i64,
    #[schema(required = true)]
    pub group_id: Option<i64>,
    pub status: State,
    #[schema(required = true)]
    pub agent_id: Option<i64>,
    pub priority: i64,
    pub language: String,
    #[schema(required = true)]
    pub subject: Option<String>,
    #[schema(format = DateTime)]
    pub arrived_at: String,
    #[schema(format = DateTime, required = true)]
    pub last_customer_at: Option<String>,
    #[schema(format = DateTime, required = true)]
    pub closed_at: Option<String>,
    #[schema(required = true)]
    pub closed_by: Option<String>,
    /// The closing script's answers (seed 001), read back with the conversation.
    #[schema(required = true)]
    pub classification_id: Option<i64>,
    #[schema(required = true)]
    pub reason_id: Option<i64>,
    #[schema(required = true)]
    pub sub_reason_id: Option<i64>,
    #[schema(required = true)]
    pub close_comment: Option<String>,
    #[schema(required = true)]
    pub resolved: Option<bool>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub role: Role,
    #[schema(required = true)]
    pub sender_id: Option<i64>,
    pub kind: MessageKind,
    #[schema(required = true)]
    pub body: Option<String>,
    #[schema(required = true)]
    pub payload: Option<serde_json::Value>,
    #[schema(required = true)]
    pub attachment_id: Option<i64>,
    #[schema(required = true)]
    pub delivery: Option<Delivery>,
    #[schema(required = true)]
    pub delivery_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Appends to the conversation's timeline (who did what, when).
pub struct Event<'a> {
    pub tenant: TenantId,
    pub conversation: i64,
    pub kind: &'a str,
    /// `customer`, `system`, `bot`, `user`, `client_inactivity`...
    pub actor: &'a str,
    pub actor_id: Option<i64>,
    pub data: Option<serde_json::Value>,
    pub at: i64,
}

impl<'a> Event<'a> {
    /// `kind` done by `actor` (`actor_id` where the actor is a user) at `at`, without data.
    pub fn new(
        tenant: TenantId,
        conversation: i64,
        kind: &'a str,
        actor: &'a str,
        actor_id: Option<i64>,
        at: i64,
    ) -> Self {
        Event {
            tenant,
            conversation,
            kind,
            actor,
            actor_id,
            data: None,
            at,
        }
    }

    pub fn with_data(self, data: serde_json::Value) -> Self {
        Event {
            data: Some(data),
            ..self
        }
    }
}
