//! What an API token may reach. The scope a request needs is derived here from its method and
//! path alone, before any handler runs, so a new route cannot forget the check: a route no
//! scope covers is refused to every token (default-deny). Sessions are not concerned; their
//! limits are the user's profile.

use crate::errors::{AppError, AppResult};
use crate::web::Request;
use http::Method;

pub const CONFIG_READ: &str = "config:read";
pub const CONFIG_WRITE: &str = "config:write";
pub const INBOX_READ: &str = "inbox:read";
pub const INBOX_WRITE: &str = "inbox:write";
pub const REPORTS_READ: &str = "reports:read";
pub const BOTS: &str = "bots";

/// Every scope a token can be given.
pub const ALL: &[&str] = &[
    CONFIG_READ,
    CONFIG_WRITE,
    INBOX_READ,
    INBOX_WRITE,
    REPORTS_READ,
    BOTS,
];

/// The scopes any one of which lets a token make this request; `None` when none does.
/// A write scope also reads what it writes.
pub fn accepted(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let read = method == Method::GET;
    // Tokens are made by people: a token that could mint tokens could widen its own scopes.
    if under("/api/admin/tokens") {
        None
    } else if under("/api/admin") {
        Some(if read {
            &[CONFIG_READ, CONFIG_WRITE]
        } else {
            &[CONFIG_WRITE]
        })
    } else if under("/api/inbox") {
        Some(if read {
            &[INBOX_READ, INBOX_WRITE]
        } else {
            &[INBOX_WRITE]
        })
    } else if under("/api/reports") {
        Some(&[REPORTS_READ])
    } else if under("/api/bot") {
        Some(&[BOTS])
    } else if read && path.trim_end_matches('/') == "/api/auth/me" {
        Some(ALL)
    } else {
        None
    }
}

/// Whether the request carries an API token (not a session or any other bearer secret).
fn carries_token(req: &Request) -> bool {
    req.bearer_token()
        .is_some_and(|t| t.starts_with(crate::token::PREFIX))
}

fn insufficient(method: &Method, path: &str) -> AppError {
    AppError::forbidden(
        "insufficient_scope",
        crate::errors::Text::new("this token's scopes do not allow {method} {path}")
            .with("method", method)
            .with("path", path),
    )
}

/// Refuses, before its handler runs, a token sent to a route no scope covers — including
/// routes that never read a token (webhooks, the widget, the platform API).
pub fn refuse_uncovered(req: &Request) -> AppResult<()> {
    if carries_token(req) && accepted(req.method(), req.path()).is_none() {
        return Err(insufficient(req.method(), req.path()));
    }
    Ok(())
}

/// 403 `insufficient_scope` unless one of the token's `scopes` covers this request.
pub fn require(scopes: &[String], req: &Request) -> AppResult<()> {
    let covered = accepted(req.method(), req.path())
        .is_some_and(|accepted| scopes.iter().any(|s| accepted.contains(&s.as_str())));
    if covered {
        Ok(())
    } else {
        Err(insufficient(req.method(), req.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments_only() {
        assert!(accepted(&Method::GET, "/api/admin/groups").is_some());
        assert!(accepted(&Method::GET, "/api/administrators").is_none());
        assert!(accepted(&Method::GET, "/api/inboxes").is_none());
        assert!(accepted(&Method::POST, "/api/bots").is_none());
        assert_eq!(
            accepted(&Method::POST, "/api/bot/conversations/1/messages"),
            Some(&[BOTS][..])
        );
        assert!(accepted(&Method::GET, "/api/admin/tokens/3").is_none());
        assert!(accepted(&Method::POST, "/api/auth/me").is_none());
    }

    #[test]
    fn writes_need_the_write_scope_and_reads_take_either() {
        assert_eq!(
            accepted(&Method::PATCH, "/api/admin/tags/1"),
            Some(&[CONFIG_WRITE][..])
        );
        assert_eq!(
            accepted(&Method::GET, "/api/inbox/conversations"),
            Some(&[INBOX_READ, INBOX_WRITE][..])
        );
        assert_eq!(
            accepted(&Method::DELETE, "/api/inbox/conversations/1/favourite"),
            Some(&[INBOX_WRITE][..])
        );
    }
}
