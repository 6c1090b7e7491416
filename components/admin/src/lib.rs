//! The admin component: the platform API (tenants) and the tenant's configuration APIs.
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

use atende_shared::api::config::docs;
use atende_shared::api::{
    classifications, clients, config, groups, login_failures, platform, tokens, users,
};
use atende_shared::config::Resource;
use atende_shared::config::{
    article::Article, business_hours::BusinessHours, channel::Channel,
    classification::Classification, client_attribute::ClientAttribute, group::Group,
    occurrence_type::OccurrenceType, operation::Operation, pause_reason::PauseReason,
    quick_reply::QuickReply, survey::Survey, tag::Tag, webhook::Webhook,
};
use atende_shared::openapi::Errors;
use atende_shared::Router;

/// List, create, read, update, activate and deactivate for one configuration resource, each
/// documented by an operation built for `$R` (`config::docs`).
macro_rules! resource {
    ($router:expr, $path:literal, $R:ty) => {
        $router
            .get(concat!("/api/admin/", $path), config::list::<$R>)
            .doc_built(docs::list::<$R>, docs::schemas::<$R>, docs::LIST_ERRORS)
            .post(concat!("/api/admin/", $path), config::create::<$R>)
            .doc_built(
                docs::create::<$R>,
                docs::schemas::<$R>,
                docs::create_errors::<$R>(),
            )
            .get(concat!("/api/admin/", $path, "/{id}"), config::get::<$R>)
            .doc_built(docs::get::<$R>, docs::schemas::<$R>, docs::READ_ERRORS)
            .patch(concat!("/api/admin/", $path, "/{id}"), config::update::<$R>)
            .doc_built(
                docs::update::<$R>,
                docs::schemas::<$R>,
                docs::update_errors::<$R>(),
            )
            .post(
                concat!("/api/admin/", $path, "/{id}/activate"),
                config::activate::<$R>,
            )
            .doc_built(
                docs::activate::<$R>,
                docs::schemas::<$R>,
                <$R as Resource>::ACTIVATE_ERRORS,
            )
            .post(
                concat!("/api/admin/", $path, "/{id}/deactivate"),
                config::deactivate::<$R>,
            )
            .doc_built(
                docs::deactivate::<$R>,
                docs::schemas::<$R>,
                <$R as Resource>::DEACTIVATE_ERRORS,
            )
    };
}

/// A query parameter that does not parse, a bad filter or page.
const BAD_QUERY: Errors = &[(422, &["validation_failed"])];
/// What a CSV upload answers beyond its own rows' problems.
const CSV_UPLOAD: Errors = &[
    (400, &["malformed_csv", "invalid_encoding"]),
    (413, &["payload_too_large"]),
    (415, &["unsupported_media_type"]),
    (422, &["validation_failed"]),
];
/// The platform API is guarded by its own secret, not a session.
const PLATFORM: Errors = &[
    (401, &["unauthenticated"]),
    (403, &["platform_api_disabled"]),
];
const PLATFORM_CREATE: Errors = &[
    (401, &["unauthenticated"]),
    (403, &["platform_api_disabled"]),
    (409, &["tenant_exists"]),
];
/// An edit of a classification tree that kept meeting concurrent ones.
const TREE_EDIT: Errors = &[(409, &["edit_conflict"])];

