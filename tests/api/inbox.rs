//! The agent workspace: status, pull, my conversations, send, notes, pending, close, files.

use crate::channels::{column, count, setup, wa_text, whatsapp_post, Setup};
use crate::fake::FakeProvider;
use crate::helpers::{localized, TestApp};
use serde_json::json;

/// A WhatsApp channel whose group has agent1 and agent2 as members; `customers` waiting.
pub(crate) fn queue(app: &TestApp, provider: Option<&str>, customers: &[&str]) -> Setup {
    let s = setup(app, "whatsapp", provider);
    let ids = vec![
        app.user_id(&s.admin, "agent1"),
        app.user_id(&s.admin, "agent2"),
    ];
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"ids": ids}),
    )
    .assert_status(200);
    for (i, c) in customers.iter().enumerate() {
        whatsapp_post(
            app,
            s.channel,
            &wa_text(
                c,
                &format!("wamid.q{i}{c}"),
                &format!("preciso de ajuda {i}"),
            ),
        )
        .assert_status(200);
    }
    s
}

fn ready(app: &TestApp, token: &str) {
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(token),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
}

/// Paused agents get no automatic work; pulling is how they take a customer deliberately.
fn pause(app: &TestApp, admin: &str, token: &str) {
    if count(
        app,
        "SELECT COUNT(*) FROM config_items WHERE kind = 'pause_reason'",
    ) == 0
    {
        app.make(admin, "pause-reasons", json!({"name": "Treino"}));
    }
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(token),
        Some(json!({"status": "paused", "reason": "Treino"})),
    )
    .assert_status(200);
}

/// My open conversations' ids, in arrival order (what distribution gave me).
pub(crate) fn mine(app: &TestApp, token: &str) -> Vec<i64> {
    app.get(token, "/api/inbox/conversations").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn pull(app: &TestApp, token: &str, group: i64) -> crate::helpers::TestResponse {
    app.post(token, &format!("/api/inbox/queues/{group}/pull"), json!({}))
}

#[test]
fn status_changes_are_recorded_and_a_pause_needs_a_configured_reason() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let agent = app.token("agent1");
    assert_eq!(
        app.get(&agent, "/api/inbox/status").body["status"],
        "offline"
    );
    app.make(&admin, "pause-reasons", json!({"name": "Almoço"}));

    ready(&app, &agent);
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "paused"})),
    )
    .assert_error(422, "validation_failed");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "paused", "reason": "Cochilo"})),
    )
    .assert_error(422, "validation_failed");
    let paused = app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "paused", "reason": "almoço"})),
    );

    paused.assert_status(200);
    assert_eq!(paused.body["status"], "paused");
    // Paused never ends by itself: an hour later it still is.
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        app.get(&agent, "/api/inbox/status").body["status"],
        "paused"
    );
    assert_eq!(
        column(
            &app,
            "SELECT status || ' ' || COALESCE(pause_reason, '-') FROM agent_status_log ORDER BY id"
        ),
        ["ready -", "paused almoço"]
    );
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&app.token("supervisor")),
        Some(json!({"status": "ready"})),
    )
    .assert_error(403, "forbidden");
    app.post(&agent, "/api/inbox/heartbeat", json!({}))
        .assert_status(204);
}

#[test]
fn pull_takes_the_first_customer_for_members_within_their_limit() {
    let app = TestApp::spawn();
    let s = queue(
        &app,
        None,
        &["5511911110001", "5511911110002", "5511911110003"],
    );
    let agent = app.token("agent1");
    pause(&app, &s.admin, &agent);
    app.update_user(
        &s.admin,
        app.user_id(&s.admin, "agent1"),
        json!({"max_concurrent": 2}),
    )
    .assert_status(200);

    let first = pull(&app, &agent, s.group);
    first.assert_status(200);
    assert_eq!(first.body["protocol"], "WA00000000001", "arrival order");
    assert_eq!(first.body["status"], "assigned");
    pull(&app, &agent, s.group).assert_status(200);
    pull(&app, &agent, s.group).assert_error(409, "at_capacity");
    pull(&app, &app.token("agent3"), s.group).assert_error(403, "not_a_member");
    let mine = app.get(&agent, "/api/inbox/conversations");
    let protocols: Vec<&str> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(protocols, ["WA00000000001", "WA00000000002"]);
    assert_eq!(mine.body["items"][0]["unread"], 1);
    assert_eq!(mine.body["items"][0]["client_name"], "Maria Souza");
    // Reading up to the customer's message clears the count.
    let id = mine.body["items"][0]["id"].as_i64().unwrap();
    let messages = app.get(&agent, &format!("/api/inbox/conversations/{id}/messages"));
    let last = messages.body["cursor"].as_i64().unwrap();
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/read"),
        json!({"up_to": last}),
    )
    .assert_status(204);
    assert_eq!(
        app.get(&agent, "/api/inbox/conversations").body["items"][0]["unread"],
        0
    );
    assert_eq!(
        column(
            &app,
            "SELECT kind FROM conversation_events WHERE conversation_id = 1 ORDER BY id"
        ),
        ["created", "queued", "assigned"]
    );
    let other = app.token("agent2");
    pause(&app, &s.admin, &other);
    pull(&app, &other, s.group).assert_status(200);
    pull(&app, &other, s.group).assert_error(409, "queue_empty");
}

