//! The routing component: the scheduled tick (distribution, timers, outbound delivery) for
//! external schedulers.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::routing;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .post("/internal/tick", routing::tick)
        .doc::<routing::__path_tick>(&[(401, &["unauthenticated"]), (403, &["tick_disabled"])])
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
