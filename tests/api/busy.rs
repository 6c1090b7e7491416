//! A database busy past the host's wait: the request is answered 503 `busy` with
//! `Retry-After`, nothing of it is kept, and the provider's retry is then stored exactly once.

use crate::channels::{count, setup, wa_text, APP_SECRET};
use crate::helpers::{Request, TestApp, TestResponse};
use atende_shared::ports::{DbError, Rows, Sql, Value};
use atende_shared::statements::Kind;
use atende_shared::Ctx;
use std::cell::Cell;

/// Fails the first statement that takes the write lock (a first message's one `INSERT`, or a
/// `BEGIN`) with SQLite's busy error, as Spin's connection reports it when other writers held
/// the lock for longer than it waits; passes everything else on.
struct BusyOnce<'a> {
    inner: &'a dyn Sql,
    tripped: Cell<bool>,
}

impl Sql for BusyOnce<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        if !self.tripped.get() && Kind::of(sql) != Kind::Read {
            self.tripped.set(true);
            return Err(DbError::from_message("database is locked".into()).at_statement(sql));
        }
        self.inner.execute(sql, params)
    }
}

fn webhook(app: &TestApp, channel: i64, busy: bool) -> TestResponse {
    let body = wa_text("5511955554444", "wamid.busy1", "oi").to_string();
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(APP_SECRET, body.as_bytes())
    );
    let request = app.request(Request {
        method: "POST",
        path: &format!("/hooks/whatsapp/{channel}"),
        token: None,
        headers: vec![("x-hub-signature-256", signature)],
        content_type: Some("application/json"),
        body: body.into_bytes(),
    });
    app.app
        .with_ctx(|ctx| {
            let db = BusyOnce {
                inner: ctx.db,
                tripped: Cell::new(!busy),
            };
            let ctx = Ctx { db: &db, ..*ctx };
            TestResponse::from(app.app.handle_in(&ctx, request, Some(app.client_addr)))
        })
        .unwrap()
}

#[test]
fn a_busy_database_answers_503_with_retry_after_and_the_retry_is_stored_once() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);

    let busy = webhook(&app, s.channel, true);
    busy.assert_error(503, "busy");
    assert_eq!(busy.headers["retry-after"], "1");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);

    let retried = webhook(&app, s.channel, false);
    retried.assert_status(200);
    assert_eq!(retried.body["messages"], 1);
    let again = webhook(&app, s.channel, false);
    assert_eq!(again.body["duplicates"], 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1);
}
