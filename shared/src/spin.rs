//! The Spin adapter: the ports over spin-sdk 5.2.0's `fermyon:spin@2.0.0` interfaces, and the
//! entry every component's `#[http_component]` calls. Compiled only for wasm32.

use crate::context::Ctx;
use crate::enums::Language;
use crate::errors::{into_response, AppError};
use crate::ports::{
    DbError, HttpClient, HttpError, KeyValue, KvError, OsRandom, Rows, Sql, SystemClock, Value,
    Variables,
};
use crate::router::Router;
use spin_sdk::http::{Headers, OutgoingBody, OutgoingResponse, ResponseOutparam};
use spin_sdk::sqlite::{Connection, Value as SpinValue};
use spin_sdk::wit::wasi::keyvalue::batch as kv_batch;
use spin_sdk::wit::wasi::keyvalue::store::{self as kv_store, Bucket, Error as KvHostError};
use std::io::Write as _;
use std::path::Path;
use wasi::io::streams::{OutputStream, StreamError};

/// Largest request body any route reads; bigger ones are refused before routing.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The request's database connection, opened at its first statement: a request that finds
/// all it needs in the key-value store (an idle agent's poll, docs/decisions/0016) never pays
/// for SQLite's connection, the schema's parsing and the two statements every connection
/// starts with.
struct SpinSql {
    conn: std::cell::OnceCell<Connection>,
    /// The connection is set up for writing: `synchronous = NORMAL` and a busy timeout of
    /// [`BUSY_SLICE_MS`] (set before the first write).
    sliced: std::cell::Cell<bool>,
    /// Between a `BEGIN` and its `COMMIT` or `ROLLBACK`: the write lock is this request's.
    in_transaction: std::cell::Cell<bool>,
    /// The schema's version was checked (by the connection's first statement).
    checked: std::cell::Cell<bool>,
}

/// How long one try of a write waits in SQLite's busy handler before the adapter tries the
/// statement again. SQLite's handler sleeps 1, 2, 5, 10, 15, 20 … 100 ms between its checks of
/// the lock, so a writer that has waited a third of a second looks only every 100 ms and
/// misses the lock that others take and release within a few: under 64 senders the median
/// first message took 29 ms and a few starved for the whole five seconds that Spin's
/// connection (rusqlite's default) waits, answering 503. Short tries restart that schedule,
/// so a writer keeps looking every few milliseconds however long it has waited
/// (docs/decisions/0016).
const BUSY_SLICE_MS: u32 = 20;

/// How long a statement outside a transaction (or a `BEGIN`) is tried before the request
/// answers 503 busy: the five seconds of Spin's own connection.
const BUSY_GIVE_UP: std::time::Duration = std::time::Duration::from_secs(5);

impl SpinSql {
    fn connection(&self) -> Result<&Connection, DbError> {
        if let Some(c) = self.conn.get() {
            return Ok(c);
        }
        let conn = Connection::open_default()
            .map_err(|e| DbError::from_message(format!("opening the database: {e:?}")))?;
        Ok(self.conn.get_or_init(|| conn))
    }
}

impl Sql for SpinSql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        // Every connection reads the schema's version itself, with its first statement
        // (docs/decisions/0020). A finding kept in the key-value store would describe whichever
        // database last wrote it: a store shared with another database (or kept while the file
        // is replaced) left a new file unmigrated ("no such table", found by spin-ci's
        // two-instance step; docs/decisions/0016).
        if !self.checked.get() {
            let first = crate::migrate::first_statement(&Opened(self.connection()?), sql, params)?;
            // Only once it succeeded: a failed check is made again by the next statement.
            self.checked.set(true);
            if let Some(rows) = first {
                return Ok(rows);
            }
        }
        self.run(sql, params)
    }

    /// Other requests' writers sleep in SQLite's busy handler (1, 2, 5, 10 ... 100 ms apart)
    /// while the lock is held; pausing as long as it was held lets their next try in
    /// (docs/decisions/0016).
    fn let_writers_in(&self, held: std::time::Duration) {
        std::thread::sleep(held.min(std::time::Duration::from_millis(50)));
    }
}

