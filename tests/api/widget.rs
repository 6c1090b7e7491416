//! The web-chat widget's public API: a visitor starts a session, chats, polls, searches the FAQ.

use crate::channels::{column, count, setup};
use crate::helpers::{Request, TestApp, TestResponse};
use serde_json::{json, Value};

pub fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    app.send(Request {
        method,
        path,
        token,
        headers: vec![("origin", "https://www.acme.com.br".to_owned())],
        content_type: body.as_ref().map(|_| "application/json"),
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    })
}

pub fn start(app: &TestApp, channel: i64) -> String {
    let r = call(
        app,
        "POST",
        &format!("/widget/{channel}/sessions"),
        None,
        Some(json!({"name": "Visitante", "phone": "11 98888-7777", "language": "en"})),
    );
    r.assert_status(201);
    r.body["token"].as_str().unwrap().to_owned()
}

#[test]
fn a_visitor_chats_and_polls_new_messages_after_a_cursor() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    let token = start(&app, s.channel);
    let messages = format!("/widget/{}/messages", s.channel);

    let sent = call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Olá! Vocês entregam em Campinas?", "client_message_id": "m-1"})),
    );

    sent.assert_status(201);
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["WC00000000001"]
    );
    assert_eq!(
        column(&app, "SELECT display_name || ' ' || phone FROM clients"),
        ["Visitante +5511988887777"]
    );
    // A retried send with the same client id is stored once.
    let retry = call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Olá! Vocês entregam em Campinas?", "client_message_id": "m-1"})),
    );
    assert_eq!(retry.body["duplicate"], true);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1);

    let first = call(&app, "GET", &messages, Some(&token), None);
    first.assert_status(200);
    assert_eq!(first.body["messages"].as_array().unwrap().len(), 1);
    let cursor = first.body["cursor"].as_i64().unwrap();
    // An agent's answer and an internal note (which the visitor never sees).
    app.app.with_ctx(|ctx| {
        for (role, body) in [("agent", "Entregamos sim!"), ("note", "cliente recorrente")] {
            ctx.db.execute(
                "INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body, delivery, created_at) \
                 SELECT tenant_id, id, channel_id, ?, 4, 'text', ?, 'sent', 0 FROM conversations",
                &[role.into(), body.into()],
            ).unwrap();
        }
    }).unwrap();
    let next = call(
        &app,
        "GET",
        &format!("{messages}?after={cursor}"),
        Some(&token),
        None,
    );
    let got = next.body["messages"].as_array().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["body"], "Entregamos sim!");
    assert_eq!(got[0]["role"], "agent");
    assert_eq!(
        got[0]["sender_name"], "Atende Demo",
        "the group shows the company's name by default"
    );
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'agent'"),
        ["delivered"]
    );
    let after = next.body["cursor"].as_i64().unwrap();
    assert!(call(
        &app,
        "GET",
        &format!("{messages}?after={after}"),
        Some(&token),
        None
    )
    .body["messages"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn visitors_send_attachments_within_the_limit() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    let token = start(&app, s.channel);
    let messages = format!("/widget/{}/messages", s.channel);
    let r = call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(
            json!({"attachment": {"filename": "print.png", "content_type": "image/png", "data": "iVBORw0KGgo="}}),
        ),
    );
    r.assert_status(201);
    assert_eq!(
        column(&app, "SELECT kind || ' ' || body FROM messages"),
        ["image print.png"]
    );
    assert_eq!(column(&app, "SELECT size FROM attachments"), ["8"]);
    let big = "A".repeat(7 * 1024 * 1024);
    call(&app, "POST", &messages, Some(&token), Some(json!({"attachment": {"filename": "big.bin", "content_type": "application/octet-stream", "data": big}})))
        .assert_error(413, "payload_too_large");
    call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"attachment": {"filename": "x", "content_type": "image/png", "data": "***"}})),
    )
    .assert_error(422, "validation_failed");
    call(&app, "POST", &messages, Some(&token), Some(json!({})))
        .assert_error(422, "validation_failed");
}

