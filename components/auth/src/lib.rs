//! The auth component: login, logout, sessions, password change, current user.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::auth;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .post("/api/auth/login", auth::login)
        .post("/api/auth/logout", auth::logout)
        .get("/api/auth/me", auth::me)
        .patch("/api/auth/me", auth::update_me)
        .post("/api/auth/password", auth::change_password)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
