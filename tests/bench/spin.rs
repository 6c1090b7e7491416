//! The hot paths over HTTP against any base URL, so one program measures `spin up` and the local
//! host: signed WhatsApp text on existing conversations, first messages, the agents' idle poll
//! and one tick through `POST /internal/tick`; and, when the server has them (spin-bench.toml),
//! the probes of the same run — the hello-world component, one `SELECT` and one
//! `INSERT … RETURNING`.
//!
//!     bench-spin <base-url> --platform-secret <s> [--tick-secret <t>] [--per-phase N]
//!     bench-spin --local [--per-phase N]     # the local host on loopback, same phases
//!     bench-spin <base-url> --tick-only --tick-secret <t>
//!     bench-spin <base-url> --get <path> [--get <path> ...]   # one route alone
//!     ... --header 'name: value'  # sent with every --get (e.g. a session's authorization)
//!     ... --server-pid <pid>    # also the server's CPU time per request (`spin trigger http`)
//!
//! `--tick-only` times one `POST /internal/tick` on a database `bench-routing --seed` wrote
//! (10,000 queued conversations, 1,000 ready agents), while 4 writers call the insert probe
//! to show how long the tick keeps other writers waiting.
//!
//! It creates a company of its own through the platform API, its channel, group and agents
//! through the admin API, so it runs against a bare `spin up`. `SENDERS` (64) sets concurrency.
//!
//! Requests per second move with whatever else runs on the machine; the server's CPU time per
//! request (`--server-pid`, read from `/proc/<pid>/stat` around each phase, every thread of the
//! process) moves much less, so it is what tells two builds apart on a shared machine.

mod common;

use common::{pct, whatsapp_text, SECRET};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    base: Option<String>,
    platform_secret: String,
    tick_secret: String,
    per_phase: usize,
    agents: usize,
    tick_only: bool,
    /// Paths to load with GET alone (`--get`, repeatable): what a route costs by itself.
    gets: Vec<String>,
    /// Headers sent with every `--get` request (`--header 'name: value'`, repeatable), so a
    /// route that needs a session (the agent's poll) can be measured alone.
    headers: Vec<(String, String)>,
}

/// The server process whose CPU time each phase reports (`--server-pid`).
static SERVER_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// User and system CPU time of `pid` so far (Linux), all its threads.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ, 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        base: None,
        platform_secret: "bench-platform-secret".into(),
        tick_secret: "bench-tick-secret".into(),
        per_phase: 5_000,
        agents: 20,
        tick_only: false,
        gets: Vec::new(),
        headers: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--local" => a.base = None,
            "--tick-only" => a.tick_only = true,
            "--platform-secret" => a.platform_secret = value()?,
            "--tick-secret" => a.tick_secret = value()?,
            "--per-phase" => a.per_phase = value()?.parse()?,
            "--agents" => a.agents = value()?.parse()?,
            "--get" => a.gets.push(value()?),
            "--header" => {
                let header = value()?;
                let (name, v) = header
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("--header wants 'name: value', got {header}"))?;
                a.headers
                    .push((name.trim().to_owned(), v.trim().to_owned()));
            }
            "--server-pid" => {
                let pid: u32 = value()?.parse()?;
                anyhow::ensure!(cpu_time(pid).is_some(), "no process {pid} to read");
                let _ = SERVER_PID.set(pid);
            }
            url if url.starts_with("http") => a.base = Some(url.trim_end_matches('/').to_owned()),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// What one phase measured.
struct Phase {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
    /// Status codes other than the expected one, and how many of each.
    statuses: HashMap<u16, usize>,
    /// The server's CPU time over the phase (`--server-pid`).
    cpu: Option<Duration>,
}

impl Phase {
    fn print(&self, name: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let mean = sorted.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0
            / sorted.len().max(1) as f64;
        let odd: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect();
        let cpu = self.cpu.map_or(String::new(), |c| {
            format!(
                "cpu {:.0} µs/req ",
                c.as_secs_f64() * 1e6 / self.requests.max(1) as f64
            )
        });
        println!(
            "{name:<44} {:>8} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>6} {cpu}{}",
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            mean,
            pct(&sorted, 0.50),
            pct(&sorted, 0.99),
            pct(&sorted, 1.0),
            self.errors,
            odd.join(" ")
        );
    }
}

