//! The OpenAPI document and static files (`web/`), for the web component.

use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::web::{Request, Response};
use http::{header, StatusCode};
use std::path::{Component, Path, PathBuf};

pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The API description
///
/// This document: OpenAPI 3.1, generated from the route tables and the Rust types.
#[utoipa::path(get, path = "/api/openapi.json",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
pub fn openapi(_ctx: &Ctx, _req: &Request) -> AppResult<Response> {
    http::Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(OPENAPI.as_bytes().to_vec())
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// The API reference
///
/// A page that renders this document for a person: operations by tag, their parameters and
/// schemas (`web/api-docs/`).
#[utoipa::path(get, path = "/api/docs",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub fn docs(ctx: &Ctx, _req: &Request) -> AppResult<Response> {
    let page = std::fs::read(ctx.files_root.join("api-docs/index.html"))
        .map_err(|_| AppError::not_found("page"))?;
    http::Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(page)
        .map_err(|e| AppError::Unexpected(e.into()))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under the web root for a URL path; `..` and absolute parts never leave the root.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in Path::new(url_path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

pub fn static_file(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    if req.method() != http::Method::GET && req.method() != http::Method::HEAD {
        return Err(AppError::Api(crate::errors::ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "static files are read-only",
        )));
    }
    let path = resolve(ctx.files_root, req.path()).ok_or_else(|| AppError::not_found("file"))?;
    let bytes = std::fs::read(&path).map_err(|_| AppError::not_found("file"))?;
    http::Response::builder()
        .header(header::CONTENT_TYPE, content_type(&path))
        .header(header::CACHE_CONTROL, "no-cache")
        .body(bytes)
        .map_err(|e| AppError::Unexpected(e.into()))
}
