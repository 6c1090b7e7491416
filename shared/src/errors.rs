//! The error policy of every Atende API.
//!
//! - Anything the caller can fix is an [`ApiError`] with a 4xx status, a stable machine `code`,
//!   a human `message`, and (for validation) the `field` at fault.
//! - Anything else is [`AppError::Unexpected`]: logged with its full context, answered as a
//!   plain 500 `internal` whose body never carries internal detail.
//! - Every response body for an error is the one envelope:
//!   `{"error": {"code": "...", "message": "...", "field": "..."}}`.

use crate::ports::{DbError, KvError};
use http::StatusCode;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub details: Vec<FieldError>,
    pub retry_after_secs: Option<u32>,
    /// For the server's log only, never the response: what the request met (a busy
    /// database's statement).
    pub log: Option<Box<str>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
            retry_after_secs: None,
            log: None,
        }
    }
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}: {}", .0.code, .0.message)]
    Api(ApiError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn api(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Api(ApiError::new(status, code, message))
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::api(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::api(StatusCode::FORBIDDEN, code, message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::api(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn conflict(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        AppError::Api(ApiError::new(StatusCode::CONFLICT, code, message).with_field(field))
    }
    /// A single invalid field: 422 `validation_failed` naming it.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: {message}"),
        )
        .with_field(field);
        e.details.push(FieldError {
            field: field.to_owned(),
            message,
        });
        AppError::Api(e)
    }
    /// Several invalid fields at once; the message names the first.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let first = errors
            .first()
            .map(|e| format!("{}: {}", e.field, e.message))
            .unwrap_or_else(|| "invalid input".to_owned());
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", first);
        e.field = errors.first().map(|f| f.field.clone());
        e.details = errors;
        AppError::Api(e)
    }
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts; try again in {retry_after_secs} seconds"),
        );
        e.retry_after_secs = Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX));
        AppError::Api(e)
    }
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Api(e) => e.code,
            AppError::Unexpected(_) => "internal",
        }
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::Api(e)
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            // Lock contention past the host's wait: the caller may simply retry.
            DbError::Busy(detail) => {
                let mut api = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the service is busy; retry shortly",
                );
                api.retry_after_secs = Some(1);
                api.log = Some(detail.into_boxed_str());
                AppError::Api(api)
            }
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl From<KvError> for AppError {
    fn from(e: KvError) -> Self {
        AppError::Unexpected(anyhow::Error::new(e))
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    details: &'a [FieldError],
}

/// Logs an answer the operator should hear of (a busy database) with the route that met it
/// and its detail; the caller's own mistakes (4xx) are not logged, and internal errors are
/// logged by [`into_response`].
pub fn log_failure(method: &http::Method, route: &str, error: &AppError) {
    if let AppError::Api(ApiError {
        status,
        code,
        log: Some(detail),
        ..
    }) = error
    {
        eprintln!("{} {code}: {method} {route}: {detail}", status.as_u16());
    }
}

/// The one place an error becomes an HTTP response; an unexpected one is logged with its
/// chain of context (`what we were doing: ... : cause`), never shown.
pub fn into_response(error: &AppError) -> http::Response<Vec<u8>> {
    into_response_for(error, &serde_json::Value::Null)
}

/// As [`into_response`], the log line carrying `about` (the request id and route the router
/// knows) so it can be matched with the request's own line.
pub fn into_response_for(error: &AppError, about: &serde_json::Value) -> http::Response<Vec<u8>> {
    let internal;
    let api = match error {
        AppError::Api(api) => api,
        AppError::Unexpected(e) => {
            let mut line = serde_json::json!({"level": "error", "error": format!("{e:#}")});
            if let serde_json::Value::Object(fields) = about {
                for (k, v) in fields {
                    line[k] = v.clone();
                }
            }
            crate::log::event("internal_error", &line);
            internal = ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "an internal error occurred",
            );
            &internal
        }
    };
    let body = serde_json::to_vec(&Envelope {
        error: Body {
            code: api.code,
            message: &api.message,
            field: api.field.as_deref(),
            details: &api.details,
        },
    })
    .unwrap_or_default();
    let mut builder = http::Response::builder()
        .status(api.status)
        .header(http::header::CONTENT_TYPE, "application/json");
    if let Some(secs) = api.retry_after_secs {
        builder = builder.header(http::header::RETRY_AFTER, secs.to_string());
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = http::Response::new(Vec::new());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_errors_do_not_leak_detail() {
        let e = AppError::Unexpected(anyhow::anyhow!("secret path /var/db"));
        let r = into_response(&e);
        assert_eq!(r.status(), 500);
        let body = String::from_utf8_lossy(r.body());
        assert_eq!(
            body,
            r#"{"error":{"code":"internal","message":"an internal error occurred"}}"#
        );
    }

    #[test]
    fn a_busy_database_is_503_with_retry_after_and_logs_the_statement_only() {
        let busy = crate::ports::DbError::from_message("database is locked".into())
            .at_statement("INSERT INTO messages (body)\n   VALUES (?)");
        let e = AppError::from(busy);
        let AppError::Api(api) = &e else {
            panic!("busy is an API answer: {e}");
        };
        assert_eq!(
            api.log.as_deref(),
            Some("database is locked; at `INSERT INTO messages (body) VALUES (?)`")
        );
        let r = into_response(&e);
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[http::header::RETRY_AFTER], "1");
        let body = String::from_utf8_lossy(r.body());
        assert!(!body.contains("INSERT"), "{body}");
    }

    #[test]
    fn validation_names_the_field() {
        let r = into_response(&AppError::invalid("email", "is not an e-mail address"));
        assert_eq!(r.status(), 422);
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap_or_default();
        assert_eq!(v["error"]["code"], "validation_failed");
        assert_eq!(v["error"]["field"], "email");
    }
}
