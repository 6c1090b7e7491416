//! The native adapter, for the local host and the tests: SQLite files through rusqlite, the
//! key-value store as a table in its own SQLite file, outbound HTTP through ureq.

use crate::ports::{
    DbError, HttpClient, HttpError, KeyValue, KvError, Rows, Sql, Value, Variables,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Open connections kept for reuse; a request checks one out, as Spin gives it a fresh one.
///
/// SQLite admits one writer at a time, and a writer that finds the database locked sleeps in
/// growing steps (up to 100 ms) before it tries again — under load that sleeping, not the
/// work, sets throughput and tail latency. So writers of this process queue on `writer`
/// instead: a transaction holds it from `BEGIN` to `COMMIT`/`ROLLBACK`, a lone write statement
/// for its own length. Readers never take it (WAL lets them read during a write).
pub struct SqlitePool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    writer: Mutex<()>,
}

fn map_error(e: rusqlite::Error) -> DbError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::DatabaseBusy => {
            DbError::Busy(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation => {
            DbError::Constraint(e.to_string())
        }
        _ => DbError::Other(e.to_string()),
    }
}

impl SqlitePool {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let pool = SqlitePool {
            path: path.as_ref().to_path_buf(),
            idle: Mutex::new(Vec::new()),
            writer: Mutex::new(()),
        };
        // Open once now so a bad path fails at start, not on the first request.
        let conn = pool.connect()?;
        pool.release(conn);
        Ok(pool)
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let conn = Connection::open(&self.path).map_err(map_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(map_error)?;
        // The same per-connection setting the Spin adapter makes (ARCHITECTURE.md).
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(map_error)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Copies the write-ahead log back into the database without blocking writers (PASSIVE);
    /// the local host calls it every second.
    pub fn checkpoint(&self) -> Result<(), DbError> {
        let conn = self.get()?;
        conn.run("PRAGMA wal_checkpoint(PASSIVE)", &[])?;
        Ok(())
    }

    pub fn get(&self) -> Result<PooledConnection<'_>, DbError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(c) => c,
            None => self.connect()?,
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool: self,
            writing: RefCell::new(None),
        })
    }

    fn release(&self, conn: Connection) {
        // A connection left inside a transaction (a handler that failed mid-way) is dropped,
        // which rolls it back, rather than handed to the next request.
        if !conn.is_autocommit() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < 64 {
                idle.push(conn);
            }
        }
    }
}

pub struct PooledConnection<'a> {
    conn: Option<Connection>,
    pool: &'a SqlitePool,
    /// Held while this connection is inside a write transaction.
    writing: RefCell<Option<MutexGuard<'a, ()>>>,
}

/// What a statement does to the write lock.
enum Writes {
    Begin,
    End,
    Statement,
    None,
}

fn writes(sql: &str) -> Writes {
    let head: String = sql
        .trim_start()
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    if head.starts_with("BEGIN") {
        Writes::Begin
    } else if head.starts_with("COMMIT") || head.starts_with("ROLLBACK") || head.starts_with("END")
    {
        Writes::End
    } else if [
        "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "PRAGMA",
    ]
    .iter()
    .any(|w| head.starts_with(w))
    {
        Writes::Statement
    } else {
        Writes::None
    }
}

impl<'a> PooledConnection<'a> {
    fn lock_writer(&self) -> MutexGuard<'a, ()> {
        // A panic elsewhere while holding the lock leaves SQLite itself consistent.
        self.pool
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        self.writing.borrow_mut().take();
        if let Some(conn) = self.conn.take() {
            self.pool.release(conn);
        }
    }
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Integer(i) => V::Integer(*i),
        Value::Real(f) => V::Real(*f),
        Value::Text(s) => V::Text(s.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl Sql for PooledConnection<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let in_transaction = self.writing.borrow().is_some();
        match writes(sql) {
            Writes::Begin if !in_transaction => {
                let guard = self.lock_writer();
                let result = self.run(sql, params);
                if result.is_ok() {
                    *self.writing.borrow_mut() = Some(guard);
                }
                result
            }
            Writes::End => {
                let result = self.run(sql, params);
                self.writing.borrow_mut().take();
                result
            }
            Writes::Statement if !in_transaction => {
                let _guard = self.lock_writer();
                self.run(sql, params)
            }
            _ => self.run(sql, params),
        }
    }
}

