//! Inbound message benchmark: the local host on loopback, 64 concurrent senders posting signed
//! WhatsApp Cloud API webhooks over real HTTP, for text messages on existing conversations and
//! for first messages (new customers). Prints throughput and p50/p99 latency.
//!
//!     [SENDERS=64] cargo run --release -p atende-tests --bin bench-inbound [-- <messages per phase>]

mod common;

use common::{pct, send_all, Server};
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let per_phase: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    // 64 unless `SENDERS` says otherwise (1 shows the unloaded latency).
    let senders: usize = std::env::var("SENDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir()?;
    let (app, channel, _) = common::open(dir.path())?;
    let server = Server::start(Arc::new(app), false)?;

    println!(
        "machine: {} cores; {senders} concurrent senders over HTTP/1.1 keep-alive on loopback",
        common::cores()
    );
    println!(
        "{:<34} {:>9} {:>12} {:>9} {:>9} {:>9} {:>7}",
        "phase", "messages", "messages/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    // 1,000 customers with an open conversation each (warm-up), then the measured phases.
    let phases: [(&str, usize, common::Customer); 3] = [
        ("warm-up (1,000 first messages)", 1000, |n| {
            5511900000000 + n as u64
        }),
        ("text on existing conversations", per_phase, |n| {
            5511900000000 + (n % 1000) as u64
        }),
        ("first messages (new customers)", per_phase, |n| {
            5521900000000 + n as u64
        }),
    ];
    let mut offset = 0;
    for (i, (name, total, customer)) in phases.into_iter().enumerate() {
        let (samples, elapsed) = send_all(&server.base, channel, senders, total, customer, offset);
        offset += total;
        let errors = samples.iter().filter(|s| !s.ok).count();
        if i == 0 {
            println!(
                "{name:<34} {total:>9} {:>12} {:>9} {:>9} {:>9} {errors:>7}",
                "-", "-", "-", "-"
            );
            continue;
        }
        let mut latencies: Vec<_> = samples.iter().map(|s| s.latency).collect();
        latencies.sort();
        println!(
            "{name:<34} {total:>9} {:>12.0} {:>9.2} {:>9.2} {:>9.2} {errors:>7}",
            total as f64 / elapsed.as_secs_f64(),
            pct(&latencies, 0.50),
            pct(&latencies, 0.99),
            pct(&latencies, 1.0),
        );
    }
    server.stop()
}
