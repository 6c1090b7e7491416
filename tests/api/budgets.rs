//! Statement budgets of the hot paths (docs/decisions/0011): every statement a request runs
//! through the `Sql` port, counted by a wrapper around the request's connection. Under Spin
//! each is a host call on a fresh connection, and each write holds SQLite's one write lock, so
//! these counts are what a request costs there. A budget here is the ceiling of today's code
//! (docs/decisions/0011 and 0016 say why each is what it is).

use crate::channels::{setup, wa_text, whatsapp_post, Setup};
use crate::helpers::TestApp;
use atende_shared::statements::{Kind, Statements};
use serde_json::json;

/// The most statements a path may run, and of them the most writes and transactions.
struct Budget {
    path: &'static str,
    statements: usize,
    writes: usize,
    transactions: usize,
}

#[track_caller]
fn within(budget: &Budget, seen: &Statements) {
    println!(
        "{}: {} statements ({} reads, {} writes, {} transactions)\n{seen}",
        budget.path,
        seen.total(),
        seen.reads(),
        seen.writes(),
        seen.transactions()
    );
    assert!(
        seen.total() <= budget.statements
            && seen.writes() <= budget.writes
            && seen.transactions() <= budget.transactions,
        "{} is over its budget of {} statements, {} writes, {} transactions:\n{seen}",
        budget.path,
        budget.statements,
        budget.writes,
        budget.transactions
    );
}

/// A WhatsApp channel into a group whose only member, agent1, is ready; returns its token.
fn desk(app: &TestApp) -> (Setup, String) {
    let s = setup(app, "whatsapp", None);
    s.join(app, "agent1");
    let agent = app.token("agent1");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
    (s, agent)
}

fn signed_request<'a>(path: &'a str, from: &str, id: &str) -> crate::helpers::Request<'a> {
    signed_body(path, wa_text(from, id, "oi, tudo bem?").to_string())
}

fn signed_body(path: &str, body: String) -> crate::helpers::Request<'_> {
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(crate::channels::APP_SECRET, body.as_bytes())
    );
    crate::helpers::Request {
        method: "POST",
        path,
        token: None,
        headers: vec![("x-hub-signature-256", signature)],
        content_type: Some("application/json"),
        body: body.into_bytes(),
    }
}

fn signed(app: &TestApp, channel: i64, from: &str, id: &str) -> (u16, Statements) {
    let path = format!("/hooks/whatsapp/{channel}");
    let (r, seen) = app.send_counted(signed_request(&path, from, id));
    (r.status, seen)
}

#[test]
fn a_first_message_and_a_text_on_an_open_conversation_stay_within_their_budgets() {
    let app = TestApp::spawn();
    let (s, _agent) = desk(&app);

    let (status, first) = signed(&app, s.channel, "5511988887777", "wamid.budget1");
    assert_eq!(status, 200);
    within(
        &Budget {
            path: "first message (new customer, assigned to a ready agent)",
            statements: 19,
            writes: 8,
            transactions: 1,
        },
        &first,
    );

    let (status, text) = signed(&app, s.channel, "5511988887777", "wamid.budget2");
    assert_eq!(status, 200);
    within(
        &Budget {
            path: "inbound text on an existing conversation",
            statements: 2,
            writes: 1,
            transactions: 0,
        },
        &text,
    );
}

/// Under Spin each request's connection checks the schema's version; the channel's read, the
/// first statement of an inbound message, carries that check (docs/decisions/0020), so Spin
/// runs the statements the budgets count and no more.
#[test]
fn under_spins_schema_check_an_inbound_message_runs_no_extra_statement() {
    let app = TestApp::spawn();
    let (s, _agent) = desk(&app);
    let path = format!("/hooks/whatsapp/{}", s.channel);
    // A first message, then a text, from one customer under Spin's check and from another as
    // the budgets count them.
    for (n, id) in ["first", "text"].iter().enumerate() {
        let (r, spin) = app.send_counted_under_spin_check(signed_request(
            &path,
            "5511944443333",
            &format!("wamid.spin.{n}"),
        ));
        r.assert_status(200);
        assert!(
            spin.0[0].contains("atende_schema_version"),
            "the {id}'s first statement carries the check:\n{spin}"
        );
        let (status, counted) = signed(&app, s.channel, "5511933332222", &format!("wamid.b.{n}"));
        assert_eq!(status, 200);
        assert_eq!(spin.total(), counted.total(), "{id}:\n{spin}\n{counted}");
    }
}

