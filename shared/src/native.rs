//! The native adapter, for the local host and the tests: SQLite files through rusqlite, the
//! key-value store as a table in its own SQLite file, outbound HTTP through ureq.

use crate::ports::{
    DbError, HttpClient, HttpError, KeyValue, KvError, Rows, Sql, Value, Variables,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode};
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Open connections kept for reuse for reads; writes go through one writer connection.
///
/// SQLite admits one writer at a time, and committing costs more than the statements of a
/// small transaction (each dirty page is written to the WAL; see docs/decisions/0004). So
/// writers of this process take turns on one connection and commit together: the first
/// opens a write transaction, each request's transaction runs inside it as a savepoint, and
/// whoever finishes last — no other writer waiting, or the batch full or old — commits for
/// all. A request's `COMMIT` returns only once the batch holding its writes has committed,
/// so nothing is acknowledged before it is stored; a request that rolls back undoes only its
/// own savepoint. Readers outside a transaction use their own connections (WAL lets them read
/// during a write) and see committed data only.
pub struct SqlitePool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    writer: Mutex<Writer>,
    /// Threads waiting for `writer`: while there are any, a finishing writer leaves the batch
    /// open for them instead of committing.
    waiting: AtomicUsize,
    settled: Mutex<Settled>,
    settled_changed: Condvar,
}

/// A batch commits once it has this many members or is this old, even with writers waiting.
const BATCH_MEMBERS: usize = 64;
const BATCH_AGE: Duration = Duration::from_millis(10);

/// A checkpoint copies in at most this many passes before holding writers for the rest; a
/// pass this quick leaves too little behind to be worth another.
const CHECKPOINT_PASSES: usize = 3;
const SHORT_PASS: Duration = Duration::from_millis(10);
const RESTART_WAIT: Duration = Duration::from_millis(20);
/// How long a statement waits for a lock held by another process before failing.
const BUSY_WAIT: Duration = Duration::from_secs(5);

struct Writer {
    conn: Connection,
    batch: Option<Batch>,
    next_generation: u64,
}

struct Batch {
    generation: u64,
    /// Requests whose savepoints were released into the batch and who wait for its commit.
    members: usize,
    started: Instant,
}

