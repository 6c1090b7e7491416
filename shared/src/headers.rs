//! The security headers every response gets, set in one place ([`crate::Router::dispatch`])
//! so both hosts and every component send the same:
//! - pages (HTML): a Content-Security-Policy with scripts from this origin only (no inline
//!   script; the pages keep theirs in files) and `frame-ancestors 'none'` — nothing of
//!   Atende is meant to be framed: the chat widget is a script the company's page loads, not
//!   a frame, and its API calls are CORS (`api::widget`);
//! - everything: `nosniff`, and no Referer sent on (tokens and ids appear in some URLs);
//! - APIs (`/api/`, `/widget/`, `/hooks/`, `/internal/`): `Cache-Control: no-store`, as they
//!   carry tokens and customers' data, unless the handler chose otherwise.

use http::header::{self, HeaderValue};

/// The policy of every page. Styles may be inline (the widget adds its stylesheet to the
/// page it runs on, the demo page included); scripts may not.
pub const PAGE_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// What is not a page is not meant to be rendered or framed at all.
pub const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

const API_PREFIXES: &[&str] = &["/api/", "/widget/", "/hooks/", "/internal/"];

pub fn apply(path: &str, response: &mut http::Response<Vec<u8>>) {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if html { PAGE_CSP } else { OTHER_CSP };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if html {
        // For browsers that predate frame-ancestors.
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if API_PREFIXES.iter().any(|p| path.starts_with(p))
        && !headers.contains_key(header::CACHE_CONTROL)
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
