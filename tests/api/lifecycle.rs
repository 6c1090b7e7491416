//! The conversation lifecycle over HTTP: every transition writes its timeline event, the
//! agents' feed entries and its webhook event; the defects issue 13 found stay fixed.

use crate::channels::{column, count, setup, wa_text, whatsapp_post};
use crate::helpers::TestApp;
use crate::routing::{alive, arrive, group_with, ready};
use chrono::Duration;
use serde_json::json;

/// What a step added: timeline kinds, feed kinds (with their agent) and conversation webhooks.
#[derive(Debug, PartialEq)]
struct Delta {
    timeline: Vec<String>,
    feed: Vec<String>,
    hooks: Vec<String>,
}

struct Marks {
    events: i64,
    feed: i64,
    hooks: i64,
}

fn marks(app: &TestApp) -> Marks {
    Marks {
        events: count(app, "SELECT COALESCE(MAX(id), 0) FROM conversation_events"),
        feed: count(app, "SELECT COALESCE(MAX(id), 0) FROM inbox_feed"),
        hooks: count(app, "SELECT COALESCE(MAX(id), 0) FROM webhook_deliveries"),
    }
}

fn delta(app: &TestApp, since: &Marks) -> Delta {
    Delta {
        timeline: column(
            app,
            &format!(
                "SELECT kind FROM conversation_events WHERE id > {} ORDER BY id",
                since.events
            ),
        ),
        // Status changes and messages are not transitions.
        feed: column(
            app,
            &format!(
                "SELECT kind FROM inbox_feed WHERE id > {} AND kind NOT IN ('status', 'message') ORDER BY id",
                since.feed
            ),
        ),
        hooks: column(
            app,
            &format!(
                "SELECT event FROM webhook_deliveries WHERE id > {} AND event LIKE 'conversation.%' ORDER BY id",
                since.hooks
            ),
        ),
    }
}

/// Asserts what a step added, then starts the next step from here.
#[track_caller]
fn step(app: &TestApp, m: &mut Marks, name: &str, want: Delta) {
    assert_eq!(delta(app, m), want, "step: {name}");
    *m = marks(app);
}

fn expect(timeline: &[&str], feed: &[&str], hooks: &[&str]) -> Delta {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Delta {
        timeline: own(timeline),
        feed: own(feed),
        hooks: own(hooks),
    }
}

const ALL_EVENTS: &[&str] = &[
    "conversation.created",
    "conversation.queued",
    "conversation.offered",
    "conversation.assigned",
    "conversation.transferred",
    "conversation.pending",
    "conversation.resumed",
    "conversation.closed",
    "message.created",
];

fn subscribe_everything(app: &TestApp, admin: &str) {
    app.make(
        admin,
        "webhooks",
        json!({"name": "crm", "url": "http://127.0.0.1:9/hook", "events": ALL_EVENTS,
               "secret": "a-secret-of-sixteen+"}),
    );
}

