//! Active contact: an agent writes first; a customer already in a conversation gets it after
//! the group's delay, sent by the tick; templates on WhatsApp; nothing sent where not allowed.

use crate::channels::{column, count, setup, wa_text, whatsapp_post, Setup};
use crate::fake::FakeProvider;
use crate::helpers::TestApp;
use chrono::Duration;
use serde_json::{json, Value};

const PHONE: &str = "+5511987654321";
const WA_ID: &str = "5511987654321";

struct Active {
    s: Setup,
    agent: String,
    agent_id: i64,
    client: i64,
}

/// A WhatsApp channel whose group lets agents write first (after `delay` minutes to a customer
/// already in a conversation); agent1 a ready member; one client with a phone.
fn active_setup(app: &TestApp, provider: Option<&str>, delay: u32, flags: Value) -> Active {
    let s = setup(app, "whatsapp", provider);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"flags": flags, "timers": {"active_message_delay_minutes": delay}}),
    )
    .assert_status(200);
    let agent_id = s.join(app, "agent1");
    let agent = app.token("agent1");
    set_status(app, &agent, "ready");
    let client = app.make(
        &s.admin,
        "clients",
        json!({"display_name": "Marina Costa", "phone": PHONE}),
    );
    Active {
        s,
        agent,
        agent_id,
        client,
    }
}

fn set_status(app: &TestApp, token: &str, status: &str) {
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(token),
        Some(json!({"status": status})),
    )
    .assert_status(200);
}

fn whatsapp_on() -> Value {
    json!({"active_whatsapp": true})
}

fn write_first(app: &TestApp, a: &Active, text: &str) -> crate::helpers::TestResponse {
    app.post(
        &a.agent,
        "/api/inbox/active-messages",
        json!({"channel_id": a.s.channel, "group_id": a.s.group, "client_id": a.client, "text": text}),
    )
}

#[test]
fn an_agent_writes_first_and_the_customers_answer_lands_in_that_conversation() {
    let provider = FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.A1\"}]}")]);
    let app = TestApp::spawn();
    let a = active_setup(&app, Some(&provider.url), 30, whatsapp_on());

    let sent = write_first(&app, &a, "Olá Marina, seu pedido chegou!");
    sent.assert_status(201);
    assert_eq!(sent.body["status"], "sent");
    let conversation = sent.body["conversation_id"].as_i64().unwrap();
    let opened = app.get(
        &a.agent,
        &format!("/api/inbox/conversations/{conversation}"),
    );
    opened.assert_status(200);
    assert_eq!(opened.body["conversation"]["status"], "assigned");
    assert_eq!(opened.body["conversation"]["agent_id"], a.agent_id);
    assert!(opened.body["conversation"]["protocol"]
        .as_str()
        .unwrap()
        .starts_with("WA"));
    let timeline: Vec<&str> = opened.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, ["created", "assigned"]);

    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let got = provider.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/1234567890/messages");
    let body = got[0].json();
    assert_eq!(body["to"], WA_ID);
    assert_eq!(body["type"], "text");
    assert!(body["text"]["body"]
        .as_str()
        .unwrap()
        .ends_with("Olá Marina, seu pedido chegou!"));

    whatsapp_post(&app, a.s.channel, &wa_text(WA_ID, "wamid.R1", "Obrigada!")).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        column(
            &app,
            &format!(
                "SELECT role FROM messages WHERE conversation_id = {conversation} ORDER BY id"
            )
        ),
        ["agent", "customer"]
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'assigned' AND agent_id IS NOT NULL"
        ),
        1,
        "the answer goes to the agent who wrote"
    );
}