/// A delivery of one message reads the channel and its sender in one statement; what it reads
/// ahead for the sender is what the sender's own read answers, in each state that changes it.
#[test]
fn the_senders_read_made_with_the_channels_answers_what_its_own_read_does() {
    use atende_shared::conversation::sql;
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let event = "message.created";
    let compare = |external_id: &str, state: &str| {
        app.app
            .with_ctx(|ctx| {
                let (tenant, _) =
                    atende_shared::config::sql::get_any_tenant(ctx.db, "channel", s.channel)
                        .unwrap()
                        .unwrap();
                let alone = sql::known_sender_with_duties(
                    ctx.db,
                    tenant,
                    s.channel,
                    "whatsapp",
                    external_id,
                    event,
                )
                .unwrap();
                let counting = atende_shared::statements::CountingSql::new(ctx.db);
                let channel = sql::channel_with_sender(
                    &counting,
                    s.channel,
                    ("whatsapp", external_id),
                    event,
                )
                .unwrap();
                assert_eq!(channel.map(|(t, c)| (t, c.id)), Some((tenant, s.channel)));
                let ahead = sql::known_sender_with_duties(
                    &counting,
                    tenant,
                    s.channel,
                    "whatsapp",
                    external_id,
                    event,
                )
                .unwrap();
                assert_eq!(counting.take().total(), 1, "{state}: read ahead, not again");
                assert_eq!(format!("{alone:?}"), format!("{ahead:?}"), "{state}");
                format!("{alone:?}")
            })
            .unwrap()
    };
    assert_eq!(compare("5511900000001", "a sender never seen"), "None");

    let customer = "5511922223333";
    whatsapp_post(&app, s.channel, &wa_text(customer, "wamid.ra1", "oi")).assert_status(200);
    let open = compare(customer, "a client with an open conversation");
    assert!(open.contains("conversation: Some"), "{open}");
    crate::channels::closed_hours(&app, &s);
    let hours = compare(customer, "its group now keeps business hours");
    assert!(hours.contains("Domingo"), "{hours}");
    crate::channels::query(&app, "UPDATE conversations SET out_of_hours_notified = 1");
    let told = compare(customer, "the out-of-hours message already sent");
    assert!(!told.contains("Domingo"), "{told}");
    crate::channels::query(&app, "UPDATE conversations SET out_of_hours_notified = 0");
    crate::channels::query(
        &app,
        "UPDATE config_items SET status = 'inactive' WHERE kind = 'business_hours'",
    );
    let inactive_hours = compare(customer, "its business hours deactivated");
    assert!(!inactive_hours.contains("Domingo"), "{inactive_hours}");
    app.post(
        &s.admin,
        "/api/admin/webhooks",
        json!({"name": "ERP", "url": "https://erp.example.com/in", "events": [event],
               "secret": "erp-signing-secret-xyz"}),
    )
    .assert_status(201);
    let subscribed = compare(customer, "a webhook subscribes to its messages");
    assert!(subscribed.ends_with("true))"), "{subscribed}");
    crate::channels::query(
        &app,
        "UPDATE conversations SET status = 'closed', closed_at = 1 WHERE status <> 'closed'",
    );
    let closed = compare(customer, "its conversation closed");
    assert!(closed.contains("conversation: None"), "{closed}");
    let client = crate::channels::query(&app, "SELECT id FROM clients")[0][0].clone();
    let atende_shared::ports::Value::Integer(client) = client else {
        panic!("a client id")
    };
    app.post(
        &s.admin,
        &format!("/api/admin/clients/{client}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    let inactive = compare(customer, "the client deactivated");
    assert!(inactive.contains("client_active: false"), "{inactive}");

    // An identity whose client row is gone (nothing enforces it in the schema): both reads
    // find no sender.
    crate::channels::query(
        &app,
        "INSERT INTO client_identities (tenant_id, channel_type, external_id, client_id, created_at) \
         SELECT tenant_id, 'whatsapp', '5511911110000', 999999, 0 FROM config_items WHERE kind = 'channel' LIMIT 1",
    );
    assert_eq!(
        compare("5511911110000", "an identity without its client"),
        "None"
    );
}

/// Only a small delivery is parsed before its signature is checked (to read its sender ahead):
/// a big one, which a caller without the secret could send to cost us a parse, waits for the
/// signature and reads its sender on its own.
#[test]
fn a_delivery_over_16_kb_reads_its_sender_only_after_its_signature() {
    let app = TestApp::spawn();
    let (s, _agent) = desk(&app);
    let path = format!("/hooks/whatsapp/{}", s.channel);
    let customer = "5511944441111";
    whatsapp_post(&app, s.channel, &wa_text(customer, "wamid.big0", "oi")).assert_status(200);
    let text = |id: &str, padding: usize| {
        let body = format!(
            "{}{}",
            wa_text(customer, id, "tudo bem?"),
            " ".repeat(padding)
        );
        let (r, seen) = app.send_counted(signed_body(&path, body));
        r.assert_status(200);
        seen.total()
    };
    assert_eq!(text("wamid.big1", 0), 2, "read ahead with the channel");
    assert_eq!(
        text("wamid.big2", 17 * 1024),
        3,
        "the sender read on its own"
    );
}

#[test]
fn a_first_message_nobody_can_take_yet_writes_no_lease() {
    let app = TestApp::spawn();
    // The channel's group has no member: the conversation waits in its queue.
    let s = setup(&app, "whatsapp", None);
    let (status, first) = signed(&app, s.channel, "5511988886666", "wamid.queued1");
    assert_eq!(status, 200);
    within(
        &Budget {
            path: "first message into a queue with no agent free",
            statements: 4,
            writes: 2,
            transactions: 0,
        },
        &first,
    );
    assert!(
        !first.to_string().contains("tick_leases"),
        "no distribution lease when nobody has room:\n{first}"
    );
    // No webhook subscribes: nothing is queued for one (the subscriptions are read before the
    // lock; channels::outbound_webhooks_are_signed_retried_and_logged has the subscribed case).
    assert!(
        !first.to_string().contains("webhook_deliveries"),
        "no webhook statement when nobody subscribes:\n{first}"
    );
}

#[test]
fn an_idle_poll_writes_nothing_and_is_within_its_budget() {
    let app = TestApp::spawn();
    let (_, agent) = desk(&app);
    // The scheduler has just run: nothing is due.
    app.app.tick().unwrap();
    // The agent's status change wrote to the feed: the first poll reads it, and leaves in the
    // key-value store where the feed ends.
    let (r, first) = app.call_counted("GET", "/api/inbox/events?after=0", Some(&agent), None);
    r.assert_status(200);
    let cursor = r.body["cursor"].as_i64().unwrap();
    within(
        &Budget {
            path: "first poll GET /api/inbox/events",
            statements: 1,
            writes: 0,
            transactions: 0,
        },
        &first,
    );
    let idle_poll = format!("/api/inbox/events?after={cursor}");
    let (r, idle) = app.call_counted("GET", &idle_poll, Some(&agent), None);
    r.assert_status(200);
    assert_eq!(r.body["events"], json!([]));
    within(
        &Budget {
            path: "idle poll GET /api/inbox/events",
            statements: 0,
            writes: 0,
            transactions: 0,
        },
        &idle,
    );
    assert_eq!(idle.count(Kind::Write), 0, "an idle poll writes nothing");
    // And its one host call reads the key-value store: its session, its user (named by the
    // token), the feed's head and the tick's last run. Named as its login was, it reads no
    // variable to know which company it addresses.
    let (r, calls) = app.call_listing_host_calls("GET", &idle_poll, Some(&agent));
    r.assert_status(200);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].starts_with("get_many ") && calls[0].split(' ').count() == 5,
        "{calls:#?}"
    );

    // Six seconds without a scheduler: the poll runs the tick itself, and the next is idle.
    app.clock.advance(chrono::Duration::seconds(6));
    let (_, due) = app.call_counted("GET", &idle_poll, Some(&agent), None);
    assert!(due.writes() > 0, "the due poll ran the tick:\n{due}");
    let (_, again) = app.call_counted("GET", &idle_poll, Some(&agent), None);
    assert_eq!((again.total(), again.writes()), (0, 0), "{again}");
}

