//! What a host provides, as small traits. `shared` never talks to a host directly: Spin
//! implements these over spin-sdk (`crate::spin`), the local host and the tests natively
//! (`crate::native`). Time is only ever read through [`Clock`], so tests can move it.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A SQLite value as both hosts exchange it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Integer(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The result of one statement: column names and rows of values.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database stayed locked by other writers for longer than the host waits.
    #[error("database busy: {0}")]
    Busy(String),
    #[error("constraint violated: {0}")]
    Constraint(String),
    #[error("database error: {0}")]
    Other(String),
    #[error("cannot decode column {column}: {reason}")]
    Decode { column: String, reason: String },
}

impl DbError {
    /// Classifies a host's error text; both hosts surface SQLite's own messages.
    pub fn from_message(message: String) -> Self {
        let lower = message.to_ascii_lowercase();
        if lower.contains("constraint failed") {
            DbError::Constraint(message)
        } else if lower.contains("database is locked") || lower.contains("busy") {
            DbError::Busy(message)
        } else {
            DbError::Other(message)
        }
    }
}

impl DbError {
    /// Names the statement a busy error met, so the log says what the request was writing.
    pub fn at_statement(self, sql: &str) -> Self {
        match self {
            DbError::Busy(message) => {
                let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = line.chars().take(120).collect();
                DbError::Busy(format!("{message}; at `{short}`"))
            }
            other => other,
        }
    }
}

/// One SQL connection for the duration of a request (Spin opens a fresh one per request; the
/// local host checks one out of a pool), so `BEGIN IMMEDIATE ... COMMIT` spans statements.
pub trait Sql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError>;

    /// Called by long batch work (the tick's distribution) between its transactions, with how
    /// long the last one held the write lock. Where other writers wait for it in SQLite's
    /// sleeping busy handler (Spin), the host pauses about as long, so a waiting writer's
    /// next try finds the lock free; where writers queue in the process (the local host,
    /// docs/decisions/0004), nothing waits.
    fn let_writers_in(&self, _held: std::time::Duration) {}
}

#[derive(Debug, thiserror::Error)]
#[error("key-value store error: {0}")]
pub struct KvError(pub String);

/// Holds only what can be rebuilt or may expire (sessions, counters, caches); it has no TTL
/// and no atomics on every host, so values carry their own expiry.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
    /// Several keys at once, in their order. Under Spin one call costs what one `get` does
    /// (docs/decisions/0016); elsewhere it may be a `get` each.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        keys.iter().map(|k| self.get(k)).collect()
    }
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub trait Random {
    fn fill(&self, buf: &mut [u8]);
}

#[derive(Debug, thiserror::Error)]
#[error("outbound HTTP failed: {0}")]
pub struct HttpError(pub String);

pub trait HttpClient {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError>;

    /// Sends the requests at once (the caller bounds how many) and answers in their order,
    /// each within the adapter's timeouts. By default one after another.
    fn send_all(
        &self,
        requests: Vec<http::Request<Vec<u8>>>,
    ) -> Vec<Result<http::Response<Vec<u8>>, HttpError>> {
        requests.into_iter().map(|r| self.send(r)).collect()
    }
}

/// Spin variables: manifest defaults, overridden by the host (`SPIN_VARIABLE_<NAME>`).
pub trait Variables {
    fn get(&self, name: &str) -> Option<String>;
}

/// Wall-clock time from the operating system (works on wasm32-wasip1 too).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests move by hand: `advance` jumps time so a test can cross a deadline exactly.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(AtomicI64::new(start.timestamp_millis())))
    }
    pub fn advance(&self, by: chrono::Duration) {
        self.0.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn set(&self, to: DateTime<Utc>) {
        self.0.store(to.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0.load(Ordering::SeqCst))
            .single()
            .unwrap_or_default()
    }
}

/// Randomness from the host's CSPRNG (`random_get` on WASI).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        if let Err(e) = getrandom::getrandom(buf) {
            // No entropy means no safe tokens; nothing sensible can continue.
            panic!("the host has no randomness source: {e}");
        }
    }
}
