//! The embedded local host: Atende's components natively in one process, on SQLite files.
//! It mounts the very same route tables the Spin components serve, at the routes `spin.toml`
//! gives them, so the manifest stays the one source of truth.

pub mod background;
pub mod manifest;
pub mod server;

use anyhow::{bail, Context};
use atende_shared::enums::Language;
use atende_shared::native::{MapVariables, SqliteKv, SqlitePool, UreqClient};
use atende_shared::ports::{Clock, OsRandom};
use atende_shared::web::{accept_language, payload_too_large};
use atende_shared::{errors, migrate, Ctx, Router};
use manifest::{Manifest, SPIN_TOML};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest request body the host reads; each route applies its own smaller limit.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The route table of each component the host knows, by its id in `spin.toml`.
pub fn component_routers() -> HashMap<&'static str, Router> {
    HashMap::from([
        ("auth", atende_auth::router()),
        ("admin", atende_admin::router()),
        ("web", atende_web::router()),
        ("channels", atende_channels::router()),
        ("inbox", atende_inbox::router()),
        ("feed", atende_feed::router()),
        ("bot", atende_bot::router()),
        ("routing", atende_routing::router()),
        ("reports", atende_reports::router()),
    ])
}

pub struct Config {
    pub data_dir: PathBuf,
    pub web_root: PathBuf,
    /// Variables on top of the manifest's defaults and the environment (tests use this).
    pub variables: HashMap<String, String>,
}

pub struct App {
    manifest: Manifest,
    routers: HashMap<&'static str, Router>,
    db: SqlitePool,
    kv: SqliteKv,
    clock: Arc<dyn Clock>,
    vars: MapVariables,
    http: UreqClient,
    web_root: PathBuf,
    /// Each request checks the schema with its first statement, as under Spin
    /// ([`App::check_schema_per_request`]).
    schema_check_per_request: std::sync::atomic::AtomicBool,
}

impl App {
    /// Opens (or creates) the data directory and brings the schema up to date.
    pub fn open(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        let manifest = Manifest::parse(SPIN_TOML)?;
        let routers = component_routers();
        for component in manifest.components() {
            if !routers.contains_key(component) {
                bail!("spin.toml names component '{component}', which this host does not have");
            }
        }
        let mut vars = MapVariables::from_defaults_and_env(manifest.variables.clone());
        vars.0.extend(config.variables);
        let db = SqlitePool::open(config.data_dir.join("atende.sqlite"))?;
        let kv = SqliteKv::open(config.data_dir.join("kv.sqlite"))?;
        let app = App {
            manifest,
            routers,
            db,
            kv,
            clock,
            vars,
            http: UreqClient::default(),
            web_root: config.web_root,
            schema_check_per_request: std::sync::atomic::AtomicBool::new(false),
        };
        app.migrate()?;
        Ok(app)
    }

    /// Applies pending migrations; returns the versions applied now.
    pub fn migrate(&self) -> anyhow::Result<Vec<i64>> {
        let conn = self.db.get()?;
        migrate::run(&conn).map_err(|e| anyhow::anyhow!("migrating: {e}"))
    }

