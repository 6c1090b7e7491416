//! The OpenAPI document, generated from the route tables ([decision 0012]).
//!
//! Every route a component's `Router` registers carries a [`Doc`]: the `Operation` that
//! `#[utoipa::path]` generated for its handler (or one built by a function, for generic
//! handlers), the schemas that operation refers to, and the error codes the handler can answer
//! beyond the ones every route of its kind shares. [`document`] walks the route tables and
//! writes one path item per (method, pattern): the route table, not the attribute, is the
//! source of the paths, and a `#[utoipa::path]` whose `path` or method disagrees with its
//! route is an error. What every route of a kind shares is added here, once:
//!
//! - the path parameters of the pattern the operation does not declare itself (`{id}` and
//!   `{..._id}` as integers, others as strings), and a 404 `not_found` for them;
//! - for a JSON request body: 400 `malformed_json`, 413 `payload_too_large`,
//!   415 `unsupported_media_type`, 422 `validation_failed` (what `Request::json` answers;
//!   webhooks, which read the provider's body whatever its content type, never answer 415);
//! - for routes behind a session or API token ([`Auth::Session`]): the bearer security
//!   requirement, the `X-Tenant` header, and the codes of `auth::authenticate` and
//!   `tenant::resolve`;
//! - for every route: 403 `insufficient_scope` (an API token sent where its scopes do not
//!   reach, `scope::refuse_uncovered`), 500 `internal` and 503 `busy`;
//! - the component's name as the tag when the operation names none.
//!
//! Each error status is documented as the one [`ErrorEnvelope`] with its `code` restricted to
//! the codes listed for that status, so the contract test (tests/api/contract.rs) fails when a
//! handler answers a code its route does not list.
//!
//! [decision 0012]: ../../docs/decisions/0012-openapi-from-the-route-tables.md

use crate::Router;
use http::Method;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    Components, Content, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, Response,
};
use utoipa::ToSchema;

/// The error codes a route answers beyond the shared ones: `(status, codes)`.
pub type Errors = &'static [(u16, &'static [&'static str])];

/// Schemas an operation refers to, by component name.
pub type SchemaList = Vec<(String, RefOr<Schema>)>;

/// The documentation a route carries into the document.
#[derive(Clone, Copy)]
pub struct Doc {
    operation: fn() -> Operation,
    schemas: fn(&mut SchemaList),
    /// The path and methods a `#[utoipa::path]` attribute names, checked against the route.
    declared: Option<fn() -> Declared>,
    errors: Errors,
}

impl Doc {
    /// The documentation `#[utoipa::path]` generated for a handler (`P` is its `__path_<fn>`).
    pub fn of<P: utoipa::Path + utoipa::__dev::SchemaReferences>(errors: Errors) -> Doc {
        Doc {
            operation: P::operation,
            schemas: <P as utoipa::__dev::SchemaReferences>::schemas,
            declared: Some(declared::<P>),
            errors,
        }
    }

    /// A documentation built by functions, for a generic handler (one per resource type):
    /// `operation` builds the operation, `schemas` pushes the schemas it refers to.
    pub fn built(
        operation: fn() -> Operation,
        schemas: fn(&mut SchemaList),
        errors: Errors,
    ) -> Doc {
        Doc {
            operation,
            schemas,
            declared: None,
            errors,
        }
    }
}

/// The path and methods an attribute names.
type Declared = (String, Vec<HttpMethod>);

fn declared<P: utoipa::Path>() -> Declared {
    (P::path(), P::methods())
}

/// Pushes `T`'s schema and every schema it refers to (for [`Doc::built`]).
pub fn push_schema<T: ToSchema>(schemas: &mut SchemaList) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// The page of a list whose items are `item`: the one shape of `web::Paged`, read from the
/// type, for operations built by functions (`#[utoipa::path]` says `body = Paged<T>`).
pub fn paged(item: RefOr<Schema>) -> RefOr<Schema> {
    let page = <crate::web::Paged<serde_json::Value> as utoipa::PartialSchema>::schema();
    let (Ok(mut page), Ok(item)) = (serde_json::to_value(page), serde_json::to_value(item)) else {
        return RefOr::T(Schema::default());
    };
    page["properties"]["items"]["items"] = item;
    serde_json::from_value(page).unwrap_or_else(|_| RefOr::T(Schema::default()))
}

/// The one error envelope every failure is answered with (`crate::errors::into_response`).
#[derive(ToSchema)]
#[allow(dead_code)] // only its schema is used; the envelope is written in `errors`
pub struct ErrorEnvelope {
    error: ErrorBody,
}

/// What went wrong: a stable English `code` for programs, a `message` for people.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    code: String,
    message: String,
    /// The first field at fault, for validation errors.
    field: Option<String>,
    /// Every field at fault, for validation errors.
    details: Option<Vec<crate::errors::FieldError>>,
}