#[test]
fn every_transition_writes_its_timeline_event_feed_entry_and_webhook() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 2);
    let (a1, a2) = (&agents[0], &agents[1]);
    subscribe_everything(&app, &s.admin);
    // Group B: offers with accept/reject to agent3, who must answer within 2 minutes.
    let (_, b) = app.operation_and_group(&s.admin, "Grupo B");
    let a3 = app.user_id(&s.admin, "agent3");
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{b}/members"),
        json!({"ids": [a3]}),
    )
    .assert_status(200);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{b}"),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30,
               "timers": {"agent_answer_minutes": 2}}),
    )
    .assert_status(200);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"transfer_group_ids": [b]}),
    )
    .assert_status(200);
    let t3 = app.token("agent3");

    let mut m = marks(&app);

    // Open: the customer's first message, nobody ready.
    arrive(&app, &s, 1, 0);
    let id = count(&app, "SELECT MAX(id) FROM conversations");
    let conv = |p: &str| format!("/api/inbox/conversations/{id}/{p}");
    step(
        &app,
        &mut m,
        "open",
        expect(&["created", "queued"], &[], &["conversation.created"]),
    );

    // Assign: agent1 goes ready and distribution hands it over at once.
    ready(&app, &a1.0);
    step(
        &app,
        &mut m,
        "assign",
        expect(&["assigned"], &["assigned"], &["conversation.assigned"]),
    );

    app.post(&a1.0, &conv("pending"), json!({}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "pending (the agent's own: no feed entry for them)",
        expect(&["pending"], &[], &["conversation.pending"]),
    );

    app.post(&a1.0, &conv("resume"), json!({}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "resume",
        expect(&["resumed"], &[], &["conversation.resumed"]),
    );

    ready(&app, &a2.0);
    m = marks(&app);
    app.post(&a1.0, &conv("transfer"), json!({"to_agent_id": a2.1}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "transfer to agent",
        expect(
            &["transferred"],
            &["transferred_in"],
            &["conversation.transferred"],
        ),
    );

    app.post(&a2.0, &conv("transfer"), json!({"to_group_id": b}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "transfer to group",
        expect(&["transferred"], &[], &["conversation.transferred"]),
    );

    // Offer: agent3 goes ready in B; the offer is not an assignment.
    ready(&app, &t3);
    step(
        &app,
        &mut m,
        "offer",
        expect(&["offered"], &["offered"], &["conversation.offered"]),
    );

    // Expire: nobody else in B, so it is offered to agent3 again.
    app.clock.advance(Duration::seconds(31));
    for t in [&t3, &a1.0, &a2.0] {
        alive(&app, t);
    }
    m = marks(&app);
    app.app.tick().unwrap();
    step(
        &app,
        &mut m,
        "expire",
        expect(
            &["offer_expired", "offered"],
            &["offer_withdrawn", "offered"],
            &["conversation.queued", "conversation.offered"],
        ),
    );

    app.post(
        &t3,
        &format!("/api/inbox/offers/{id}/reject"),
        json!({"reason": "busy"}),
    )
    .assert_status(204);
    step(
        &app,
        &mut m,
        "reject",
        expect(
            &["offer_rejected", "offered"],
            &["offered"],
            &["conversation.queued", "conversation.offered"],
        ),
    );

    app.post(&t3, &format!("/api/inbox/offers/{id}/accept"), json!({}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "accept",
        expect(&["assigned"], &[], &["conversation.assigned"]),
    );

    // Answer timeout: agent3 says nothing for 2 minutes; back to the queue and (nobody else)
    // offered to agent3 again in the same tick.
    app.clock.advance(Duration::minutes(2));
    for t in [&t3, &a1.0, &a2.0] {
        alive(&app, t);
    }
    m = marks(&app);
    app.app.tick().unwrap();
    step(
        &app,
        &mut m,
        "answer timeout",
        expect(
            &["answer_timeout", "offered"],
            &["withdrawn", "offered"],
            &["conversation.queued", "conversation.offered"],
        ),
    );

    // Disconnect: agent3's console goes silent past the grace time.
    app.clock.advance(Duration::minutes(3));
    alive(&app, &a1.0);
    alive(&app, &a2.0);
    m = marks(&app);
    app.app.tick().unwrap();
    step(
        &app,
        &mut m,
        "disconnect",
        expect(
            &["agent_disconnected"],
            &["withdrawn"],
            &["conversation.queued"],
        ),
    );

    // Close: an admin closes the waiting conversation; nobody held it, so no feed entry.
    app.post(&s.admin, &conv("close"), json!({}))
        .assert_status(200);
    step(
        &app,
        &mut m,
        "close",
        expect(&["closed"], &[], &["conversation.closed"]),
    );

    // A closed conversation is final: every change is a 409 with a code, and changes nothing.
    for (path, code) in [
        ("close", "already_closed"),
        ("pending", "invalid_state"),
        ("resume", "invalid_state"),
    ] {
        app.post(&s.admin, &conv(path), json!({}))
            .assert_error(409, code);
    }
    app.post(&s.admin, &conv("transfer"), json!({"to_group_id": b}))
        .assert_error(409, "invalid_state");
    step(&app, &mut m, "refused", expect(&[], &[], &[]));

    // Open held by an agent: a new protocol for the same customer.
    arrive(&app, &s, 1, 1);
    let other = count(&app, "SELECT MAX(id) FROM conversations");
    let holder = column(
        &app,
        &format!("SELECT agent_id FROM conversations WHERE id = {other}"),
    );
    let holder_token = if holder == [a1.1.to_string()] {
        &a1.0
    } else {
        &a2.0
    };
    app.post(
        holder_token,
        &format!("/api/inbox/conversations/{other}/close"),
        json!({}),
    )
    .assert_status(200);
    m = marks(&app);
    app.post(
        holder_token,
        &format!("/api/inbox/conversations/{other}/new-protocol"),
        json!({}),
    )
    .assert_status(201);
    step(
        &app,
        &mut m,
        "open held by an agent",
        expect(
            &["created", "assigned"],
            &[],
            &["conversation.created", "conversation.assigned"],
        ),
    );
}

#[test]
fn the_bot_routes_to_a_queue_with_its_events() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    subscribe_everything(&app, &s.admin);
    app.patch(&s.admin, &format!("/api/admin/groups/{}", s.group),
        json!({"start_bot": "menu", "bot_inactivity": {"time": 1, "unit": "minutes", "action": "to_queue"}}))
        .assert_status(200);
    let m = marks(&app);
    whatsapp_post(&app, s.channel, &wa_text("5511987650001", "wamid.b1", "oi")).assert_status(200);
    assert_eq!(
        delta(&app, &m),
        expect(&["created", "bot"], &[], &["conversation.created"])
    );
    let m = marks(&app);
    app.clock.advance(Duration::minutes(1));
    app.app.tick().unwrap();
    assert_eq!(
        delta(&app, &m),
        expect(&["queued"], &[], &["conversation.queued"]),
        "the bot's inactivity rule routes through the lifecycle, with its webhook"
    );
}

/// Defect 1: a new protocol counted against nobody's limit (2 of 2 became 3 of 2).
#[test]
fn a_new_protocol_respects_the_agents_limit() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 2);
    let a1 = &agents[0];
    ready(&app, &a1.0);
    arrive(&app, &s, 2, 0);
    let mine = column(
        &app,
        "SELECT id FROM conversations WHERE status = 'assigned'",
    );
    assert_eq!(mine.len(), 2);
    let before = count(&app, "SELECT COUNT(*) FROM conversations");
    app.post(
        &a1.0,
        &format!("/api/inbox/conversations/{}/new-protocol", mine[0]),
        json!({}),
    )
    .assert_error(409, "at_capacity");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), before);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM conversations WHERE agent_id = {} AND status IN ('assigned', 'offered')", a1.1)),
        2
    );
}