#[test]
fn concurrent_pulls_never_give_one_conversation_to_two_agents() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let s = queue(&app, None, &["5511911110001"]);
    let admin = app.token("admin");
    let tokens: Vec<String> = ["agent1", "agent2"]
        .iter()
        .map(|u| {
            let t = app.token(u);
            pause(&app, &admin, &t);
            t
        })
        .collect();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let (app, barrier, group) = (app.clone(), barrier.clone(), s.group);
            std::thread::spawn(move || {
                barrier.wait();
                pull(&app, &t, group).status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversation_events WHERE kind = 'assigned'"
        ),
        1
    );
}

#[test]
fn agents_send_with_the_groups_name_rule_and_the_outbox_delivers() {
    let provider = FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.R1\"}]}")]);
    let app = TestApp::spawn();
    let s = queue(&app, Some(&provider.url), &["5511911110001"]);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];

    let sent = app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Olá! Sou a Alice, vou te ajudar."}),
    );

    sent.assert_status(201);
    assert_eq!(sent.body["role"], "agent");
    assert_eq!(sent.body["delivery"], "queued");
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    assert_eq!(
        provider.received()[0].json()["text"]["body"],
        "*Atende Demo*: Olá! Sou a Alice, vou te ajudar.",
        "company name by default"
    );
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"name_shown": "agent"}),
    )
    .assert_status(200);
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Pode me passar o pedido?"}),
    )
    .assert_status(201);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"name_shown": "none"}),
    )
    .assert_status(200);
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Obrigada!"}),
    )
    .assert_status(201);
    assert_eq!(
        column(&app, "SELECT rendered FROM outbox ORDER BY id"),
        [
            "*Atende Demo*: Olá! Sou a Alice, vou te ajudar.",
            "*Alice Agente*: Pode me passar o pedido?",
            "Obrigada!"
        ]
    );
    assert!(column(&app, "SELECT first_response_at FROM conversations")[0] != "NULL");
    let page = app.get(
        &agent,
        &format!("/api/inbox/conversations/{id}/messages?limit=2"),
    );
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["items"][0]["role"], "customer", "oldest first");
}

#[test]
fn sending_is_refused_when_paused_offline_receive_only_closed_or_not_mine() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    app.make(&s.admin, "pause-reasons", json!({"name": "Reunião"}));
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let path = format!("/api/inbox/conversations/{id}/messages");
    let hello = json!({"text": "oi"});

    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "paused", "reason": "Reunião"})),
    )
    .assert_status(200);
    let paused = app.post(&agent, &path, hello.clone());
    paused.assert_error(409, "agent_paused");
    // In the agent's language (the demo's Portuguese; `languages::` covers all three).
    assert_eq!(
        paused.body["error"]["message"],
        "Você está em pausa! Deseja retomar?"
    );
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "offline"})),
    )
    .assert_status(200);
    app.post(&agent, &path, hello.clone())
        .assert_error(409, "agent_offline");
    ready(&app, &agent);
    app.post(&agent, &path, json!({"text": "   "}))
        .assert_error(422, "validation_failed");
    let other = app.token("agent2");
    ready(&app, &other);
    app.post(&other, &path, hello.clone())
        .assert_error(403, "not_your_conversation");
    app.get(&other, &format!("/api/inbox/conversations/{id}"))
        .assert_error(403, "not_your_conversation");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"receive_only": true}}),
    )
    .assert_status(200);
    app.post(&agent, &path, hello.clone())
        .assert_error(403, "receive_only");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"receive_only": false}}),
    )
    .assert_status(200);
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    app.post(&agent, &path, hello)
        .assert_error(409, "conversation_closed");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
        0,
        "nothing refused was stored"
    );
}

#[test]
fn internal_notes_stay_inside() {
    let app = TestApp::spawn();
    let _setup = queue(&app, None, &["5511911110001"]);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let note = app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/notes"),
        json!({"text": "cliente já ligou ontem"}),
    );
    note.assert_status(201);
    assert_eq!(note.body["role"], "note");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 0);
}

