//! Outbound delivery: one company's receiver that never answers delays no other company, a
//! circuit breaker stops calling a failing endpoint, and a deactivated webhook's queue is
//! cancelled.

use crate::channels::{self, count, setup, wa_text, whatsapp_post};
use crate::fake::FakeProvider;
use crate::helpers::{TestApp, PASSWORD, PLATFORM_SECRET};
use atende_host::background::Background;
use atende_shared::outbound::{CANCELLED, CIRCUIT_THRESHOLD};
use serde_json::json;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A receiver that accepts connections, reads what it is sent and never answers. Dropping it
/// closes every connection, which lets the callers go.
struct BlackHole {
    url: String,
    addr: std::net::SocketAddr,
    closed: Arc<std::sync::atomic::AtomicBool>,
    accepted: Arc<AtomicUsize>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl BlackHole {
    fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("http://{addr}/hook");
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let closing = closed.clone();
        let accepted = Arc::new(AtomicUsize::new(0));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (count, keep) = (accepted.clone(), held.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if closing.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = stream.read(&mut [0u8; 4096]);
                count.fetch_add(1, Ordering::SeqCst);
                keep.lock().unwrap().push(stream);
            }
        });
        BlackHole {
            url,
            addr,
            closed,
            accepted,
            held,
        }
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        // Stop accepting (the listener goes with its thread: later calls are refused) ...
        self.closed.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        // ... and let go of the callers held.
        for s in self.held.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Waits for `done` up to `limit`, returning how long it took (None: not within the limit).
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed())
}

fn signed(body: &serde_json::Value) -> (String, String) {
    let raw = body.to_string();
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(channels::APP_SECRET, raw.as_bytes())
    );
    (raw, signature)
}

