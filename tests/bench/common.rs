//! What the HTTP benchmarks share: the local host served on loopback (with the scheduler's
//! checkpoints), signed WhatsApp webhooks, concurrent senders and percentiles.

// Each benchmark binary includes this module and uses a different part of it.
#![allow(dead_code)]

use atende_host::{App, Config};
use atende_shared::ports::SystemClock;
use atende_shared::providers::hmac_sha256_hex;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const SECRET: &str = "bench-app-secret";

/// A fresh data directory with the demo company, the app over it, and a WhatsApp channel (app
/// secret [`SECRET`]) into a new, empty group; returns `(app, channel, group)`.
pub fn open(dir: &std::path::Path) -> anyhow::Result<(App, i64, i64)> {
    let app = App::open(
        Config {
            data_dir: dir.to_path_buf(),
            web_root: dir.to_path_buf(),
            variables: HashMap::new(),
        },
        Arc::new(SystemClock),
    )?;
    let (channel, group) = app.with_ctx(|ctx| -> anyhow::Result<(i64, i64)> {
        use atende_shared::config::{self, channel::Channel, group::Group, operation::Operation};
        let err = |e: atende_shared::errors::AppError| anyhow::anyhow!("{e}");
        atende_shared::demo::seed(ctx).map_err(err)?;
        let tenant = atende_shared::tenant::sql::by_slug(ctx.db, "demo")?
            .ok_or_else(|| anyhow::anyhow!("no demo tenant"))?
            .id;
        let op = config::create::<Operation>(ctx, tenant, json!({"name": "Bench"})).map_err(err)?;
        let group = config::create::<Group>(
            ctx,
            tenant,
            json!({"name": "Bench", "operation_id": op.id}),
        )
        .map_err(err)?;
        let channel = config::create::<Channel>(ctx, tenant, json!({"type": "whatsapp", "name": "Bench", "entry_group_id": group.id,
            "credentials": {"phone_number_id": "1", "access_token": "t", "app_secret": SECRET, "verify_token": "v"}}))
        .map_err(err)?;
        Ok((channel.id, group.id))
    })??;
    Ok((app, channel, group))
}

/// The local host's HTTP server on 127.0.0.1, checkpointing every second as `atende` does
/// (and, with `ticks`, running the routing tick every second as its scheduler does).
pub struct Server {
    pub base: String,
    runtime: tokio::runtime::Runtime,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    running: Arc<AtomicBool>,
    checkpointer: std::thread::JoinHandle<()>,
}

impl Server {
    pub fn start(app: Arc<App>, ticks: bool) -> anyhow::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = Arc::new(AtomicBool::new(true));
        let checkpointer = {
            let (app, running) = (app.clone(), running.clone());
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_secs(1));
                    if ticks {
                        if let Err(e) = app.tick() {
                            eprintln!("tick: {e}");
                        }
                    }
                    if let Err(e) = app.checkpoint() {
                        eprintln!("checkpoint: {e}");
                    }
                }
            })
        };
        let server = runtime.spawn(atende_host::server::serve(app, listener, async {
            let _ = stopped.await;
        }));
        Ok(Server {
            base,
            runtime,
            stop,
            server,
            running,
            checkpointer,
        })
    }

    pub fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.runtime.block_on(self.server)??;
        self.running.store(false, Ordering::Relaxed);
        let _ = self.checkpointer.join();
        Ok(())
    }
}

/// A WhatsApp Cloud API webhook carrying one text message.
pub fn whatsapp_text(from: u64, id: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": from.to_string()}],
        "messages": [{"from": from.to_string(), "id": id, "timestamp": "1", "type": "text", "text": {"body": "Olá, preciso de ajuda com meu pedido"}}]
    }}]}]})
    .to_string()
}

/// Which customer sends message `n` of a run.
pub type Customer = fn(usize) -> u64;

/// One request: message `n` of a run, when it was sent and how long until it was answered.
pub struct Sample {
    pub n: usize,
    pub sent_at_ms: i64,
    pub latency: Duration,
    pub ok: bool,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `senders` threads with keep-alive connections post `total` signed webhooks, message `n`
/// from customer `customer(n)` with id `wamid.bench<n + id_offset>`. Returns the samples and
/// the wall time the run took.
pub fn send_all(
    base: &str,
    channel: i64,
    senders: usize,
    total: usize,
    customer: Customer,
    id_offset: usize,
) -> (Vec<Sample>, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..senders)
        .map(|_| {
            let next = next.clone();
            let url = format!("{base}/hooks/whatsapp/{channel}");
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .max_idle_connections_per_host(1)
                    .build();
                let mut samples = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let payload =
                        whatsapp_text(customer(n), &format!("wamid.bench{}", n + id_offset));
                    let signature =
                        format!("sha256={}", hmac_sha256_hex(SECRET, payload.as_bytes()));
                    let sent_at_ms = wall_ms();
                    let t = Instant::now();
                    let ok = agent
                        .post(&url)
                        .set("content-type", "application/json")
                        .set("x-hub-signature-256", &signature)
                        .send_string(&payload)
                        .map(|r| r.status() == 200)
                        .unwrap_or(false);
                    samples.push(Sample {
                        n,
                        sent_at_ms,
                        latency: t.elapsed(),
                        ok,
                    });
                }
                samples
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().unwrap_or_default());
    }
    (all, started.elapsed())
}

/// The `p` quantile (0..=1) of sorted durations, in milliseconds.
pub fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}