#[test]
fn pending_frees_a_slot_and_the_customers_reply_brings_it_back() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001", "5511911110002"]);
    let agent = app.token("agent1");
    app.update_user(
        &s.admin,
        app.user_id(&s.admin, "agent1"),
        json!({"max_concurrent": 1}),
    )
    .assert_status(200);
    let agent = {
        let _ = agent;
        app.token("agent1")
    };
    ready(&app, &agent);
    let first = mine(&app, &agent);
    assert_eq!(first.len(), 1, "the limit holds: one of two");
    let first = first[0];
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        1
    );

    let pending = app.post(
        &agent,
        &format!("/api/inbox/conversations/{first}/pending"),
        json!({}),
    );

    assert_eq!(pending.body["status"], "pending");
    // The freed slot took the next customer at once.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'queued'"
        ),
        0
    );
    let second = mine(&app, &agent)
        .into_iter()
        .find(|id| *id != first)
        .unwrap();
    // The first customer replies while the agent is full: it waits, flagged by its unread count.
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.reply1", "e aí?"),
    )
    .assert_status(200);
    let listed = app.get(&agent, "/api/inbox/conversations").body;
    let waiting = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == first)
        .unwrap()
        .clone();
    assert_eq!(
        (waiting["status"].as_str(), waiting["unread"].as_i64()),
        (Some("pending"), Some(2))
    );
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{first}/resume"),
        json!({}),
    )
    .assert_error(409, "at_capacity");
    // Once there is room, the next reply brings it back.
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{second}/close"),
        json!({}),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.reply2", "alô?"),
    )
    .assert_status(200);
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {first}")
        ),
        ["assigned"]
    );
    assert!(column(
        &app,
        &format!("SELECT kind FROM conversation_events WHERE conversation_id = {first}")
    )
    .contains(&"resumed".to_owned()));
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{first}/resume"),
        json!({}),
    )
    .assert_error(409, "invalid_state");
}

#[test]
fn closing_checks_the_classification_is_final_and_marks_the_survey_due() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001", "5511911110002"]);
    let class = app.post(&s.admin, "/api/admin/classifications", json!({"name": "Atendimento",
        "reasons": [{"name": "Dúvida", "children": [{"name": "Entrega"}]}, {"name": "Velho", "status": "inactive"}]})).body["id"].as_i64().unwrap();
    let survey = app.make(&s.admin, "surveys", json!({"name": "nps", "sent_by": ["agent"], "questions": [{"type": "nps", "text": localized("Nota?")}]}));
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"classification_id": class, "classification_mandatory": true, "survey_id": survey}),
    )
    .assert_status(200);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let close = format!("/api/inbox/conversations/{id}/close");

    let missing = app.post(&agent, &close, json!({"comment": "resolvido"}));
    missing.assert_error(422, "classification_required");
    assert_eq!(missing.error_field(), "reason_id");
    app.post(&agent, &close, json!({"reason_id": 3}))
        .assert_error(422, "validation_failed");
    app.post(&agent, &close, json!({"reason_id": 1, "sub_reason_id": 99}))
        .assert_error(422, "validation_failed");
    let closed = app.post(
        &agent,
        &close,
        json!({"reason_id": 1, "sub_reason_id": 2, "comment": "prazo informado"}),
    );

    closed.assert_status(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["closed_by"], "agent");
    assert_eq!(column(&app, &format!("SELECT reason_id || '/' || sub_reason_id || ' ' || close_comment || ' ' || survey_due FROM conversations WHERE id = {id}")), ["1/2 prazo informado 1"]);
    app.post(&agent, &close, json!({"reason_id": 1}))
        .assert_error(409, "already_closed");
    // The customer writes again: a new protocol, never the closed one.
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.after", "mais uma coisa"),
    )
    .assert_status(200);
    assert_eq!(
        column(
            &app,
            "SELECT protocol || ' ' || status FROM conversations WHERE client_id = 1 ORDER BY id"
        ),
        ["WA00000000001 closed", "WA00000000003 assigned"]
    );
}

#[test]
fn attachments_are_served_only_to_who_may_act_on_their_conversation() {
    let app = TestApp::spawn();
    let s = setup(&app, "email", None);
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"all": true}),
    )
    .assert_status(200);
    let mail = json!({"from": "cli@x.com", "subject": "nota", "text": "segue", "message_id": "<a1>",
        "attachments": [{"filename": "nota.pdf", "content_type": "application/pdf", "content": "JVBERi0xLjQ="}]});
    crate::channels::post_raw(
        &app,
        &format!("/hooks/email/{}", s.channel),
        vec![(
            "x-atende-secret",
            crate::channels::INBOUND_SECRET.to_owned(),
        )],
        mail.to_string().as_bytes(),
    )
    .assert_status(200);
    let agent = app.token("agent1");
    ready(&app, &agent);
    assert_eq!(mine(&app, &agent).len(), 1, "distributed on ready");
    let file = count(&app, "SELECT id FROM attachments");
    let get = |token: &str| {
        app.handle(
            http::Request::get(format!("/api/inbox/attachments/{file}"))
                .header("x-tenant", "demo")
                .header("authorization", format!("Bearer {token}"))
                .body(Vec::new())
                .unwrap(),
            None,
        )
    };
    let mine = get(&agent);
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.body(), b"%PDF-1.4");
    assert_eq!(mine.headers()["content-type"], "application/pdf");
    assert_eq!(get(&app.token("agent2")).status(), 404);
    assert_eq!(get(&s.admin).status(), 200);
}