/// Who may call a route, by its path (the same prefixes `auth` and `scope` apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A session or API token (`Authorization: Bearer`) of a user of the addressed company.
    Session,
    /// The platform operator's secret (`platform_secret`).
    Platform,
    /// The tick secret (`tick_secret`).
    Tick,
    /// No bearer credential: login, webhooks (signed by the provider), the web chat (its
    /// visitor token), the API description.
    Public,
}

impl Auth {
    pub fn of(pattern: &str) -> Auth {
        const SESSION: &[&str] = &[
            "/api/auth/",
            "/api/admin/",
            "/api/inbox/",
            "/api/reports/",
            "/api/bot/",
        ];
        if pattern == "/api/auth/login" {
            Auth::Public
        } else if SESSION.iter().any(|p| pattern.starts_with(p)) {
            Auth::Session
        } else if pattern.starts_with("/api/platform/") {
            Auth::Platform
        } else if pattern.starts_with("/internal/") {
            Auth::Tick
        } else {
            Auth::Public
        }
    }
    fn scheme(self) -> Option<&'static str> {
        match self {
            Auth::Session => Some("session"),
            Auth::Platform => Some("platform"),
            Auth::Tick => Some("tick"),
            Auth::Public => None,
        }
    }
}

/// The codes every authenticated route can answer (`auth::authenticate`, `tenant::resolve`).
const SESSION_ERRORS: Errors = &[
    (400, &["tenant_required"]),
    (
        401,
        &[
            "unauthenticated",
            "invalid_token",
            "session_expired",
            "session_revoked",
        ],
    ),
    (
        403,
        &[
            "forbidden",
            "password_change_required",
            "outside_working_hours",
            "tenant_inactive",
        ],
    ),
    (404, &["not_found"]),
];
const JSON_BODY_ERRORS: Errors = &[
    (400, &["malformed_json"]),
    (413, &["payload_too_large"]),
    (415, &["unsupported_media_type"]),
    (422, &["validation_failed"]),
];
const EVERY_ROUTE_ERRORS: Errors = &[
    (403, &["insufficient_scope"]),
    (500, &["internal"]),
    (503, &["busy"]),
];

