//! A component's route table: method + path pattern (`/api/admin/users/{id}`) → handler, and
//! each route's documentation for the OpenAPI document (`crate::openapi`).
//!
//! # Documenting a route
//!
//! 1. Derive `utoipa::ToSchema` on the handler's request and response types (the types it
//!    serializes: no `serde_json::json!` responses), and annotate the handler in `shared/src/api`:
//!
//!    ```ignore
//!    /// Log in: a session token for the username and password (summary: first line).
//!    #[utoipa::path(post, path = "/api/auth/login", request_body = LoginBody,
//!        responses((status = 200, description = "Logged in", body = Session)))]
//!    pub fn login(ctx: &Ctx, req: &Request) -> AppResult<Response> { ... }
//!    ```
//!
//!    List only the success statuses there. The route table stays the source of paths: the
//!    attribute's `path` and method must equal the route's (the generator refuses otherwise).
//! 2. In the component's route table, follow the route with `.doc::<__path_fn>(errors)`,
//!    `errors` being the codes the handler answers *beyond* the shared ones (see
//!    `crate::openapi`: JSON-body, session, path-parameter, scope, 500 and 503 codes are
//!    added by the generator):
//!
//!    ```ignore
//!    .post("/api/auth/login", auth::login)
//!    .doc::<auth::__path_login>(&[(401, &["invalid_credentials"]), (429, &["too_many_attempts"])])
//!    ```
//! 3. A generic handler (`config::list::<R>`) cannot carry one attribute: build its operation in
//!    a function and attach it with `.doc_built(operation_fn, schemas_fn, errors)` — see
//!    `api::config::docs` and the `tags` resource in the admin component.
//! 4. `cargo run -p atende-tests --bin openapi -- --write` rewrites docs/openapi.json; the
//!    contract test then checks every response of the API suite against it.
//!
//! A route registered without `.doc` still works but is listed as undocumented (the test
//! `openapi::every_route_is_documented` fails while any is).

use crate::context::Ctx;
use crate::errors::{into_response, AppError, AppResult, Text};
use crate::openapi::{Doc, Errors, SchemaList};
use crate::web::{Request, Response};
use http::{Method, StatusCode};

pub type Handler = fn(&Ctx, &Request) -> AppResult<Response>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

struct Route {
    method: Method,
    pattern: &'static str,
    segments: Vec<Segment>,
    handler: Handler,
    doc: Option<Doc>,
}

#[derive(Default)]
pub struct Router {
    routes: Vec<Route>,
    /// Serves every path no route matches (static files); not an API route.
    fallback: Option<Handler>,
}

impl Router {
    pub fn new() -> Self {
        Router::default()
    }