#[test]
fn the_feed_returns_each_change_exactly_once_across_polls() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    let agent = app.token("agent1");
    let poll = |cursor: i64| {
        let r = app.get(&agent, &format!("/api/inbox/events?after={cursor}"));
        r.assert_status(200);
        let kinds: Vec<String> = r.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect();
        (kinds, r.body["cursor"].as_i64().unwrap())
    };
    ready(&app, &agent);

    let (first, cursor) = poll(0);
    assert_eq!(first, ["status", "assigned"]);
    let (nothing, same) = poll(cursor);
    assert!(nothing.is_empty());
    assert_eq!(same, cursor);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.f1", "tem alguém?"),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.f2", "oi?"),
    )
    .assert_status(200);
    let (next, cursor) = poll(cursor);
    assert_eq!(next, ["message", "message"]);
    assert!(poll(cursor).0.is_empty());
    // Someone else's feed is not mine.
    let (theirs, _) = {
        let other = app.token("agent2");
        let r = app.get(&other, "/api/inbox/events?after=0");
        (r.body["events"].as_array().unwrap().len(), 0)
    };
    assert_eq!(theirs, 0);
}

#[test]
fn a_poll_with_nothing_new_is_one_indexed_range_query() {
    let app = TestApp::spawn();
    let plan = app
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute(
                    &format!("EXPLAIN QUERY PLAN {}", atende_shared::inbox::feed::POLL),
                    &[1.into(), 1.into(), 0.into()],
                )
                .unwrap()
        })
        .unwrap();
    let detail: Vec<String> = plan
        .rows
        .iter()
        .map(|r| format!("{:?}", r.last().unwrap()))
        .collect();
    assert_eq!(detail.len(), 1, "one step: {detail:?}");
    assert!(
        detail[0].contains(
            "SEARCH inbox_feed USING INDEX inbox_feed_user (tenant_id=? AND user_id=? AND id>?)"
        ),
        "{detail:?}"
    );
}

#[test]
fn transfers_go_only_to_available_agents_with_room_or_allowed_groups() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001", "5511911110002"]);
    let (agent, other) = (app.token("agent1"), app.token("agent2"));
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let other_id = app.user_id(&s.admin, "agent2");
    let path = format!("/api/inbox/conversations/{id}/transfer");

    app.post(&agent, &path, json!({"to_agent_id": other_id}))
        .assert_error(409, "agent_unavailable");
    app.make(&s.admin, "pause-reasons", json!({"name": "Pausa"}));
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&other),
        Some(json!({"status": "paused", "reason": "Pausa"})),
    )
    .assert_status(200);
    app.post(&agent, &path, json!({"to_agent_id": other_id}))
        .assert_error(409, "agent_unavailable");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"transfer_to_paused": true}}),
    )
    .assert_status(200);
    let moved = app.post(
        &agent,
        &path,
        json!({"to_agent_id": other_id, "message": "cliente VIP, cuidado"}),
    );

    moved.assert_status(200);
    assert_eq!(moved.body["agent_id"], other_id);
    assert_eq!(
        column(
            &app,
            &format!("SELECT body FROM messages WHERE conversation_id = {id} AND role = 'note'")
        ),
        ["cliente VIP, cuidado"]
    );
    let feed = app.get(&other, "/api/inbox/events?after=0").body;
    assert!(feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "transferred_in" && e["conversation_id"] == id));
    app.post(&agent, &path, json!({"to_agent_id": other_id}))
        .assert_error(403, "not_your_conversation");

    // To a group: only one in the transfer list; back in its queue with the original arrival.
    let target = app.make(&s.admin, "groups", json!({"name": "Financeiro", "operation_id": app.get(&s.admin, &format!("/api/admin/groups/{}", s.group)).body["operation_id"]}));
    let back = format!("/api/inbox/conversations/{id}/transfer");
    app.post(&other, &back, json!({"to_group_id": target}))
        .assert_error(422, "validation_failed");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"transfer_group_ids": [target]}),
    )
    .assert_status(200);
    let arrived = column(
        &app,
        &format!("SELECT arrived_at FROM conversations WHERE id = {id}"),
    );
    app.clock.advance(chrono::Duration::minutes(5));
    let queued = app.post(&other, &back, json!({"to_group_id": target}));
    queued.assert_status(200);
    assert_eq!(
        (
            queued.body["status"].as_str(),
            queued.body["group_id"].as_i64()
        ),
        (Some("queued"), Some(target))
    );
    assert_eq!(
        column(
            &app,
            &format!("SELECT arrived_at FROM conversations WHERE id = {id}")
        ),
        arrived,
        "waiting time kept"
    );
    assert_eq!(column(&app, &format!("SELECT kind FROM conversation_events WHERE conversation_id = {id} ORDER BY id DESC LIMIT 1")), ["transferred"]);
}