impl SpinSql {
    /// `sql` on a connection whose schema is known current.
    fn run(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        use crate::statements::Kind;
        let conn = Opened(self.connection()?);
        let kind = Kind::of(sql);
        if kind != Kind::Read && !self.sliced.get() {
            // Spin opens each request's connection with SQLite's defaults (ARCHITECTURE.md);
            // both settings matter only to writes, so a request that only reads skips them.
            conn.execute("PRAGMA synchronous = NORMAL", &[])?;
            conn.execute(&format!("PRAGMA busy_timeout = {BUSY_SLICE_MS}"), &[])?;
            self.sliced.set(true);
        }
        // Inside a transaction the lock is held: nothing waits, and a statement that failed
        // there is the transaction's to roll back, never to repeat.
        let retry = !self.in_transaction.get();
        let started = std::time::Instant::now();
        let result = loop {
            match conn.execute(sql, params) {
                Err(DbError::Busy(_)) if retry && started.elapsed() < BUSY_GIVE_UP => {}
                other => break other,
            }
        };
        self.in_transaction
            .set(crate::statements::in_transaction_after(
                sql,
                result.is_ok(),
                self.in_transaction.get(),
            ));
        result
    }
}

/// A connection already set up.
struct Opened<'a>(&'a Connection);

impl Sql for Opened<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let params: Vec<SpinValue> = params
            .iter()
            .map(|v| match v {
                Value::Null => SpinValue::Null,
                Value::Integer(i) => SpinValue::Integer(*i),
                Value::Real(f) => SpinValue::Real(*f),
                Value::Text(s) => SpinValue::Text(s.clone()),
                Value::Blob(b) => SpinValue::Blob(b.clone()),
            })
            .collect();
        let result = self
            .0
            .execute(sql, &params)
            .map_err(|e| DbError::from_message(format!("{e:?}")).at_statement(sql))?;
        let rows = result
            .rows
            .into_iter()
            .map(|row| {
                row.values
                    .into_iter()
                    .map(|v| match v {
                        SpinValue::Null => Value::Null,
                        SpinValue::Integer(i) => Value::Integer(i),
                        SpinValue::Real(f) => Value::Real(f),
                        SpinValue::Text(s) => Value::Text(s),
                        SpinValue::Blob(b) => Value::Blob(b),
                    })
                    .collect()
            })
            .collect();
        Ok(Rows {
            columns: result.columns,
            rows,
        })
    }
}

/// The request's key-value store (`wasi:keyvalue`, whose batch read Spin's own interface
/// lacks), opened at its first use: opening it is a host call that costs about as much as a
/// read (Spin's store blocks a runtime thread for each), and most writes (an inbound message)
/// never use it (docs/decisions/0016).
struct SpinKv(std::cell::OnceCell<Bucket>);

/// The store every component is granted (`key_value_stores = ["default"]`).
const KV_STORE: &str = "default";

fn kv_error(e: KvHostError) -> KvError {
    KvError(format!("{e:?}"))
}

impl SpinKv {
    fn bucket(&self) -> Result<&Bucket, KvError> {
        if let Some(b) = self.0.get() {
            return Ok(b);
        }
        let bucket = kv_store::open(KV_STORE)
            .map_err(|e| KvError(format!("opening the key-value store: {e:?}")))?;
        Ok(self.0.get_or_init(|| bucket))
    }
}

