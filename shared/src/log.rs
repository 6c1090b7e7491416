//! Structured logs: one JSON object a line on stderr, which both hosts keep (Spin writes a
//! component's stderr to its log). Each line has `ts` (the wall clock, not the clock port: a
//! log says when it was written) and `event`.

use serde_json::{Map, Value};

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
    eprintln!("{}", Value::Object(line));
}