#[test]
fn transfer_all_moves_every_open_conversation_and_reports_each() {
    let app = TestApp::spawn();
    let s = queue(
        &app,
        None,
        &["5511911110001", "5511911110002", "5511911110003"],
    );
    let (agent, other) = (app.token("agent1"), app.token("agent2"));
    ready(&app, &agent);
    ready(&app, &other);
    assert_eq!(
        mine(&app, &agent).len(),
        3,
        "distributed to the first agent ready"
    );
    app.update_user(
        &s.admin,
        app.user_id(&s.admin, "agent2"),
        json!({"max_concurrent": 2}),
    )
    .assert_status(200);
    let r = app.post(
        &agent,
        "/api/inbox/transfer-all",
        json!({"to_agent_id": app.user_id(&s.admin, "agent2")}),
    );
    r.assert_status(200);
    assert_eq!(r.body["transferred"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["failed"][0]["code"], "agent_at_capacity");
    assert_eq!(
        app.get(&other, "/api/inbox/conversations").body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn tags_occurrences_favourites_quick_replies_and_articles() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let vip = app.make(&s.admin, "tags", json!({"name": "VIP", "color": "#ffaa00"}));
    let old = app.make(&s.admin, "tags", json!({"name": "Antiga"}));
    app.post(
        &s.admin,
        &format!("/api/admin/tags/{old}/deactivate"),
        json!({}),
    )
    .assert_status(200);

    let tagged = app.call(
        "PUT",
        &format!("/api/inbox/conversations/{id}/tags/{vip}"),
        Some(&agent),
        None,
    );
    assert_eq!(tagged.body[0]["name"], "VIP");
    app.call(
        "PUT",
        &format!("/api/inbox/conversations/{id}/tags/{old}"),
        Some(&agent),
        None,
    )
    .assert_error(422, "validation_failed");
    assert!(app
        .call(
            "DELETE",
            &format!("/api/inbox/conversations/{id}/tags/{vip}"),
            Some(&agent),
            None
        )
        .body
        .as_array()
        .unwrap()
        .is_empty());

    let kind = app.make(&s.admin, "occurrence-types", json!({"name": "Reclamação"}));
    let occurrence = app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/occurrences"),
        json!({"occurrence_type_id": kind, "comment": "atraso"}),
    );
    occurrence.assert_status(201);
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {id}")
        ),
        ["assigned"],
        "an occurrence does not close"
    );
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/occurrences"),
        json!({"occurrence_type_id": 999}),
    )
    .assert_error(422, "validation_failed");
    assert_eq!(
        app.call(
            "PUT",
            &format!("/api/inbox/conversations/{id}/favourite"),
            Some(&agent),
            None
        )
        .status,
        204
    );
    let favourites = |app: &TestApp| -> Vec<i64> {
        app.get(&agent, "/api/inbox/conversations?favourite=true")
            .body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(favourites(&app), [id]);
    app.call(
        "DELETE",
        &format!("/api/inbox/conversations/{id}/favourite"),
        Some(&agent),
        None,
    )
    .assert_status(204);
    assert!(favourites(&app).is_empty(), "unmarked");
    app.call(
        "PUT",
        &format!("/api/inbox/conversations/{id}/favourite"),
        Some(&agent),
        None,
    )
    .assert_status(204);

    app.make(
        &s.admin,
        "quick-replies",
        json!({"group_id": s.group, "shortcut": "ola", "text": "Olá! Em que posso ajudar?"}),
    );
    app.make(
        &s.admin,
        "quick-replies",
        json!({"shortcut": "tchau", "text": "Até logo!"}),
    );
    let article = app.make(
        &s.admin,
        "articles",
        json!({"title": "Prazo", "body": "5 dias úteis."}),
    );
    let send = |body: serde_json::Value| {
        app.post(
            &agent,
            &format!("/api/inbox/conversations/{id}/messages"),
            body,
        )
    };
    assert_eq!(
        send(json!({"quick_reply": "/ola"})).body["body"],
        "Olá! Em que posso ajudar?"
    );
    assert_eq!(
        send(json!({"quick_reply": "tchau"})).body["body"],
        "Até logo!",
        "shared quick replies too"
    );
    assert_eq!(
        send(json!({"article_id": article})).body["body"],
        "Prazo\n\n5 dias úteis."
    );
    // A customer who writes in Spanish gets the article's Spanish text when there is one.
    app.patch(
        &s.admin,
        &format!("/api/admin/articles/{article}"),
        json!({"translations": {"es": {"title": "Plazo", "body": "5 días hábiles."}}}),
    )
    .assert_status(200);
    crate::channels::query(
        &app,
        &format!("UPDATE conversations SET language = 'es' WHERE id = {id}"),
    );
    assert_eq!(
        send(json!({"article_id": article})).body["body"],
        "Plazo\n\n5 días hábiles."
    );
    send(json!({"quick_reply": "nada"})).assert_error(422, "validation_failed");
    send(json!({"text": "a", "quick_reply": "ola"})).assert_error(422, "validation_failed");
}