/// Batches are committed in generation order, one at a time.
#[derive(Default)]
struct Settled {
    through: u64,
    /// The recent batches that failed to commit, with the reason.
    failures: VecDeque<(u64, String)>,
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

fn connect(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path).map_err(map_error)?;
    conn.busy_timeout(BUSY_WAIT).map_err(map_error)?;
    // `synchronous` is the setting the Spin adapter makes too (ARCHITECTURE.md). Checkpoints
    // are the scheduler's job (`checkpoint`, every second), not a commit's. No memory map:
    // SQLite unmaps it whenever another connection has committed since this one last read,
    // which under steady writes is every read (a munmap and its TLB flush each time).
    // Recursive triggers are on as in Spin's SQLite (compiled with DEFAULT_RECURSIVE_TRIGGERS),
    // so a trigger that could re-fire itself fails here first.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
         PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; PRAGMA recursive_triggers = ON;",
    )
    .map_err(map_error)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqlitePool {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let path = path.as_ref().to_path_buf();
        // Opening the writer now also makes a bad path fail at start, not on a request.
        let writer = connect(&path)?;
        Ok(SqlitePool {
            path,
            idle: Mutex::new(Vec::new()),
            writer: Mutex::new(Writer {
                conn: writer,
                batch: None,
                next_generation: 1,
            }),
            waiting: AtomicUsize::new(0),
            settled: Mutex::new(Settled::default()),
            settled_changed: Condvar::new(),
        })
    }

    /// Copies the write-ahead log back into the database and starts it over; the local host
    /// calls it every second.
    ///
    /// Under steady writes a PASSIVE checkpoint never catches up with the log (a batch
    /// commits every few milliseconds), and SQLite rewinds the log only when a write starts
    /// with every frame copied — so the file grew without end (2 GB in 20 seconds at 5,000
    /// messages a second), each commit paying for new disk blocks. So the log is copied
    /// while writers go on, in passes until one is short (each pass copies what arrived
    /// during the one before), and only the last few frames between two batches, with the
    /// writer held, restarting the log: the next commits overwrite it from the top. Writers
    /// wait for that last step only, 5–20 ms at full load (docs/decisions/0006).
    pub fn checkpoint(&self) -> Result<(), DbError> {
        {
            let conn = self.get()?;
            for _ in 0..CHECKPOINT_PASSES {
                let started = Instant::now();
                conn.run("PRAGMA wal_checkpoint(PASSIVE)", &[])?;
                if started.elapsed() < SHORT_PASS {
                    break;
                }
            }
        }
        let mut writer = lock(&self.writer);
        // A batch left open for a writer about to join: its members are waiting for the
        // commit (a failure reaches them, not the checkpoint).
        self.commit(&mut writer);
        // A restart waits for readers still on the old log; a long one (a report) must not
        // hold writers up, so after a short wait the log is simply left for the next time.
        let conn = &writer.conn;
        conn.busy_timeout(RESTART_WAIT).map_err(map_error)?;
        let restarted = conn.execute_batch("PRAGMA wal_checkpoint(RESTART)");
        conn.busy_timeout(BUSY_WAIT).map_err(map_error)?;
        restarted.map_err(map_error)
    }

    pub fn get(&self) -> Result<PooledConnection<'_>, DbError> {
        let reused = lock(&self.idle).pop();
        let conn = match reused {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool: self,
            writing: RefCell::new(None),
        })
    }

    fn release(&self, conn: Connection) {
        // Reads never leave a transaction open, but a connection that somehow did is dropped
        // (which rolls it back) rather than handed to the next request.
        if !conn.is_autocommit() {
            return;
        }
        let mut idle = lock(&self.idle);
        if idle.len() < 64 {
            idle.push(conn);
        }
    }

    /// Takes the writer and opens a savepoint for one request, in the open batch or a new one.
    fn join(&self) -> Result<MutexGuard<'_, Writer>, DbError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut writer = lock(&self.writer);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        if writer.batch.is_none() {
            writer
                .conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(map_error)?;
            let generation = writer.next_generation;
            writer.next_generation += 1;
            writer.batch = Some(Batch {
                generation,
                members: 0,
                started: Instant::now(),
            });
        }
        if let Err(e) = writer.conn.execute_batch("SAVEPOINT request") {
            self.leave(writer, false)?;
            return Err(map_error(e));
        }
        Ok(writer)
    }

    /// Ends a request's savepoint — kept in the batch or undone — and, when nobody else is
    /// waiting to write, commits the batch. Returns once the request's writes are committed.
    fn leave(&self, mut writer: MutexGuard<'_, Writer>, keep: bool) -> Result<(), DbError> {
        let Some(generation) = writer.batch.as_ref().map(|b| b.generation) else {
            return Ok(());
        };
        let mut outcome = Ok(());
        let mut kept = false;
        if writer.conn.is_autocommit() {
            // SQLite rolled the whole transaction back (I/O error, full disk): everything the
            // batch held is gone, so every member is told.
            writer.batch = None;
            let reason = "the write transaction was rolled back by the database".to_owned();
            self.settle(generation, Some(reason.clone()));
            return Err(DbError::Other(reason));
        }
        if keep {
            match writer.conn.execute_batch("RELEASE request") {
                Ok(()) => kept = true,
                Err(e) => outcome = Err(map_error(e)),
            }
        }
        if !kept {
            // Undo this request only; what earlier members wrote stays in the batch.
            let _ = writer
                .conn
                .execute_batch("ROLLBACK TO request; RELEASE request");
        }
        let batch = writer
            .batch
            .as_mut()
            .ok_or_else(|| DbError::Other("the write batch disappeared while held".into()))?;
        if kept {
            batch.members += 1;
        }
        let commit_now = self.waiting.load(Ordering::SeqCst) == 0
            || batch.members >= BATCH_MEMBERS
            || batch.started.elapsed() >= BATCH_AGE;
        if commit_now {
            let failure = self.commit(&mut writer);
            drop(writer);
            return match (kept, failure) {
                (true, Some(reason)) => Err(DbError::from_message(reason)),
                _ => outcome,
            };
        }
        drop(writer);
        if kept {
            self.wait_settled(generation)
        } else {
            outcome
        }
    }

    /// Commits the open batch (or rolls back an empty one) and tells its members.
    fn commit(&self, writer: &mut Writer) -> Option<String> {
        let batch = writer.batch.take()?;
        let failure = if batch.members == 0 {
            writer.conn.execute_batch("ROLLBACK").err()
        } else {
            writer.conn.execute_batch("COMMIT").err().inspect(|_| {
                let _ = writer.conn.execute_batch("ROLLBACK");
            })
        }
        .map(|e| e.to_string());
        self.settle(batch.generation, failure.clone());
        failure
    }

    fn settle(&self, generation: u64, failure: Option<String>) {
        let mut settled = lock(&self.settled);
        settled.through = settled.through.max(generation);
        if let Some(reason) = failure {
            settled.failures.push_back((generation, reason));
            if settled.failures.len() > 32 {
                settled.failures.pop_front();
            }
        }
        drop(settled);
        self.settled_changed.notify_all();
    }

    fn wait_settled(&self, generation: u64) -> Result<(), DbError> {
        let mut settled = lock(&self.settled);
        while settled.through < generation {
            settled = self
                .settled_changed
                .wait(settled)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        match settled.failures.iter().find(|(g, _)| *g == generation) {
            Some((_, reason)) => Err(DbError::from_message(reason.clone())),
            None => Ok(()),
        }
    }
}

