//! The admin component: the platform API (tenants) and the tenant's configuration APIs.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::{
    classifications, clients, config, groups, login_failures, platform, tokens, users,
};
use atende_shared::config::{
    article::Article, business_hours::BusinessHours, channel::Channel,
    classification::Classification, client_attribute::ClientAttribute, group::Group,
    occurrence_type::OccurrenceType, operation::Operation, pause_reason::PauseReason,
    quick_reply::QuickReply, survey::Survey, tag::Tag, webhook::Webhook,
};
use atende_shared::Router;

/// List, create, read, update, activate and deactivate for one configuration resource.
macro_rules! resource {
    ($router:expr, $path:literal, $R:ty) => {
        $router
            .get(concat!("/api/admin/", $path), config::list::<$R>)
            .post(concat!("/api/admin/", $path), config::create::<$R>)
            .get(concat!("/api/admin/", $path, "/{id}"), config::get::<$R>)
            .patch(concat!("/api/admin/", $path, "/{id}"), config::update::<$R>)
            .post(
                concat!("/api/admin/", $path, "/{id}/activate"),
                config::activate::<$R>,
            )
            .post(
                concat!("/api/admin/", $path, "/{id}/deactivate"),
                config::deactivate::<$R>,
            )
    };
}

/// The same six routes, documented by operations built for `$R` (`config::docs`); every
/// resource moves here from `resource!` as its document type derives `ToSchema`.
macro_rules! documented_resource {
    ($router:expr, $path:literal, $R:ty) => {
        $router
            .get(concat!("/api/admin/", $path), config::list::<$R>)
            .doc_built(
                config::docs::list::<$R>,
                config::docs::schemas::<$R>,
                config::docs::LIST_ERRORS,
            )
            .post(concat!("/api/admin/", $path), config::create::<$R>)
            .doc_built(
                config::docs::create::<$R>,
                config::docs::schemas::<$R>,
                config::docs::WRITE_ERRORS,
            )
            .get(concat!("/api/admin/", $path, "/{id}"), config::get::<$R>)
            .doc_built(
                config::docs::get::<$R>,
                config::docs::schemas::<$R>,
                config::docs::READ_ERRORS,
            )
            .patch(concat!("/api/admin/", $path, "/{id}"), config::update::<$R>)
            .doc_built(
                config::docs::update::<$R>,
                config::docs::schemas::<$R>,
                config::docs::WRITE_ERRORS,
            )
            .post(
                concat!("/api/admin/", $path, "/{id}/activate"),
                config::activate::<$R>,
            )
            .doc_built(
                config::docs::activate::<$R>,
                config::docs::schemas::<$R>,
                config::docs::WRITE_ERRORS,
            )
            .post(
                concat!("/api/admin/", $path, "/{id}/deactivate"),
                config::deactivate::<$R>,
            )
            .doc_built(
                config::docs::deactivate::<$R>,
                config::docs::schemas::<$R>,
                config::docs::WRITE_ERRORS,
            )
    };
}

pub fn router() -> Router {
    let router = Router::new()
        .get("/api/platform/tenants", platform::list)
        .post("/api/platform/tenants", platform::create)
        .get("/api/admin/users", users::list)
        .post("/api/admin/users", users::create)
        .post("/api/admin/users/import", users::import_csv)
        .get("/api/admin/users/{id}", users::get)
        .patch("/api/admin/users/{id}", users::update)
        .post("/api/admin/users/{id}/deactivate", users::deactivate)
        .post("/api/admin/users/{id}/activate", users::activate)
        .get("/api/admin/users/{id}/operations", users::operations)
        .post("/api/admin/users/{id}/operations", users::link_operations)
        .post(
            "/api/admin/users/{id}/operations/remove",
            users::unlink_operations,
        )
        .get("/api/admin/groups/{id}/members", groups::members)
        .post("/api/admin/groups/{id}/members", groups::add_members)
        .post(
            "/api/admin/groups/{id}/members/remove",
            groups::remove_members,
        )
        .post(
            "/api/admin/classifications/{id}/reasons",
            classifications::add_reason,
        )
        .post(
            "/api/admin/classifications/{id}/reasons/{reason_id}/sub-reasons",
            classifications::add_sub_reason,
        )
        .patch(
            "/api/admin/classifications/{id}/nodes/{node_id}",
            classifications::change_node,
        )
        .get("/api/admin/clients/imports/{id}", clients::import_report)
        .get("/api/admin/clients/imports/{id}/rows", clients::import_rows)
        .post(
            "/api/admin/clients/imports/{id}/rows/{row_id}/resend",
            clients::resend_row,
        )
        .post("/api/admin/clients/imports", clients::import)
        .get("/api/admin/clients", clients::list)
        .post("/api/admin/clients", clients::create)
        .get("/api/admin/clients/{id}", clients::get)
        .patch("/api/admin/clients/{id}", clients::update)
        .post("/api/admin/clients/{id}/activate", clients::activate)
        .post("/api/admin/clients/{id}/deactivate", clients::deactivate)
        .get("/api/admin/tokens", tokens::list)
        .post("/api/admin/tokens", tokens::create)
        .get("/api/admin/tokens/{id}", tokens::get)
        .post("/api/admin/tokens/{id}/revoke", tokens::revoke)
        .get("/api/admin/login-failures", login_failures::list)
        .get(
            "/api/admin/webhooks/{id}/deliveries",
            config::webhook_deliveries,
        );
    let router = resource!(router, "operations", Operation);
    let router = resource!(router, "groups", Group);
    let router = resource!(router, "surveys", Survey);
    let router = resource!(router, "classifications", Classification);
    let router = resource!(router, "occurrence-types", OccurrenceType);
    let router = resource!(router, "client-attributes", ClientAttribute);
    let router = documented_resource!(router, "tags", Tag);
    let router = resource!(router, "pause-reasons", PauseReason);
    let router = resource!(router, "quick-replies", QuickReply);
    let router = resource!(router, "articles", Article);
    let router = resource!(router, "business-hours", BusinessHours);
    let router = resource!(router, "channels", Channel);
    resource!(router, "webhooks", Webhook)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    atende_shared::spin::serve(&router(), request)
}
