//! HTTP handlers: each turns a request into a domain call and its result into a response.
//! Components mount these in their route tables.

pub mod auth;
pub mod bot;
pub mod classifications;
pub mod clients;
pub mod config;
pub mod console;
pub mod groups;
pub mod hooks;
pub mod inbox;
pub mod login_failures;
pub mod platform;
pub mod reports;
pub mod routing;
pub mod site;
pub mod tokens;
pub mod users;
pub mod widget;

/// The page a list answers (`web::Page`), as the document describes its query parameters.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its parameters are used; `web::Page::from_query` reads them
pub struct PageParams {
    /// The `next` of the previous page (opaque); absent for the first page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// A file's bytes as a response body (`content_type` says which files): OpenAPI's binary string.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                utoipa::openapi::schema::KnownFormat::Binary,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}
