//! The channels component: inbound provider webhooks and the public web-chat API.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::widget::preflight_docs;
use atende_shared::api::{hooks, widget};
use atende_shared::openapi::Errors;
use atende_shared::Router;
use http::Method;

/// A provider whose signature or secret does not match.
const SIGNED: Errors = &[(401, &["bad_signature"])];
const SIGNED_WITH_TIME: Errors = &[(401, &["bad_signature", "stale_signature"])];
const VERIFY: Errors = &[(403, &["verification_failed"])];
/// A visitor without a valid chat session.
const VISITOR: Errors = &[(
    401,
    &["unauthenticated", "invalid_token", "session_expired"],
)];
const VISITOR_SEND: Errors = &[
    (
        401,
        &["unauthenticated", "invalid_token", "session_expired"],
    ),
    (403, &["client_inactive"]),
];

pub fn router() -> Router {
    Router::new()
        .get("/hooks/whatsapp/{channel_id}", hooks::whatsapp_verify)
        .doc::<hooks::__path_whatsapp_verify>(VERIFY)
        .post("/hooks/whatsapp/{channel_id}", hooks::whatsapp)
        .doc::<hooks::__path_whatsapp>(SIGNED)
        .get("/hooks/messenger/{channel_id}", hooks::messenger_verify)
        .doc::<hooks::__path_messenger_verify>(VERIFY)
        .post("/hooks/messenger/{channel_id}", hooks::messenger)
        .doc::<hooks::__path_messenger>(SIGNED)
        .get("/hooks/instagram/{channel_id}", hooks::instagram_verify)
        .doc::<hooks::__path_instagram_verify>(VERIFY)
        .post("/hooks/instagram/{channel_id}", hooks::instagram)
        .doc::<hooks::__path_instagram>(SIGNED)
        .post("/hooks/telegram/{channel_id}", hooks::telegram)
        .doc::<hooks::__path_telegram>(SIGNED)
        .post("/hooks/email/{channel_id}", hooks::email)
        .doc::<hooks::__path_email>(SIGNED_WITH_TIME)
        .post("/hooks/sms/{channel_id}", hooks::sms)
        .doc::<hooks::__path_sms>(SIGNED)
        .post("/widget/{channel_id}/sessions", widget::start)
        .doc::<widget::__path_start>(&[])
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/sessions",
            widget::preflight,
        )
        .doc_built(preflight_docs::sessions, preflight_docs::no_schemas, &[])
        .post("/widget/{channel_id}/messages", widget::send)
        .doc::<widget::__path_send>(VISITOR_SEND)
        .get("/widget/{channel_id}/messages", widget::poll)
        .doc::<widget::__path_poll>(VISITOR)
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/messages",
            widget::preflight,
        )
        .doc_built(preflight_docs::messages, preflight_docs::no_schemas, &[])
        .get("/widget/{channel_id}/articles", widget::articles)
        .doc::<widget::__path_articles>(&[])
        .get("/widget/{channel_id}/attachments/{id}", widget::attachment)
        .doc::<widget::__path_attachment>(VISITOR)
        .route(
            Method::OPTIONS,
            "/widget/{channel_id}/articles",
            widget::preflight,
        )
        .doc_built(preflight_docs::articles, preflight_docs::no_schemas, &[])
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