/// The document of every documented route of `components`, or what is wrong with their
/// documentation (a declared path that is not the route's, a duplicate operation id).
pub fn document(components: &[(&str, &Router)]) -> Result<OpenApi, Vec<String>> {
    let mut problems = Vec::new();
    let mut paths = utoipa::openapi::path::Paths::new();
    let mut schemas = SchemaList::new();
    let mut ids = BTreeSet::new();
    let mut tags = BTreeSet::new();
    let mut sorted: Vec<_> = components.to_vec();
    sorted.sort_by_key(|(name, _)| *name);
    for (component, router) in sorted {
        for (method, pattern, doc) in router.entries() {
            let Some(http_method) = http_method(method) else {
                problems.push(format!("{method} {pattern}: no OpenAPI method"));
                continue;
            };
            let Some(doc) = doc else {
                // Until every component documents its routes: listed, with no promise.
                let mut operation = Operation::new();
                operation.tags = Some(vec![component.to_owned()]);
                operation.summary = Some("Not documented yet".to_owned());
                add_path_parameters(&mut operation, pattern);
                operation.responses.responses.insert(
                    "default".to_owned(),
                    Response::new("Not documented yet").into(),
                );
                tags.insert(component.to_owned());
                paths.add_path_operation(pattern, vec![http_method], operation);
                continue;
            };
            if let Some(declared) = doc.declared {
                let (path, methods) = declared();
                if path != pattern || !methods.contains(&http_method) {
                    problems.push(format!(
                        "{method} {pattern}: its #[utoipa::path] names another route ({path})"
                    ));
                }
            }
            let mut operation = (doc.operation)();
            (doc.schemas)(&mut schemas);
            complete(&mut operation, component, pattern, doc.errors);
            if let Some(id) = &operation.operation_id {
                if !ids.insert(id.clone()) {
                    problems.push(format!("{method} {pattern}: operation id {id} is taken"));
                }
            }
            tags.extend(operation.tags.iter().flatten().cloned());
            paths.add_path_operation(pattern, vec![http_method], operation);
        }
    }
    let mut components = Components::new();
    push_schema::<ErrorEnvelope>(&mut schemas);
    for (name, schema) in schemas {
        if let Some(known) = components.schemas.get(&name) {
            if *known != schema {
                problems.push(format!("two different schemas are named {name}"));
            }
            continue;
        }
        components.schemas.insert(name, schema);
    }
    for (name, what) in [
        (
            "session",
            "a session token (`POST /api/auth/login`) or an API token (`atk_...`)",
        ),
        (
            "platform",
            "the platform operator's secret (the `platform_secret` variable)",
        ),
        ("tick", "the tick secret (the `tick_secret` variable)"),
    ] {
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(what.to_owned());
        components
            .security_schemes
            .insert(name.to_owned(), SecurityScheme::Http(http));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let info = InfoBuilder::new()
        .title("Atende API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .build();
    Ok(OpenApiBuilder::new()
        .info(info)
        .paths(paths)
        .components(Some(components))
        .tags(Some(
            tags.into_iter()
                .map(utoipa::openapi::tag::Tag::new)
                .collect::<Vec<_>>(),
        ))
        .build())
}

const DESCRIPTION: &str = "Atende's HTTP API: the admins' configuration, the agents' inbox, \
reports, the external-bot API, channel webhooks and the web chat. Every failure answers the one \
error envelope `{\"error\": {\"code\", \"message\"}}`; each error status lists the codes it can \
carry. Lists are paged as the `Paged` schema describes. Generated from the route tables \
(`cargo run -p atende-tests --bin openapi -- --write`).";

/// Every (method, pattern) of `components` that carries no documentation yet.
pub fn undocumented(components: &[(&str, &Router)]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = components
        .iter()
        .flat_map(|(component, router)| {
            router
                .entries()
                .filter(|(_, _, doc)| doc.is_none())
                .map(|(m, p, _)| (component.to_string(), m.to_string(), p.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

fn http_method(method: &Method) -> Option<HttpMethod> {
    Some(match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::OPTIONS => HttpMethod::Options,
        Method::HEAD => HttpMethod::Head,
        _ => return None,
    })
}

/// Adds what every route of its kind shares (see the module's doc) to `operation`.
fn complete(operation: &mut Operation, component: &str, pattern: &str, errors: Errors) {
    let auth = Auth::of(pattern);
    if operation.tags.as_ref().is_none_or(|t| t.is_empty()) {
        operation.tags = Some(vec![component.to_owned()]);
    }
    let fn_name = operation.operation_id.take().unwrap_or_default();
    operation.operation_id = Some(format!("{component}_{fn_name}"));

    let path_params = add_path_parameters(operation, pattern);
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if auth == Auth::Session || pattern == "/api/auth/login" {
        let mut p = Parameter::new("X-Tenant");
        p.parameter_in = ParameterIn::Header;
        p.required = Required::False;
        p.description = Some(
            "The company's slug when the host name does not carry it \
             (`<company>.<base_domain>`); defaults to the `default_tenant` variable."
                .to_owned(),
        );
        p.schema = Some(ObjectBuilder::new().schema_type(Type::String).into());
        parameters.push(p);
    }
    if parameters.is_empty() {
        operation.parameters = None;
    }
    if let Some(scheme) = auth.scheme() {
        operation.security = Some(vec![SecurityRequirement::new::<_, _, &str>(scheme, [])]);
    }

    let mut codes: BTreeMap<u16, BTreeSet<&str>> = BTreeMap::new();
    let mut add = |list: Errors| {
        for (status, list) in list {
            codes.entry(*status).or_default().extend(list.iter());
        }
    };
    add(EVERY_ROUTE_ERRORS);
    add(errors);
    if auth == Auth::Session {
        add(SESSION_ERRORS);
    }
    if !path_params.is_empty() {
        add(&[(404, &["not_found"])]);
    }
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    if json_body {
        add(JSON_BODY_ERRORS);
        // Webhooks read the provider's body whatever content type it claims.
        if pattern.starts_with("/hooks/") {
            codes.remove(&415);
        }
    }
    for (status, codes) in codes {
        operation
            .responses
            .responses
            .insert(status.to_string(), error_response(&codes).into());
    }
}

/// Declares the pattern's parameters the operation does not declare itself (`{id}` and
/// `{..._id}` as integers, others as strings); returns their names.
fn add_path_parameters<'p>(operation: &mut Operation, pattern: &'p str) -> Vec<&'p str> {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let names: Vec<&str> = pattern
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    for name in &names {
        let declared = parameters
            .iter()
            .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path);
        if !declared {
            let kind = if *name == "id" || name.ends_with("_id") {
                Type::Integer
            } else {
                Type::String
            };
            let mut p = Parameter::new(*name);
            p.parameter_in = ParameterIn::Path;
            p.required = Required::True;
            p.schema = Some(ObjectBuilder::new().schema_type(kind).into());
            parameters.push(p);
        }
    }
    if parameters.is_empty() {
        operation.parameters = None;
    }
    names
}

/// The error envelope with `code` one of `codes`.
fn error_response(codes: &BTreeSet<&str>) -> Response {
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().copied()));
    let restriction =
        ObjectBuilder::new().property("error", ObjectBuilder::new().property("code", code));
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("ErrorEnvelope"))
        .item(restriction)
        .build();
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let mut response = Response::new(format!("The error envelope; code: {}", listed.join(", ")));
    response.content.insert(
        "application/json".to_owned(),
        Content::new(Some(Schema::AllOf(schema))),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Ctx;
    use crate::errors::AppResult;
    use crate::web::{no_content, Request, Response};

    /// Reads a conversation's figures.
    #[utoipa::path(get, path = "/api/reports/things/{id}",
        responses((status = 200, description = "The thing")))]
    fn thing(_: &Ctx, _: &Request) -> AppResult<Response> {
        no_content()
    }

    #[test]
    fn a_route_whose_attribute_names_another_path_is_refused() {
        let router = Router::new()
            .get("/api/reports/other/{id}", thing)
            .doc::<__path_thing>(&[]);
        let Err(problems) = document(&[("reports", &router)]) else {
            panic!("a mismatched attribute was accepted");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("GET /api/reports/other/{id}"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_shared_parameters_security_and_codes_are_added_by_the_kind_of_route() {
        let router = Router::new()
            .get("/api/reports/things/{id}", thing)
            .doc::<__path_thing>(&[(409, &["invalid_state"])]);
        let Ok(doc) = document(&[("reports", &router)]) else {
            panic!("the document was refused");
        };
        let doc = serde_json::to_value(&doc).unwrap_or_default();
        let op = &doc["paths"]["/api/reports/things/{id}"]["get"];
        assert_eq!(op["operationId"], "reports_thing");
        assert_eq!(op["tags"][0], "reports");
        assert_eq!(op["summary"], "Reads a conversation's figures.");
        assert_eq!(op["security"][0]["session"], serde_json::json!([]));
        let params: Vec<(&str, &str)> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or(""),
                    p["in"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(params, [("id", "path"), ("X-Tenant", "header")]);
        let codes = |status: &str| -> Vec<String> {
            op["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]
                ["properties"]["error"]["properties"]["code"]["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        };
        assert!(codes("401").contains(&"session_expired".to_owned()));
        assert_eq!(codes("404"), ["not_found"]);
        assert_eq!(codes("409"), ["invalid_state"]);
        assert_eq!(codes("503"), ["busy"]);
        // No JSON body: none of the body's codes.
        assert!(op["responses"]["415"].is_null());
    }
}
