//! `crash-test <path to atende>`: kills the local host with SIGKILL in the middle of a load of
//! signed inbound WhatsApp webhooks, restarts it on the same data, has the provider retry
//! every message, and checks that
//! - every message the host had answered 2xx for is stored, and every message exactly once;
//! - the retries of the others are accepted (2xx) and stored once;
//! - no conversation is left with no agent or with two (every open one held by exactly the
//!   one agent its assignment named).
//!
//! Exits non-zero with the reason on any failure. `.ci/run` calls it after building `atende`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atende_e2e::{Client, DEMO_PASSWORD};
use atende_shared::ports::{Sql, Value};
use serde_json::{json, Value as Json};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const APP_SECRET: &str = "crash-test-app-secret";
const SENDERS: usize = 8;
const PER_SENDER: usize = 50;
const CUSTOMERS: usize = 40;
/// The kill comes once this many messages were acknowledged.
const KILL_AFTER_ACKS: usize = 120;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(binary) = args.next() else {
        eprintln!("usage: crash-test <path to the atende binary>");
        std::process::exit(2);
    };
    match run(Path::new(&binary)) {
        Ok(summary) => println!("crash test passed: {summary}"),
        Err(reason) => {
            eprintln!("crash test FAILED: {reason}");
            std::process::exit(1);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn start(binary: &Path, data: &Path, port: u16) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("atende.log"))
        .map_err(|e| e.to_string())?;
    let child = Command::new(binary)
        .args(["--demo", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if ureq::get(&format!("http://127.0.0.1:{port}/api/openapi.json"))
            .call()
            .is_ok()
        {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("the host did not answer within 30 s".into())
}

fn expect(ok: bool, what: impl Into<String>) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what.into())
    }
}

/// The company's admin prepares a WhatsApp channel into a group served by two ready agents.
fn prepare(c: &Client) -> Result<i64, String> {
    let admin = c.login("admin", DEMO_PASSWORD).body["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let post = |path: &str, body: Json| c.call("POST", path, Some(&admin), Some(body));
    let op = post("/api/admin/operations", json!({"name": "Crash"})).body["id"]
        .as_i64()
        .ok_or("no operation")?;
    let group = post(
        "/api/admin/groups",
        json!({"name": "Crash", "operation_id": op}),
    )
    .body["id"]
        .as_i64()
        .ok_or("no group")?;
    let channel = post(
        "/api/admin/channels",
        json!({"type": "whatsapp", "name": "Crash", "entry_group_id": group,
               "credentials": {"phone_number_id": "99887766", "access_token": "t", "app_secret": APP_SECRET,
                               "verify_token": "v", "api_base_url": "http://127.0.0.1:9"}}),
    );
    let channel = channel.body["id"]
        .as_i64()
        .ok_or(format!("no channel: {}", channel.body))?;
    let users = c.call("GET", "/api/admin/users?limit=200", Some(&admin), None);
    let id_of = |name: &str| {
        users.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|u| u["username"] == name))
            .and_then(|u| u["id"].as_i64())
    };
    let agents: Vec<i64> = ["agent1", "agent2"]
        .iter()
        .filter_map(|a| id_of(a))
        .collect();
    expect(agents.len() == 2, "the demo agents are missing")?;
    let members = post(
        &format!("/api/admin/groups/{group}/members"),
        json!({"ids": agents}),
    );
    expect(members.status == 200, format!("members: {}", members.body))?;
    for (name, id) in ["agent1", "agent2"].iter().zip(&agents) {
        let limit = c.call(
            "PATCH",
            &format!("/api/admin/users/{id}"),
            Some(&admin),
            Some(json!({"max_concurrent": CUSTOMERS})),
        );
        expect(limit.status == 200, format!("limit: {}", limit.body))?;
        let token = c.login(name, DEMO_PASSWORD).body["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let ready = c.call(
            "PUT",
            "/api/inbox/status",
            Some(&token),
            Some(json!({"status": "ready"})),
        );
        expect(ready.status == 200, format!("ready: {}", ready.body))?;
    }
    Ok(channel)
}

fn message(n: usize) -> (String, String) {
    let from = format!("5511990{:06}", n % CUSTOMERS);
    let wamid = format!("wamid.crash.{n}");
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "99887766"},
        "contacts": [{"profile": {"name": format!("Cliente {}", n % CUSTOMERS)}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1763900000", "type": "text", "text": {"body": format!("mensagem {n}")}}]
    }}]}]})
    .to_string();
    (wamid, body)
}

/// Posts one message as the provider does; Some(body) when answered 2xx.
fn deliver(agent: &ureq::Agent, url: &str, body: &str) -> Option<Json> {
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(APP_SECRET, body.as_bytes())
    );
    agent
        .post(url)
        .set("content-type", "application/json")
        .set("x-hub-signature-256", &signature)
        .send_string(body)
        .ok()
        .and_then(|r| r.into_json().ok())
}

fn query(data: &Path, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, String> {
    let pool = atende_shared::native::SqlitePool::open(data.join("atende.sqlite"))
        .map_err(|e| e.to_string())?;
    let conn = pool.get().map_err(|e| e.to_string())?;
    conn.execute(sql, params)
        .map(|r| r.rows)
        .map_err(|e| e.to_string())
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(n) => *n,
        _ => -1,
    }
}