impl KeyValue for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.bucket()?.get(key).map_err(kv_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.bucket()?.set(key, value).map_err(kv_error)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.bucket()?.delete(key).map_err(kv_error)
    }
    /// One host call: Spin's store answers the keys it holds, in any order.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        let found: std::collections::HashMap<String, Option<Vec<u8>>> =
            kv_batch::get_many(self.bucket()?, keys)
                .map_err(kv_error)?
                .into_iter()
                .collect();
        Ok(keys
            .iter()
            .map(|k| found.get(k).cloned().flatten())
            .collect())
    }
}

struct SpinVariables;

impl Variables for SpinVariables {
    fn get(&self, name: &str) -> Option<String> {
        spin_sdk::variables::get(name).ok()
    }
}

struct SpinHttp;

/// The most an outbound call may take, as the native adapter's (`UreqClient`): the scheduled
/// work must not be held by a receiver that never answers.
const TOTAL_TIMEOUT_NS: u64 = 8_000_000_000;

/// Resolves once `deadline` (monotonic clock, ns) has passed. Each pending poll registers a
/// fresh clock pollable with Spin's executor, which wakes the task when it fires.
fn sleep_until(deadline: u64) -> impl std::future::Future<Output = ()> {
    use wasi::clocks::monotonic_clock;
    let mut token: Option<spin_executor::CancelOnDropToken> = None;
    futures::future::poll_fn(move |cx| {
        if monotonic_clock::now() >= deadline {
            return std::task::Poll::Ready(());
        }
        let pollable = monotonic_clock::subscribe_instant(deadline);
        // The previous registration is cancelled; this one lives until the next poll or drop.
        drop(
            token.replace(
                spin_executor::push_waker_and_get_token(pollable, cx.waker().clone()).into(),
            ),
        );
        std::task::Poll::Pending
    })
}

/// One call, given up at `deadline`.
async fn send_until(
    mut request: http::Request<Vec<u8>>,
    deadline: u64,
) -> Result<http::Response<Vec<u8>>, HttpError> {
    // Without a length Spin streams the body chunked, and receivers that read only
    // `content-length` (many a customer's webhook endpoint) see an empty body whose signature
    // cannot match; the body is whole in memory, so say how long it is, as the native adapter does.
    if !request.body().is_empty() && !request.headers().contains_key(http::header::CONTENT_LENGTH) {
        let length = http::HeaderValue::from(request.body().len());
        request
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, length);
    }
    let call = std::pin::pin!(spin_sdk::http::send::<_, http::Response<Vec<u8>>>(request));
    let timeout = std::pin::pin!(sleep_until(deadline));
    // Dropping the call cancels it (spin-sdk drops its pending response).
    match futures::future::select(call, timeout).await {
        futures::future::Either::Left((result, _)) => result.map_err(|e| HttpError(e.to_string())),
        futures::future::Either::Right(((), _)) => Err(HttpError(format!(
            "no answer within {} s",
            TOTAL_TIMEOUT_NS / 1_000_000_000
        ))),
    }
}

impl HttpClient for SpinHttp {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        let deadline = wasi::clocks::monotonic_clock::now().saturating_add(TOTAL_TIMEOUT_NS);
        spin_sdk::http::run(send_until(request, deadline))
    }

    /// The calls in flight together on Spin's executor: the slowest sets the time.
    fn send_all(
        &self,
        requests: Vec<http::Request<Vec<u8>>>,
    ) -> Vec<Result<http::Response<Vec<u8>>, HttpError>> {
        let deadline = wasi::clocks::monotonic_clock::now().saturating_add(TOTAL_TIMEOUT_NS);
        spin_sdk::http::run(futures::future::join_all(
            requests.into_iter().map(|r| send_until(r, deadline)),
        ))
    }
}