#[test]
fn sessions_are_checked_and_every_answer_carries_cors_headers() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    let sessions = format!("/widget/{}/sessions", s.channel);
    let no_contact = call(
        &app,
        "POST",
        &sessions,
        None,
        Some(json!({"name": "Sem contato"})),
    );
    no_contact.assert_error(422, "validation_failed");
    assert_eq!(no_contact.headers["access-control-allow-origin"], "*");
    call(
        &app,
        "POST",
        &sessions,
        None,
        Some(json!({"name": "X", "phone": "123"})),
    )
    .assert_error(422, "validation_failed");
    call(
        &app,
        "POST",
        &sessions,
        None,
        Some(json!({"name": "X", "email": "x@y.com"})),
    )
    .assert_status(201);
    let messages = format!("/widget/{}/messages", s.channel);
    call(&app, "GET", &messages, None, None).assert_error(401, "unauthenticated");
    call(&app, "GET", &messages, Some("forged"), None).assert_error(401, "invalid_token");
    let preflight = call(&app, "OPTIONS", &messages, None, None);
    assert_eq!(preflight.status, 204);
    let articles = format!("/widget/{}/articles", s.channel);
    assert_eq!(call(&app, "OPTIONS", &articles, None, None).status, 204);
    assert!(preflight.headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));
    // A session of one channel is not valid on another.
    let other = setup(&app, "webchat", None);
    let token = start(&app, s.channel);
    call(
        &app,
        "GET",
        &format!("/widget/{}/messages", other.channel),
        Some(&token),
        None,
    )
    .assert_error(401, "invalid_token");
    // Widget routes only exist for web-chat channels.
    let wa = setup(&app, "whatsapp", None);
    call(
        &app,
        "POST",
        &format!("/widget/{}/sessions", wa.channel),
        None,
        Some(json!({"name": "X", "email": "x@y.com"})),
    )
    .assert_error(404, "not_found");
}

#[test]
fn the_faq_answers_in_the_visitors_language_and_finds_an_article_by_any_of_them() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    let article = json!({"title": "Prazo de entrega", "body": "Até 5 dias úteis.",
        "translations": {"es": {"title": "Plazo de entrega", "body": "Hasta 5 días hábiles."},
                         "en": {"title": "Delivery time", "body": "Up to 5 business days."}}});
    app.make(&s.admin, "articles", article.clone());
    let faq = |q: &str, language: &str| {
        let r = app.send(Request {
            method: "GET",
            path: &format!("/widget/{}/articles{q}", s.channel),
            token: None,
            headers: vec![
                ("origin", "https://www.acme.com.br".to_owned()),
                ("accept-language", language.to_owned()),
            ],
            content_type: None,
            body: Vec::new(),
        });
        r.assert_status(200);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{} | {}", a["title"], a["body"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        faq("?q=plazo", "es-AR,es;q=0.9"),
        [r#""Plazo de entrega" | "Hasta 5 días hábiles.""#]
    );
    assert_eq!(
        faq("?q=business", "en-US"),
        [r#""Delivery time" | "Up to 5 business days.""#]
    );
    assert_eq!(
        faq("", "pt-BR"),
        [r#""Prazo de entrega" | "Até 5 dias úteis.""#]
    );

    // A language Atende does not speak, or a translation without its text, changes nothing.
    let mut bad = article.clone();
    bad["translations"]["fr"] = json!({"title": "Délai", "body": "5 jours."});
    app.post(&s.admin, "/api/admin/articles", bad)
        .assert_error(422, "validation_failed");
    let mut empty = article;
    empty["translations"]["es"]["title"] = json!(" ");
    let r = app.post(&s.admin, "/api/admin/articles", empty);
    r.assert_error(422, "validation_failed");
    assert_eq!(
        r.body["error"]["field"], "translations.es.title",
        "{}",
        r.body
    );
    assert_eq!(faq("", "pt-BR").len(), 1);
}

#[test]
fn the_faq_shows_visitors_only_visible_active_articles() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    app.make(&s.admin, "articles", json!({"title": "Prazo de entrega", "body": "Até 5 dias úteis.", "keywords": ["entrega", "frete"]}));
    app.make(&s.admin, "articles", json!({"title": "Política interna", "body": "Só para agentes.", "visible_to_customers": false}));
    let old = app.make(
        &s.admin,
        "articles",
        json!({"title": "Entrega antiga", "body": "Descontinuado."}),
    );
    app.post(
        &s.admin,
        &format!("/api/admin/articles/{old}/deactivate"),
        json!({}),
    )
    .assert_status(200);

    let found = call(
        &app,
        "GET",
        &format!("/widget/{}/articles?q=entrega", s.channel),
        None,
        None,
    );

    found.assert_status(200);
    let titles: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Prazo de entrega"]);
    let all = call(
        &app,
        "GET",
        &format!("/widget/{}/articles", s.channel),
        None,
        None,
    );
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
}
