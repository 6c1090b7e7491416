//! The channels component: inbound provider webhooks and the public web-chat API.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::{hooks, widget};
use atende_shared::Router;
use http::Method;

pub fn router() -> Router {
    Router::new()
        .get("/hooks/whatsapp/{channel_id}", hooks::whatsapp_verify)
        .post("/hooks/whatsapp/{channel_id}", hooks::whatsapp)
        .get("/hooks/messenger/{channel_id}", hooks::messenger_verify)
        .post("/hooks/messenger/{channel_id}", hooks::messenger)
        .get("/hooks/instagram/{channel_id}", hooks::instagram_verify)
        .post("/hooks/instagram/{channel_id}", hooks::instagram)
        .post("/hooks/telegram/{channel_id}", hooks::telegram)
        .post("/hooks/email/{channel_id}", hooks::email)
        .post("/hooks/sms/{channel_id}", hooks::sms)
        .post("/widget/{channel_id}/sessions", widget::start)
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/sessions",
            widget::preflight,
        )
        .post("/widget/{channel_id}/messages", widget::send)
        .get("/widget/{channel_id}/messages", widget::poll)
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/messages",
            widget::preflight,
        )
        .get("/widget/{channel_id}/articles", widget::articles)
        .get("/widget/{channel_id}/attachments/{id}", widget::attachment)
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/articles",
            widget::preflight,
        )
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