/// Runs `f` on the Spin ports: this instance's database, key-value store, clock, randomness,
/// outbound HTTP and variables.
fn with_ports<T>(f: impl FnOnce(&Ctx) -> T) -> T {
    let kv = SpinKv(std::cell::OnceCell::new());
    let db = SpinSql {
        conn: std::cell::OnceCell::new(),
        sliced: std::cell::Cell::new(false),
        in_transaction: std::cell::Cell::new(false),
        checked: std::cell::Cell::new(false),
    };
    let ctx = Ctx {
        db: &db,
        kv: &kv,
        clock: &SystemClock,
        random: &OsRandom,
        http: &SpinHttp,
        vars: &SpinVariables,
        files_root: Path::new("/"),
    };
    let result = f(&ctx);
    // Every transaction of the request has ended: forget the cached rows it made stale.
    crate::cache::flush(&kv);
    result
}

/// Serves one request with `router`, the same route table the local host mounts, answering
/// through Spin's response outparam. A streamed response (`web::streamed`, large exports) is
/// written a chunk at a time while this request's database connection is still open.
pub fn serve(router: &Router, request: http::Request<Vec<u8>>, out: ResponseOutparam) {
    let language = crate::web::accept_language(request.headers()).unwrap_or(Language::PtBr);
    if request.body().len() > MAX_BODY {
        answer(
            out,
            into_response(&crate::web::payload_too_large(MAX_BODY), language),
        );
        return;
    }
    with_ports(|ctx| {
        let mut response = router.dispatch(ctx, request);
        match crate::web::take_producer(&mut response) {
            None => answer(out, response),
            Some(produce) => stream(out, response, produce, ctx),
        }
    });
    // The answer has gone: Spin sends the response once its outparam is set and the body
    // finished, and lets the instance run on.
    if crate::tick::take_wanted() {
        ask_for_tick();
    }
}

/// The routing component's tick route, reached through Spin's local service chaining.
const TICK_URL: &str = "http://routing.spin.internal/internal/tick";

/// A poll found the tick due (no run for five seconds, no scheduler): the routing component
/// runs it, so the poll's component never carries the tick's code (docs/decisions/0017). The
/// lease keeps polls that ask at the same time from running it twice.
fn ask_for_tick() {
    let secret = SpinVariables.get("tick_secret").unwrap_or_default();
    if secret.is_empty() {
        crate::log::event(
            "tick_not_asked",
            &serde_json::json!({"reason": "tick_secret is empty: POST /internal/tick is off"}),
        );
        return;
    }
    let request = match http::Request::post(TICK_URL)
        .header("authorization", format!("Bearer {secret}"))
        .body(Vec::new())
    {
        Ok(request) => request,
        Err(e) => {
            crate::log::event(
                "tick_not_asked",
                &serde_json::json!({"error": e.to_string()}),
            );
            return;
        }
    };
    match SpinHttp.send(request) {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => crate::log::event(
            "tick_not_asked",
            &serde_json::json!({"status": response.status().as_u16()}),
        ),
        Err(e) => crate::log::event("tick_not_asked", &serde_json::json!({"error": e.0})),
    }
}

/// Sends `response`, head and whole body.
fn answer(out: ResponseOutparam, response: http::Response<Vec<u8>>) {
    let (head, body) = response.into_parts();
    let Some((mut writer, outgoing_body)) = begin(out, &head) else {
        return;
    };
    let written = writer.write_all(&body).and_then(|()| writer.flush());
    end(writer, outgoing_body, written.map_err(|e| e.to_string()));
}

/// Sends the head of a streamed response with its first chunk, then the rest as `produce`
/// writes them. A failure before the first chunk is still an error response; after it, the
/// body is left unfinished, which Spin passes on as a broken response rather than a short file
/// that looks whole.
fn stream(
    out: ResponseOutparam,
    response: http::Response<Vec<u8>>,
    produce: crate::web::Producer,
    ctx: &Ctx,
) {
    let (head, _) = response.into_parts();
    let mut deferred = Deferred {
        waiting: Some((out, head)),
        started: None,
    };
    let produced = produce(ctx, &mut deferred);
    match (produced, deferred.started.take(), deferred.waiting.take()) {
        (result, Some((writer, outgoing_body)), _) => {
            end(writer, outgoing_body, result.map_err(|e| e.to_string()));
        }
        // Nothing written: an empty body.
        (Ok(()), None, Some((out, head))) => {
            answer(out, http::Response::from_parts(head, Vec::new()))
        }
        (Err(e), None, Some((out, _))) => {
            crate::errors::log_failure(&http::Method::GET, "(streamed body)", &e);
            answer(out, into_response(&e, Language::PtBr));
        }
        (_, None, None) => {}
    }
}

