//! The inbox component: the agent workspace the console calls.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::{console, inbox};
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/inbox/status", inbox::get_status)
        .put("/api/inbox/status", inbox::set_status)
        .post("/api/inbox/heartbeat", inbox::heartbeat)
        .post("/api/inbox/queues/{group_id}/pull", inbox::pull)
        .get("/api/inbox/conversations", inbox::conversations)
        .get("/api/inbox/conversations/{id}", inbox::conversation)
        .get("/api/inbox/conversations/{id}/messages", inbox::messages)
        .get("/api/inbox/conversations/{id}/options", console::options)
        .post("/api/inbox/conversations/{id}/messages", inbox::send)
        .post("/api/inbox/conversations/{id}/notes", inbox::note)
        .post("/api/inbox/conversations/{id}/read", inbox::read)
        .post("/api/inbox/conversations/{id}/pending", inbox::pending)
        .post("/api/inbox/conversations/{id}/resume", inbox::resume)
        .post("/api/inbox/conversations/{id}/close", inbox::close)
        .get("/api/inbox/attachments/{id}", inbox::attachment)
        .get("/api/inbox/events", inbox::events)
        .get("/api/inbox/queues", inbox::queues)
        .get("/api/inbox/offers", inbox::offers)
        .post("/api/inbox/offers/{id}/accept", inbox::accept_offer)
        .post("/api/inbox/offers/{id}/reject", inbox::reject_offer)
        .post(
            "/api/inbox/conversations/{id}/attachments",
            inbox::send_attachment,
        )
        .post(
            "/api/inbox/conversations/{id}/new-protocol",
            inbox::new_protocol,
        )
        .post("/api/inbox/active-messages", inbox::start_active)
        .get("/api/inbox/active-messages", inbox::active_messages)
        .post(
            "/api/inbox/active-messages/{id}/cancel",
            inbox::cancel_active,
        )
        .get("/api/inbox/client-attributes", console::client_attributes)
        .post("/api/inbox/clients", inbox::register_customer)
        .get("/api/inbox/clients/{id}", inbox::customer)
        .patch("/api/inbox/clients/{id}", inbox::update_customer)
        .post("/api/inbox/conversations/{id}/transfer", inbox::transfer)
        .get(
            "/api/inbox/conversations/{id}/transfer-targets",
            inbox::transfer_targets,
        )
        .post("/api/inbox/transfer-all", inbox::transfer_all)
        .put(
            "/api/inbox/conversations/{id}/tags/{tag_id}",
            inbox::add_tag,
        )
        .delete(
            "/api/inbox/conversations/{id}/tags/{tag_id}",
            inbox::remove_tag,
        )
        .post(
            "/api/inbox/conversations/{id}/occurrences",
            inbox::occurrence,
        )
        .put("/api/inbox/conversations/{id}/favourite", inbox::favourite)
        .delete(
            "/api/inbox/conversations/{id}/favourite",
            inbox::unfavourite,
        )
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
