//! The probes `bench-spin` measures beside Atende in the same `spin up` (spin-bench.toml), so
//! Atende's figures read against what Spin and its SQLite allow on the same machine and run:
//!
//! - `GET /probe/hello`: answers without touching anything (the ceiling of any Spin request);
//! - `POST /probe/insert`: `PRAGMA synchronous = NORMAL` (as Atende's requests set it) and one
//!   `INSERT … RETURNING` (the ceiling of a request that writes);
//! - `POST /probe/transaction`: the same row in `BEGIN IMMEDIATE`, `INSERT`, `COMMIT` (a write
//!   lock held across host calls);
//! - `GET /probe/read`: one indexed `SELECT` on a fresh connection (the ceiling of a request that
//!   only reads: the connection's opening and the schema's parsing included);
//! - `POST /probe/setup`: creates the probe's table (once, before measuring).
// The `#[http_component]` macro expands to the unsafe WIT export glue; our code has none.
#![cfg_attr(target_arch = "wasm32", allow(unsafe_code))]

/// The statements of each probe (kept here so the benchmark's report can print them).
pub const CREATE: &str =
    "CREATE TABLE IF NOT EXISTS probe_rows (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)";
pub const INSERT: &str = "INSERT INTO probe_rows (at, body) VALUES (?, ?) RETURNING id";
pub const READ: &str = "SELECT id FROM probe_rows ORDER BY id DESC LIMIT 1";

#[cfg(target_arch = "wasm32")]
mod spin {
    use spin_sdk::sqlite::{Connection, Value};

    fn reply(status: u16, body: String) -> http::Response<Vec<u8>> {
        let mut r = http::Response::new(body.into_bytes());
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
        r
    }

    fn now_ms() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    fn run(statements: &[&str], insert: bool) -> Result<String, String> {
        let db = Connection::open_default().map_err(|e| format!("{e:?}"))?;
        let mut last = String::new();
        for sql in statements {
            let params = if *sql == super::INSERT && insert {
                vec![Value::Integer(now_ms()), Value::Text("probe".into())]
            } else {
                Vec::new()
            };
            let result = db.execute(sql, &params).map_err(|e| format!("{e:?}"))?;
            if let Some(Some(Value::Integer(id))) = result.rows.first().map(|r| r.values.first()) {
                last = id.to_string();
            }
        }
        Ok(last)
    }

    #[spin_sdk::http_component]
    fn handle(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let pragma = "PRAGMA synchronous = NORMAL";
        let result = match (request.method().as_str(), request.uri().path()) {
            ("GET", "/probe/hello") => return reply(200, "hello".into()),
            ("POST", "/probe/setup") => run(&[super::CREATE], false),
            ("GET", "/probe/read") => run(&[super::READ], false),
            ("POST", "/probe/insert") => run(&[pragma, super::INSERT], true),
            ("POST", "/probe/transaction") => {
                run(&[pragma, "BEGIN IMMEDIATE", super::INSERT, "COMMIT"], true)
            }
            _ => return reply(404, "no such probe".into()),
        };
        match result {
            Ok(id) => reply(200, id),
            // Busy is what a probe under load may meet; the benchmark counts it as an error.
            Err(e) => reply(503, e),
        }
    }
}