pub fn router() -> Router {
    let router = Router::new()
        .get("/api/platform/tenants", platform::list)
        .doc::<platform::__path_list>(PLATFORM)
        .post("/api/platform/tenants", platform::create)
        .doc::<platform::__path_create>(PLATFORM_CREATE)
        .post("/api/platform/demo", platform::demo)
        .doc::<platform::__path_demo>(PLATFORM_CREATE)
        .get("/api/admin/users", users::list)
        .doc::<users::__path_list>(BAD_QUERY)
        .post("/api/admin/users", users::create)
        .doc::<users::__path_create>(&[(409, &["username_taken"])])
        .post("/api/admin/users/import", users::import_csv)
        .doc::<users::__path_import_csv>(CSV_UPLOAD)
        .get("/api/admin/users/{id}", users::get)
        .doc::<users::__path_get>(&[])
        .patch("/api/admin/users/{id}", users::update)
        .doc::<users::__path_update>(&[])
        .post("/api/admin/users/{id}/deactivate", users::deactivate)
        .doc::<users::__path_deactivate>(&[(400, &["cannot_deactivate_self"])])
        .post("/api/admin/users/{id}/activate", users::activate)
        .doc::<users::__path_activate>(&[])
        // A user who is not a supervisor has no operations: 422 naming `id`.
        .get("/api/admin/users/{id}/operations", users::operations)
        .doc::<users::__path_operations>(&[(422, &["validation_failed"])])
        .post("/api/admin/users/{id}/operations", users::link_operations)
        .doc::<users::__path_link_operations>(&[])
        .post(
            "/api/admin/users/{id}/operations/remove",
            users::unlink_operations,
        )
        .doc::<users::__path_unlink_operations>(&[])
        .get("/api/admin/groups/{id}/members", groups::members)
        .doc::<groups::__path_members>(&[])
        .post("/api/admin/groups/{id}/members", groups::add_members)
        .doc::<groups::__path_add_members>(&[])
        .post(
            "/api/admin/groups/{id}/members/remove",
            groups::remove_members,
        )
        .doc::<groups::__path_remove_members>(&[])
        .post(
            "/api/admin/classifications/{id}/reasons",
            classifications::add_reason,
        )
        .doc::<classifications::__path_add_reason>(TREE_EDIT)
        .post(
            "/api/admin/classifications/{id}/reasons/{reason_id}/sub-reasons",
            classifications::add_sub_reason,
        )
        .doc::<classifications::__path_add_sub_reason>(TREE_EDIT)
        .patch(
            "/api/admin/classifications/{id}/nodes/{node_id}",
            classifications::change_node,
        )
        .doc::<classifications::__path_change_node>(TREE_EDIT)
        .get("/api/admin/clients/imports/{id}", clients::import_report)
        .doc::<clients::__path_import_report>(&[])
        .get("/api/admin/clients/imports/{id}/rows", clients::import_rows)
        .doc::<clients::__path_import_rows>(BAD_QUERY)
        .post(
            "/api/admin/clients/imports/{id}/rows/{row_id}/resend",
            clients::resend_row,
        )
        .doc::<clients::__path_resend_row>(&[(409, &["already_created"])])
        .post("/api/admin/clients/imports", clients::import)
        .doc::<clients::__path_import>(CSV_UPLOAD)
        .get("/api/admin/clients", clients::list)
        .doc::<clients::__path_list>(BAD_QUERY)
        .post("/api/admin/clients", clients::create)
        .doc::<clients::__path_create>(&[(409, &["phone_taken"])])
        .get("/api/admin/clients/{id}", clients::get)
        .doc::<clients::__path_get>(&[])
        .patch("/api/admin/clients/{id}", clients::update)
        .doc::<clients::__path_update>(&[(409, &["phone_taken"])])
        .post("/api/admin/clients/{id}/activate", clients::activate)
        .doc::<clients::__path_activate>(&[])
        .post("/api/admin/clients/{id}/deactivate", clients::deactivate)
        .doc::<clients::__path_deactivate>(&[])
        .get("/api/admin/tokens", tokens::list)
        .doc::<tokens::__path_list>(&[])
        .post("/api/admin/tokens", tokens::create)
        .doc::<tokens::__path_create>(&[])
        .get("/api/admin/tokens/{id}", tokens::get)
        .doc::<tokens::__path_get>(&[])
        .post("/api/admin/tokens/{id}/revoke", tokens::revoke)
        .doc::<tokens::__path_revoke>(&[])
        .get("/api/admin/login-failures", login_failures::list)
        .doc::<login_failures::__path_list>(BAD_QUERY)
        .get(
            "/api/admin/webhooks/{id}/deliveries",
            config::webhook_deliveries,
        )
        .doc::<config::__path_webhook_deliveries>(BAD_QUERY);
    let router = resource!(router, "operations", Operation);
    let router = resource!(router, "groups", Group);
    let router = resource!(router, "surveys", Survey);
    let router = resource!(router, "classifications", Classification);
    let router = resource!(router, "occurrence-types", OccurrenceType);
    let router = resource!(router, "client-attributes", ClientAttribute);
    let router = resource!(router, "tags", Tag);
    let router = resource!(router, "pause-reasons", PauseReason);
    let router = resource!(router, "quick-replies", QuickReply);
    let router = resource!(router, "articles", Article);
    let router = resource!(router, "business-hours", BusinessHours);
    let router = resource!(router, "channels", Channel);
    resource!(router, "webhooks", Webhook)
}

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
fn handle(request: http::Request<Vec<u8>>, out: spin_sdk::http::ResponseOutparam) {
    atende_shared::spin::serve(&router(), request, out)
}