/// Under Spin the poll that finds the tick due asks the routing component for a run after
/// answering, and that run ends later, in another instance. Until then every other poll found
/// the tick due as well: each opened SQLite (the schema's parse) and asked again, hundreds a
/// second under load, for a run the lease let only one of them make (docs/decisions/0021).
#[test]
fn after_a_poll_asked_for_the_tick_the_next_polls_neither_read_sqlite_nor_ask_again() {
    use atende_shared::ids::{TenantId, UserId};
    use atende_shared::inbox::feed::poll_cached;
    let app = TestApp::spawn();
    let (_, agent) = desk(&app);
    app.app.tick().unwrap();
    let r = app.get(&agent, "/api/inbox/events?after=0");
    let cursor = r.body["cursor"].as_i64().unwrap();
    // Six seconds without a scheduler; nobody runs the tick here, as under Spin nobody has yet.
    app.clock.advance(chrono::Duration::seconds(6));
    let (asks, statements) = app
        .app
        .with_ctx(|ctx| {
            let rows = ctx
                .db
                .execute(
                    "SELECT u.tenant_id, u.id FROM users u JOIN tenants t ON t.id = u.tenant_id \
                     WHERE t.slug = ? AND u.username = 'agent1'",
                    &[app.tenant.as_str().into()],
                )
                .unwrap();
            let row = rows.first().unwrap();
            let (tenant, user) = (
                TenantId(row.i64("tenant_id").unwrap()),
                UserId(row.i64("id").unwrap()),
            );
            let now = ctx.now_ms();
            let counting = atende_shared::statements::CountingSql::new(ctx.db);
            let counted = atende_shared::Ctx {
                db: &counting,
                ..*ctx
            };
            let asks: Vec<bool> = [0, 1_000, 4_999, 5_001]
                .iter()
                .map(|later| {
                    poll_cached(&counted, tenant, user, cursor, now + later)
                        .unwrap()
                        .tick_due
                })
                .collect();
            (asks, counting.take())
        })
        .unwrap();
    // The first asks; the next two, within five seconds of that ask, take it as asked (the
    // third reads its feed, whose head it last read ten seconds before, and still does not
    // ask); five seconds on, with still no run, a poll asks again.
    assert_eq!(asks, [true, false, false, true]);
    assert_eq!(statements.total(), 3, "{statements}");
    assert_eq!(statements.reads(), 3, "{statements}");
    assert_eq!(statements.writes(), 0, "{statements}");
}