/// `senders` threads with keep-alive connections make `total` requests; request `n` is
/// `request(agent, n)`, which answers its status (0 when no answer came).
fn load(
    senders: usize,
    total: usize,
    expect: u16,
    request: impl Fn(&ureq::Agent, usize) -> u16 + Send + Sync + 'static,
) -> Phase {
    let next = Arc::new(AtomicUsize::new(0));
    let request = Arc::new(request);
    let cpu_before = SERVER_PID.get().and_then(|p| cpu_time(*p));
    let started = Instant::now();
    let handles: Vec<_> = (0..senders)
        .map(|_| {
            let (next, request) = (next.clone(), request.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .max_idle_connections_per_host(1)
                    .timeout(Duration::from_secs(60))
                    .build();
                let mut out = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let t = Instant::now();
                    let status = request(&agent, n);
                    out.push((t.elapsed(), status));
                }
                out
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut statuses = HashMap::new();
    for h in handles {
        for (latency, status) in h.join().unwrap_or_default() {
            latencies.push(latency);
            if status != expect {
                *statuses.entry(status).or_insert(0) += 1;
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu_after = SERVER_PID.get().and_then(|p| cpu_time(*p));
    Phase {
        requests: total,
        elapsed,
        cpu: cpu_after.zip(cpu_before).map(|(a, b)| a.saturating_sub(b)),
        errors: statuses.values().sum(),
        latencies,
        statuses,
    }
}

fn status_of(result: Result<ureq::Response, ureq::Error>) -> u16 {
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            // Read the body so the connection is reused.
            let _ = r.into_string();
            status
        }
        Err(_) => 0,
    }
}

fn webhook(
    base: &str,
    channel: i64,
    customer: fn(usize) -> u64,
    offset: usize,
) -> impl Fn(&ureq::Agent, usize) -> u16 {
    let url = format!("{base}/hooks/whatsapp/{channel}");
    move |agent, n| {
        let payload = whatsapp_text(customer(n), &format!("wamid.bench{}", n + offset));
        let signature = format!(
            "sha256={}",
            atende_shared::providers::hmac_sha256_hex(SECRET, payload.as_bytes())
        );
        status_of(
            agent
                .post(&url)
                .set("content-type", "application/json")
                .set("x-hub-signature-256", &signature)
                .send_string(&payload),
        )
    }
}

/// The local host on loopback with the platform and tick secrets set (no scheduler: the tick
/// runs through `POST /internal/tick`, as under `spin up` without the cron trigger).
fn local(dir: &std::path::Path, a: &Args) -> anyhow::Result<common::Server> {
    let app = atende_host::App::open(
        atende_host::Config {
            data_dir: dir.to_path_buf(),
            web_root: dir.to_path_buf(),
            variables: HashMap::from([
                ("platform_secret".to_owned(), a.platform_secret.clone()),
                ("tick_secret".to_owned(), a.tick_secret.clone()),
            ]),
        },
        Arc::new(atende_shared::ports::SystemClock),
    )?;
    common::Server::start(Arc::new(app), false)
}

fn created(r: &atende_e2e::Reply, what: &str) -> anyhow::Result<i64> {
    r.body["id"]
        .as_i64()
        .filter(|_| r.status == 201)
        .ok_or_else(|| anyhow::anyhow!("{what}: {} {}", r.status, r.body))
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let senders: usize = std::env::var("SENDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir()?;
    let server = match &a.base {
        Some(_) => None,
        None => Some(local(dir.path(), &a)?),
    };
    let base = match (&a.base, &server) {
        (Some(b), _) => b.clone(),
        (None, Some(s)) => s.base.clone(),
        (None, None) => anyhow::bail!("no server"),
    };
    if a.tick_only {
        return tick_only(&base, &a.tick_secret);
    }
    for path in &a.gets {
        let url = format!("{base}{path}");
        let headers = a.headers.clone();
        load(senders, a.per_phase, 200, move |agent, _| {
            let request = headers
                .iter()
                .fold(agent.get(&url), |r, (name, v)| r.set(name, v));
            status_of(request.call())
        })
        .print(&format!("GET {path}"));
    }
    if !a.gets.is_empty() {
        return Ok(());
    }
    let err = |e: String| anyhow::anyhow!(e);
    let c = atende_e2e::provision(&base, &a.platform_secret).map_err(err)?;
    let admin = c.admin_token().map_err(err)?;
    let post = |path: &str, body: Value| c.call("POST", path, Some(&admin), Some(body));
    let op = created(
        &post("/api/admin/operations", json!({"name": "Bench"})),
        "operation",
    )?;
    let group = created(
        &post(
            "/api/admin/groups",
            json!({"name": "Bench", "operation_id": op}),
        ),
        "group",
    )?;
    let channel = created(
        &post(
            "/api/admin/channels",
            json!({"type": "whatsapp", "name": "Bench", "entry_group_id": group,
                   "credentials": {"phone_number_id": "1", "access_token": "t", "app_secret": SECRET,
                                   "verify_token": "v", "api_base_url": "http://127.0.0.1:9"}}),
        ),
        "channel",
    )?;

    println!(
        "bench-spin against {base} ({}), {} cores, {senders} concurrent senders, {} per phase",
        if a.base.is_some() {
            "a running server"
        } else {
            "the local host"
        },
        common::cores(),
        a.per_phase
    );
    println!(
        "{:<44} {:>8} {:>10} {:>8} {:>8} {:>8} {:>9} {:>6}",
        "phase", "requests", "req/s", "mean ms", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let n = a.per_phase;

    // The probes of the same server and run, when it has them (spin-bench.toml).
    let has_probes = c.raw("GET", "/probe/hello", &[], b"").status == 200
        && c.raw("POST", "/probe/setup", &[], b"").status == 200;
    if has_probes {
        let url = format!("{base}/probe/hello");
        load(senders, n, 200, move |agent, _| {
            status_of(agent.get(&url).call())
        })
        .print("probe: hello-world component");
        let url = format!("{base}/probe/read");
        load(senders, n, 200, move |agent, _| {
            status_of(agent.get(&url).call())
        })
        .print("probe: one indexed SELECT");
        for probe in ["insert", "transaction"] {
            let url = format!("{base}/probe/{probe}");
            let name = match probe {
                "insert" => "probe: PRAGMA + INSERT … RETURNING",
                _ => "probe: BEGIN IMMEDIATE, INSERT, COMMIT",
            };
            load(senders, n, 200, move |agent, _| {
                status_of(agent.post(&url).send_bytes(b""))
            })
            .print(name);
        }
    } else {
        println!("(no probes at {base}/probe/: serve spin-bench.toml to measure them)");
    }

    // 1,000 customers with an open conversation each, then the measured phases.
    let warm = load(
        senders,
        1000,
        200,
        webhook(&base, channel, |i| 5511900000000 + i as u64, 0),
    );
    warm.print("warm-up: 1,000 first messages");
    // The probes again right before what they are read against: the machine's load drifts
    // over a run (other builds on the same cores), so neighbours in time compare fairly.
    let again = |path: &'static str, name: &str| {
        if has_probes {
            let url = format!("{base}{path}");
            let post = path != "/probe/hello";
            load(senders, n, 200, move |agent, _| {
                status_of(if post {
                    agent.post(&url).send_bytes(b"")
                } else {
                    agent.get(&url).call()
                })
            })
            .print(name);
        }
    };
    again("/probe/insert", "probe: INSERT … RETURNING (again)");
    load(
        senders,
        n,
        200,
        webhook(&base, channel, |i| 5511900000000 + (i % 1000) as u64, 1000),
    )
    .print("text on existing conversations");
    load(
        senders,
        n,
        200,
        webhook(&base, channel, |i| 5521900000000 + i as u64, 1000 + n),
    )
    .print("first messages (new customers)");

    // Agents, ready, who poll their feed. The tick runs just before, and then only when a poll
    // finds it due, as on a `spin up` with no scheduler.
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for i in 0..a.agents {
        let username = format!("bench{i}");
        let r = post(
            "/api/admin/users",
            json!({"username": username, "display_name": format!("Bench {i}"), "profile": "agent",
                   "password": "Bench#Pass123", "must_change_password": false, "max_concurrent": 50}),
        );
        ids.push(created(&r, "agent")?);
        let token = c.token(&username, "Bench#Pass123").map_err(err)?;
        // Ready before joining the group, so nothing is handed out before the measured tick.
        let r = c.call(
            "PUT",
            "/api/inbox/status",
            Some(&token),
            Some(json!({"status": "ready"})),
        );
        anyhow::ensure!(r.status == 200, "ready: {} {}", r.status, r.body);
        tokens.push(token);
    }
    let tick = |secret: &str| {
        let t = Instant::now();
        let r = c.raw(
            "POST",
            "/internal/tick",
            &[("authorization", &format!("Bearer {secret}"))],
            b"",
        );
        (r, t.elapsed())
    };
    again("/probe/hello", "probe: hello-world (again)");
    let (r, _) = tick(&a.tick_secret);
    anyhow::ensure!(r.status == 200, "tick: {} {}", r.status, r.body);
    // Each agent polls from its own cursor, as the console does: the first poll returns what
    // going ready wrote to the feed, every later one finds nothing new.
    let mut urls = Vec::new();
    for token in &tokens {
        let r = c.call("GET", "/api/inbox/events?after=0", Some(token), None);
        anyhow::ensure!(r.status == 200, "events: {} {}", r.status, r.body);
        urls.push(format!(
            "{base}/api/inbox/events?after={}",
            r.body["cursor"].as_i64().unwrap_or(0)
        ));
    }
    let tokens = Arc::new(tokens);
    // Eight times the other phases' count, about ten seconds: long enough to cross the tick's
    // five-second due-check twice, whose cost a phase of one second may never see (decision
    // 0021 was found that way).
    let polls = n * 8;
    let polled = || {
        let (tokens, tenant, urls) = (tokens.clone(), c.tenant().to_owned(), urls.clone());
        load(senders, polls, 200, move |agent, i| {
            let k = i % tokens.len();
            status_of(
                agent
                    .get(&urls[k])
                    .set("x-tenant", &tenant)
                    .set("authorization", &format!("Bearer {}", tokens[k]))
                    .call(),
            )
        })
    };
    let polled = polled();
    polled.print(&format!(
        "idle poll GET /api/inbox/events ({} agents)",
        a.agents
    ));

    // One tick handing the queue (every conversation so far) to the agents, now members.
    let m = post(
        &format!("/api/admin/groups/{group}/members"),
        json!({"ids": ids}),
    );
    anyhow::ensure!(m.status == 200, "members: {} {}", m.status, m.body);
    for token in tokens.iter() {
        let r = c.call("POST", "/api/inbox/heartbeat", Some(token), Some(json!({})));
        anyhow::ensure!(r.status == 204, "heartbeat: {} {}", r.status, r.body);
    }
    let (r, took) = tick(&a.tick_secret);
    println!(
        "one tick via POST /internal/tick: {:.0} ms, status {}, assigned {} (of {} queued, {} agents × 50)",
        took.as_secs_f64() * 1000.0,
        r.status,
        r.body["assigned"],
        1000 + n,
        a.agents
    );
    if let Some(server) = server {
        server.stop()?;
    }
    Ok(())
}

/// One tick on a seeded database, with 4 writers calling the insert probe meanwhile: their
/// slowest answers are how long the tick held other writers back.
fn tick_only(base: &str, tick_secret: &str) -> anyhow::Result<()> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let probes = status_of(agent.post(&format!("{base}/probe/setup")).send_bytes(b"")) == 200;
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writers: Vec<_> = (0..if probes { 4 } else { 0 })
        .map(|_| {
            let (running, url) = (running.clone(), format!("{base}/probe/insert"));
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut latencies = Vec::new();
                while running.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let status = status_of(agent.post(&url).send_bytes(b""));
                    latencies.push((t.elapsed(), status));
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    let reply = agent
        .post(&format!("{base}/internal/tick"))
        .set("authorization", &format!("Bearer {tick_secret}"))
        .call();
    let took = t.elapsed();
    let body: Value = match reply {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.into_json().unwrap_or(Value::Null),
        Err(e) => anyhow::bail!("tick: {e}"),
    };
    std::thread::sleep(Duration::from_millis(300));
    running.store(false, Ordering::Relaxed);
    let mut during: Vec<Duration> = Vec::new();
    let mut failed = 0;
    for w in writers {
        for (latency, status) in w.join().unwrap_or_default() {
            during.push(latency);
            failed += usize::from(status != 200);
        }
    }
    during.sort();
    println!(
        "one tick via POST /internal/tick: {:.0} ms, assigned {}",
        took.as_secs_f64() * 1000.0,
        body["assigned"]
    );
    if probes {
        println!(
            "insert probe meanwhile (4 writers): {} writes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {failed} errors",
            during.len(),
            pct(&during, 0.5),
            pct(&during, 0.99),
            pct(&during, 1.0)
        );
    }
    Ok(())
}