/// Defect 2: an admin resuming compared the admin's limit, so the holder went over theirs.
#[test]
fn resuming_checks_the_holders_limit_whoever_asks() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 1);
    let a1 = &agents[0];
    ready(&app, &a1.0);
    arrive(&app, &s, 1, 0);
    let first = count(&app, "SELECT MAX(id) FROM conversations");
    app.post(
        &a1.0,
        &format!("/api/inbox/conversations/{first}/pending"),
        json!({}),
    )
    .assert_status(200);
    // The freed slot takes the next customer.
    arrive(&app, &s, 1, 1);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM conversations WHERE agent_id = {} AND status = 'assigned'",
                a1.1
            )
        ),
        1
    );
    // The admin (limit 0 or 80, whatever) asks to resume: the holder is full.
    app.post(
        &s.admin,
        &format!("/api/inbox/conversations/{first}/resume"),
        json!({}),
    )
    .assert_error(409, "at_capacity");
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {first}")
        ),
        ["pending"]
    );
    // The customer's reply does not push the agent over either: it stays pending, unread.
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511920000000", "wamid.again", "alô?"),
    )
    .assert_status(200);
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {first}")
        ),
        ["pending"]
    );
}

/// Defect 3: `conversation.assigned` fired on every offer, even to an agent who rejected.
#[test]
fn offers_fire_offered_and_assignment_fires_once() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 1);
    subscribe_everything(&app, &s.admin);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30}),
    )
    .assert_status(200);
    ready(&app, &agents[0].0);
    ready(&app, &agents[1].0);
    arrive(&app, &s, 1, 0);
    let id = count(&app, "SELECT MAX(id) FROM conversations");
    let offered_to = column(&app, "SELECT agent_id FROM conversations")[0].clone();
    let (first, second) = if offered_to == agents[0].1.to_string() {
        (&agents[0], &agents[1])
    } else {
        (&agents[1], &agents[0])
    };
    app.post(
        &first.0,
        &format!("/api/inbox/offers/{id}/reject"),
        json!({}),
    )
    .assert_status(204);
    app.post(
        &second.0,
        &format!("/api/inbox/offers/{id}/accept"),
        json!({}),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT event FROM webhook_deliveries WHERE event IN ('conversation.offered', 'conversation.assigned') ORDER BY id"),
        ["conversation.offered", "conversation.offered", "conversation.assigned"]
    );
    let assigned = column(&app, "SELECT json_extract(payload, '$.data.conversation.agent_id') FROM webhook_deliveries WHERE event = 'conversation.assigned'");
    assert_eq!(assigned, [second.1.to_string()]);
}

