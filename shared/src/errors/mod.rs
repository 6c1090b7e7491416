//! The error policy of every Atende API.
//!
//! - Anything the caller can fix is an [`ApiError`] with a 4xx status, a stable machine `code`,
//!   a human `message`, and (for validation) the `field` at fault.
//! - Anything else is [`AppError::Unexpected`]: logged with its full context, answered as a
//!   plain 500 `internal` whose body never carries internal detail.
//! - Every response body for an error is the one envelope:
//!   `{"error": {"code": "...", "message": "...", "field": "..."}}`.
//! - The `code` is stable English for programs; the `message` is for people, in the request's
//!   language (`web::Request::language`: the one `Accept-Language` asks for, else the signed-in
//!   user's, else the company's), said from the catalog in [`messages`] where the error becomes
//!   a response.

pub mod messages;

use crate::enums::Language;
use crate::ports::{DbError, KvError};
use http::StatusCode;
pub use messages::Text;
use serde::Serialize;

/// A field at fault and why (the English reason in logs and CSV reports; localized in a
/// response).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    #[schema(value_type = String)]
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Text>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    /// In English (and so in the log); `message_in` says it in the request's language.
    pub message: Box<str>,
    pub field: Option<String>,
    pub details: Vec<FieldError>,
    pub retry_after_secs: Option<u32>,
    /// For the server's log only, never the response: what the request met (a busy
    /// database's statement).
    pub log: Option<Box<str>>,
    /// The message with its parameters, for the catalog; without it the catalog looks the
    /// English `message` up as it is, then the code.
    pub text: Option<Box<Text>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into().into_boxed_str(),
            field: None,
            details: Vec::new(),
            retry_after_secs: None,
            log: None,
            text: None,
        }
    }
    /// An error whose message has parameters the other languages place elsewhere.
    pub fn says(status: StatusCode, code: &'static str, text: Text) -> Self {
        let mut e = ApiError::new(status, code, text.english());
        e.text = Some(Box::new(text));
        e
    }
    /// The message in `language`: the error's own words from the catalog, else its code's.
    pub fn message_in(&self, language: Language) -> String {
        if language == Language::En {
            return self.message.to_string();
        }
        if let (Some(first), Some(field)) = (self.details.first(), self.field.as_deref()) {
            return format!("{field}: {}", first.message.as_reason(language));
        }
        self.text
            .as_ref()
            .and_then(|t| t.in_language(language))
            .or_else(|| Text::from(self.message.to_string()).in_language(language))
            .or_else(|| messages::code_says(self.code, language).map(str::to_owned))
            .unwrap_or_else(|| self.message.to_string())
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
    fn api(status: StatusCode, code: &'static str, message: impl Into<Text>) -> Self {
        AppError::Api(ApiError::says(status, code, message.into()))
    }
    pub fn bad_request(code: &'static str, message: impl Into<Text>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<Text>) -> Self {
        Self::api(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<Text>) -> Self {
        Self::api(StatusCode::FORBIDDEN, code, message)
    }
    pub fn not_found(what: &str) -> Self {
        AppError::Api(ApiError::says(
            StatusCode::NOT_FOUND,
            "not_found",
            Text::new("{what} not found").with("what", what),
        ))
    }
    pub fn conflict(code: &'static str, field: &str, message: impl Into<Text>) -> Self {
        AppError::Api(ApiError::says(StatusCode::CONFLICT, code, message.into()).with_field(field))
    }
    /// A single invalid field: 422 `validation_failed` naming it.
    pub fn invalid(field: &str, message: impl Into<Text>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, message)])
    }
    /// Several invalid fields at once; the message names the first.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let first = errors
            .first()
            .map(|e| format!("{}: {}", e.field, e.message.english()))
            .unwrap_or_else(|| "invalid input".to_owned());
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", first);
        e.field = errors.first().map(|f| f.field.clone());
        e.details = errors;
        AppError::Api(e)
    }
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = ApiError::says(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            Text::new("too many failed attempts; try again in {seconds} seconds")
                .with("seconds", retry_after_secs),
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
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<Detail<'a>>,
}

#[derive(Serialize)]
struct Detail<'a> {
    field: &'a str,
    message: String,
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

/// The one place an error becomes an HTTP response, its message in `language`; an unexpected
/// one is logged with its chain of context (`what we were doing: ... : cause`), never shown.
pub fn into_response(error: &AppError, language: Language) -> http::Response<Vec<u8>> {
    into_response_for(error, &serde_json::Value::Null, language)
}

/// As [`into_response`], the log line carrying `about` (the request id and route the router
/// knows) so it can be matched with the request's own line.
pub fn into_response_for(
    error: &AppError,
    about: &serde_json::Value,
    language: Language,
) -> http::Response<Vec<u8>> {
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
            message: api.message_in(language),
            field: api.field.as_deref(),
            details: api
                .details
                .iter()
                .map(|d| Detail {
                    field: &d.field,
                    message: if language == Language::En {
                        d.message.english()
                    } else {
                        d.message.as_reason(language)
                    },
                })
                .collect(),
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
        let r = into_response(&e, Language::En);
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
        let r = into_response(&e, Language::En);
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[http::header::RETRY_AFTER], "1");
        let body = String::from_utf8_lossy(r.body());
        assert!(!body.contains("INSERT"), "{body}");
    }

    #[test]
    fn validation_names_the_field() {
        let r = into_response(
            &AppError::invalid("email", "is not an e-mail address"),
            Language::En,
        );
        assert_eq!(r.status(), 422);
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap_or_default();
        assert_eq!(v["error"]["code"], "validation_failed");
        assert_eq!(v["error"]["field"], "email");
    }
}