impl PooledConnection<'_> {
    fn run(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| DbError::Other("connection already released".into()))?;
        let mut stmt = conn.prepare_cached(sql).map_err(map_error)?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let params = rusqlite::params_from_iter(params.iter().map(to_sql));
        if columns.is_empty() {
            stmt.execute(params).map_err(map_error)?;
            return Ok(Rows::default());
        }
        let mut rows = stmt.query(params).map_err(map_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(map_error)? {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                values.push(from_sql(row.get_ref(i).map_err(map_error)?));
            }
            out.push(values);
        }
        Ok(Rows { columns, rows: out })
    }
}

/// The key-value store as a table of its own SQLite file.
pub struct SqliteKv {
    pool: SqlitePool,
}

impl SqliteKv {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let pool = SqlitePool::open(path)?;
        {
            let conn = pool.get()?;
            conn.execute("PRAGMA journal_mode = WAL", &[])?;
            conn.execute(
                "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
                &[],
            )?;
        }
        Ok(SqliteKv { pool })
    }

    pub fn checkpoint(&self) -> Result<(), DbError> {
        self.pool.checkpoint()
    }

    fn run(&self, sql: &str, params: &[Value]) -> Result<Rows, KvError> {
        let conn = self.pool.get().map_err(|e| KvError(e.to_string()))?;
        conn.execute(sql, params)
            .map_err(|e| KvError(e.to_string()))
    }
}

impl KeyValue for SqliteKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let rows = self.run("SELECT value FROM kv WHERE key = ?", &[key.into()])?;
        Ok(rows
            .rows
            .into_iter()
            .next()
            .and_then(|r| match r.into_iter().next() {
                Some(Value::Blob(b)) => Some(b),
                Some(Value::Text(t)) => Some(t.into_bytes()),
                _ => None,
            }))
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.run(
            "INSERT INTO kv (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[key.into(), Value::Blob(value.to_vec())],
        )
        .map(|_| ())
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.run("DELETE FROM kv WHERE key = ?", &[key.into()])
            .map(|_| ())
    }
}

/// Variables resolved the way `spin up` does: manifest defaults, then `SPIN_VARIABLE_<NAME>`.
#[derive(Debug, Clone, Default)]
pub struct MapVariables(pub HashMap<String, String>);

impl MapVariables {
    pub fn from_defaults_and_env(defaults: HashMap<String, String>) -> Self {
        let mut values = defaults;
        for (key, value) in std::env::vars() {
            if let Some(name) = key.strip_prefix("SPIN_VARIABLE_") {
                values.insert(name.to_lowercase(), value);
            }
        }
        MapVariables(values)
    }
}

impl Variables for MapVariables {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// Outbound HTTP with bounded time, so a slow provider cannot hold a worker forever.
pub struct UreqClient {
    agent: ureq::Agent,
}

impl Default for UreqClient {
    fn default() -> Self {
        UreqClient {
            agent: ureq::AgentBuilder::new()
                .timeout_connect(Duration::from_secs(5))
                .timeout(Duration::from_secs(20))
                .build(),
        }
    }
}

impl HttpClient for UreqClient {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        let (parts, body) = request.into_parts();
        let mut call = self
            .agent
            .request(parts.method.as_str(), &parts.uri.to_string());
        for (name, value) in &parts.headers {
            if let Ok(v) = value.to_str() {
                call = call.set(name.as_str(), v);
            }
        }
        let response = match call.send_bytes(&body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(HttpError(e.to_string())),
        };
        let mut builder = http::Response::builder().status(response.status());
        for name in response.headers_names() {
            if let Some(v) = response.header(&name) {
                builder = builder.header(name.as_str(), v);
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader().take_limit(), &mut bytes)
            .map_err(|e| HttpError(e.to_string()))?;
        builder.body(bytes).map_err(|e| HttpError(e.to_string()))
    }
}

trait TakeLimit: std::io::Read + Sized {
    /// Responses we read are small API answers; never buffer more than 10 MiB.
    fn take_limit(self) -> std::io::Take<Self> {
        std::io::Read::take(self, 10 * 1024 * 1024)
    }
}
impl<R: std::io::Read> TakeLimit for R {}
