//! Reports benchmark: 100,000 conversations and 1,000,000 messages over 31 days (50 agents,
//! 10 groups), then each report through the local host's request handler (in process, no
//! network): the history with "messages containing" (p50/p95 over varied searches), the CSV
//! and XLSX exports of every row, the service level of 31 days and the live dashboard.
//! Peak memory of each export is the growth of the peak resident set (`VmHWM`) of a fresh
//! process that opens the same database and runs only that export.
//!
//!     cargo run --release -p atende-tests --bin bench-reports
//!
//! Seeding writes rows directly with SQL (it is a benchmark, not a test); the full-text index
//! is filled by the same triggers that index every message in production.

use atende_host::{App, Config};
use atende_shared::ports::{SystemClock, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

const CONVERSATIONS: i64 = 100_000;
const MESSAGES_PER_CONVERSATION: i64 = 10;
const AGENTS: i64 = 50;
const GROUPS: i64 = 10;
const DAYS: i64 = 31;

const SENTENCES: [&str; 16] = [
    "Olá, bom dia",
    "Meu pedido não chegou ainda",
    "Qual o prazo de entrega para São Paulo?",
    "Preciso da segunda via do boleto",
    "Vou verificar a situação do seu pedido",
    "O código de rastreio é BR123456789",
    "Obrigado pelo atendimento",
    "Posso ajudar em algo mais?",
    "A cobrança veio em duplicidade",
    "Gostaria de trocar o tamanho da camiseta",
    "Seu pedido foi reenviado hoje",
    "O cartão foi recusado na compra",
    "Pode me enviar uma foto do produto?",
    "A nota fiscal está disponível no site",
    "Quero cancelar minha assinatura",
    "Estamos verificando com a transportadora",
];

fn open(dir: &std::path::Path) -> anyhow::Result<App> {
    App::open(
        Config {
            data_dir: dir.to_path_buf(),
            web_root: dir.to_path_buf(),
            variables: HashMap::new(),
        },
        Arc::new(SystemClock),
    )
}

/// What a streamed export's client saw: chunks, bytes, lines, and when the first chunk came.
struct Received {
    started: Instant,
    first_chunk_s: Option<f64>,
    chunks: usize,
    bytes: usize,
    largest: usize,
    lines: usize,
}

impl std::io::Write for Received {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.first_chunk_s
            .get_or_insert_with(|| self.started.elapsed().as_secs_f64());
        self.chunks += 1;
        self.bytes += bytes.len();
        self.largest = self.largest.max(bytes.len());
        self.lines += bytes.iter().filter(|b| **b == b'\n').count();
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `export <csv|xlsx> <data dir> <period query> <token>`: one export through the local host's
/// streaming path (what its server sends as chunks), timed, with the growth of the peak
/// resident set over what the process held before it. The chunks are counted, not kept, as a
/// client writing them to disk would.
fn export(args: &[String]) -> anyhow::Result<()> {
    let [ext, dir, period, token] = args else {
        anyhow::bail!("usage: export <csv|xlsx> <dir> <period> <token>");
    };
    let app = open(std::path::Path::new(dir))?;
    let before = rss_kib("VmRSS");
    let t = Instant::now();
    let mut status = None;
    let mut received = Received {
        started: t,
        first_chunk_s: None,
        chunks: 0,
        bytes: 0,
        largest: 0,
        lines: 0,
    };
    app.handle_streaming(
        http::Request::get(format!("/api/reports/history.{ext}?{period}"))
            .header("x-tenant", "demo")
            .header("authorization", format!("Bearer {token}"))
            .body(Vec::new())?,
        None,
        |response, _| {
            status = Some(response.status());
            &mut received
        },
    )?;
    let secs = t.elapsed().as_secs_f64();
    let peak = rss_kib("VmHWM");
    if status != Some(http::StatusCode::OK) {
        anyhow::bail!("export answered {status:?}");
    }
    println!(
        "{secs:.2} s, {} bytes in {} chunks (largest {} KiB, first after {:.2} s){}, peak memory {:.1} MiB over the {:.1} MiB the process held before",
        received.bytes,
        received.chunks,
        received.largest / 1024,
        received.first_chunk_s.unwrap_or(secs),
        if ext == "csv" {
            format!(", {} rows", received.lines.saturating_sub(1))
        } else {
            String::new()
        },
        peak.saturating_sub(before) as f64 / 1024.0,
        before as f64 / 1024.0
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("export") {
        return export(&args[1..]);
    }
    let dir = tempfile::tempdir()?;
    let app = open(dir.path())?;
    let started = Instant::now();
    let (from, to) = seed(&app)?;
    println!(
        "seeded {CONVERSATIONS} conversations, {} messages in {:.1} s",
        CONVERSATIONS * MESSAGES_PER_CONVERSATION,
        started.elapsed().as_secs_f64()
    );
    app.checkpoint()?;
    let token = login(&app)?;
    let period = format!("from={from}&to={to}");

    // History with "messages containing": varied searches, rare to common, phrases too.
    let searches = [
        "reembolso",
        "duplicidade",
        "nao%20chegou",
        "cart%C3%A3o%20foi%20recusado",
        "transportadora",
        "nota%20fiscal",
        "rastreio",
        "S%C3%83O%20PAULO",
    ];
    let mut times = Vec::new();
    let mut found = 0;
    for round in 0..5 {
        for q in searches {
            let t = Instant::now();
            let body = get(
                &app,
                &token,
                &format!("/api/reports/history?{period}&text={q}"),
            )?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if round == 0 {
                let v: serde_json::Value = serde_json::from_slice(&body)?;
                found += v["items"].as_array().map_or(0, Vec::len);
            }
        }
    }
    let (p50, p95) = percentiles(&mut times);
    println!(
        "history + messages containing: {} requests, p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 < 100 ms); first page rows of the 8 searches: {found}",
        times.len()
    );
    let mut plain = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        get(&app, &token, &format!("/api/reports/history?{period}"))?;
        plain.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = percentiles(&mut plain);
    println!("history, no text: p50 {p50:.1} ms, p95 {p95:.1} ms");

    // Each export runs in a fresh process of this program on the same database, so its peak
    // resident memory is the export's own (not memory the seeding left to the allocator).
    for (ext, target) in [("csv", 2.0), ("xlsx", 5.0)] {
        for run in 1..=2 {
            let out = std::process::Command::new(std::env::current_exe()?)
                .args([
                    "export",
                    ext,
                    &dir.path().to_string_lossy(),
                    &period,
                    &token,
                ])
                .output()?;
            if !out.status.success() {
                anyhow::bail!("{ext} export: {}", String::from_utf8_lossy(&out.stderr));
            }
            println!(
                "{ext} run {run}: {} (target < {target} s)",
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
    }

    let mut sl = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        get(
            &app,
            &token,
            &format!("/api/reports/service-level?{period}"),
        )?;
        sl.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = percentiles(&mut sl);
    println!("service level, 31 days: p50 {p50:.0} ms, max {p95:.0} ms (target < 500 ms)");

    let mut dash = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        get(&app, &token, "/api/reports/dashboard")?;
        dash.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = percentiles(&mut dash);
    println!("dashboard: p50 {p50:.1} ms, p95 {p95:.1} ms (target < 20 ms)");

    let mut prod = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        get(&app, &token, &format!("/api/reports/productivity?{period}"))?;
        prod.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, _) = percentiles(&mut prod);
    println!("productivity, 31 days: p50 {p50:.0} ms");
    Ok(())
}

fn percentiles(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    (at(0.5), at(0.95))
}

fn get(app: &App, token: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let response = app.handle(
        http::Request::get(path)
            .header("x-tenant", "demo")
            .header("authorization", format!("Bearer {token}"))
            .body(Vec::new())?,
        None,
    );
    if response.status() != 200 {
        anyhow::bail!(
            "{path}: {} {}",
            response.status(),
            String::from_utf8_lossy(response.body())
        );
    }
    Ok(response.into_body())
}

fn login(app: &App) -> anyhow::Result<String> {
    let response = app.handle(
        http::Request::post("/api/auth/login")
            .header("x-tenant", "demo")
            .header("content-type", "application/json")
            .body(br#"{"username":"admin","password":"Atende#2026"}"#.to_vec())?,
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(response.body())?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("login failed: {v}"))
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The data set; returns the period (first and last local day) it covers.
fn seed(app: &App) -> anyhow::Result<(String, String)> {
    app.with_ctx(|ctx| -> anyhow::Result<(String, String)> {
        atende_shared::demo::seed(ctx).map_err(|e| anyhow::anyhow!("{e}"))?;
        let db = ctx.db;
        let now = ctx.now_ms();
        let zone: chrono_tz::Tz = "America/Sao_Paulo".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now)
            .unwrap_or_default()
            .with_timezone(&zone)
            .date_naive();
        let first = today - chrono::Duration::days(DAYS - 1);
        // Arrivals spread evenly from the first day's midnight (UTC-3) until an hour ago.
        let start = first
            .and_hms_opt(3, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_millis();
        let span = now - 3_600_000 - start;
        let run = |sql: &str, params: &[Value]| {
            db.execute(sql, params)
                .map_err(|e| anyhow::anyhow!("{e}: {sql}"))
        };
        run("BEGIN IMMEDIATE", &[])?;
        run("INSERT INTO config_items (tenant_id, kind, name, search, data, created_at, updated_at) \
             VALUES (1, 'operation', 'Bench', 'bench', '{\"name\":\"Bench\"}', ?1, ?1)", &[now.into()])?;
        for g in 0..GROUPS {
            run("INSERT INTO config_items (tenant_id, kind, name, search, ref_id, data, created_at, updated_at) \
                 SELECT 1, 'group', ?1, ?1, id, json_object('name', ?1, 'operation_id', id, 'timers', json_object('initial_sla_minutes', 5)), ?2, ?2 \
                 FROM config_items WHERE kind = 'operation' AND name = 'Bench'",
                &[format!("G{g}").into(), now.into()])?;
        }
        let hash: String = match run("SELECT password_hash FROM users WHERE username = 'agent1'", &[])?.rows[0][0] {
            Value::Text(ref h) => h.clone(),
            _ => anyhow::bail!("no hash"),
        };
        run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
             INSERT INTO users (tenant_id, username, display_name, profile, password_hash, max_concurrent, created_at, updated_at) \
             SELECT 1, 'bench' || i, 'Agente ' || i, 'agent', ?2, 10, ?3, ?3 FROM n",
            &[AGENTS.into(), hash.into(), now.into()])?;
        run("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) \
             SELECT 1, g.id, u.id, ?1 FROM users u JOIN config_items g ON g.kind = 'group' \
               AND g.name = 'G' || (CAST(substr(u.username, 6) AS INTEGER) % ?2) WHERE u.username LIKE 'bench%'",
            &[now.into(), GROUPS.into()])?;
        run("INSERT INTO agent_status (tenant_id, user_id, status, since, last_seen_at) \
             SELECT 1, id, 'ready', ?1, ?1 FROM users WHERE username LIKE 'bench%'", &[now.into()])?;
        run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
             INSERT INTO clients (tenant_id, username, display_name, phone, search, created_at, updated_at) \
             SELECT 1, 'cli-b' || i, 'Cliente Ação ' || i, '+55119' || (10000000 + i), '', ?2, ?2 FROM n",
            &[CONVERSATIONS.into(), now.into()])?;
        // Every conversation closed except the newest 500 (queued or assigned: the dashboard's).
        run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1), \
                  c AS (SELECT i, ?2 + i * ?3 / ?1 AS arrived FROM n) \
             INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id, status, agent_id, \
                 reply_to, arrived_at, queued_at, assigned_at, first_response_at, closed_at, closed_by, created_at, updated_at) \
             SELECT 1, printf('WA%011d', i + 1), 1, 'whatsapp', (SELECT MIN(id) FROM clients WHERE username LIKE 'cli-b%') + i, \
                    (SELECT MIN(id) FROM config_items WHERE kind = 'group') + i % ?4, \
                    CASE WHEN i >= ?1 - 500 THEN (CASE WHEN i % 2 = 0 THEN 'queued' ELSE 'assigned' END) ELSE 'closed' END, \
                    CASE WHEN i >= ?1 - 500 AND i % 2 = 0 THEN NULL \
                         ELSE (SELECT MIN(id) FROM users WHERE username LIKE 'bench%') + (i * 7) % ?5 END, \
                    '55119' || (10000000 + i), arrived, arrived, \
                    CASE WHEN i >= ?1 - 500 AND i % 2 = 0 THEN NULL ELSE arrived + (i % 600) * 1000 END, \
                    CASE WHEN i >= ?1 - 500 AND i % 2 = 0 THEN NULL ELSE arrived + (i % 600) * 1000 + 30000 END, \
                    CASE WHEN i >= ?1 - 500 THEN NULL ELSE arrived + (i % 600) * 1000 + 600000 + (i % 1200) * 1000 END, \
                    CASE WHEN i >= ?1 - 500 THEN NULL ELSE 'agent' END, arrived, arrived FROM c",
            &[CONVERSATIONS.into(), start.into(), span.into(), GROUPS.into(), AGENTS.into()])?;
        // The timeline the lifecycle writes: created, queued, assigned, closed; 5 % transferred.
        for (kind, at, filter) in [
            ("created", "arrived_at", "1"),
            ("queued", "queued_at", "1"),
            ("assigned", "assigned_at", "assigned_at IS NOT NULL"),
            ("transferred", "assigned_at + 60000", "assigned_at IS NOT NULL AND id % 20 = 0"),
            ("closed", "closed_at", "closed_at IS NOT NULL"),
        ] {
            run(&format!(
                "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, at) \
                 SELECT 1, id, '{kind}', 'system', agent_id, {at} FROM conversations WHERE {filter}"), &[])?;
        }
        // Ten messages each, from the sentences above; one conversation in a hundred asks for a
        // refund (the rare search).
        let sentences = serde_json::to_string(&SENTENCES)?;
        run("WITH RECURSIVE m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < ?1 - 1) \
             INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body, created_at) \
             SELECT 1, v.id, 1, CASE WHEN m.j % 2 = 0 THEN 'customer' ELSE 'agent' END, \
                    CASE WHEN m.j % 2 = 0 THEN NULL ELSE v.agent_id END, 'text', \
                    CASE WHEN v.id % 100 = 0 AND m.j = 4 THEN 'Quero um reembolso da compra número ' || v.id \
                         ELSE json_extract(?2, '$[' || ((v.id * 7 + m.j * 3) % 16) || ']') END, \
                    v.arrived_at + m.j * 20000 \
             FROM conversations v, m",
            &[MESSAGES_PER_CONVERSATION.into(), sentences.into()])?;
        // Indexed for search, as the tick keeps them (migration 0020).
        run("UPDATE message_index_progress SET indexed_through = (SELECT MAX(id) FROM messages)", &[])?;
        run("INSERT INTO agent_status_log (tenant_id, user_id, status, at) \
             SELECT 1, id, 'ready', ?1 FROM users WHERE username LIKE 'bench%'", &[start.into()])?;
        run("COMMIT", &[])?;
        run("ANALYZE", &[])?;
        Ok((first.to_string(), today.to_string()))
    })?
}