/// Defect 4: automatic pending, a close on disconnect and the bot's moves had no webhook.
#[test]
fn timers_changes_have_webhooks_with_the_same_payload_shape() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 2);
    subscribe_everything(&app, &s.admin);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": {"auto_pending": true, "redirect_on_disconnect": false},
               "timers": {"auto_pending_minutes": 1}}),
    )
    .assert_status(200);
    ready(&app, &agents[0].0);
    arrive(&app, &s, 1, 0);
    app.clock.advance(Duration::minutes(1));
    alive(&app, &agents[0].0);
    assert_eq!(app.app.tick().unwrap().auto_pending, 1);
    app.clock.advance(Duration::minutes(3));
    assert_eq!(app.app.tick().unwrap().disconnected_agents, 1);
    let events = column(
        &app,
        "SELECT event FROM webhook_deliveries WHERE event LIKE 'conversation.%' ORDER BY id",
    );
    assert_eq!(
        events,
        [
            "conversation.created",
            "conversation.assigned",
            "conversation.pending",
            "conversation.closed"
        ]
    );
    // Every event about the conversation carries it the same way, whichever path made it.
    let shapes = column(&app, "SELECT DISTINCT (SELECT group_concat(key) FROM json_each(json_extract(payload, '$.data.conversation'))) FROM webhook_deliveries");
    assert_eq!(shapes.len(), 1, "{shapes:?}");
    assert_eq!(
        column(&app, "SELECT json_extract(payload, '$.data.closed_by') FROM webhook_deliveries WHERE event = 'conversation.closed'"),
        ["agent_inactivity"]
    );
}

/// Defect 5: the client's priority never reached the conversation; "priority to agent" unused.
#[test]
fn a_priority_client_is_first_in_the_queue_and_goes_straight_to_the_agent() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 1);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30,
               "flags": {"priority_to_agent": true}}),
    )
    .assert_status(200);
    // Two ordinary customers wait, then a priority one arrives.
    arrive(&app, &s, 2, 0);
    let vip = app.make(
        &s.admin,
        "clients",
        json!({"display_name": "Cliente VIP", "phone": "11987650099", "priority": 5}),
    );
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987650099", "wamid.vip", "oi"),
    )
    .assert_status(200);
    let vip_conv = count(
        &app,
        &format!("SELECT id FROM conversations WHERE client_id = {vip}"),
    );
    assert_eq!(
        column(
            &app,
            &format!("SELECT priority FROM conversations WHERE id = {vip_conv}")
        ),
        ["5"]
    );
    ready(&app, &agents[0].0);
    // Served first, and assigned at once (no offer) because the group gives priority
    // customers straight to the agent.
    assert_eq!(
        column(
            &app,
            "SELECT status FROM conversations WHERE agent_id IS NOT NULL"
        ),
        ["assigned"]
    );
    assert_eq!(
        count(
            &app,
            "SELECT id FROM conversations WHERE agent_id IS NOT NULL"
        ),
        vip_conv
    );
}

/// Defect 7: the customer panel listed conversations the same agent then could not open.
#[test]
fn what_the_customer_panel_lists_opens() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2"], 1);
    let (a1, a2) = (&agents[0], &agents[1]);
    // agent2 may see the whole history of their groups.
    app.update_user(
        &s.admin,
        a2.1,
        json!({"permissions": {"see_group_history": true}}),
    )
    .assert_status(200);
    ready(&app, &a1.0);
    arrive(&app, &s, 1, 0);
    let first = count(&app, "SELECT MAX(id) FROM conversations");
    app.post(
        &a1.0,
        &format!("/api/inbox/conversations/{first}/close"),
        json!({}),
    )
    .assert_status(200);
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&a1.0),
        Some(json!({"status": "offline"})),
    )
    .assert_status(200);
    ready(&app, &a2.0);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511920000000", "wamid.later", "de novo"),
    )
    .assert_status(200);
    let second = count(&app, "SELECT MAX(id) FROM conversations");
    assert_eq!(
        column(
            &app,
            &format!("SELECT agent_id FROM conversations WHERE id = {second}")
        ),
        [a2.1.to_string()]
    );
    let client = count(
        &app,
        &format!("SELECT client_id FROM conversations WHERE id = {second}"),
    );
    let panel = app.get(&a2.0, &format!("/api/inbox/clients/{client}"));
    panel.assert_status(200);
    let listed: Vec<i64> = panel.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert!(listed.contains(&first), "{listed:?}");
    for id in listed {
        app.get(&a2.0, &format!("/api/inbox/conversations/{id}"))
            .assert_status(200);
        app.get(&a2.0, &format!("/api/inbox/conversations/{id}/messages"))
            .assert_status(200);
    }
    // Read-only: agent2 cannot act on agent1's closed conversation.
    app.post(
        &a2.0,
        &format!("/api/inbox/conversations/{first}/notes"),
        json!({"text": "x"}),
    )
    .assert_error(403, "not_your_conversation");
    // Without the permission, neither listed nor opened.
    app.update_user(
        &s.admin,
        a2.1,
        json!({"permissions": {"see_group_history": false}}),
    )
    .assert_status(200);
    let a2_again = app.token("agent2");
    app.get(&a2_again, &format!("/api/inbox/conversations/{first}"))
        .assert_error(403, "not_your_conversation");
}

