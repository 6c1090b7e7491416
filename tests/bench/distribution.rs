//! Distribution latency: how long from a customer's first message until an agent has the
//! conversation, when agents are free. The local host on loopback with 500 ready agents (10
//! simultaneous conversations each) in the channel's entry group and the scheduler's tick
//! running; customers' first messages are posted as signed WhatsApp webhooks by 1, 16 and 64
//! concurrent senders. A conversation's latency is the webhook's round trip when it was
//! assigned before the answer came back, else the time from sending until its `assigned`
//! event (counted under "later": a concurrent request's distribution run took it, or a tick).
//! Conversations never assigned are counted apart.
//!
//!     cargo run --release -p atende-tests --bin bench-distribution [-- <messages per phase>]

mod common;

use atende_shared::ports::Value;
use common::{pct, send_all, Server};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const AGENTS: i64 = 500;

fn main() -> anyhow::Result<()> {
    let per_phase: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_500);
    let dir = tempfile::tempdir()?;
    let (app, channel, group) = common::open(dir.path())?;
    // Set-up (not measured): ready agents written in bulk; one password hash serves them all.
    app.with_ctx(|ctx| -> anyhow::Result<()> {
        let now = ctx.now_ms();
        let run = |sql: &str, params: &[Value]| {
            ctx.db
                .execute(sql, params)
                .map_err(|e| anyhow::anyhow!("{e}: {sql}"))
        };
        run("BEGIN IMMEDIATE", &[])?;
        run(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
             INSERT INTO users (tenant_id, username, display_name, profile, password_hash, max_concurrent, priority, created_at, updated_at) \
             SELECT 1, 'bench' || i, 'Bench ' || i, 'agent', (SELECT password_hash FROM users WHERE username = 'agent1'), 10, 0, ?2, ?2 FROM n",
            &[AGENTS.into(), now.into()],
        )?;
        run(
            "INSERT INTO group_members (tenant_id, group_id, user_id, created_at) \
             SELECT 1, ?1, id, ?2 FROM users WHERE username LIKE 'bench%'",
            &[group.into(), now.into()],
        )?;
        run(
            "INSERT INTO agent_status (tenant_id, user_id, status, since, last_seen_at) \
             SELECT 1, id, 'ready', ?1, ?1 FROM users WHERE username LIKE 'bench%'",
            &[now.into()],
        )?;
        run("COMMIT", &[])?;
        Ok(())
    })??;
    let app = Arc::new(app);
    let server = Server::start(app.clone(), true)?;

    println!(
        "machine: {} cores; {AGENTS} ready agents (limit 10 each) in the entry group; first messages over HTTP on loopback",
        common::cores()
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>7}",
        "senders", "messages", "assigned", "p50 ms", "p99 ms", "max ms", "later", "errors"
    );
    let phases: [(usize, common::Customer); 3] = [
        (1, |n| 5531900000000 + n as u64),
        (16, |n| 5532900000000 + n as u64),
        (64, |n| 5533900000000 + n as u64),
    ];
    for (i, (senders, customer)) in phases.into_iter().enumerate() {
        let (samples, _) = send_all(
            &server.base,
            channel,
            senders,
            per_phase,
            customer,
            i * per_phase,
        );
        let assigned_at = assignments(&app)?;
        let mut latencies = Vec::new();
        let mut later = 0;
        for s in &samples {
            let Some(&at) = assigned_at.get(&customer(s.n).to_string()) else {
                continue;
            };
            let answered_ms = s.sent_at_ms + s.latency.as_millis() as i64 + 1;
            if at <= answered_ms {
                latencies.push(s.latency);
            } else {
                later += 1;
                latencies.push(Duration::from_millis((at - s.sent_at_ms).max(0) as u64));
            }
        }
        latencies.sort();
        println!(
            "{senders:<10} {:>9} {:>9} {:>9.2} {:>9.2} {:>9.2} {later:>11} {:>7}",
            samples.len(),
            latencies.len(),
            pct(&latencies, 0.50),
            pct(&latencies, 0.99),
            pct(&latencies, 1.0),
            samples.iter().filter(|s| !s.ok).count(),
        );
        // Free the agents for the next phase, as closing would.
        app.with_ctx(|ctx| {
            ctx.db.execute(
                "UPDATE conversations SET status = 'closed', closed_at = ?1 WHERE status <> 'closed'",
                &[ctx.now_ms().into()],
            )
        })??;
    }
    server.stop()
}

/// When each customer's conversation was first assigned (by the customer's WhatsApp id).
fn assignments(app: &atende_host::App) -> anyhow::Result<HashMap<String, i64>> {
    let rows = app.with_ctx(|ctx| {
        ctx.db.execute(
            "SELECT v.reply_to AS customer, MIN(e.at) AS at FROM conversation_events e \
             JOIN conversations v ON v.id = e.conversation_id \
             WHERE e.kind = 'assigned' AND v.status <> 'closed' GROUP BY v.id",
            &[],
        )
    })??;
    let mut out = HashMap::new();
    for r in rows.iter() {
        out.insert(r.text("customer")?, r.i64("at")?);
    }
    Ok(out)
}