/// A panic elsewhere while holding one of these locks leaves SQLite itself consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct PooledConnection<'a> {
    conn: Option<Connection>,
    pool: &'a SqlitePool,
    /// The writer, held while this request is inside a write transaction.
    writing: RefCell<Option<MutexGuard<'a, Writer>>>,
}

/// What a statement does to the write path.
enum Writes {
    Begin,
    Commit,
    Rollback,
    Statement,
    /// Reads, and PRAGMAs (which run on the request's own connection).
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
    } else if head.starts_with("COMMIT") || head.starts_with("END") {
        Writes::Commit
    } else if head.starts_with("ROLLBACK") {
        Writes::Rollback
    } else if [
        "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER",
    ]
    .iter()
    .any(|w| head.starts_with(w))
    {
        Writes::Statement
    } else {
        Writes::None
    }
}

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        // A handler that failed inside its transaction without rolling back.
        if let Some(writer) = self.writing.borrow_mut().take() {
            let _ = self.pool.leave(writer, false);
        }
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
        let mut writing = self.writing.borrow_mut();
        if let Some(writer) = writing.as_ref() {
            return match writes(sql) {
                Writes::Begin => Err(DbError::Other(
                    "cannot start a transaction within a transaction".into(),
                )),
                Writes::Commit | Writes::Rollback => {
                    let keep = matches!(writes(sql), Writes::Commit);
                    let writer = writing.take().ok_or_else(|| {
                        DbError::Other("the writer was released while held".into())
                    })?;
                    drop(writing);
                    self.pool.leave(writer, keep).map(|()| Rows::default())
                }
                Writes::Statement | Writes::None => run(&writer.conn, sql, params),
            };
        }
        match writes(sql) {
            Writes::Begin => {
                *writing = Some(self.pool.join()?);
                Ok(Rows::default())
            }
            Writes::Commit => Err(DbError::Other(
                "cannot commit - no transaction is active".into(),
            )),
            // Nothing is open: the batch already undid or committed everything of ours.
            Writes::Rollback => Ok(Rows::default()),
            Writes::Statement => {
                drop(writing);
                let writer = self.pool.join()?;
                let result = run(&writer.conn, sql, params);
                let left = self.pool.leave(writer, result.is_ok());
                let rows = result?;
                left.map(|()| rows)
            }
            Writes::None => self.run(sql, params),
        }
    }
}

impl PooledConnection<'_> {
    fn run(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| DbError::Other("connection already released".into()))?;
        run(conn, sql, params)
    }
}

fn run(conn: &Connection, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
    run_statement(conn, sql, params).map_err(|e| e.at_statement(sql))
}