#[test]
fn a_webhook_receiver_that_never_answers_delays_no_other_company() {
    const LIMIT: Duration = Duration::from_secs(1);
    let hole = BlackHole::start();
    let provider = FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.OUT\"}]}")]);
    let mut test = TestApp::spawn();

    // Acme: a webhook on every event pointing at the black hole, and a backlog for it.
    test.create_tenant(
        Some(PLATFORM_SECRET),
        json!({"slug": "acme", "name": "Acme", "admin": {"username": "admin", "display_name": "Boss", "password": PASSWORD}}),
    )
    .assert_status(201);
    test.tenant = "acme".into();
    let acme = setup(&test, "whatsapp", None);
    test.make(
        &acme.admin,
        "webhooks",
        json!({"name": "CRM", "url": hole.url, "secret": "acme-webhook-secret-1",
               "events": atende_shared::config::webhook::events().collect::<Vec<_>>()}),
    );
    for n in 0..20 {
        let from = format!("55119876500{n:02}");
        whatsapp_post(
            &test,
            acme.channel,
            &wa_text(&from, &format!("wamid.a{n}"), "oi"),
        )
        .assert_status(200);
    }
    let backlog = count(
        &test,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'queued'",
    );
    assert!(backlog >= 40, "acme's backlog: {backlog}");

    // Demo: a WhatsApp channel answered by a working provider, agent1 ready in its group.
    test.tenant = "demo".into();
    let demo = setup(&test, "whatsapp", Some(&provider.url));
    let agent_id = test.user_id(&demo.admin, "agent1");
    test.post(
        &demo.admin,
        &format!("/api/admin/groups/{}/members", demo.group),
        json!({"ids": [agent_id]}),
    )
    .assert_status(200);

    let TestApp { app, dir: _dir, .. } = test;
    let app = Arc::new(app);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(atende_host::server::serve(app.clone(), listener, async {
        let _ = stopped.await;
    }));
    let background = Background::start(app.clone()).unwrap();

    let c = atende_e2e::Client::new(&base, "demo");
    let agent = c.login("agent1", PASSWORD).body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ready = c.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    );
    assert_eq!(ready.status, 200, "{}", ready.body);
    // Acme's receiver is being called (and holds its callers) while demo works.
    assert!(
        within(Duration::from_secs(5), || hole
            .accepted
            .load(Ordering::SeqCst)
            > 0)
        .is_some(),
        "the webhook workers never called acme's receiver"
    );

    let hook = format!("/hooks/whatsapp/{}", demo.channel);
    let acme_hook = format!("/hooks/whatsapp/{}", acme.channel);
    let acme_client = atende_e2e::Client::new(&base, "acme");
    let mut cursor = String::new();
    let mut worst = [Duration::ZERO; 4];
    for round in 0..3 {
        // More work for acme's dead receiver, over HTTP like the rest.
        let (raw, signature) = signed(&wa_text(
            &format!("5511976540{round:03}"),
            &format!("wamid.more{round}"),
            "mais",
        ));
        let more = acme_client.raw(
            "POST",
            &acme_hook,
            &[
                ("content-type", "application/json"),
                ("x-hub-signature-256", &signature),
            ],
            raw.as_bytes(),
        );
        assert_eq!(more.status, 200, "{}", more.body);

        let (events, took) = timed(|| {
            c.call(
                "GET",
                &format!("/api/inbox/events?after={cursor}"),
                Some(&agent),
                None,
            )
        });
        assert_eq!(events.status, 200, "{}", events.body);
        assert!(
            took < LIMIT,
            "round {round}: the agent's poll took {took:?}"
        );
        worst[0] = worst[0].max(took);
        cursor = events.body["cursor"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        let (raw, signature) = signed(&wa_text(
            &format!("5511987650{round:03}"),
            &format!("wamid.demo{round}"),
            "preciso de ajuda",
        ));
        let (inbound, took) = timed(|| {
            c.raw(
                "POST",
                &hook,
                &[
                    ("content-type", "application/json"),
                    ("x-hub-signature-256", &signature),
                ],
                raw.as_bytes(),
            )
        });
        assert_eq!(inbound.status, 200, "{}", inbound.body);
        assert!(
            took < LIMIT,
            "round {round}: the customer's message took {took:?}"
        );
        worst[1] = worst[1].max(took);

        let mine = c.call("GET", "/api/inbox/conversations", Some(&agent), None);
        let id = mine.body["items"]
            .as_array()
            .and_then(|items| items.iter().filter_map(|i| i["id"].as_i64()).max())
            .unwrap_or_else(|| panic!("round {round}: nothing assigned: {}", mine.body));
        let text = format!("resposta {round}");
        let sent_before = provider.received().len();
        let (reply, took) = timed(|| {
            c.call(
                "POST",
                &format!("/api/inbox/conversations/{id}/messages"),
                Some(&agent),
                Some(json!({"text": text})),
            )
        });
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert!(
            took < LIMIT,
            "round {round}: sending the reply took {took:?}"
        );
        worst[2] = worst[2].max(took);
        let reached = within(LIMIT, || {
            provider.received()[sent_before..]
                .iter()
                .any(|r| r.body.contains(&text))
        });
        let Some(reached) = reached else {
            panic!("round {round}: the reply did not reach WhatsApp within {LIMIT:?}");
        };
        worst[3] = worst[3].max(reached);
    }
    eprintln!(
        "slowest of 3 rounds: events poll {:?}, inbound message {:?}, reply request {:?}, reply at the provider {:?}; acme's receiver was called {} times",
        worst[0], worst[1], worst[2], worst[3], hole.accepted.load(Ordering::SeqCst)
    );

    // Acme's deliveries are still waiting for their receiver, none lost.
    let stuck = app
        .with_ctx(|ctx| {
            atende_shared::db::scalar_i64(
                &ctx.db
                    .execute(
                        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'queued'",
                        &[],
                    )
                    .unwrap(),
            )
            .unwrap()
        })
        .unwrap();
    assert!(
        stuck >= backlog,
        "acme's deliveries: {stuck} queued of {backlog}"
    );

    drop(hole);
    background.stop();
    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
}

