//! The bot component: the external-bot API. The menu and survey bots themselves run inside
//! the inbound path and the tick (no extra hop), so this route table is all the component has.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::bot;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/bot/conversations", bot::conversations)
        .doc::<bot::__path_conversations>(&[(422, &["validation_failed"])])
        .get("/api/bot/conversations/{id}", bot::conversation)
        .doc::<bot::__path_conversation>(&[(409, &["invalid_state"])])
        .post("/api/bot/conversations/{id}/messages", bot::reply)
        .doc::<bot::__path_reply>(&[(409, &["invalid_state"])])
        .post("/api/bot/conversations/{id}/route", bot::route)
        .doc::<bot::__path_route>(&[(409, &["invalid_state"])])
        .post("/api/bot/conversations/{id}/close", bot::close)
        .doc::<bot::__path_close>(&[(409, &["invalid_state"])])
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