/// An idle agent's console polls every second. The session's user and the feed's head are each
/// trusted for ten seconds from the key-value store; read again at different moments, they made
/// two polls in every ten seconds open SQLite (under Spin each a connection and the schema's
/// parse). The poll that reads the user again reads its feed on the same connection, and the
/// two entries expire together from then on (docs/decisions/0021).
#[test]
fn an_idle_agent_polling_every_second_opens_sqlite_once_in_ten_seconds() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app);
    app.app.tick().unwrap();
    let r = app.get(&agent, "/api/inbox/events?after=0");
    let idle_poll = format!("/api/inbox/events?after={}", r.body["cursor"]);
    // Four seconds on, an admin renames the agent: the user's entry is forgotten and read
    // again by the next poll, four seconds after the feed's head was.
    app.clock.advance(chrono::Duration::seconds(4));
    let id = app.user_id(&s.admin, "agent1");
    app.call(
        "PATCH",
        &format!("/api/admin/users/{id}"),
        Some(&s.admin),
        Some(json!({"display_name": "Agent One"})),
    )
    .assert_status(200);
    let mut opened = Vec::new();
    for second in 0..40 {
        // A scheduler runs the tick every second, so no poll finds it due.
        app.app.tick().unwrap();
        let (r, seen) = app.call_counted("GET", &idle_poll, Some(&agent), None);
        r.assert_status(200);
        assert_eq!(r.body["events"], json!([]), "second {second}");
        if seen.total() > 0 {
            opened.push(second);
        }
        app.clock.advance(chrono::Duration::seconds(1));
    }
    // The first poll reads the user (renamed) and the feed together; then once in ten seconds.
    assert_eq!(opened, [0, 10, 20, 30], "the polls that read SQLite");
}