/// The closing script (seed 001): "resolved?" mandatory where the group says so, and the
/// answers read back with the conversation, with tags, occurrences and the favourite mark.
#[test]
fn the_closing_script_and_what_was_recorded_read_back() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 2);
    let a1 = &agents[0];
    let class = app.make(
        &s.admin,
        "classifications",
        json!({"name": "Atendimento", "reasons": [
        {"name": "Financeiro", "children": [{"name": "Boleto"}]}]}),
    );
    // Nodes are numbered in the order they were added.
    let (reason, sub) = (1, 2);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"classification_id": class, "resolution_mandatory": true}),
    )
    .assert_status(200);
    let tag = app.make(
        &s.admin,
        "tags",
        json!({"name": "urgente", "color": "#ff0000"}),
    );
    let kind = app.make(&s.admin, "occurrence-types", json!({"name": "Reclamação"}));
    ready(&app, &a1.0);
    arrive(&app, &s, 2, 0);
    let id = count(&app, "SELECT MIN(id) FROM conversations");
    let other = count(&app, "SELECT MAX(id) FROM conversations");
    let conv = |p: &str| format!("/api/inbox/conversations/{id}{p}");
    app.call("PUT", &conv(&format!("/tags/{tag}")), Some(&a1.0), None)
        .assert_status(200);
    app.post(
        &a1.0,
        &conv("/occurrences"),
        json!({"occurrence_type_id": kind, "comment": "cobrança em dobro"}),
    )
    .assert_status(201);
    app.call("PUT", &conv("/favourite"), Some(&a1.0), None)
        .assert_status(204);

    let list = app.get(&a1.0, "/api/inbox/conversations?favourite=true");
    let ids: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id], "only the favourite");
    let all = app.get(&a1.0, "/api/inbox/conversations");
    let marks: Vec<(i64, bool)> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["favourite"].as_bool().unwrap()))
        .collect();
    assert_eq!(marks, [(id, true), (other, false)]);

    app.post(
        &a1.0,
        &conv("/close"),
        json!({"reason_id": reason, "sub_reason_id": sub}),
    )
    .assert_error(422, "resolution_required");
    app.post(
        &a1.0,
        &conv("/close"),
        json!({"reason_id": reason, "sub_reason_id": sub,
        "comment": "boleto reenviado", "resolved": true}),
    )
    .assert_status(200);
    let details = app.get(&a1.0, &conv(""));
    details.assert_status(200);
    let d = &details.body;
    assert_eq!(d["conversation"]["resolved"], true);
    assert_eq!(d["conversation"]["close_comment"], "boleto reenviado");
    assert_eq!(
        d["classification_path"],
        json!(["Atendimento", "Financeiro", "Boleto"])
    );
    assert_eq!(d["tags"][0]["name"], "urgente");
    assert_eq!(d["occurrences"][0]["name"], "Reclamação");
    assert_eq!(d["occurrences"][0]["comment"], "cobrança em dobro");
    assert_eq!(d["favourite"], true);
    assert_eq!(d["conversation"]["status"], "closed");
}

