//! The feed component: only the agent's poll, `GET /api/inbox/events`, the request the console
//! makes most. It is its own component so that its wasm stays small: Spin instantiates a fresh
//! instance per request, and the inbox component's data and code (phone metadata, regex tables,
//! time zones, the tick) cost every poll more than its work does (docs/decisions/0017). When
//! the poll finds the tick due it asks the routing component to run it, after answering.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::inbox;
use atende_shared::openapi::Errors;
use atende_shared::Router;

/// A query parameter that does not parse or is out of range.
const BAD_QUERY: Errors = &[(422, &["validation_failed"])];

pub fn router() -> Router {
    Router::new()
        .get("/api/inbox/events", inbox::events)
        .doc::<inbox::__path_events>(BAD_QUERY)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