/// A web-chat visitor's open widget polls every two seconds, each poll a fresh Spin connection:
/// the channel (its allowed origins with it, for the CORS answer) and the visitor's messages,
/// one statement each. The CORS answer read the channel a second time.
#[test]
fn an_idle_widget_poll_reads_the_channel_once() {
    let app = TestApp::spawn();
    let s = crate::channels::setup(&app, "webchat", None);
    let token = crate::widget::start(&app, s.channel);
    let messages = format!("/widget/{}/messages", s.channel);
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Oi"})),
    )
    .assert_status(201);
    let r = crate::widget::call(
        &app,
        "GET",
        &format!("{messages}?after=0"),
        Some(&token),
        None,
    );
    let cursor = r.body["cursor"].as_i64().unwrap();
    let (r, seen) = app.send_counted(crate::helpers::Request {
        method: "GET",
        path: &format!("{messages}?after={cursor}"),
        token: Some(&token),
        headers: vec![("origin", "https://www.acme.com.br".to_owned())],
        content_type: None,
        body: Vec::new(),
    });
    r.assert_status(200);
    assert_eq!(r.body["messages"], json!([]));
    assert!(
        r.headers.contains_key("access-control-allow-origin"),
        "{:?}",
        r.headers
    );
    within(
        &Budget {
            path: "idle widget poll GET /widget/{id}/messages",
            statements: 2,
            writes: 0,
            transactions: 0,
        },
        &seen,
    );
}

#[test]
fn an_idle_poll_answered_from_the_key_value_store_still_sees_what_arrives() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app);
    app.app.tick().unwrap();
    let r = app.get(&agent, "/api/inbox/events?after=0");
    let cursor = r.body["cursor"].as_i64().unwrap();
    let idle_poll = format!("/api/inbox/events?after={cursor}");
    let (_, idle) = app.call_counted("GET", &idle_poll, Some(&agent), None);
    assert_eq!(idle.total(), 0, "{idle}");

    // A customer writes; distribution hands the conversation to the agent.
    whatsapp_post(&app, s.channel, &wa_text("5511955554444", "wamid.c1", "oi")).assert_status(200);
    let r = app.get(&agent, &idle_poll);
    let kinds: Vec<&str> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"assigned"), "{}", r.body);
    let cursor = r.body["cursor"].as_i64().unwrap();

    // The next message on that conversation reaches the agent's very next poll.
    let (_, idle) = app.call_counted(
        "GET",
        &format!("/api/inbox/events?after={cursor}"),
        Some(&agent),
        None,
    );
    assert_eq!(idle.total(), 0, "{idle}");
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511955554444", "wamid.c2", "tudo bem?"),
    )
    .assert_status(200);
    let r = app.get(&agent, &format!("/api/inbox/events?after={cursor}"));
    assert_eq!(r.body["events"][0]["kind"], "message", "{}", r.body);
    assert_eq!(r.body["events"][0]["data"]["body"], "tudo bem?");
}