#[test]
fn queue_counts_and_a_new_protocol_for_the_same_customer() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001", "5511911110002"]);
    let agent = app.token("agent1");
    pause(&app, &s.admin, &agent);
    let counts = app.get(&agent, "/api/inbox/queues");
    assert_eq!(counts.body["items"][0]["waiting"], 2);
    let id = pull(&app, &agent, s.group).body["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&agent, "/api/inbox/queues").body["items"][0]["waiting"],
        1
    );

    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/new-protocol"),
        json!({}),
    )
    .assert_error(409, "already_open");
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    let fresh = app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/new-protocol"),
        json!({}),
    );

    fresh.assert_status(201);
    assert_eq!(fresh.body["protocol"], "WA00000000003");
    let _ = counts;
    assert_eq!(fresh.body["status"], "assigned");
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {id}")
        ),
        ["closed"],
        "never reopened"
    );
}

#[test]
fn the_customer_panel_shows_only_the_history_one_may_see() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    let (agent1, agent2) = (app.token("agent1"), app.token("agent2"));
    ready(&app, &agent1);
    let id = mine(&app, &agent1)[0];
    app.post(
        &agent1,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Seu boleto vence amanhã"}),
    )
    .assert_status(201);
    app.post(
        &agent1,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    let client = count(
        &app,
        &format!("SELECT client_id FROM conversations WHERE id = {id}"),
    );
    let history = |token: &str, query: &str| {
        let r = app.get(token, &format!("/api/inbox/clients/{client}{query}"));
        r.assert_status(200);
        r.body["history"].as_array().unwrap().len()
    };

    assert_eq!(history(&agent1, ""), 1, "my own");
    assert_eq!(
        history(&agent2, ""),
        0,
        "not a colleague's without permission"
    );
    let agent2_id = app.user_id(&s.admin, "agent2");
    app.update_user(
        &s.admin,
        agent2_id,
        json!({"permissions": {"see_group_history": true}}),
    )
    .assert_status(200);
    let agent2 = app.token("agent2");
    assert_eq!(history(&agent2, ""), 1, "my groups' with permission");
    app.update_user(
        &s.admin,
        app.user_id(&s.admin, "agent1"),
        json!({"permissions": {"confidential_history": true}}),
    )
    .assert_status(200);
    assert_eq!(history(&agent2, ""), 0, "never a confidential colleague's");
    assert_eq!(history(&s.admin, ""), 1, "admins see everything");
    assert_eq!(history(&agent1, "?q=boleto"), 1);
    assert_eq!(history(&agent1, "?q=pix"), 0);
    app.get(&agent1, &format!("/api/inbox/clients/{client}?days=60"))
        .assert_error(422, "validation_failed");
    // Thirty-two days later it is out of the panel's window, but still in the protocols timeline.
    app.clock.advance(chrono::Duration::days(32));
    let agent1 = app.token("agent1");
    assert_eq!(history(&agent1, ""), 0);
    let panel = app
        .get(&agent1, &format!("/api/inbox/clients/{client}"))
        .body;
    assert_eq!(panel["protocols"].as_array().unwrap().len(), 1);
    assert_eq!(panel["protocols"][0]["protocol"], "WA00000000001");
    // The customer's message, the agent's answer, and the closing notice the customer got.
    assert_eq!(panel["protocols"][0]["messages"], 3);
}

