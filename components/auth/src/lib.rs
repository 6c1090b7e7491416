//! The auth component: login, logout, sessions, password change, current user.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::auth;
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .post("/api/auth/login", auth::login)
        .doc::<auth::__path_login>(&[
            (400, &["tenant_required"]),
            (401, &["invalid_credentials"]),
            (
                403,
                &["user_inactive", "tenant_inactive", "outside_working_hours"],
            ),
            (404, &["not_found"]),
            (429, &["too_many_attempts"]),
        ])
        .post("/api/auth/logout", auth::logout)
        .doc::<auth::__path_logout>(&[(400, &["not_a_session"])])
        .get("/api/auth/me", auth::me)
        .doc::<auth::__path_me>(&[])
        .patch("/api/auth/me", auth::update_me)
        .doc::<auth::__path_update_me>(&[])
        .post("/api/auth/password", auth::change_password)
        .doc::<auth::__path_change_password>(&[(403, &["not_a_session"])])
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
