//! The web component: the API description, its page for people, and the static files of the console and widget.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::site;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/openapi.json", site::openapi)
        .doc::<site::__path_openapi>(&[])
        .get("/api/docs", site::docs)
        .doc::<site::__path_docs>(&[(404, &["not_found"])])
        .fallback(site::static_file)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