/// Agents see whom they may transfer to, without admin rights.
#[test]
fn agents_list_their_transfer_targets() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1", "agent2", "agent3"], 1);
    let (a1, a2, a3) = (&agents[0], &agents[1], &agents[2]);
    let (_, other) = app.operation_and_group(&s.admin, "Suporte N2");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"transfer_group_ids": [other]}),
    )
    .assert_status(200);
    ready(&app, &a1.0);
    arrive(&app, &s, 1, 0);
    let id = count(&app, "SELECT MAX(id) FROM conversations");
    ready(&app, &a2.0);
    ready(&app, &a3.0);
    // agent3 gets a customer and is full (limit 1); agent2 has room.
    arrive(&app, &s, 1, 1);
    let full = column(
        &app,
        "SELECT agent_id FROM conversations WHERE id = (SELECT MAX(id) FROM conversations)",
    )[0]
    .clone();
    let targets = app.get(
        &a1.0,
        &format!("/api/inbox/conversations/{id}/transfer-targets"),
    );
    targets.assert_status(200);
    let names: Vec<i64> = targets.body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let free = if full == a2.1.to_string() { a3.1 } else { a2.1 };
    assert_eq!(
        names,
        [free],
        "only available agents with room, never the holder"
    );
    assert_eq!(targets.body["groups"][0]["id"], other);
    assert_eq!(targets.body["groups"][0]["name"], "Suporte N2");
}

/// Defect 8: a provider answering a message id already stored failed the whole scheduled run,
/// again and again; each send is recorded as sent (the repeated id is not kept) and the run
/// goes on to the next message.
#[test]
fn a_provider_repeating_a_message_id_fails_nothing() {
    let provider =
        crate::fake::FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.SAME\"}]}")]);
    let app = TestApp::spawn();
    crate::inbox::queue(&app, Some(&provider.url), &["5511911110001"]);
    let agent = app.token("agent1");
    ready(&app, &agent);
    let id = crate::inbox::mine(&app, &agent)[0];
    for text in ["primeira", "segunda", "terceira"] {
        app.post(
            &agent,
            &format!("/api/inbox/conversations/{id}/messages"),
            json!({"text": text}),
        )
        .assert_status(201);
    }
    let tick = app.app.tick().expect("the run completes");
    assert_eq!(tick.messages_sent, 3);
    assert_eq!(
        column(
            &app,
            "SELECT delivery FROM messages WHERE role = 'agent' ORDER BY id"
        ),
        ["sent", "sent", "sent"]
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE channel_message_id = 'wamid.SAME'"
        ),
        1,
        "the id is kept once; the repeats are sent without it"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'"),
        0
    );
}

/// An offered conversation is the agent's to accept before it is theirs to answer: found by a
/// user in the browser, a reply sent from an offer was stored while the offer stayed open (and
/// could then expire to another agent).
#[test]
fn the_agent_an_offer_went_to_reads_it_but_acts_on_it_only_after_accepting() {
    let app = TestApp::spawn();
    let (s, agents) = group_with(&app, "circular", &["agent1"], 2);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 30}),
    )
    .assert_status(200);
    ready(&app, &agents[0].0);
    arrive(&app, &s, 1, 0);
    let id = count(&app, "SELECT MAX(id) FROM conversations");
    let agent = &agents[0].0;
    let before = count(&app, "SELECT COUNT(*) FROM messages");
    let tag = app
        .post(&s.admin, "/api/admin/tags", json!({"name": "VIP"}))
        .assert_status(201)
        .body["id"]
        .as_i64()
        .unwrap();

    // Looking is allowed: the conversation, its messages, its options.
    for path in ["", "/messages", "/options"] {
        app.get(agent, &format!("/api/inbox/conversations/{id}{path}"))
            .assert_status(200);
    }
    // Acting is not, and leaves everything as it was.
    let refused = [
        ("POST", "messages", Some(json!({"text": "Olá!"}))),
        ("POST", "notes", Some(json!({"text": "nota"}))),
        ("POST", "pending", None),
        ("POST", "close", None),
        ("POST", "transfer", Some(json!({"to_group_id": s.group}))),
        ("PUT", &format!("tags/{tag}"), None),
    ];
    for (method, action, body) in &refused {
        let r = app.call(
            method,
            &format!("/api/inbox/conversations/{id}/{action}"),
            Some(agent),
            body.clone(),
        );
        r.assert_error(409, "offer_not_accepted");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), before);
    assert_eq!(
        column(
            &app,
            &format!("SELECT status FROM conversations WHERE id = {id}")
        ),
        ["offered"]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversation_tags"), 0);

    app.post(agent, &format!("/api/inbox/offers/{id}/accept"), json!({}))
        .assert_status(200);
    app.post(
        agent,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Olá!"}),
    )
    .assert_status(201);
}