#[test]
fn a_deactivated_agent_is_refused_at_once_though_the_session_check_is_cached() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app);
    app.get(&agent, "/api/inbox/events?after=0")
        .assert_status(200);
    let (_, cached) = app.call_counted("GET", "/api/inbox/events?after=0", Some(&agent), None);
    assert!(
        !cached.to_string().contains("FROM users"),
        "the session's user came from the key-value store:\n{cached}"
    );
    let agent1 = app.user_id(&s.admin, "agent1");
    app.post(
        &s.admin,
        &format!("/api/admin/users/{agent1}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    let r = app.get(&agent, "/api/inbox/events?after=0");
    r.assert_status(401);
}

#[test]
fn a_heartbeat_within_ten_seconds_of_the_last_writes_nothing() {
    let app = TestApp::spawn();
    let (_, agent) = desk(&app);
    app.clock.advance(chrono::Duration::seconds(11));
    let (r, stale) = app.call_counted(
        "POST",
        "/api/inbox/heartbeat",
        Some(&agent),
        Some(json!({})),
    );
    r.assert_status(204);
    within(
        &Budget {
            path: "heartbeat, the last one 11 s ago",
            statements: 4,
            writes: 1,
            transactions: 0,
        },
        &stale,
    );
    assert_eq!(stale.writes(), 1, "{stale}");
    app.clock.advance(chrono::Duration::seconds(5));
    let (r, recent) = app.call_counted(
        "POST",
        "/api/inbox/heartbeat",
        Some(&agent),
        Some(json!({})),
    );
    r.assert_status(204);
    within(
        &Budget {
            path: "heartbeat, the last one 5 s ago",
            statements: 3,
            writes: 0,
            transactions: 0,
        },
        &recent,
    );
}

/// How SQLite runs `sql` on a fresh platform's database: each step of `EXPLAIN QUERY PLAN`.
fn query_plan(sql: &str, params: &[atende_shared::ports::Value]) -> Vec<String> {
    let app = TestApp::spawn();
    let plan = app
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute(&format!("EXPLAIN QUERY PLAN {sql}"), params)
                .unwrap()
        })
        .unwrap();
    plan.rows
        .iter()
        .map(|r| format!("{:?}", r.last().unwrap()))
        .collect()
}

/// The read of a channel and its sender looks each row up by its key, however many customers
/// there are: no table is scanned or built whole.
#[test]
fn the_channel_and_sender_read_looks_up_each_row_by_its_key() {
    let detail = query_plan(
        atende_shared::conversation::sql::CHANNEL_WITH_SENDER,
        &[
            atende_shared::ports::Value::Null,
            1.into(),
            "whatsapp".into(),
            "5511900000001".into(),
            "message.created".into(),
        ],
    );
    for lookup in [
        "SEARCH ch USING INTEGER PRIMARY KEY",
        "SEARCH i USING PRIMARY KEY (tenant_id=? AND channel_type=? AND external_id=?)",
        "SEARCH c USING INTEGER PRIMARY KEY",
        "SEARCH v USING INDEX conversations_open",
    ] {
        assert!(
            detail.iter().any(|d| d.contains(lookup)),
            "{lookup}: {detail:#?}"
        );
    }
    assert!(
        !detail
            .iter()
            .any(|d| d.contains("SCAN i") || d.contains("SCAN c") || d.contains("MATERIALIZE")),
        "{detail:#?}"
    );
}

/// A visitor's poll reads their conversations on the channel and each one's messages after the
/// cursor by key, however many messages the company holds: SQLite had read all of them through
/// the first column of `messages_conversation`.
#[test]
fn the_widgets_poll_reads_only_the_visitors_conversations() {
    let detail = query_plan(
        atende_shared::conversation::sql::VISITOR_MESSAGES,
        &[1.into(), 1.into(), "visitor".into(), 0.into()],
    );
    for lookup in [
        "SEARCH i USING PRIMARY KEY (tenant_id=? AND channel_type=? AND external_id=?)",
        "SEARCH v USING INDEX conversations_client (tenant_id=? AND client_id=?)",
        "SEARCH m USING INDEX messages_conversation (tenant_id=? AND conversation_id=? AND id>?)",
    ] {
        assert!(
            detail.iter().any(|d| d.contains(lookup)),
            "{lookup}: {detail:#?}"
        );
    }
    assert!(!detail.iter().any(|d| d.contains("SCAN")), "{detail:#?}");
}

/// Asserts that a plan holds every one of `lookups` and none of `never`.
fn assert_plan(detail: &[String], lookups: &[&str], never: &[&str]) {
    for lookup in lookups {
        assert!(
            detail.iter().any(|d| d.contains(lookup)),
            "{lookup}: {detail:#?}"
        );
    }
    for bad in never {
        assert!(
            !detail.iter().any(|d| d.contains(bad)),
            "{bad}: {detail:#?}"
        );
    }
}