fn run_statement(conn: &Connection, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
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

/// Outbound calls go to providers and customers' systems from delivery workers: a host that
/// does not accept a connection soon is down, and one that has not answered within the total
/// holds a worker for no more than that (its item is retried with back-off).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(8);

/// Outbound HTTP with bounded time, so a slow provider cannot hold a worker forever.
pub struct UreqClient {
    agent: ureq::Agent,
}

impl Default for UreqClient {
    fn default() -> Self {
        UreqClient {
            agent: ureq::AgentBuilder::new()
                .timeout_connect(CONNECT_TIMEOUT)
                .timeout(TOTAL_TIMEOUT)
                .build(),
        }
    }
}

impl HttpClient for UreqClient {
    /// One thread a request (blocking I/O), so the slowest sets the time, not the sum.
    fn send_all(
        &self,
        requests: Vec<http::Request<Vec<u8>>>,
    ) -> Vec<Result<http::Response<Vec<u8>>, HttpError>> {
        if requests.len() < 2 {
            return requests.into_iter().map(|r| self.send(r)).collect();
        }
        std::thread::scope(|scope| {
            let calls: Vec<_> = requests
                .into_iter()
                .map(|r| scope.spawn(move || self.send(r)))
                .collect();
            calls
                .into_iter()
                .map(|c| {
                    c.join()
                        .unwrap_or_else(|_| Err(HttpError("the sending thread panicked".into())))
                })
                .collect()
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::scalar_i64;
    use std::sync::Barrier;

    fn pool() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = SqlitePool::open(dir.path().join("t.sqlite")).expect("open");
        let conn = pool.get().expect("conn");
        conn.execute("PRAGMA journal_mode = WAL", &[]).expect("wal");
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)", &[])
            .expect("table");
        drop(conn);
        (dir, pool)
    }

    fn count(pool: &SqlitePool) -> i64 {
        let conn = pool.get().expect("conn");
        scalar_i64(&conn.execute("SELECT COUNT(*) FROM t", &[]).expect("count")).expect("n")
    }

    /// Many writers at once share commits, yet each one's COMMIT returns only when its row
    /// can be read from another connection, and a writer that rolls back loses only its own.
    #[test]
    fn concurrent_transactions_commit_together_and_roll_back_alone() {
        let (_dir, pool) = pool();
        let start = Barrier::new(16);
        std::thread::scope(|s| {
            for t in 0..16_i64 {
                let (pool, start) = (&pool, &start);
                s.spawn(move || {
                    start.wait();
                    for i in 0..50_i64 {
                        let n = t * 1000 + i;
                        let conn = pool.get().expect("conn");
                        conn.execute("BEGIN IMMEDIATE", &[]).expect("begin");
                        conn.execute("INSERT INTO t (n) VALUES (?)", &[n.into()])
                            .expect("insert");
                        if i % 5 == 0 {
                            conn.execute("ROLLBACK", &[]).expect("rollback");
                            continue;
                        }
                        conn.execute("COMMIT", &[]).expect("commit");
                        // Read on a different connection: committed, not just written.
                        let other = pool.get().expect("other");
                        let seen = other
                            .run("SELECT COUNT(*) FROM t WHERE n = ?", &[n.into()])
                            .expect("read");
                        assert_eq!(scalar_i64(&seen).expect("n"), 1, "row {n} not committed");
                    }
                });
            }
        });
        assert_eq!(count(&pool), 16 * 40);
    }

    #[test]
    fn a_request_dropped_inside_its_transaction_is_undone() {
        let (_dir, pool) = pool();
        {
            let conn = pool.get().expect("conn");
            conn.execute("BEGIN IMMEDIATE", &[]).expect("begin");
            conn.execute("INSERT INTO t (n) VALUES (1)", &[])
                .expect("insert");
        }
        assert_eq!(count(&pool), 0);
        let conn = pool.get().expect("conn");
        conn.execute("INSERT INTO t (n) VALUES (2)", &[])
            .expect("a later write still works");
        assert_eq!(count(&pool), 1);
    }

    #[test]
    fn a_failed_statement_inside_a_transaction_leaves_the_rest_usable() {
        let (_dir, pool) = pool();
        let conn = pool.get().expect("conn");
        conn.execute("INSERT INTO t (n) VALUES (1)", &[])
            .expect("insert");
        conn.execute("BEGIN IMMEDIATE", &[]).expect("begin");
        let err = conn
            .execute("INSERT INTO t (n) VALUES (1)", &[])
            .expect_err("duplicate key");
        assert!(matches!(err, DbError::Constraint(_)));
        conn.execute("INSERT INTO t (n) VALUES (3)", &[])
            .expect("insert");
        conn.execute("COMMIT", &[]).expect("commit");
        assert!(
            conn.execute("COMMIT", &[]).is_err(),
            "nothing left to commit"
        );
        assert_eq!(count(&pool), 2);
    }

    /// Frames in the write-ahead log, as a checkpoint reports them.
    fn log_frames(pool: &SqlitePool) -> i64 {
        let conn = pool.get().expect("conn");
        let rows = conn
            .run("PRAGMA wal_checkpoint(PASSIVE)", &[])
            .expect("checkpoint");
        match rows.rows.first().and_then(|r| r.get(1)) {
            Some(Value::Integer(n)) => *n,
            other => panic!("no log size in {other:?}"),
        }
    }

    /// After a checkpoint the next commit writes the log from its start, so the log stays
    /// the size of what was written since, not of everything ever written.
    #[test]
    fn a_checkpoint_rewinds_the_log() {
        let (_dir, pool) = pool();
        for n in 0..200_i64 {
            pool.get()
                .expect("conn")
                .execute("INSERT INTO t (n) VALUES (?)", &[n.into()])
                .expect("insert");
        }
        let before = log_frames(&pool);
        assert!(before >= 200, "each commit adds a frame: {before}");
        pool.checkpoint().expect("checkpoint");
        pool.get()
            .expect("conn")
            .execute("INSERT INTO t (n) VALUES (1000)", &[])
            .expect("insert");
        let after = log_frames(&pool);
        assert!(after < 10, "the log went on from frame {before}: {after}");
        assert_eq!(count(&pool), 201);
    }

    /// A batch left open for a writer about to join is committed by a checkpoint that takes
    /// the writer first, and its member's COMMIT returns.
    #[test]
    fn a_checkpoint_commits_the_open_batch() {
        let (_dir, pool) = pool();
        // A writer on its way: the member below leaves the batch open for it.
        pool.waiting.fetch_add(1, Ordering::SeqCst);
        let (committed, done) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let pool = &pool;
            s.spawn(move || {
                let conn = pool.get().expect("conn");
                conn.execute("BEGIN IMMEDIATE", &[]).expect("begin");
                conn.execute("INSERT INTO t (n) VALUES (7)", &[])
                    .expect("insert");
                let outcome = conn.execute("COMMIT", &[]).map(|_| ());
                committed.send(outcome).expect("send");
            });
            // The member is waiting for a commit nobody else will make.
            while lock(&pool.writer)
                .batch
                .as_ref()
                .is_none_or(|b| b.members == 0)
            {
                std::thread::yield_now();
            }
            assert!(done.try_recv().is_err(), "committed before the checkpoint");
            assert_eq!(count(pool), 0);
            pool.checkpoint().expect("checkpoint");
            let outcome = done.recv_timeout(Duration::from_secs(10));
            if outcome.is_err() {
                // Let the member go, so the failure is reported rather than hung on.
                pool.commit(&mut lock(&pool.writer));
                panic!("the member's COMMIT did not return after the checkpoint");
            }
            assert!(matches!(outcome, Ok(Ok(()))), "{outcome:?}");
            assert_eq!(count(pool), 1);
        });
        pool.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    /// A reader holding an old snapshot (a long report) keeps the log from restarting, but
    /// the checkpoint gives up on the restart quickly instead of holding writers for it.
    #[test]
    fn a_long_reader_does_not_hold_writers_through_a_checkpoint() {
        let (dir, pool) = pool();
        let write = |n: i64| {
            pool.get()
                .expect("conn")
                .execute("INSERT INTO t (n) VALUES (?)", &[n.into()])
                .expect("insert")
        };
        write(1);
        let reader = Connection::open(dir.path().join("t.sqlite")).expect("reader");
        reader
            .execute_batch("BEGIN; SELECT COUNT(*) FROM t;")
            .expect("snapshot");
        write(2);
        let started = Instant::now();
        pool.checkpoint().expect("checkpoint");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "writers were held {:?}",
            started.elapsed()
        );
        write(3);
        let seen: i64 = reader
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("read");
        assert_eq!(seen, 1, "the reader keeps its snapshot");
        reader.execute_batch("COMMIT").expect("end read");
        assert_eq!(count(&pool), 3);
    }
}