    pub fn route(mut self, method: Method, pattern: &'static str, handler: Handler) -> Self {
        let segments = pattern
            .trim_matches('/')
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name),
                    None => Segment::Literal(s),
                },
            )
            .collect();
        self.routes.push(Route {
            method,
            pattern,
            segments,
            handler,
            doc: None,
        });
        self
    }
    pub fn fallback(mut self, handler: Handler) -> Self {
        self.fallback = Some(handler);
        self
    }
    pub fn get(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::GET, pattern, handler)
    }
    pub fn post(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::POST, pattern, handler)
    }
    pub fn patch(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::PATCH, pattern, handler)
    }
    pub fn put(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::PUT, pattern, handler)
    }
    pub fn delete(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::DELETE, pattern, handler)
    }

    /// Documents the route registered last with the operation `#[utoipa::path]` generated
    /// for its handler (`P` is the handler's `__path_<fn>`), plus the error codes it answers
    /// beyond the shared ones.
    pub fn doc<P: utoipa::Path + utoipa::__dev::SchemaReferences>(self, errors: Errors) -> Self {
        self.with_doc(Doc::of::<P>(errors))
    }

    /// Documents the route registered last with an operation built by `operation` (generic
    /// handlers), `schemas` pushing the schemas it refers to.
    pub fn doc_built(
        self,
        operation: fn() -> utoipa::openapi::path::Operation,
        schemas: fn(&mut SchemaList),
        errors: Errors,
    ) -> Self {
        self.with_doc(Doc::built(operation, schemas, errors))
    }

    /// The documentation is kept only where the document is generated (natively): a
    /// component under Spin would otherwise carry every operation's schema builders and their
    /// text into each request's instance, for nothing (docs/decisions/0016).
    #[cfg(not(target_arch = "wasm32"))]
    fn with_doc(mut self, doc: Doc) -> Self {
        if let Some(last) = self.routes.last_mut() {
            last.doc = Some(doc);
        }
        self
    }
    #[cfg(target_arch = "wasm32")]
    fn with_doc(self, _doc: Doc) -> Self {
        self
    }

    /// Every (method, pattern) this router serves: the OpenAPI document must list each.
    pub fn routes(&self) -> impl Iterator<Item = (&Method, &'static str)> {
        self.routes.iter().map(|r| (&r.method, r.pattern))
    }

    /// Every route with its documentation, if it has any yet.
    pub fn entries(&self) -> impl Iterator<Item = (&Method, &'static str, Option<&Doc>)> {
        self.routes
            .iter()
            .map(|r| (&r.method, r.pattern, r.doc.as_ref()))
    }

    /// Runs the matching handler; every failure becomes the JSON error envelope, and every
    /// answer gets the security headers (`crate::headers`), an `x-request-id`, and one JSON log
    /// line (request id, tenant, method, route, status, duration) unless it is marked
    /// [`crate::log::Quiet`] (an idle poll).
    pub fn dispatch(&self, ctx: &Ctx, request: http::Request<Vec<u8>>) -> Response {
        let started = std::time::Instant::now();
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        let id = request_id(ctx, &request);
        let tenant = request
            .headers()
            .get("x-tenant")
            .or_else(|| request.headers().get(http::header::HOST))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (mut response, route) = self.route_request(ctx, request, &id);
        crate::headers::apply(&path, &mut response);
        if let Ok(v) = http::HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", v);
        }
        let quiet = response.status().is_success()
            && response.extensions().get::<crate::log::Quiet>().is_some();
        if quiet {
            return response;
        }
        crate::log::event(
            "request",
            &serde_json::json!({
                "request_id": id,
                "tenant": tenant,
                "method": method.as_str(),
                "route": route.unwrap_or("(static or unmatched)"),
                "path": path,
                "status": response.status().as_u16(),
                "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
            }),
        );
        response
    }

    fn route_request(
        &self,
        ctx: &Ctx,
        request: http::Request<Vec<u8>>,
        id: &str,
    ) -> (Response, Option<&'static str>) {
        let mut request = Request::new(request);
        let path: Vec<String> = request
            .path()
            .trim_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        // The methods the path has, for the `Allow` of a 405 (RFC 9110).
        let mut allowed: Vec<&str> = Vec::new();
        for route in &self.routes {
            let Some(params) = match_segments(&route.segments, &path) else {
                continue;
            };
            if route.method != request.method() {
                allowed.push(route.method.as_str());
                continue;
            }
            request.set_params(params);
            if let Err(refused) = crate::scope::refuse_uncovered(&request) {
                return (
                    into_response(&refused, request.language()),
                    Some(route.pattern),
                );
            }
            let response = match (route.handler)(ctx, &request) {
                Ok(response) => response,
                Err(error) => {
                    crate::errors::log_failure(&route.method, route.pattern, &error);
                    crate::errors::into_response_for(
                        &error,
                        &serde_json::json!({"request_id": id, "method": request.method().as_str(), "route": route.pattern}),
                        request.language(),
                    )
                }
            };
            return (response, Some(route.pattern));
        }
        let path_matched = !allowed.is_empty();
        let static_path = !is_api_path(request.path());
        if let (Some(fallback), false, true) = (self.fallback, path_matched, static_path) {
            let response = match fallback(ctx, &request) {
                Ok(response) => response,
                Err(error) => into_response(&error, request.language()),
            };
            return (response, None);
        }
        let error = if path_matched {
            AppError::Api(crate::errors::ApiError::says(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                Text::new("{method} is not allowed on {path}")
                    .with("method", request.method())
                    .with("path", request.path()),
            ))
        } else {
            AppError::Api(route_not_found(request.path()))
        };
        let mut response = into_response(&error, request.language());
        if path_matched {
            allowed.sort_unstable();
            allowed.dedup();
            if let Ok(v) = http::HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(http::header::ALLOW, v);
            }
        }
        (response, None)
    }
}

pub fn route_not_found(path: &str) -> crate::errors::ApiError {
    crate::errors::ApiError::says(
        StatusCode::NOT_FOUND,
        "route_not_found",
        Text::new("no route for {path}").with("path", path),
    )
}

/// Paths a program calls: an unknown one is a JSON `route_not_found`, never the static-file
/// fallback's `file not found` (the web component's `/...` route catches every API prefix
/// spin.toml does not give to another component).
pub fn is_api_path(path: &str) -> bool {
    ["/api", "/internal", "/hooks"].iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The caller's `x-request-id` when it is a sane one (a proxy's), else a new random one.
fn request_id(ctx: &Ctx, request: &http::Request<Vec<u8>>) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(
            || {
                ctx.random_bytes::<8>()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            },
            str::to_owned,
        )
}

fn match_segments(pattern: &[Segment], path: &[String]) -> Option<Vec<(&'static str, String)>> {
    if pattern.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (segment, actual) in pattern.iter().zip(path) {
        match segment {
            Segment::Literal(l) if *l == actual => {}
            Segment::Literal(_) => return None,
            Segment::Param(name) if !actual.is_empty() => params.push((*name, actual.clone())),
            Segment::Param(_) => return None,
        }
    }
    Some(params)
}