/// An agent's lists (the console's conversations, its offers, the open conversations a
/// logout or transfer walks) read that agent's conversations, however many the company has
/// had: SQLite, without statistics, read every conversation of the company through
/// `conversations_arrived` to skip the sort of a few rows.
#[test]
fn an_agents_lists_read_only_that_agents_conversations() {
    use atende_shared::inbox::sql::{MY_CONVERSATIONS, OFFERS, OPEN_IDS_OF};
    for (sql, params) in [
        (MY_CONVERSATIONS, vec![1.into(), 2.into(), 0.into()]),
        (OFFERS, vec![1.into(), 2.into()]),
        (OPEN_IDS_OF, vec![1.into(), 2.into()]),
    ] {
        let detail = query_plan(sql, &params);
        assert_plan(
            &detail,
            &["USING INDEX conversations_agent (tenant_id=? AND agent_id=? AND status=?)"],
            &["conversations_arrived", "SCAN"],
        );
    }
}

/// A client's history (the contact panel) reads that client's conversations, not the
/// company's since the period's start.
#[test]
fn a_clients_history_reads_only_that_clients_conversations() {
    let detail = query_plan(
        &atende_shared::inbox::sql::client_history_statement(),
        &[
            1.into(),
            2.into(),
            0.into(),
            atende_shared::ports::Value::Null,
            1.into(),
            3.into(),
            0.into(),
            1.into(),
            0.into(),
            0.into(),
        ],
    );
    assert_plan(
        &detail,
        &[
            "SEARCH v USING INDEX conversations_client (tenant_id=? AND client_id=?)",
            "SEARCH m USING INDEX messages_conversation (tenant_id=? AND conversation_id=?)",
        ],
        &["conversations_arrived", "SCAN v", "SCAN m"],
    );
}

/// The external bot's list reads the conversations in the bot and each one's messages by
/// its conversation; it had read every conversation of the company in arrival order and, for
/// each, walked the messages of the whole database back from the newest.
#[test]
fn the_external_bots_list_reads_only_conversations_in_the_bot() {
    let detail = query_plan(atende_shared::bot::sql::IN_BOT, &[1.into(), 50.into()]);
    assert_plan(
        &detail,
        &[
            "SEARCH v USING INDEX conversations_offers (status=?)",
            "SEARCH m USING INDEX messages_conversation (tenant_id=? AND conversation_id=?)",
        ],
        &[
            "conversations_arrived",
            "messages_conversation_of",
            "SCAN v",
            "SCAN m",
        ],
    );
}

/// The tick's two bot chores read what they act on: the menu's sessions, each conversation by
/// key; the conversations whose survey is due, through their partial index from the window's
/// start. Both had read every closed conversation of every company on every tick.
#[test]
fn the_ticks_bot_chores_read_only_sessions_and_due_surveys() {
    let prune = query_plan(atende_shared::bot::sql::PRUNE_SESSIONS, &[]);
    assert_plan(
        &prune,
        &[
            "SCAN bot_sessions",
            "SEARCH v USING INTEGER PRIMARY KEY (rowid=?)",
        ],
        &["conversations_offers", "SCAN v"],
    );
    let due = query_plan(atende_shared::bot::sql::SURVEYS_DUE, &[0.into(), 50.into()]);
    assert_plan(
        &due,
        &["SEARCH v USING INDEX conversations_survey_due (closed_at>?)"],
        &["conversations_offers", "SCAN v", "TEMP B-TREE"],
    );
}

/// The console's queue counts read each group's queue, not every conversation the group has
/// had: SQLite's min/max shortcut had walked the group's conversations from the oldest.
#[test]
fn an_agents_queue_counts_read_only_the_queues() {
    let detail = query_plan(
        atende_shared::inbox::sql::QUEUE_COUNTS,
        &[1.into(), 2.into()],
    );
    assert_plan(
        &detail,
        &["SEARCH v USING COVERING INDEX conversations_queue (tenant_id=? AND group_id=? AND status=?)"],
        &["conversations_group_arrived", "SCAN v"],
    );
    assert_eq!(
        detail
            .iter()
            .filter(|d| d.contains("conversations_queue"))
            .count(),
        2,
        "{detail:#?}"
    );
}