#[test]
fn writing_first_needs_the_groups_flag_a_ready_member_and_a_reachable_client() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 0, json!({"active_whatsapp": false}));
    let body = |extra: Value| {
        let mut b =
            json!({"channel_id": a.s.channel, "group_id": a.s.group, "client_id": a.client});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let post = |token: &str, b: Value| app.post(token, "/api/inbox/active-messages", b);

    post(&a.agent, body(json!({"text": "oi"}))).assert_error(403, "active_not_allowed");
    app.patch(
        &a.s.admin,
        &format!("/api/admin/groups/{}", a.s.group),
        json!({"flags": whatsapp_on()}),
    )
    .assert_status(200);

    post(&a.agent, body(json!({}))).assert_error(422, "validation_failed");
    post(
        &a.agent,
        body(json!({"text": "oi", "template": {"name": "x", "language": "pt_BR"}})),
    )
    .assert_error(422, "validation_failed");
    let template = post(
        &a.agent,
        body(json!({"template": {"name": "pedido_chegou", "language": "pt_BR"}})),
    );
    template.assert_error(422, "validation_failed");
    assert_eq!(template.error_field(), "template", "templates are off");
    post(&a.agent, json!({"channel_id": a.s.channel})).assert_status(422);
    let unknown = post(&a.agent, body(json!({"text": "oi", "client_id": 999_999})));
    assert_eq!((unknown.status, unknown.error_field()), (422, "client_id"));
    let no_phone = app.make(
        &a.s.admin,
        "clients",
        json!({"display_name": "Sem Telefone", "email": "sem@example.com"}),
    );
    let unreachable = post(&a.agent, body(json!({"text": "oi", "client_id": no_phone})));
    assert_eq!(
        (unreachable.status, unreachable.error_field()),
        (422, "client_id")
    );

    let outsider = app.token("agent2");
    set_status(&app, &outsider, "ready");
    post(&outsider, body(json!({"text": "oi"}))).assert_error(403, "not_a_member");

    set_status(&app, &a.agent, "offline");
    post(&a.agent, body(json!({"text": "oi"}))).assert_error(409, "agent_offline");
    set_status(&app, &a.agent, "ready");

    app.post(
        &a.s.admin,
        &format!("/api/admin/clients/{}/deactivate", a.client),
        json!({}),
    )
    .assert_status(200);
    post(&a.agent, body(json!({"text": "oi"}))).assert_error(409, "client_inactive");

    assert_eq!(count(&app, "SELECT COUNT(*) FROM active_messages"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
}

#[test]
fn a_customer_in_a_conversation_gets_the_message_when_the_delay_has_passed() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 10, whatsapp_on());
    whatsapp_post(
        &app,
        a.s.channel,
        &wa_text(WA_ID, "wamid.C1", "Quero ajuda"),
    )
    .assert_status(200);
    let open = count(&app, "SELECT id FROM conversations");

    let scheduled = write_first(&app, &a, "Sua fatura está disponível");
    scheduled.assert_status(202);
    assert_eq!(scheduled.body["status"], "scheduled");
    assert_eq!(scheduled.body["due_at"], "2026-11-23T15:10:00.000Z");
    assert_eq!(scheduled.body["conversation_id"], Value::Null);
    let listed = app.get(&a.agent, "/api/inbox/active-messages?status=scheduled");
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    app.clock
        .advance(Duration::minutes(10) - Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().active_messages, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
        0
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().active_messages, 1);
    assert_eq!(app.app.tick().unwrap().active_messages, 0, "sent once");

    // Still open then: it went into that conversation, marked in its timeline.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        column(
            &app,
            &format!("SELECT body FROM messages WHERE conversation_id = {open} AND role = 'agent'")
        ),
        ["Sua fatura está disponível"]
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversation_events WHERE kind = 'active_message'"
        ),
        1
    );
    let sent = app.get(&a.agent, "/api/inbox/active-messages");
    assert_eq!(sent.body["items"][0]["status"], "sent");
    assert_eq!(sent.body["items"][0]["conversation_id"], open);
    assert_eq!(sent.body["items"][0]["sent_at"], "2026-11-23T15:10:00.000Z");
    app.post(
        &a.agent,
        &format!("/api/inbox/active-messages/{}/cancel", scheduled.body["id"]),
        json!({}),
    )
    .assert_error(409, "not_scheduled");
}

#[test]
fn a_conversation_closed_before_the_delay_passes_gives_the_message_a_new_protocol() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 5, whatsapp_on());
    whatsapp_post(&app, a.s.channel, &wa_text(WA_ID, "wamid.C1", "Oi")).assert_status(200);
    // The customer's conversation went to agent1; agent1 writes first again, then closes it.
    let first = column(&app, "SELECT id FROM conversations")[0].clone();
    assert_eq!(
        column(&app, "SELECT agent_id FROM conversations"),
        [a.agent_id.to_string()]
    );
    write_first(&app, &a, "Lembrete do seu agendamento").assert_status(202);
    app.post(
        &a.agent,
        &format!("/api/inbox/conversations/{first}/close"),
        json!({}),
    )
    .assert_status(200);

    app.clock.advance(Duration::minutes(5));
    app.post(&a.agent, "/api/inbox/heartbeat", json!({}))
        .assert_status(204);
    assert_eq!(app.app.tick().unwrap().active_messages, 1);
    let rows = column(
        &app,
        "SELECT status || ' ' || COALESCE(agent_id, '-') FROM conversations ORDER BY id",
    );
    assert_eq!(
        rows,
        [
            "closed ".to_owned() + &a.agent_id.to_string(),
            "assigned ".to_owned() + &a.agent_id.to_string()
        ]
    );
    assert_eq!(
        column(
            &app,
            "SELECT body FROM messages WHERE conversation_id = (SELECT MAX(id) FROM conversations)"
        ),
        ["Lembrete do seu agendamento"]
    );
}

