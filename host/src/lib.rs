//! The embedded local host: Atende's components natively in one process, on SQLite files.
//! It mounts the very same route tables the Spin components serve, at the routes `spin.toml`
//! gives them, so the manifest stays the one source of truth.

pub mod background;
pub mod manifest;
pub mod server;

use anyhow::{bail, Context};
use atende_shared::native::{MapVariables, SqliteKv, SqlitePool, UreqClient};
use atende_shared::ports::{Clock, OsRandom};
use atende_shared::web::payload_too_large;
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
        };
        app.migrate()?;
        Ok(app)
    }

    /// Applies pending migrations; returns the versions applied now.
    pub fn migrate(&self) -> anyhow::Result<Vec<i64>> {
        let conn = self.db.get()?;
        migrate::run(&conn).map_err(|e| anyhow::anyhow!("migrating: {e}"))
    }

    /// Runs `work` with the ports of one request (CLI commands, demo seeding, tests).
    pub fn with_ctx<T>(&self, work: impl FnOnce(&Ctx) -> T) -> anyhow::Result<T> {
        let conn = self.db.get()?;
        let ctx = Ctx {
            db: &conn,
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
    pub fn handle(
        &self,
        request: http::Request<Vec<u8>>,
        client_addr: Option<std::net::SocketAddr>,
    ) -> http::Response<Vec<u8>> {
        match self.with_ctx(|ctx| self.handle_in(ctx, request, client_addr)) {
            Ok(response) => response,
            Err(e) => errors::into_response(&errors::AppError::Unexpected(e)),
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
        if request.body().len() > MAX_BODY {
            return errors::into_response(&payload_too_large(MAX_BODY));
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
            return errors::into_response(&errors::AppError::not_found("route"));
        };
        router.dispatch(ctx, request)
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