/// The tick's "please wait" notices read a group's open conversations, not all it ever had.
#[test]
fn the_ticks_wait_notices_read_only_open_conversations() {
    let detail = query_plan(
        atende_shared::bot::sql::WAITING,
        &[1.into(), 2.into(), 0.into(), 0.into()],
    );
    assert_plan(
        &detail,
        &["SEARCH v USING INDEX conversations_queue (tenant_id=? AND group_id=? AND status=?)"],
        &["conversations_group_arrived", "SCAN v"],
    );
}

/// Deactivating a webhook ends its queued deliveries through the partial index of queued
/// ones, not every delivery the webhook ever had (under the write lock).
#[test]
fn deactivating_a_webhook_reads_only_its_queued_deliveries() {
    let detail = query_plan(
        atende_shared::outbound::sql::CANCEL_HOOKS,
        &["cancelled".into(), 1.into(), 2.into()],
    );
    assert_plan(
        &detail,
        &["SEARCH webhook_deliveries USING INDEX webhook_deliveries_in_flight (webhook_id=?)"],
        &["webhook_deliveries_webhook", "SCAN"],
    );
}

/// The tick's webhook claim reads the deliveries in flight once. Folded into its per-delivery
/// counts (what this SQLite and Spin's do to a plain CTE), the tenant's count read every
/// delivery the company ever had, once for each due delivery.
#[test]
fn the_ticks_webhook_claim_reads_the_deliveries_in_flight_once() {
    let detail = query_plan(
        atende_shared::outbound::sql::CLAIM_HOOKS,
        &[0.into(), 1.into(), 2.into(), 2.into(), 50.into()],
    );
    assert_plan(
        &detail,
        &[
            "MATERIALIZE busy",
            "SEARCH d USING INDEX webhook_deliveries_due (status=? AND next_attempt_at<?)",
        ],
        &["webhook_deliveries_webhook"],
    );
}

#[test]
fn the_idle_polls_one_statement_reads_two_indexes_and_nothing_else() {
    let detail = query_plan(
        atende_shared::inbox::feed::POLL_OR_DUE,
        &[1.into(), 1.into(), 0.into(), 0.into(), 0.into()],
    );
    assert!(
        detail.iter().any(|d| d.contains(
            "SEARCH inbox_feed USING INDEX inbox_feed_user (tenant_id=? AND user_id=? AND id>?)"
        )),
        "{detail:?}"
    );
    assert!(
        detail
            .iter()
            .any(|d| d.contains("SEARCH tick_leases USING PRIMARY KEY (name=?)")),
        "{detail:?}"
    );
    assert!(
        !detail
            .iter()
            .any(|d| d.contains("SCAN inbox_feed") || d.contains("SCAN tick_leases")),
        "{detail:?}"
    );
}

#[test]
fn sending_and_accepting_stay_within_their_budgets() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app);
    whatsapp_post(&app, s.channel, &wa_text("5511977776666", "wamid.b1", "oi")).assert_status(200);
    let id = app.get(&agent, "/api/inbox/conversations").body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (r, send) = app.call_counted(
        "POST",
        &format!("/api/inbox/conversations/{id}/messages"),
        Some(&agent),
        Some(json!({"text": "Olá! Como posso ajudar?"})),
    );
    r.assert_status(201);
    within(
        &Budget {
            path: "agent sends a text",
            statements: 13,
            writes: 4,
            transactions: 1,
        },
        &send,
    );

    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30}),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511966665555", "wamid.b2", "oi")).assert_status(200);
    let offer = app.get(&agent, "/api/inbox/offers").body["items"][0]["conversation_id"]
        .as_i64()
        .unwrap();
    let (r, accept) = app.call_counted(
        "POST",
        &format!("/api/inbox/offers/{offer}/accept"),
        Some(&agent),
        Some(json!({})),
    );
    r.assert_status(200);
    within(
        &Budget {
            path: "agent accepts an offer",
            statements: 7,
            writes: 3,
            transactions: 1,
        },
        &accept,
    );
}
