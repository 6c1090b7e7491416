//! Routing benchmark: one tick distributing 10,000 queued conversations over 1,000 ready
//! agents in 20 groups (50 members each, 10 simultaneous conversations each), for each queue
//! strategy, through the local host's `App`.
//!
//!     cargo run --release -p atende-tests --bin bench-routing
//!     cargo run --release -p atende-tests --bin bench-routing -- --seed <dir>
//!
//! With `--seed` it only writes that set-up into `<dir>/atende.sqlite` (for `spin up` through a
//! runtime configuration naming that file; `bench-spin --tick-only` then times the tick there).

use atende_host::{App, Config};
use atende_shared::ports::{SystemClock, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

const GROUPS: i64 = 20;
const AGENTS_PER_GROUP: i64 = 50;
const CONVERSATIONS: i64 = 10_000;

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let seed_only = match (std::env::args().nth(1).as_deref(), std::env::args().nth(2)) {
        (Some("--seed"), Some(path)) => Some(std::path::PathBuf::from(path)),
        _ => None,
    };
    let app = App::open(
        Config {
            data_dir: seed_only
                .clone()
                .unwrap_or_else(|| dir.path().to_path_buf()),
            web_root: dir.path().to_path_buf(),
            variables: HashMap::new(),
        },
        Arc::new(SystemClock),
    )?;
    // Set-up (not measured): written in bulk with SQL; one password hash serves every agent.
    app.with_ctx(|ctx| -> anyhow::Result<()> {
        atende_shared::demo::seed(ctx).map_err(|e| anyhow::anyhow!("{e}"))?;
        let db = ctx.db;
        let now = ctx.now_ms();
        let run = |sql: &str, params: &[Value]| db.execute(sql, params).map_err(|e| anyhow::anyhow!("{e}: {sql}"));
        run("BEGIN IMMEDIATE", &[])?;
        run("INSERT INTO config_items (tenant_id, kind, name, search, data, created_at, updated_at) \
             VALUES (1, 'operation', 'Bench', 'bench', '{\"name\":\"Bench\"}', ?1, ?1)", &[now.into()])?;
        for g in 0..GROUPS {
            run("INSERT INTO config_items (tenant_id, kind, name, search, ref_id, data, created_at, updated_at) \
                 SELECT 1, 'group', ?1, ?1, id, json_object('name', ?1, 'operation_id', id), ?2, ?2 FROM config_items WHERE kind = 'operation' AND name = 'Bench'",
                &[format!("G{g}").into(), now.into()])?;
        }
        let hash: String = match run("SELECT password_hash FROM users WHERE username = 'agent1'", &[])?.rows[0][0] {
            Value::Text(ref h) => h.clone(),
            _ => anyhow::bail!("no hash"),
        };
        run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
             INSERT INTO users (tenant_id, username, display_name, profile, password_hash, max_concurrent, priority, created_at, updated_at) \
             SELECT 1, 'bench' || i, 'Bench ' || i, 'agent', ?2, 10, i % 7, ?3, ?3 FROM n",
            &[(GROUPS * AGENTS_PER_GROUP).into(), hash.into(), now.into()])?;
        run("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) \
             SELECT 1, g.id, u.id, ?1 FROM users u JOIN config_items g ON g.kind = 'group' \
               AND g.name = 'G' || (CAST(substr(u.username, 6) AS INTEGER) % ?2) WHERE u.username LIKE 'bench%'",
            &[now.into(), GROUPS.into()])?;
        run("INSERT INTO agent_status (tenant_id, user_id, status, since, last_seen_at) \
             SELECT 1, id, 'ready', ?1, ?1 FROM users WHERE username LIKE 'bench%'", &[now.into()])?;
        run("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
             INSERT INTO clients (tenant_id, username, display_name, phone, search, created_at, updated_at) \
             SELECT 1, 'cli-b' || i, 'Cliente ' || i, '+55119' || (10000000 + i), '', ?2, ?2 FROM n",
            &[CONVERSATIONS.into(), now.into()])?;
        run("INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id, status, reply_to, \
               arrived_at, queued_at, created_at, updated_at) \
             SELECT 1, 'WA' || printf('%011d', c.id), 0, 'whatsapp', c.id, g.id, 'queued', c.phone, ?1 + c.id, ?1, ?1, ?1 \
             FROM clients c JOIN config_items g ON g.kind = 'group' AND g.name = 'G' || (c.id % ?2) WHERE c.username LIKE 'cli-b%'",
            &[now.into(), GROUPS.into()])?;
        run("COMMIT", &[])?;
        Ok(())
    })??;
    if let Some(path) = seed_only {
        app.checkpoint()?;
        println!(
            "seeded {} (company demo): {CONVERSATIONS} queued conversations, {} ready agents",
            path.join("atende.sqlite").display(),
            GROUPS * AGENTS_PER_GROUP
        );
        return Ok(());
    }

    println!("machine: {} cores; {CONVERSATIONS} queued conversations, {} ready agents in {GROUPS} groups (limit 10 each)",
        std::thread::available_parallelism().map_or(0, |n| n.get()), GROUPS * AGENTS_PER_GROUP);
    println!(
        "{:<22} {:>10} {:>12} {:>14}",
        "strategy", "assigned", "tick ms", "assignments/s"
    );
    for strategy in [
        "circular",
        "random",
        "agent_priority",
        "least_handling_time",
        "least_conversations",
    ] {
        app.with_ctx(|ctx| -> anyhow::Result<()> {
            for sql in [
                "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL WHERE channel_id = 0",
                "DELETE FROM conversation_events",
                "DELETE FROM inbox_feed",
                "DELETE FROM routing_state",
            ] {
                ctx.db.execute(sql, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            ctx.db
                .execute("UPDATE config_items SET data = json_set(data, '$.queue_strategy', ?) WHERE kind = 'group'", &[strategy.into()])
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        })??;
        app.checkpoint()?;
        let started = Instant::now();
        let report = app.tick()?;
        let elapsed = started.elapsed();
        println!(
            "{:<22} {:>10} {:>12.0} {:>14.0}",
            strategy,
            report.assigned,
            elapsed.as_secs_f64() * 1000.0,
            report.assigned as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}