/// A streamed body's writer that sends the head only with the first chunk.
struct Deferred {
    waiting: Option<(ResponseOutparam, http::response::Parts)>,
    started: Option<(BodyWriter, OutgoingBody)>,
}

impl std::io::Write for Deferred {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.started.is_none() {
            if let Some((out, head)) = self.waiting.take() {
                self.started = begin(out, &head);
            }
        }
        match &mut self.started {
            Some((writer, _)) => writer.write(bytes),
            None => Err(std::io::Error::other("the response could not be started")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.started {
            Some((writer, _)) => writer.flush(),
            None => Ok(()),
        }
    }
}

/// Sets the outparam to `head` and opens its body's stream; `None` (logged) when Spin refuses
/// the head.
fn begin(
    out: ResponseOutparam,
    head: &http::response::Parts,
) -> Option<(BodyWriter, OutgoingBody)> {
    let headers: Vec<(String, Vec<u8>)> = head
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let refused = |stage: &str| {
        crate::log::event("response_failed", &serde_json::json!({"stage": stage}));
        None
    };
    let Ok(fields) = Headers::from_list(&headers) else {
        return refused("headers");
    };
    let outgoing = OutgoingResponse::new(fields);
    if outgoing.set_status_code(head.status.as_u16()).is_err() {
        return refused("status");
    }
    let Ok(outgoing_body) = outgoing.body() else {
        return refused("body");
    };
    let Ok(stream) = outgoing_body.write() else {
        return refused("stream");
    };
    out.set(outgoing);
    Some((BodyWriter(stream), outgoing_body))
}

/// Finishes the body when it was all written; otherwise drops it unfinished (logged), so the
/// client sees the body break off.
fn end(writer: BodyWriter, outgoing_body: OutgoingBody, written: Result<(), String>) {
    // The stream must be closed before its body is finished.
    drop(writer);
    match written {
        Ok(()) => {
            if let Err(e) = OutgoingBody::finish(outgoing_body, None) {
                crate::log::event(
                    "response_failed",
                    &serde_json::json!({"stage": "finish", "error": format!("{e:?}")}),
                );
            }
        }
        Err(error) => {
            crate::log::event(
                "response_failed",
                &serde_json::json!({"stage": "body", "error": error}),
            );
            drop(outgoing_body);
        }
    }
}

/// The response body's WASI output stream as a blocking writer: each write waits until Spin
/// accepts more, and a flush waits until what was written has gone out, so a chunk leaves
/// the component before the next one is made.
struct BodyWriter(OutputStream);

impl std::io::Write for BodyWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if bytes.is_empty() {
            return Ok(0);
        }
        loop {
            let permit = self.0.check_write().map_err(broken)?;
            if permit == 0 {
                self.0.subscribe().block();
                continue;
            }
            let n = bytes
                .len()
                .min(usize::try_from(permit).unwrap_or(usize::MAX));
            self.0.write(&bytes[..n]).map_err(broken)?;
            return Ok(n);
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.blocking_flush().map_err(broken)
    }
}

fn broken(e: StreamError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::BrokenPipe, format!("{e:?}"))
}

/// Runs the scheduled work once (the cron component's entry): the same tick as
/// `POST /internal/tick`, on the same ports as a request.
pub fn tick() -> Result<crate::tick::TickReport, AppError> {
    with_ports(crate::tick::run_scheduled)
}
