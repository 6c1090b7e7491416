//! Request and response helpers over the `http` crate's types: typed JSON bodies with size and
//! content-type checks, path and query parameters, bearer tokens, client address.

use crate::enums::Language;
use crate::errors::messages::reason;
use crate::errors::{AppError, AppResult, Text};
use http::{header, HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::Cell;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

pub type Response = http::Response<Vec<u8>>;

/// A body the host has written by a producer while the request's ports are still open: large
/// exports, whose rows are never all in memory at once. The host passes a writer that sends
/// each `write` on as one chunk (Spin's outgoing body stream; chunked HTTP/1.1 natively) and
/// sends the head with the first one, so an error before any write is still an error response;
/// after one, the host breaks the body off and the client sees a failed download (decision 0014).
pub type Producer =
    Box<dyn FnOnce(&crate::Ctx, &mut (dyn std::io::Write + Send)) -> AppResult<()> + Send>;

/// Where a streamed response keeps its [`Producer`]: in the response's extensions, so
/// [`Response`], the router and every other handler stay as they are.
#[derive(Clone)]
struct Streamed(Arc<Mutex<Option<Producer>>>);

/// A response whose body `producer` writes after `head` (status and headers) has been sent.
pub fn streamed(head: http::response::Builder, producer: Producer) -> AppResult<Response> {
    head.extension(Streamed(Arc::new(Mutex::new(Some(producer)))))
        .body(Vec::new())
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// The producer of a streamed response, taken out of it; `None` when the body is in the
/// response itself. Each host calls this once per response.
pub fn take_producer(response: &mut Response) -> Option<Producer> {
    let streamed = response.extensions_mut().remove::<Streamed>()?;
    let mut slot = streamed.0.lock().ok()?;
    slot.take()
}

/// Largest JSON body any API accepts.
pub const JSON_LIMIT: usize = 256 * 1024;
/// Largest CSV upload (bulk imports).
pub const CSV_LIMIT: usize = 2 * 1024 * 1024;

/// An incoming request plus the path parameters its route captured, and what authentication
/// learned of the caller's language.
#[derive(Debug)]
pub struct Request {
    inner: http::Request<Vec<u8>>,
    params: Vec<(&'static str, String)>,
    user_language: Cell<Option<Language>>,
    tenant_language: Cell<Option<Language>>,
}

impl Request {
    pub fn new(inner: http::Request<Vec<u8>>) -> Self {
        Request {
            inner,
            params: Vec::new(),
            user_language: Cell::new(None),
            tenant_language: Cell::new(None),
        }
    }
    /// Authentication's word: the signed-in user's language setting.
    pub fn set_user_language(&self, language: Language) {
        self.user_language.set(Some(language));
    }
    /// The company's default language, once its tenant is resolved.
    pub fn set_tenant_language(&self, language: Language) {
        self.tenant_language.set(Some(language));
    }
    /// The language people read this request's messages in: the one the client asks for in
    /// `Accept-Language` (the console sends the language it shows, so its messages match its
    /// screen), else the signed-in user's setting (what scripts and integrations get), else the
    /// company's default, else Portuguese (SPEC §1).
    pub fn language(&self) -> Language {
        accept_language(self.headers())
            .or(self.user_language.get())
            .or(self.tenant_language.get())
            .unwrap_or(Language::PtBr)
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
        serde_json::from_slice(self.body()).map_err(json_error)
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
            Err(AppError::Api(crate::errors::ApiError::says(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Text::new("expected Content-Type: {expected}").with("expected", expected),
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

/// A body serde could not read: not JSON (400), or not the shape (422, serde's own words kept
/// after a lead-in, and the field it names when it names one).
pub fn json_error(e: serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::Api(crate::errors::ApiError::says(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                Text::new("the body is not valid JSON: {detail}").with("detail", &e),
            ))
        }
        Category::Data => {
            let detail = e.to_string();
            let mut api = crate::errors::ApiError::says(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Text::new("the body does not have the expected fields: {detail}")
                    .with("detail", &detail),
            );
            // serde names the field in backquotes: "missing field `password`".
            if detail.starts_with("missing field") || detail.starts_with("unknown field") {
                api.field = detail.split('`').nth(1).map(str::to_owned);
            }
            AppError::Api(api)
        }
    }
}

/// The language `Accept-Language` asks for, of ours.
pub fn accept_language(headers: &HeaderMap) -> Option<Language> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::negotiate)
}

pub fn payload_too_large(limit: usize) -> AppError {
    AppError::Api(crate::errors::ApiError::says(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        Text::new("the body is larger than {limit} bytes").with("limit", limit),
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
                .map_err(|_| AppError::invalid(name, reason::not_valid_here(v))),
        }
    }
}

impl Query {
    /// The `status` filter every list accepts.
    pub fn status(&self) -> AppResult<Option<crate::enums::Status>> {
        use crate::enums::Status;
        self.get("status")
            .map(|s| {
                Status::parse(s)
                    .ok_or_else(|| AppError::invalid("status", reason::one_of(Status::expected())))
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

/// Pagination shared by every list endpoint: `limit` items (1 to 200, 50 unless asked) after
/// the `cursor` the previous page gave as `next`. The cursor is opaque to callers; today it
/// carries an offset, which a keyset may replace without any caller noticing.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    offset: i64,
    limit: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 200;
    pub const DEFAULT_LIMIT: i64 = 50;

    pub fn from_query(q: &Query) -> AppResult<Page> {
        // The numbered pages are gone; a caller still sending them would silently get the
        // first page, so it hears why instead.
        for old in ["page", "per_page"] {
            if q.get(old).is_some() {
                return Err(AppError::invalid(old, reason::USE_CURSOR));
            }
        }
        let limit = q.parse::<i64>("limit")?.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                reason::between(1, Self::MAX_LIMIT),
            ));
        }
        let offset = match q.get("cursor") {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .ok_or_else(|| AppError::invalid("cursor", reason::NEXT_CURSOR))?,
        };
        Ok(Page { offset, limit })
    }
    pub fn offset(&self) -> i64 {
        self.offset
    }
    /// Rows to read: one more than the page, which tells whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
    /// The page of `rows` (read with [`Page::fetch`]) and the cursor of the next, if any.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Paged<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        Paged {
            items: rows,
            next: more.then(|| encode_cursor(self.offset + self.limit)),
        }
    }
}

fn encode_cursor(offset: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix('o')?
        .parse()
        .ok()
        .filter(|o: &i64| *o >= 0)
}

/// A page of a list endpoint: its items and the `cursor` of the next page (`null` on the
/// last). The one shape of every list (`README.md`, "Pages").
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
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
