//! A component's route table: method + path pattern (`/api/admin/users/{id}`) → handler.

use crate::context::Ctx;
use crate::errors::{into_response, AppError, AppResult};
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

    /// Runs the matching handler; every failure becomes the JSON error envelope.
    pub fn dispatch(&self, ctx: &Ctx, request: http::Request<Vec<u8>>) -> Response {
        let mut request = Request::new(request);
        let path: Vec<String> = request
            .path()
            .trim_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        let mut path_matched = false;
        for route in &self.routes {
            let Some(params) = match_segments(&route.segments, &path) else {
                continue;
            };
            path_matched = true;
            if route.method != request.method() {
                continue;
            }
            request.set_params(params);
            return match (route.handler)(ctx, &request) {
                Ok(response) => response,
                Err(error) => {
                    crate::errors::log_failure(&route.method, route.pattern, &error);
                    into_response(&error)
                }
            };
        }
        if let (Some(fallback), false) = (self.fallback, path_matched) {
            return match fallback(ctx, &request) {
                Ok(response) => response,
                Err(error) => into_response(&error),
            };
        }
        let error = if path_matched {
            AppError::Api(crate::errors::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} is not allowed on {}", request.method(), request.path()),
            ))
        } else {
            AppError::Api(crate::errors::ApiError::new(
                StatusCode::NOT_FOUND,
                "route_not_found",
                format!("no route for {}", request.path()),
            ))
        };
        into_response(&error)
    }
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