#[test]
fn a_new_conversation_from_the_tick_waits_in_the_queue_when_its_agent_cannot_take_it() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 5, whatsapp_on());
    whatsapp_post(&app, a.s.channel, &wa_text(WA_ID, "wamid.C1", "Oi")).assert_status(200);
    let first = column(&app, "SELECT id FROM conversations")[0].clone();
    write_first(&app, &a, "Seu boleto vence amanhã").assert_status(202);
    app.post(
        &a.agent,
        &format!("/api/inbox/conversations/{first}/close"),
        json!({}),
    )
    .assert_status(200);
    set_status(&app, &a.agent, "offline");

    app.clock.advance(Duration::minutes(5));
    let tick = app.app.tick().unwrap();
    assert_eq!((tick.active_messages, tick.assigned), (1, 0));
    assert_eq!(
        column(&app, "SELECT status FROM conversations ORDER BY id"),
        ["closed", "queued"],
        "nobody is ready: the customer's answer waits in the group"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
        1,
        "the message itself is not lost"
    );
}

#[test]
fn a_scheduled_message_can_be_cancelled_until_it_goes() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 10, whatsapp_on());
    whatsapp_post(&app, a.s.channel, &wa_text(WA_ID, "wamid.C1", "Oi")).assert_status(200);
    let scheduled = write_first(&app, &a, "Promoção de hoje");
    scheduled.assert_status(202);
    let id = scheduled.body["id"].as_i64().unwrap();

    let other = app.token("agent2");
    app.post(
        &other,
        &format!("/api/inbox/active-messages/{id}/cancel"),
        json!({}),
    )
    .assert_error(404, "not_found");
    let cancelled = app.post(
        &a.agent,
        &format!("/api/inbox/active-messages/{id}/cancel"),
        json!({}),
    );
    cancelled.assert_status(200);
    assert_eq!(cancelled.body["status"], "cancelled");

    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.app.tick().unwrap().active_messages, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
        0
    );
    app.get(&a.agent, "/api/inbox/active-messages?status=later")
        .assert_error(422, "validation_failed");
}

#[test]
fn with_no_delay_the_message_goes_into_the_open_conversation_at_once() {
    let app = TestApp::spawn();
    let a = active_setup(&app, None, 0, whatsapp_on());
    whatsapp_post(&app, a.s.channel, &wa_text(WA_ID, "wamid.C1", "Oi")).assert_status(200);
    let sent = write_first(&app, &a, "Já estamos verificando");
    sent.assert_status(201);
    assert_eq!(
        sent.body["conversation_id"].to_string(),
        column(&app, "SELECT id FROM conversations")[0]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
}

#[test]
fn a_whatsapp_template_goes_out_as_a_template_message() {
    let provider = FakeProvider::start(vec![(200, "{\"messages\":[{\"id\":\"wamid.T1\"}]}")]);
    let app = TestApp::spawn();
    let a = active_setup(
        &app,
        Some(&provider.url),
        0,
        json!({"active_whatsapp": true, "whatsapp_templates": true}),
    );
    let sent = app.post(
        &a.agent,
        "/api/inbox/active-messages",
        json!({"channel_id": a.s.channel, "group_id": a.s.group, "client_id": a.client,
               "template": {"name": "pedido_enviado", "language": "pt_BR", "parameters": ["Marina", "#4521"]}}),
    );
    sent.assert_status(201);
    assert_eq!(sent.body["body"], "[pedido_enviado] Marina | #4521");
    app.app.tick().unwrap();
    let body = provider.received()[0].json();
    assert_eq!(body["type"], "template");
    assert_eq!(body["to"], WA_ID);
    assert_eq!(body["template"]["name"], "pedido_enviado");
    assert_eq!(body["template"]["language"]["code"], "pt_BR");
    assert_eq!(
        body["template"]["components"][0]["parameters"],
        json!([{"type": "text", "text": "Marina"}, {"type": "text", "text": "#4521"}])
    );
}

#[test]
fn agents_writing_first_to_one_customer_at_once_open_one_conversation_and_lose_nothing() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let a = active_setup(&app, None, 0, whatsapp_on());
    let agents: Vec<String> = ["agent1", "agent2", "agent3", "agent4", "supagent"]
        .iter()
        .map(|username| {
            let id = app.user_id(&a.s.admin, username);
            app.post(
                &a.s.admin,
                &format!("/api/admin/groups/{}/members", a.s.group),
                json!({"ids": [id]}),
            )
            .assert_status(200);
            let token = app.token(username);
            set_status(&app, &token, "ready");
            token
        })
        .collect();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(agents.len()));
    let handles: Vec<_> = agents
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let (app, barrier) = (app.clone(), barrier.clone());
            let body = json!({"channel_id": a.s.channel, "group_id": a.s.group, "client_id": a.client,
                              "text": format!("mensagem {i}")});
            std::thread::spawn(move || {
                barrier.wait();
                app.post(&token, "/api/inbox/active-messages", body).status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 201);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
        5
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM active_messages WHERE status = 'sent' AND conversation_id IS NOT NULL"
        ),
        5
    );
}