#[test]
fn the_customer_panel_counts_the_open_conversations_messages_and_its_last_contact() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    let agent1 = app.token("agent1");
    ready(&app, &agent1);
    let id = mine(&app, &agent1)[0];
    let client = count(
        &app,
        &format!("SELECT client_id FROM conversations WHERE id = {id}"),
    );
    let open = |token: &str| {
        let r = app.get(token, &format!("/api/inbox/clients/{client}"));
        r.assert_status(200);
        let entry = r.body["history"][0].clone();
        (
            entry["messages"].as_i64().unwrap(),
            entry["last_message_at"].clone(),
        )
    };
    let arrived = open(&agent1);
    assert_eq!(arrived.0, 1);
    assert!(arrived.1.is_string());

    // Ten minutes later the agent answers and the customer writes again: both count, and the
    // last contact is the customer's message; a note is neither.
    app.clock.advance(chrono::Duration::minutes(10));
    app.post(
        &agent1,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Olá! Como posso ajudar?"}),
    )
    .assert_status(201);
    app.clock.advance(chrono::Duration::minutes(2));
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511911110001", "wamid.later", "Meu boleto não chegou"),
    )
    .assert_status(200);
    let last = app.clock.now_ms();
    app.clock.advance(chrono::Duration::minutes(1));
    app.post(
        &agent1,
        &format!("/api/inbox/conversations/{id}/notes"),
        json!({"text": "conferir cadastro"}),
    )
    .assert_status(201);
    let (messages, at) = open(&agent1);
    assert_eq!(messages, 3);
    let at = chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap()).unwrap();
    assert_eq!(at.timestamp_millis(), last);
}

#[test]
fn agents_edit_the_customers_they_serve_and_register_new_ones() {
    let app = TestApp::spawn();
    let _setup = queue(&app, None, &["5511911110001"]);
    let (agent1, agent2) = (app.token("agent1"), app.token("agent2"));
    ready(&app, &agent1);
    let id = mine(&app, &agent1)[0];
    let client = count(
        &app,
        &format!("SELECT client_id FROM conversations WHERE id = {id}"),
    );
    let edited = app.patch(
        &agent1,
        &format!("/api/inbox/clients/{client}"),
        json!({"display_name": "Maria S. Souza", "email": "maria@x.com"}),
    );
    edited.assert_status(200);
    assert_eq!(edited.body["display_name"], "Maria S. Souza");
    app.patch(
        &agent2,
        &format!("/api/inbox/clients/{client}"),
        json!({"display_name": "x"}),
    )
    .assert_error(403, "not_your_customer");
    let registered = app.post(
        &agent1,
        "/api/inbox/clients",
        json!({"display_name": "Novo Cliente", "phone": "21 99999-1234"}),
    );
    registered.assert_status(201);
    assert_eq!(registered.body["phone"], "+5521999991234");
    app.post(
        &agent1,
        "/api/inbox/clients",
        json!({"display_name": "Sem fone", "phone": "123"}),
    )
    .assert_error(422, "validation_failed");
}

#[test]
fn agents_send_files_the_group_allows_and_visitors_download_them() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"all": true}),
    )
    .assert_status(200);
    let visitor = app.post(
        "",
        &format!("/widget/{}/sessions", s.channel),
        json!({"name": "Visitante", "email": "v@x.com"}),
    );
    let vtoken = visitor.body["token"].as_str().unwrap().to_owned();
    app.post(
        &vtoken,
        &format!("/widget/{}/messages", s.channel),
        json!({"text": "me manda o contrato"}),
    )
    .assert_status(201);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let path = format!("/api/inbox/conversations/{id}/attachments");
    let pdf = json!({"filename": "contrato.pdf", "content_type": "application/pdf", "data": "JVBERi0xLjQ=", "caption": "Segue o contrato"});

    let sent = app.post(&agent, &path, pdf.clone());

    sent.assert_status(201);
    assert_eq!(
        (sent.body["kind"].as_str(), sent.body["delivery"].as_str()),
        (Some("document"), Some("sent"))
    );
    let polled = app.get(&vtoken, &format!("/widget/{}/messages?after=0", s.channel));
    let file = polled.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["attachment_id"].is_i64())
        .unwrap()
        .clone();
    assert_eq!(file["body"], "Segue o contrato");
    let download = app.handle(
        http::Request::get(format!(
            "/widget/{}/attachments/{}",
            s.channel, file["attachment_id"]
        ))
        .header("authorization", format!("Bearer {vtoken}"))
        .body(Vec::new())
        .unwrap(),
        None,
    );
    assert_eq!(download.status(), 200);
    assert_eq!(download.body(), b"%PDF-1.4");
    // Another visitor cannot fetch it.
    let other = app
        .post(
            "",
            &format!("/widget/{}/sessions", s.channel),
            json!({"name": "Outro", "email": "o@x.com"}),
        )
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let stolen = app.handle(
        http::Request::get(format!(
            "/widget/{}/attachments/{}",
            s.channel, file["attachment_id"]
        ))
        .header("authorization", format!("Bearer {other}"))
        .body(Vec::new())
        .unwrap(),
        None,
    );
    assert_eq!(stolen.status(), 404);

    // The group forbids documents: refused, nothing stored.
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"allow_documents": false}}),
    )
    .assert_status(200);
    app.post(&agent, &path, pdf)
        .assert_error(403, "attachment_type_forbidden");
    let image =
        json!({"filename": "foto.png", "content_type": "image/png", "data": "iVBORw0KGgo="});
    app.post(&agent, &path, image).assert_status(201);
    app.post(
        &agent,
        &path,
        json!({"filename": "x.png", "content_type": "image/png", "data": "@@"}),
    )
    .assert_error(422, "validation_failed");
    let big = "A".repeat(7 * 1024 * 1024);
    app.post(
        &agent,
        &path,
        json!({"filename": "big.png", "content_type": "image/png", "data": big}),
    )
    .assert_error(413, "payload_too_large");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attachments"), 2);
}

