//! Request and response helpers over the `http` crate's types: typed JSON bodies with size and
//! content-type checks, path and query parameters, bearer tokens, client address.

use crate::errors::{AppError, AppResult};
use http::{header, HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::str::FromStr;

pub type Response = http::Response<Vec<u8>>;

/// Largest JSON body any API accepts.
pub const JSON_LIMIT: usize = 256 * 1024;
/// Largest CSV upload (bulk imports).
pub const CSV_LIMIT: usize = 2 * 1024 * 1024;

/// An incoming request plus the path parameters its route captured.
#[derive(Debug)]
pub struct Request {
    inner: http::Request<Vec<u8>>,
    params: Vec<(&'static str, String)>,
}

impl Request {
    pub fn new(inner: http::Request<Vec<u8>>) -> Self {
        Request {
            inner,
            params: Vec::new(),
        }
    }
    pub(crate) fn set_params(&mut self, params: Vec<(&'static str, String)>) {
        self.params = params;
    }
    pub fn method(&self) -> &Method {
        self.inner.method()
    }
    pub fn path(&self) -> &str {
        self.inner.uri().path()
    }
    pub fn path_and_query(&self) -> &str {
        self.inner
            .uri()
            .path_and_query()
            .map_or_else(|| self.path(), |p| p.as_str())
    }
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }
    pub fn body(&self) -> &[u8] {
        self.inner.body()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// A path parameter such as `{id}`; an unparsable one means no such resource.
    pub fn param<T: FromStr>(&self, name: &str) -> AppResult<T> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| AppError::not_found("resource"))
    }

    pub fn query(&self) -> Query {
        Query(
            form_urlencoded::parse(self.inner.uri().query().unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The body as `T`: requires a JSON content type, a body under [`JSON_LIMIT`], well-formed
    /// JSON (400) and the right shape (422, with serde's words for what is wrong).
    pub fn json<T: DeserializeOwned>(&self) -> AppResult<T> {
        self.json_within(JSON_LIMIT)
    }

    /// [`Request::json`] with another size limit (a body that carries a file).
    pub fn json_within<T: DeserializeOwned>(&self, limit: usize) -> AppResult<T> {
        self.require_content_type("application/json")?;
        self.require_size(limit)?;
        serde_json::from_slice(self.body()).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Syntax | Category::Eof | Category::Io => AppError::bad_request(
                    "malformed_json",
                    format!("the body is not valid JSON: {e}"),
                ),
                Category::Data => AppError::Api(crate::errors::ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    e.to_string(),
                )),
            }
        })
    }

    /// The body as UTF-8 text of the given media type (CSV imports), BOM removed.
    pub fn text(&self, media_type: &str, limit: usize) -> AppResult<&str> {
        self.require_content_type(media_type)?;
        self.require_size(limit)?;
        let text = std::str::from_utf8(self.body())
            .map_err(|_| AppError::bad_request("invalid_encoding", "the body must be UTF-8"))?;
        Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
    }

    pub fn require_size(&self, limit: usize) -> AppResult<()> {
        if self.body().len() > limit {
            return Err(payload_too_large(limit));
        }
        Ok(())
    }

    fn require_content_type(&self, expected: &str) -> AppResult<()> {
        let actual = self.header(header::CONTENT_TYPE.as_str()).unwrap_or("");
        let media = actual.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(AppError::Api(crate::errors::ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("expected Content-Type: {expected}"),
            )))
        }
    }

    /// The token of an `Authorization: Bearer <token>` header.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header(header::AUTHORIZATION.as_str())?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }

    /// The caller's address as Spin reports it (`spin-client-addr`, `ip:port`), without port.
    pub fn client_ip(&self) -> String {
        let raw = self.header("spin-client-addr").unwrap_or("unknown");
        match raw.parse::<std::net::SocketAddr>() {
            Ok(addr) => addr.ip().to_string(),
            Err(_) => raw.to_owned(),
        }
    }

    /// The host name the caller used (without port), for tenant resolution.
    pub fn host(&self) -> Option<String> {
        let host = self
            .header(header::HOST.as_str())
            .map(str::to_owned)
            .or_else(|| self.inner.uri().host().map(str::to_owned))?;
        let name = host.rsplit_once(':').map_or(host.as_str(), |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host.as_str()
            }
        });
        Some(name.to_ascii_lowercase())
    }
}

pub fn payload_too_large(limit: usize) -> AppError {
    AppError::Api(crate::errors::ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body is larger than {limit} bytes"),
    ))
}

/// Query-string parameters.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
    /// A typed parameter; present but unparsable is a 422 naming it.
    pub fn parse<T: FromStr>(&self, name: &str) -> AppResult<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(name, format!("'{v}' is not valid here"))),
        }
    }
}

impl Query {
    /// The `status` filter every list accepts.
    pub fn status(&self) -> AppResult<Option<crate::enums::Status>> {
        use crate::enums::Status;
        self.get("status")
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    AppError::invalid("status", format!("must be one of {}", Status::expected()))
                })
            })
            .transpose()
    }
}

/// A CSV reader for an uploaded file: `;` (spreadsheets in pt-BR and es locales) or `,`
/// separated, whichever the header line uses more; rows may have fewer cells.
pub fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// Pagination shared by every list endpoint: `page` from 1, `per_page` up to 200.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub const MAX_PER_PAGE: u32 = 200;
    pub fn from_query(q: &Query) -> AppResult<Page> {
        let page = q.parse::<u32>("page")?.unwrap_or(1);
        let per_page = q.parse::<u32>("per_page")?.unwrap_or(50);
        if page == 0 {
            return Err(AppError::invalid("page", "pages start at 1"));
        }
        if per_page == 0 || per_page > Self::MAX_PER_PAGE {
            return Err(AppError::invalid(
                "per_page",
                format!("must be between 1 and {}", Self::MAX_PER_PAGE),
            ));
        }
        Ok(Page { page, per_page })
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

/// A page of a list endpoint, with the total that matched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> AppResult<Response> {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Unexpected(e.into()))?;
    http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| AppError::Unexpected(e.into()))
}

pub fn ok<T: Serialize>(value: &T) -> AppResult<Response> {
    json(StatusCode::OK, value)
}

pub fn created<T: Serialize>(value: &T) -> AppResult<Response> {
    json(StatusCode::CREATED, value)
}

pub fn no_content() -> AppResult<Response> {
    http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Vec::new())
        .map_err(|e| AppError::Unexpected(e.into()))
}