#[test]
fn an_endpoint_that_keeps_failing_is_left_alone_until_its_circuit_reopens() {
    let receiver = FakeProvider::start(vec![(503, "{}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    app.make(&s.admin, "webhooks", json!({"name": "Down", "url": receiver.url, "events": ["message.created"], "secret": "down-webhook-secret"}));
    let at_once = atende_shared::outbound::HOOK_CONCURRENCY;
    assert!(usize::try_from(CIRCUIT_THRESHOLD).unwrap() <= at_once);
    for n in 0..at_once + 4 {
        whatsapp_post(
            &app,
            s.channel,
            &wa_text("5511987654321", &format!("wamid.{n}"), "oi"),
        )
        .assert_status(200);
    }
    // One pass sends a bounded number at once; they all fail, the circuit opens, and the rest
    // are not sent.
    let first = app.app.tick().unwrap();
    assert_eq!(first.webhooks_retried, at_once);
    assert_eq!(receiver.received().len(), at_once);
    app.clock.advance(chrono::Duration::seconds(10));
    assert_eq!(
        app.app.tick().unwrap().webhooks_retried,
        0,
        "the circuit is open"
    );
    assert_eq!(receiver.received().len(), at_once);
    // After it has been open for a while, calls are tried again.
    app.clock.advance(chrono::Duration::seconds(30));
    assert!(app.app.tick().unwrap().webhooks_retried > 0);
}

#[test]
fn deactivating_a_webhook_cancels_what_it_had_queued() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let hook = app.make(&s.admin, "webhooks", json!({"name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["message.created"], "secret": "crm-webhook-secret-1"}));
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);
    app.post(
        &s.admin,
        &format!("/api/admin/webhooks/{hook}/deactivate"),
        json!({}),
    )
    .assert_status(200);

    assert_eq!(app.app.tick().unwrap().webhooks_retried, 0);
    let log = app.get(&s.admin, &format!("/api/admin/webhooks/{hook}/deliveries"));
    assert_eq!(log.body["items"][0]["status"], "failed");
    assert_eq!(log.body["items"][0]["last_error"], CANCELLED);
    assert_eq!(log.body["items"][0]["attempts"], 0);
}

/// One company's backlog does not go first: a claim takes every company's oldest before
/// anyone's second, and never more in flight of one company than its cap.
#[test]
fn claims_interleave_companies_and_cap_what_one_has_in_flight() {
    use atende_shared::outbound::{sql, Caps};
    let mut app = TestApp::spawn();
    app.create_tenant(
        Some(PLATFORM_SECRET),
        json!({"slug": "acme", "name": "Acme", "admin": {"username": "admin", "display_name": "Boss", "password": PASSWORD}}),
    )
    .assert_status(201);
    let mut hooks = Vec::new();
    for (tenant, messages) in [("acme", 10), ("demo", 1)] {
        app.tenant = tenant.into();
        let s = setup(&app, "whatsapp", None);
        hooks.push(app.make(&s.admin, "webhooks", json!({"name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["message.created"], "secret": "crm-webhook-secret-1"})));
        for n in 0..messages {
            whatsapp_post(
                &app,
                s.channel,
                &wa_text("5511987654321", &format!("wamid.{tenant}{n}"), "oi"),
            )
            .assert_status(200);
        }
    }
    let claim = |caps: Caps| {
        app.app
            .with_ctx(|ctx| sql::claim_hooks(ctx.db, ctx.now_ms(), 60_000, caps).unwrap())
            .unwrap()
            .iter()
            .map(|d| d.webhook_id)
            .collect::<Vec<_>>()
    };
    let (acme, demo) = (hooks[0], hooks[1]);
    // Acme's ten are older, yet demo's one is in the first two.
    let first = claim(Caps {
        batch: 2,
        per_tenant: 2,
        per_endpoint: 1,
    });
    assert_eq!(first.iter().filter(|h| **h == demo).count(), 1, "{first:?}");
    // Acme has one in flight, its cap is two: one more at most, whatever the batch.
    let second = claim(Caps {
        batch: 5,
        per_tenant: 2,
        per_endpoint: 5,
    });
    assert_eq!(second, vec![acme]);
}

/// What an agent's poll may run (the tick without delivery) calls nobody: a queued reply and a
/// queued webhook wait for the scheduled work.
#[test]
fn the_tick_an_agents_poll_runs_makes_no_outbound_call() {
    let provider = FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.OUT1\"}]}")]);
    let receiver = FakeProvider::start(vec![(200, "{}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", Some(&provider.url));
    channels::closed_hours(&app, &s);
    app.make(&s.admin, "webhooks", json!({"name": "CRM", "url": receiver.url, "events": ["message.created"], "secret": "crm-webhook-secret-1"}));
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);

    let timers = app.app.run_timers().unwrap();

    assert!(timers.ran);
    assert_eq!(
        (provider.received().len(), receiver.received().len()),
        (0, 0)
    );
    let scheduled = app.app.tick().unwrap();
    assert_eq!(
        (scheduled.messages_sent, scheduled.webhooks_delivered),
        (1, 1)
    );
    assert_eq!(
        (provider.received().len(), receiver.received().len()),
        (1, 1)
    );
}
