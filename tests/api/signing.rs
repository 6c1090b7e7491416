//! Defect 9: the agent's (or company's) name on a message is written the way each channel
//! shows a name — WhatsApp bold, Telegram and SMS plain, an e-mail signature, the web chat's
//! sender line — as customers receive it from the provider.

use crate::channels::{
    email_post, post_raw, setup, telegram_post, tg_update, wa_text, whatsapp_post, Setup,
    INBOUND_SECRET, TG_SECRET,
};
use crate::fake::FakeProvider;
use crate::helpers::TestApp;
use crate::widget;
use serde_json::{json, Value};

/// The customer writes first on the channel, so the admin has a conversation to answer.
fn customer_writes(app: &TestApp, kind: &str, s: &Setup) {
    let r = match kind {
        "whatsapp" => whatsapp_post(app, s.channel, &wa_text("5511911110001", "wamid.s1", "oi")),
        "telegram" => telegram_post(
            app,
            s.channel,
            TG_SECRET,
            &tg_update(1, json!({"message_id": 1, "text": "oi"})),
        ),
        "sms" => post_raw(
            app,
            &format!("/hooks/sms/{}", s.channel),
            vec![("authorization", format!("Bearer {INBOUND_SECRET}"))],
            json!({"id": "sms-1", "from": "+5511987654321", "to": "ACME", "text": "oi"})
                .to_string()
                .as_bytes(),
        ),
        _ => email_post(
            app,
            s.channel,
            INBOUND_SECRET,
            &json!({"from": "Ana <ana@cliente.com.br>", "to": "suporte@acme.com", "subject": "Pedido",
                    "text": "oi", "message_id": "<m1@cliente.com.br>"}),
        ),
    };
    r.assert_status(200);
}

fn name_shown(app: &TestApp, s: &Setup, shown: &str) {
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"name_shown": shown}),
    )
    .assert_status(200);
}

fn answer(app: &TestApp, s: &Setup, text: &str) {
    let conversation = crate::channels::count(
        app,
        &format!(
            "SELECT id FROM conversations WHERE channel_id = {}",
            s.channel
        ),
    );
    app.post(
        &s.admin,
        &format!("/api/inbox/conversations/{conversation}/messages"),
        json!({"text": text}),
    )
    .assert_status(201);
}

/// The text the provider was asked to deliver, in each provider's payload.
fn delivered_text(kind: &str, payload: &Value) -> String {
    let text = match kind {
        "whatsapp" => &payload["text"]["body"],
        _ => &payload["text"],
    };
    text.as_str().unwrap_or_default().to_owned()
}

#[test]
fn each_channel_writes_the_senders_name_its_own_way() {
    // Each provider answers with a new message id per send.
    let expected = [
        (
            "whatsapp",
            [
                "{\"messages\":[{\"id\":\"wamid.R1\"}]}",
                "{\"messages\":[{\"id\":\"wamid.R2\"}]}",
                "{\"messages\":[{\"id\":\"wamid.R3\"}]}",
            ],
            "*Ana Admin*: Seu pedido saiu.",
            "*Atende Demo*: Seu pedido saiu.",
        ),
        (
            "telegram",
            [
                "{\"ok\":true,\"result\":{\"message_id\":991}}",
                "{\"ok\":true,\"result\":{\"message_id\":992}}",
                "{\"ok\":true,\"result\":{\"message_id\":993}}",
            ],
            "Ana Admin: Seu pedido saiu.",
            "Atende Demo: Seu pedido saiu.",
        ),
        (
            "sms",
            [
                "{\"id\":\"sms-out-1\"}",
                "{\"id\":\"sms-out-2\"}",
                "{\"id\":\"sms-out-3\"}",
            ],
            "Ana Admin: Seu pedido saiu.",
            "Atende Demo: Seu pedido saiu.",
        ),
        (
            "email",
            [
                "{\"id\":\"mail-out-1\"}",
                "{\"id\":\"mail-out-2\"}",
                "{\"id\":\"mail-out-3\"}",
            ],
            "Seu pedido saiu.\n\n-- \nAna Admin",
            "Seu pedido saiu.\n\n-- \nAtende Demo",
        ),
    ];
    for (kind, answers, by_agent, by_company) in expected {
        let provider = FakeProvider::start(answers.iter().map(|a| (200, *a)).collect());
        let app = TestApp::spawn();
        let s = setup(&app, kind, Some(&provider.url));
        customer_writes(&app, kind, &s);

        name_shown(&app, &s, "agent");
        answer(&app, &s, "Seu pedido saiu.");
        name_shown(&app, &s, "company");
        answer(&app, &s, "Seu pedido saiu.");
        name_shown(&app, &s, "none");
        answer(&app, &s, "Seu pedido saiu.");
        app.app.tick().unwrap();

        let sent: Vec<String> = provider
            .received()
            .iter()
            .map(|r| delivered_text(kind, &r.json()))
            .filter(|t| t.contains("Seu pedido saiu."))
            .collect();
        assert_eq!(
            sent,
            [by_agent, by_company, "Seu pedido saiu."],
            "{kind} delivered"
        );
    }
}

#[test]
fn the_web_chat_shows_the_groups_name_beside_an_unsigned_text() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    let visitor = widget::start(&app, s.channel);
    let messages = format!("/widget/{}/messages", s.channel);
    widget::call(
        &app,
        "POST",
        &messages,
        Some(&visitor),
        Some(json!({"text": "oi", "client_message_id": "m-1"})),
    )
    .assert_status(201);
    let mut shown = Vec::new();
    for rule in ["agent", "company", "none"] {
        name_shown(&app, &s, rule);
        answer(&app, &s, "Seu pedido saiu.");
        let poll = widget::call(&app, "GET", &messages, Some(&visitor), None);
        let last = poll.body["messages"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["body"], "Seu pedido saiu.", "the text is never signed");
        shown.push(last["sender_name"].clone());
    }
    // The group's rule as it is when the visitor reads.
    assert_eq!(
        shown,
        [json!("Ana Admin"), json!("Atende Demo"), Value::Null]
    );
}