    /// Makes every request check the schema with its first statement as a Spin request does
    /// (`migrate::first_statement`): this host migrates once at start and needs no check, but
    /// the tests run each route's first query the way Spin runs it, and as written, and refuse
    /// a difference (`CheckedOnFirstStatement::verifying`).
    pub fn check_schema_per_request(&self, on: bool) {
        self.schema_check_per_request
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs `work` with the ports of one request (CLI commands, demo seeding, tests).
    pub fn with_ctx<T>(&self, work: impl FnOnce(&Ctx) -> T) -> anyhow::Result<T> {
        // A request that panicked on this thread left its per-request state behind.
        atende_shared::cache::reset();
        atende_shared::tick::take_wanted();
        let conn = self.db.get()?;
        let checked = migrate::CheckedOnFirstStatement::verifying(&conn);
        let per_request = self
            .schema_check_per_request
            .load(std::sync::atomic::Ordering::Relaxed);
        let ctx = Ctx {
            db: if per_request { &checked } else { &conn },
            kv: &self.kv,
            clock: self.clock.as_ref(),
            random: &OsRandom,
            http: &self.http,
            vars: &self.vars,
            files_root: &self.web_root,
        };
        let result = work(&ctx);
        // Every transaction of the work has ended: forget the cached rows it made stale.
        atende_shared::cache::flush(&self.kv);
        Ok(result)
    }

    /// Serves one request as Spin would: the component whose route matches, with the
    /// caller's address in `spin-client-addr`. Blocking (SQLite); call off the async runtime.
    /// A streamed body (large exports) is gathered into the response here; a connection uses
    /// [`App::handle_streaming`] instead.
    pub fn handle(
        &self,
        request: http::Request<Vec<u8>>,
        client_addr: Option<std::net::SocketAddr>,
    ) -> http::Response<Vec<u8>> {
        let mut head = None;
        let mut body = Vec::new();
        let streamed = self.handle_streaming(request, client_addr, |response, _| {
            head = Some(response);
            &mut body
        });
        let Some(mut response) = head else {
            return errors::into_response(
                &errors::AppError::Unexpected(anyhow::anyhow!("no response")),
                Language::PtBr,
            );
        };
        match streamed {
            Ok(()) => {
                if !body.is_empty() {
                    *response.body_mut() = body;
                }
                response
            }
            Err(e) => errors::into_response(&errors::AppError::Unexpected(e), Language::PtBr),
        }
    }

    /// Serves one request for a connection: `start` gets the response (with its whole body,
    /// unless `streamed` says the body follows) and returns where a streamed body goes. The
    /// producer writes it there chunk by chunk, while this request's database connection is
    /// still open; `start` is called with the first chunk, so a failure before it is still an
    /// error response. A failure after it is returned: the head has gone, so the caller must
    /// break the body off rather than answer anew.
    pub fn handle_streaming<W, F>(
        &self,
        request: http::Request<Vec<u8>>,
        client_addr: Option<std::net::SocketAddr>,
        start: F,
    ) -> anyhow::Result<()>
    where
        W: std::io::Write + Send,
        F: FnOnce(http::Response<Vec<u8>>, bool) -> W + Send,
    {
        let mut start = Some(start);
        let served = self.with_ctx(|ctx| {
            let begin = start.take().context("the response was started twice")?;
            self.handle_streaming_in(ctx, request, client_addr, begin)
        });
        match (served, start.take()) {
            (Ok(result), _) => result,
            // The ports could not be had: nothing was sent yet, so answer with the error.
            (Err(e), Some(begin)) => {
                begin(
                    errors::into_response(&errors::AppError::Unexpected(e), Language::PtBr),
                    false,
                );
                Ok(())
            }
            (Err(e), None) => Err(e),
        }
    }

    /// [`App::handle_streaming`] on ports the caller gives (as [`App::handle_in`]).
    pub fn handle_streaming_in<W, F>(
        &self,
        ctx: &Ctx,
        request: http::Request<Vec<u8>>,
        client_addr: Option<std::net::SocketAddr>,
        start: F,
    ) -> anyhow::Result<()>
    where
        W: std::io::Write + Send,
        F: FnOnce(http::Response<Vec<u8>>, bool) -> W + Send,
    {
        let mut response = self.handle_in(ctx, request, client_addr);
        let Some(produce) = atende_shared::web::take_producer(&mut response) else {
            start(response, false);
            return Ok(());
        };
        let mut start = Some(start);
        let mut out = Deferred {
            waiting: Some(response),
            start: &mut start,
            started: None,
        };
        let produced = produce(ctx, &mut out);
        let (waiting, started) = (out.waiting.take(), out.started.is_some());
        match (produced, started, waiting, start.take()) {
            (Ok(()), true, _, _) => Ok(()),
            (Err(e), true, _, _) => Err(anyhow::anyhow!("{e}")),
            // Nothing written: an empty body.
            (Ok(()), false, Some(response), Some(begin)) => {
                begin(response, false);
                Ok(())
            }
            (Err(e), false, _, Some(begin)) => {
                errors::log_failure(&http::Method::GET, "(streamed body)", &e);
                begin(errors::into_response(&e, Language::PtBr), false);
                Ok(())
            }
            (_, false, _, None) | (Ok(()), false, None, Some(_)) => Ok(()),
        }
    }

    /// [`App::handle`] on ports the caller gives (the tests count a request's statements
    /// through a wrapper around [`App::with_ctx`]'s database).
    pub fn handle_in(
        &self,
        ctx: &Ctx,
        mut request: http::Request<Vec<u8>>,
        client_addr: Option<std::net::SocketAddr>,
    ) -> http::Response<Vec<u8>> {
        let language = accept_language(request.headers()).unwrap_or(Language::PtBr);
        if request.body().len() > MAX_BODY {
            return errors::into_response(&payload_too_large(MAX_BODY), language);
        }
        let headers = request.headers_mut();
        headers.remove("spin-client-addr");
        if let Some(addr) = client_addr {
            if let Ok(v) = http::HeaderValue::from_str(&addr.to_string()) {
                headers.insert("spin-client-addr", v);
            }
        }
        let router = self
            .manifest
            .component_for(request.uri().path())
            .and_then(|c| self.routers.get(c));
        let Some(router) = router else {
            return errors::into_response(
                &errors::AppError::Api(atende_shared::router::route_not_found(
                    request.uri().path(),
                )),
                language,
            );
        };
        let response = router.dispatch(ctx, request);
        // A poll that found the tick due: run it right after the handler, on the same ports
        // (under Spin the feed component asks the routing component, after answering).
        if atende_shared::tick::take_wanted() {
            atende_shared::tick::run_for_poll(ctx);
        }
        response
    }

    /// One run of the scheduled work with outbound delivery (what `POST /internal/tick` and a
    /// cron trigger do).
    pub fn tick(&self) -> anyhow::Result<atende_shared::tick::TickReport> {
        self.with_ctx(atende_shared::tick::run_scheduled)?
            .map_err(|e| anyhow::anyhow!("tick: {e}"))
    }

    /// The tick without outbound delivery (the scheduler's, beside the delivery workers).
    pub fn run_timers(&self) -> anyhow::Result<atende_shared::tick::TickReport> {
        self.with_ctx(atende_shared::tick::run)?
            .map_err(|e| anyhow::anyhow!("tick: {e}"))
    }

    /// Fetches inbound media due from the providers (the media worker's step).
    pub fn fetch_media(&self, limit: i64) -> anyhow::Result<atende_shared::media::FetchReport> {
        self.with_ctx(|ctx| atende_shared::media::fetch_due(ctx, limit))?
            .map_err(|e| anyhow::anyhow!("fetching inbound media: {e}"))
    }

    /// Claims and sends one batch of an outbound lane (a delivery worker's step).
    pub fn deliver(
        &self,
        lane: atende_shared::outbound::Lane,
        caps: atende_shared::outbound::Caps,
    ) -> anyhow::Result<atende_shared::outbound::Report> {
        self.with_ctx(|ctx| atende_shared::outbound::deliver(ctx, lane, caps))?
            .map_err(|e| anyhow::anyhow!("delivering {lane:?}: {e}"))
    }

    /// Folds the write-ahead logs back into the database files (the scheduler calls it every
    /// second, and shutdown once more).
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        self.db.checkpoint()?;
        self.kv.checkpoint()?;
        Ok(())
    }

    pub fn web_root(&self) -> &Path {
        &self.web_root
    }
}

/// A streamed body's writer that starts the response (`start`) only with the first chunk.
struct Deferred<'a, W, F> {
    waiting: Option<http::Response<Vec<u8>>>,
    start: &'a mut Option<F>,
    started: Option<W>,
}

impl<W, F> std::io::Write for Deferred<'_, W, F>
where
    W: std::io::Write,
    F: FnOnce(http::Response<Vec<u8>>, bool) -> W,
{
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.started.is_none() {
            if let (Some(response), Some(begin)) = (self.waiting.take(), self.start.take()) {
                self.started = Some(begin(response, true));
            }
        }
        match &mut self.started {
            Some(out) => out.write(bytes),
            None => Err(std::io::Error::other("the response was already started")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.started {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}
