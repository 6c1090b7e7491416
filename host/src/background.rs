//! The local host's background work: the scheduler (the tick — timers and distribution — and
//! the checkpoint, once a second) and the outbound delivery workers, a few threads per lane,
//! each claiming and sending one item at a time. So a receiver that never answers holds one
//! worker until its timeout, never the tick nor the other tenants' deliveries.

use crate::App;
use atende_shared::outbound::{Caps, Lane};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Workers per lane, and how many items of one tenant (one webhook) may be in flight at once:
/// a tenant whose receivers all hang holds at most `PER_TENANT` workers of a lane.
const REPLY_WORKERS: usize = 4;
const WEBHOOK_WORKERS: usize = 6;
const PER_TENANT: i64 = 2;
const PER_ENDPOINT: i64 = 1;
/// How long an idle worker waits before looking for work again.
const IDLE: Duration = Duration::from_millis(100);
const SCHEDULE: Duration = Duration::from_secs(1);

pub struct Background {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the scheduler and the delivery workers.
    pub fn start(app: Arc<App>) -> std::io::Result<Background> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        threads.push(spawn(app.clone(), stop.clone(), "scheduler", |app| {
            let ran = app.run_timers().and_then(|_| app.checkpoint());
            if let Err(e) = ran {
                atende_shared::log::event(
                    "scheduled_work_failed",
                    &serde_json::json!({"error": format!("{e:#}")}),
                );
            }
            false
        })?);
        // Inbound media are fetched from the providers beside delivery, never in the tick.
        threads.push(spawn(
            app.clone(),
            stop.clone(),
            "media",
            |app| match app.fetch_media(20) {
                Ok(report) => report.fetched + report.retried + report.failed > 0,
                Err(e) => {
                    atende_shared::log::event(
                        "media_fetch_failed",
                        &serde_json::json!({"error": format!("{e:#}")}),
                    );
                    false
                }
            },
        )?);
        let lanes = [
            (Lane::Replies, REPLY_WORKERS),
            (Lane::Webhooks, WEBHOOK_WORKERS),
        ];
        for (lane, workers) in lanes {
            for _ in 0..workers {
                threads.push(spawn(app.clone(), stop.clone(), "delivery", move |app| {
                    let caps = Caps {
                        batch: 1,
                        per_tenant: PER_TENANT,
                        per_endpoint: PER_ENDPOINT,
                    };
                    match app.deliver(lane, caps) {
                        Ok(report) => report.handled() > 0,
                        Err(e) => {
                            atende_shared::log::event(
                                "delivery_failed",
                                &serde_json::json!({"lane": format!("{lane:?}"), "error": format!("{e:#}")}),
                            );
                            false
                        }
                    }
                })?);
            }
        }
        Ok(Background { stop, threads })
    }

    /// Stops taking new work and waits for what is in progress (an outbound call ends within
    /// its timeout).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// A thread running `step` until stopped: at once again when it found work, after a pause
/// when it did not (the scheduler always pauses for its period).
fn spawn(
    app: Arc<App>,
    stop: Arc<AtomicBool>,
    name: &str,
    step: impl Fn(&App) -> bool + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    let scheduler = name == "scheduler";
    let run = move || {
        while !stop.load(Ordering::SeqCst) {
            let busy = step(&app);
            if !busy {
                let pause = if scheduler { SCHEDULE } else { IDLE };
                // In short steps, so a stop is seen quickly.
                let mut waited = Duration::ZERO;
                while waited < pause && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(IDLE.min(pause - waited));
                    waited += IDLE;
                }
            }
        }
    };
    std::thread::Builder::new()
        .name(format!("atende-{name}"))
        .spawn(run)
}