#[test]
fn files_go_through_whatsapp_and_telegram_media_apis() {
    // WhatsApp: the upload answers a media id, then the message refers to it.
    let wa = crate::fake::FakeProvider::start(vec![
        (200, "{\"id\":\"MEDIA9\"}"),
        (200, "{\"messages\":[{\"id\":\"wamid.F1\"}]}"),
    ]);
    let app = TestApp::spawn();
    let _setup = queue(&app, Some(&wa.url), &["5511911110001"]);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    let sent = app.post(&agent, &format!("/api/inbox/conversations/{id}/attachments"),
        json!({"filename": "boleto.pdf", "content_type": "application/pdf", "data": "JVBERi0xLjQ=", "caption": "Seu boleto"}));
    sent.assert_status(201);
    assert_eq!(sent.body["delivery"], "queued");
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let got = wa.received();
    assert_eq!(got[0].path, "/1234567890/media");
    assert!(got[0]
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    assert!(got[0].body.contains("filename=\"boleto.pdf\"") && got[0].body.contains("%PDF-1.4"));
    let message = got[1].json();
    assert_eq!(
        (message["type"].as_str(), message["document"]["id"].as_str()),
        (Some("document"), Some("MEDIA9"))
    );
    assert_eq!(message["document"]["filename"], "boleto.pdf");
    assert_eq!(message["document"]["caption"], "*Atende Demo*: Seu boleto");
    assert_eq!(column(&app, "SELECT delivery || ' ' || channel_message_id FROM messages WHERE attachment_id IS NOT NULL"), ["sent wamid.F1"]);

    // Telegram: one multipart call to the method for the kind of file.
    let tg = crate::fake::FakeProvider::start(vec![(
        200,
        "{\"ok\":true,\"result\":{\"message_id\":77}}",
    )]);
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", Some(&tg.url));
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"all": true}),
    )
    .assert_status(200);
    crate::channels::post_raw(&app, &format!("/hooks/telegram/{}", s.channel), vec![("x-telegram-bot-api-secret-token", crate::channels::TG_SECRET.to_owned())],
        json!({"update_id": 1, "message": {"message_id": 1, "text": "oi", "date": 1, "chat": {"id": 555, "type": "private"}, "from": {"id": 555, "first_name": "Ana"}}}).to_string().as_bytes()).assert_status(200);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/attachments"),
        json!({"filename": "foto.png", "content_type": "image/png", "data": "iVBORw0KGgo="}),
    )
    .assert_status(201);
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let call = &tg.received()[0];
    assert_eq!(call.path, "/bot123:ABC/sendPhoto");
    assert!(
        call.body.contains("name=\"chat_id\"\r\n\r\n555")
            && call.body.contains("name=\"photo\"; filename=\"foto.png\"")
    );
}

#[test]
fn sms_carries_no_files() {
    let app = TestApp::spawn();
    let s = setup(&app, "sms", None);
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"all": true}),
    )
    .assert_status(200);
    crate::channels::post_raw(
        &app,
        &format!("/hooks/sms/{}", s.channel),
        vec![(
            "x-atende-secret",
            crate::channels::INBOUND_SECRET.to_owned(),
        )],
        json!({"id": "s1", "from": "+5511987654321", "text": "oi"})
            .to_string()
            .as_bytes(),
    )
    .assert_status(200);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = mine(&app, &agent)[0];
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/attachments"),
        json!({"filename": "a.png", "content_type": "image/png", "data": "iVBORw0KGgo="}),
    )
    .assert_status(201);
    assert_eq!(app.app.tick().unwrap().messages_failed, 1);
    assert_eq!(column(&app, "SELECT delivery || ': ' || delivery_error FROM messages WHERE attachment_id IS NOT NULL"), ["failed: SMS carries no files"]);
}
