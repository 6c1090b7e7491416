//! The admin component: the platform API (tenants) and the tenant's configuration APIs.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::{platform, users};
use atende_shared::Router;

pub fn router() -> Router {
    Router::new()
        .get("/api/platform/tenants", platform::list)
        .post("/api/platform/tenants", platform::create)
        .get("/api/admin/users", users::list)
        .post("/api/admin/users", users::create)
        .post("/api/admin/users/import", users::import_csv)
        .get("/api/admin/users/{id}", users::get)
        .patch("/api/admin/users/{id}", users::update)
        .post("/api/admin/users/{id}/deactivate", users::deactivate)
        .post("/api/admin/users/{id}/activate", users::activate)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
