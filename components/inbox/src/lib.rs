//! The inbox component: the agent workspace the console calls.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::{console, inbox};
use atende_shared::openapi::Errors;
use atende_shared::Router;

/// The conversation is another agent's (and the history rule does not let me see it).
const NOT_MINE: Errors = &[(403, &["not_your_conversation"])];
/// What changes a conversation: mine, and its offer accepted if it was offered to me.
const ACTING: Errors = &[
    (403, &["not_your_conversation"]),
    (409, &["offer_not_accepted"]),
];
/// A query parameter that does not parse or is out of range.
const BAD_QUERY: Errors = &[(422, &["validation_failed"])];
/// Whatever reaches the customer: the conversation open, the group not receive-only, me ready.
const SENDING: Errors = &[
    (403, &["not_your_conversation", "receive_only"]),
    (
        409,
        &[
            "conversation_closed",
            "agent_paused",
            "agent_offline",
            "offer_not_accepted",
        ],
    ),
];

pub fn router() -> Router {
    Router::new()
        .get("/api/inbox/status", inbox::get_status)
        .doc::<inbox::__path_get_status>(&[])
        .put("/api/inbox/status", inbox::set_status)
        .doc::<inbox::__path_set_status>(&[])
        .post("/api/inbox/heartbeat", inbox::heartbeat)
        .doc::<inbox::__path_heartbeat>(&[])
        .post("/api/inbox/queues/{group_id}/pull", inbox::pull)
        .doc::<inbox::__path_pull>(&[
            (403, &["not_a_member"]),
            (409, &["queue_empty", "at_capacity"]),
        ])
        .get("/api/inbox/conversations", inbox::conversations)
        .doc::<inbox::__path_conversations>(BAD_QUERY)
        .get("/api/inbox/conversations/{id}", inbox::conversation)
        .doc::<inbox::__path_conversation>(NOT_MINE)
        .get("/api/inbox/conversations/{id}/messages", inbox::messages)
        .doc::<inbox::__path_messages>(&[
            (403, &["not_your_conversation"]),
            (422, &["validation_failed"]),
        ])
        .get("/api/inbox/conversations/{id}/options", console::options)
        .doc::<console::__path_options>(NOT_MINE)
        .post("/api/inbox/conversations/{id}/messages", inbox::send)
        .doc::<inbox::__path_send>(SENDING)
        .post("/api/inbox/conversations/{id}/notes", inbox::note)
        .doc::<inbox::__path_note>(ACTING)
        .post("/api/inbox/conversations/{id}/read", inbox::read)
        .doc::<inbox::__path_read>(NOT_MINE)
        .post("/api/inbox/conversations/{id}/pending", inbox::pending)
        .doc::<inbox::__path_pending>(&[
            (403, &["not_your_conversation"]),
            (409, &["invalid_state", "offer_not_accepted"]),
        ])
        .post("/api/inbox/conversations/{id}/resume", inbox::resume)
        .doc::<inbox::__path_resume>(&[
            (403, &["not_your_conversation"]),
            (409, &["invalid_state", "at_capacity", "offer_not_accepted"]),
        ])
        .post("/api/inbox/conversations/{id}/close", inbox::close)
        .doc::<inbox::__path_close>(&[
            (403, &["not_your_conversation"]),
            (
                409,
                &["already_closed", "invalid_state", "offer_not_accepted"],
            ),
            (422, &["resolution_required", "classification_required"]),
        ])
        .get("/api/inbox/attachments/{id}", inbox::attachment)
        .doc::<inbox::__path_attachment>(&[])
        .get("/api/inbox/queues", inbox::queues)
        .doc::<inbox::__path_queues>(&[])
        .get("/api/inbox/offers", inbox::offers)
        .doc::<inbox::__path_offers>(&[])
        .post("/api/inbox/offers/{id}/accept", inbox::accept_offer)
        .doc::<inbox::__path_accept_offer>(&[(409, &["offer_gone"])])
        .post("/api/inbox/offers/{id}/reject", inbox::reject_offer)
        .doc::<inbox::__path_reject_offer>(&[(409, &["offer_gone"])])
        .post(
            "/api/inbox/conversations/{id}/attachments",
            inbox::send_attachment,
        )
        .doc::<inbox::__path_send_attachment>(&[
            (
                403,
                &[
                    "not_your_conversation",
                    "receive_only",
                    "attachment_type_forbidden",
                ],
            ),
            (
                409,
                &[
                    "conversation_closed",
                    "agent_paused",
                    "agent_offline",
                    "offer_not_accepted",
                ],
            ),
        ])
        .post(
            "/api/inbox/conversations/{id}/new-protocol",
            inbox::new_protocol,
        )
        .doc::<inbox::__path_new_protocol>(&[
            (403, &["not_your_conversation"]),
            (409, &["already_open", "at_capacity", "offer_not_accepted"]),
        ])
        .post("/api/inbox/active-messages", inbox::start_active)
        .doc::<inbox::__path_start_active>(&[
            (403, &["not_a_member", "active_not_allowed", "receive_only"]),
            (
                409,
                &[
                    "agent_paused",
                    "agent_offline",
                    "client_inactive",
                    "at_capacity",
                    "already_open",
                ],
            ),
        ])
        .get("/api/inbox/active-messages", inbox::active_messages)
        .doc::<inbox::__path_active_messages>(BAD_QUERY)
        .post(
            "/api/inbox/active-messages/{id}/cancel",
            inbox::cancel_active,
        )
        .doc::<inbox::__path_cancel_active>(&[(409, &["not_scheduled"])])
        .get("/api/inbox/client-attributes", console::client_attributes)
        .doc::<console::__path_client_attributes>(&[])
        .post("/api/inbox/clients", inbox::register_customer)
        .doc::<inbox::__path_register_customer>(&[(409, &["phone_taken"])])
        .get("/api/inbox/clients/{id}", inbox::customer)
        .doc::<inbox::__path_customer>(BAD_QUERY)
        .patch("/api/inbox/clients/{id}", inbox::update_customer)
        .doc::<inbox::__path_update_customer>(&[
            (403, &["not_your_customer"]),
            (409, &["phone_taken"]),
        ])
        .post("/api/inbox/conversations/{id}/transfer", inbox::transfer)
        .doc::<inbox::__path_transfer>(&[
            (403, &["not_your_conversation"]),
            (
                409,
                &[
                    "agent_unavailable",
                    "agent_at_capacity",
                    "invalid_state",
                    "offer_not_accepted",
                ],
            ),
        ])
        .get(
            "/api/inbox/conversations/{id}/transfer-targets",
            inbox::transfer_targets,
        )
        .doc::<inbox::__path_transfer_targets>(NOT_MINE)
        .post("/api/inbox/transfer-all", inbox::transfer_all)
        .doc::<inbox::__path_transfer_all>(&[])
        .put(
            "/api/inbox/conversations/{id}/tags/{tag_id}",
            inbox::add_tag,
        )
        .doc::<inbox::__path_add_tag>(&[
            (403, &["not_your_conversation"]),
            (409, &["offer_not_accepted"]),
            (422, &["validation_failed"]),
        ])
        .delete(
            "/api/inbox/conversations/{id}/tags/{tag_id}",
            inbox::remove_tag,
        )
        .doc::<inbox::__path_remove_tag>(ACTING)
        .post(
            "/api/inbox/conversations/{id}/occurrences",
            inbox::occurrence,
        )
        .doc::<inbox::__path_occurrence>(&[
            (403, &["not_your_conversation"]),
            (409, &["conversation_closed", "offer_not_accepted"]),
        ])
        .put("/api/inbox/conversations/{id}/favourite", inbox::favourite)
        .doc::<inbox::__path_favourite>(NOT_MINE)
        .delete(
            "/api/inbox/conversations/{id}/favourite",
            inbox::unfavourite,
        )
        .doc::<inbox::__path_unfavourite>(NOT_MINE)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