fn run(binary: &Path) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data = dir.path();
    let port = free_port();
    let mut host = start(binary, data, port)?;
    let base = format!("http://127.0.0.1:{port}");
    let c = Client::new(&base, "demo");
    let channel = prepare(&c)?;
    let url = format!("{base}/hooks/whatsapp/{channel}");

    // The load: senders post their share; each message's 2xx (or not) is recorded.
    let total = SENDERS * PER_SENDER;
    let acked: Arc<Mutex<Vec<bool>>> = Arc::new(Mutex::new(vec![false; total]));
    let acks = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (acked, acks, url) = (acked.clone(), acks.clone(), url.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(10))
                    .build();
                for i in 0..PER_SENDER {
                    let n = s * PER_SENDER + i;
                    let (_, body) = message(n);
                    if deliver(&agent, &url, &body).is_some() {
                        acked.lock().unwrap()[n] = true;
                        acks.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acks.load(Ordering::SeqCst) < KILL_AFTER_ACKS && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    // SIGKILL: no shutdown, no checkpoint, requests in flight cut off.
    host.kill().map_err(|e| format!("killing the host: {e}"))?;
    host.wait().map_err(|e| e.to_string())?;
    for s in senders {
        s.join().map_err(|_| "a sender panicked")?;
    }
    let acked = acked.lock().unwrap().clone();
    let acked_count = acked.iter().filter(|a| **a).count();
    expect(
        acked_count >= KILL_AFTER_ACKS && acked_count < total,
        format!("the kill did not land mid-load: {acked_count} of {total} acknowledged"),
    )?;

    // Restarted on the same files, the provider retries every message.
    let mut host = start(binary, data, port)?;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let mut accepted_again = 0;
    for (n, was_acked) in acked.iter().enumerate() {
        let (wamid, body) = message(n);
        let answer =
            deliver(&agent, &url, &body).ok_or(format!("the retry of {wamid} was not accepted"))?;
        let (stored, duplicate) = (
            answer["messages"].as_i64().unwrap_or(0),
            answer["duplicates"].as_i64().unwrap_or(0),
        );
        expect(
            stored + duplicate == 1,
            format!("{wamid}: retry answered {answer}"),
        )?;
        if *was_acked {
            expect(
                duplicate == 1,
                format!("{wamid} was acknowledged before the crash but not stored: {answer}"),
            )?;
        } else {
            accepted_again += usize::try_from(stored).unwrap_or(0);
        }
    }

    // Distribution catches up (on arrival, and the scheduler for anything left queued).
    let unassigned =
        "SELECT COUNT(*) FROM conversations WHERE channel_id = ? AND status <> 'closed' \
                      AND (agent_id IS NULL OR status NOT IN ('assigned', 'offered'))";
    let settle = Instant::now();
    loop {
        let left = int(&query(data, unassigned, &[channel.into()])?[0][0]);
        if left == 0 {
            break;
        }
        if settle.elapsed() > Duration::from_secs(10) {
            return Err(format!(
                "{left} open conversations have no agent 10 s after the restart"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    host.kill().map_err(|e| e.to_string())?;
    host.wait().map_err(|e| e.to_string())?;

    let per_message = query(
        data,
        "SELECT COUNT(*), COUNT(DISTINCT channel_message_id), MAX(n) FROM \
         (SELECT channel_message_id, COUNT(*) AS n FROM messages WHERE channel_id = ? AND role = 'customer' \
          GROUP BY channel_message_id)",
        &[channel.into()],
    )?;
    let row = &per_message[0];
    expect(
        int(&row[0]) == total as i64 && int(&row[1]) == total as i64 && int(&row[2]) == 1,
        format!(
            "messages stored: {} distinct of {total}, most copies of one {}",
            int(&row[1]),
            int(&row[2])
        ),
    )?;
    let open = query(
        data,
        "SELECT COUNT(*), COUNT(DISTINCT client_id) FROM conversations WHERE channel_id = ? AND status <> 'closed'",
        &[channel.into()],
    )?;
    expect(
        int(&open[0][0]) == CUSTOMERS as i64 && int(&open[0][1]) == CUSTOMERS as i64,
        format!(
            "open conversations {} for {} customers (want one each of {CUSTOMERS})",
            int(&open[0][0]),
            int(&open[0][1])
        ),
    )?;
    let two_agents = query(
        data,
        "SELECT COUNT(*) FROM conversations v WHERE v.channel_id = ? AND v.status <> 'closed' AND \
         ((SELECT COUNT(DISTINCT e.actor_id) FROM conversation_events e \
           WHERE e.conversation_id = v.id AND e.kind = 'assigned') <> 1 \
          OR NOT EXISTS (SELECT 1 FROM conversation_events e WHERE e.conversation_id = v.id \
                         AND e.kind = 'assigned' AND e.actor_id = v.agent_id))",
        &[channel.into()],
    )?;
    expect(
        int(&two_agents[0][0]) == 0,
        format!(
            "{} open conversations were assigned to other than exactly their one agent",
            int(&two_agents[0][0])
        ),
    )?;
    Ok(format!(
        "{acked_count} of {total} messages acknowledged before SIGKILL at {:?}; after the restart \
         {accepted_again} retries stored for the first time, the rest recognised; every message \
         stored once; {CUSTOMERS} open conversations, each with its one agent",
        started.elapsed()
    ))
}
