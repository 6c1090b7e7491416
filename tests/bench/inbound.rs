//! Inbound message benchmark: the local host on loopback, 64 concurrent senders posting signed
//! WhatsApp Cloud API webhooks over real HTTP, for text messages on existing conversations and
//! for first messages (new customers). Prints throughput and p50/p99 latency.
//!
//!     [SENDERS=64] cargo run --release -p atende-tests --bin bench-inbound [-- <messages per phase>]

use atende_host::{App, Config};
use atende_shared::ports::SystemClock;
use atende_shared::providers::hmac_sha256_hex;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

static SENDERS: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    std::env::var("SENDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
});
const SECRET: &str = "bench-app-secret";

fn body(from: u64, id: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": from.to_string()}],
        "messages": [{"from": from.to_string(), "id": id, "timestamp": "1", "type": "text", "text": {"body": "Olá, preciso de ajuda com meu pedido"}}]
    }}]}]})
    .to_string()
}

struct Phase {
    name: &'static str,
    total: usize,
    customer: fn(usize) -> u64,
}

fn run(base: &str, channel: i64, phase: &Phase, id_offset: usize) -> (f64, Vec<Duration>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..*SENDERS)
        .map(|_| {
            let next = next.clone();
            let url = format!("{base}/hooks/whatsapp/{channel}");
            let total = phase.total;
            let customer = phase.customer;
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .max_idle_connections_per_host(1)
                    .build();
                let mut latencies = Vec::new();
                let mut errors = 0;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let payload = body(customer(n), &format!("wamid.bench{}", n + id_offset));
                    let signature =
                        format!("sha256={}", hmac_sha256_hex(SECRET, payload.as_bytes()));
                    let t = Instant::now();
                    let ok = agent
                        .post(&url)
                        .set("content-type", "application/json")
                        .set("x-hub-signature-256", &signature)
                        .send_string(&payload)
                        .map(|r| r.status() == 200)
                        .unwrap_or(false);
                    latencies.push(t.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.join().unwrap_or_default();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    (phase.total as f64 / elapsed, all, errors)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let per_phase: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir()?;
    let app = App::open(
        Config {
            data_dir: dir.path().to_path_buf(),
            web_root: dir.path().to_path_buf(),
            variables: HashMap::new(),
        },
        Arc::new(SystemClock),
    )?;
    let channel = app
        .with_ctx(|ctx| -> anyhow::Result<i64> {
            atende_shared::demo::seed(ctx).map_err(|e| anyhow::anyhow!("{e}"))?;
            let tenant = atende_shared::tenant::sql::by_slug(ctx.db, "demo")?.ok_or_else(|| anyhow::anyhow!("no demo"))?.id;
            use atende_shared::config::{self, channel::Channel, group::Group, operation::Operation};
            let op = config::create::<Operation>(ctx, tenant, json!({"name": "Bench"})).map_err(|e| anyhow::anyhow!("{e}"))?;
            let group = config::create::<Group>(ctx, tenant, json!({"name": "Bench", "operation_id": op.id})).map_err(|e| anyhow::anyhow!("{e}"))?;
            let channel = config::create::<Channel>(ctx, tenant, json!({"type": "whatsapp", "name": "Bench", "entry_group_id": group.id,
                "credentials": {"phone_number_id": "1", "access_token": "t", "app_secret": SECRET, "verify_token": "v"}})).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(channel.id)
        })??;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = Arc::new(app);
    // As the local host's scheduler does: checkpoint the write-ahead log every second.
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let checkpointer = {
        let (app, running) = (app.clone(), running.clone());
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                if let Err(e) = app.checkpoint() {
                    eprintln!("checkpoint: {e}");
                }
            }
        })
    };
    let server = runtime.spawn(atende_host::server::serve(app, listener, async {
        let _ = stopped.await;
    }));

    println!(
        "machine: {} cores; {} concurrent senders over HTTP/1.1 keep-alive on loopback",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        *SENDERS
    );
    // 1,000 customers with an open conversation each, then the measured phases.
    let warm = Phase {
        name: "warm-up (1,000 first messages)",
        total: 1000,
        customer: |n| 5511900000000 + n as u64,
    };
    let phases = [
        Phase {
            name: "text on existing conversations",
            total: per_phase,
            customer: |n| 5511900000000 + (n % 1000) as u64,
        },
        Phase {
            name: "first messages (new customers)",
            total: per_phase,
            customer: |n| 5521900000000 + n as u64,
        },
    ];
    let mut offset = 0;
    let (_, _, warm_errors) = run(&base, channel, &warm, offset);
    offset += warm.total;
    println!(
        "{:<34} {:>9} {:>12} {:>9} {:>9} {:>9} {:>7}",
        "phase", "messages", "messages/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    println!(
        "{:<34} {:>9} {:>12} {:>9} {:>9} {:>9} {:>7}",
        warm.name, warm.total, "-", "-", "-", "-", warm_errors
    );
    for phase in &phases {
        let (rate, latencies, errors) = run(
            &base,
            std::env::var("CH")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(channel),
            phase,
            offset,
        );
        offset += phase.total;
        println!(
            "{:<34} {:>9} {:>12.0} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            phase.name,
            phase.total,
            rate,
            pct(&latencies, 0.50),
            pct(&latencies, 0.99),
            pct(&latencies, 1.0),
            errors
        );
    }
    let _ = stop.send(());
    runtime.block_on(server)??;
    running.store(false, Ordering::Relaxed);
    let _ = checkpointer.join();
    Ok(())
}
