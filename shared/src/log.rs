//! Structured logs: one JSON object a line on stderr, which both hosts keep (Spin writes a
//! component's stderr to its log). Each line has `ts` (the wall clock, not the clock port: a
//! log says when it was written) and `event`.

use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::Mutex;

/// The last error lines of this process, newest last (a Spin instance lives for one request;
/// the local host keeps the recent ones), for tests and diagnostics.
static RECENT_ERRORS: Mutex<VecDeque<Value>> = Mutex::new(VecDeque::new());
const KEPT_ERRORS: usize = 256;

/// The recent lines whose `level` is `error`.
pub fn recent_errors() -> Vec<Value> {
    RECENT_ERRORS
        .lock()
        .map(|q| q.iter().cloned().collect())
        .unwrap_or_default()
}

/// Marks a response whose request leaves no `request` line: an agent's poll that found
/// nothing new. A thousand agents polling every second would write a thousand lines a second
/// that say nothing, and under Spin each line is a host call (about 37 µs of its CPU,
/// docs/decisions/0016). Errors and polls that return something are logged.
#[derive(Clone, Copy, Debug)]
pub struct Quiet;

/// Writes one line: `{"ts": ..., "event": event, ...fields}`.
pub fn event(event: &str, fields: &Value) {
    let mut line = Map::new();
    line.insert(
        "ts".into(),
        chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into(),
    );
    line.insert("event".into(), event.into());
    if let Value::Object(extra) = fields {
        for (k, v) in extra {
            line.insert(k.clone(), v.clone());
        }
    }
    let line = Value::Object(line);
    // One write: stderr is unbuffered, and `Display` of a JSON value writes it token by token
    // (under Spin each write is a host call, tens of them a line).
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
    if line["level"] == "error" {
        if let Ok(mut q) = RECENT_ERRORS.lock() {
            if q.len() >= KEPT_ERRORS {
                q.pop_front();
            }
            q.push_back(line);
        }
    }
}
