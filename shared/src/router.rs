//! A component's route table: method + path pattern (`/api/admin/users/{id}`) → handler.

use crate::context::Ctx;
use crate::errors::{into_response, AppError, AppResult, Text};
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

    /// Every (method, pattern) this router serves: the OpenAPI document must list each.
    pub fn routes(&self) -> impl Iterator<Item = (&Method, &'static str)> {
        self.routes.iter().map(|r| (&r.method, r.pattern))
    }

    /// Runs the matching handler; every failure becomes the JSON error envelope, and every
    /// answer gets the security headers (`crate::headers`), an `x-request-id`, and one JSON log
    /// line (request id, tenant, method, route, status, duration).
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
