//! The cron component: Spin's cron trigger (`spin-cron.toml`) runs the scheduled work — the
//! same lease-guarded tick the local host runs every second and `POST /internal/tick` runs for
//! other schedulers. Its guest bindings are generated here from the trigger's published WIT
//! (`wit/cron.wit`), since the trigger's own guest crate is not on crates.io.
// The generated export glue is unsafe FFI; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

#[cfg(target_arch = "wasm32")]
wit_bindgen::generate!({
    world: "spin-cron",
    path: "wit",
});

#[cfg(target_arch = "wasm32")]
struct Cron;

#[cfg(target_arch = "wasm32")]
impl Guest for Cron {
    fn handle_cron_event(_metadata: Metadata) -> Result<(), Error> {
        match atende_shared::spin::tick() {
            Ok(report) => {
                if report.ran {
                    println!("{}", summary(&report));
                }
                Ok(())
            }
            Err(e) => {
                eprintln!("tick failed: {e}");
                Err(Error::Other(e.to_string()))
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
export!(Cron);

/// One log line of what a run did (only what it did something of).
pub fn summary(report: &atende_shared::tick::TickReport) -> String {
    let fields = serde_json::to_value(report).unwrap_or_default();
    let done: Vec<String> = fields
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_u64().filter(|n| *n > 0).map(|n| format!("{k}={n}")))
        .collect();
    if done.is_empty() {
        "tick: nothing due".to_owned()
    } else {
        format!("tick: {}", done.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use atende_shared::tick::TickReport;

    #[test]
    fn the_log_line_names_only_what_was_done() {
        let report = TickReport {
            ran: true,
            assigned: 3,
            messages_sent: 2,
            ..TickReport::default()
        };
        assert_eq!(super::summary(&report), "tick: assigned=3 messages_sent=2");
        assert_eq!(super::summary(&TickReport::default()), "tick: nothing due");
    }
}
