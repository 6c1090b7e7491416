//! Channels and conversations: real payload shapes for every provider, signatures, repeats,
//! protocols, business hours, outbound delivery against a fake provider, outbound webhooks.

use crate::fake::FakeProvider;
use crate::helpers::{localized, Request, TestApp, TestResponse};
use atende_shared::providers::hmac_sha256_hex;
use chrono::Duration;
use serde_json::{json, Value};

pub const APP_SECRET: &str = "wa-app-secret-123";
pub const TG_SECRET: &str = "tg-secret-token-123";
pub const INBOUND_SECRET: &str = "inbound-secret-123";
pub const PAGE_ID: &str = "106728097004746";
pub const INSTAGRAM_ID: &str = "17841405793187218";

pub struct Setup {
    pub admin: String,
    pub group: i64,
    pub channel: i64,
}

impl Setup {
    /// Makes the user `username` a member of the group; their id.
    pub fn join(&self, app: &TestApp, username: &str) -> i64 {
        let id = app.user_id(&self.admin, username);
        app.post(
            &self.admin,
            &format!("/api/admin/groups/{}/members", self.group),
            json!({"ids": [id]}),
        )
        .assert_status(200);
        id
    }
}

/// A group and a channel of `kind` entering it; `api_base_url`/`send_url` point at `provider`.
pub fn setup(app: &TestApp, kind: &str, provider: Option<&str>) -> Setup {
    let admin = app.token("admin");
    let n = count(
        app,
        "SELECT COUNT(*) FROM config_items WHERE kind = 'channel'",
    ) + 1;
    let (_, group) = app.operation_and_group(&admin, &format!("Entrada {kind} {n}"));
    let base = provider.unwrap_or("http://127.0.0.1:9");
    let credentials = match kind {
        "whatsapp" => {
            json!({"phone_number_id": "1234567890", "access_token": "wa-access-token", "app_secret": APP_SECRET,
                             "verify_token": "verify-123", "api_base_url": base})
        }
        "telegram" => {
            json!({"bot_token": "123:ABC", "secret_token": TG_SECRET, "api_base_url": base})
        }
        "email" => {
            json!({"inbound_secret": INBOUND_SECRET, "from_address": "suporte@acme.com", "send_url": format!("{base}/send"), "api_key": "k"})
        }
        "sms" => {
            json!({"inbound_secret": INBOUND_SECRET, "send_url": format!("{base}/sms"), "api_key": "k", "sender": "ACME"})
        }
        "messenger" => {
            json!({"page_id": PAGE_ID, "access_token": "page-token", "app_secret": APP_SECRET,
                   "verify_token": "fb-verify", "api_base_url": base})
        }
        "instagram" => {
            json!({"account_id": INSTAGRAM_ID, "access_token": "ig-token", "app_secret": APP_SECRET,
                   "verify_token": "ig-verify", "api_base_url": base})
        }
        _ => json!({}),
    };
    let channel = app.make(&admin, "channels", json!({"type": kind, "name": format!("Canal {kind} {n}"), "entry_group_id": group, "credentials": credentials}));
    Setup {
        admin,
        group,
        channel,
    }
}

pub fn post_raw(
    app: &TestApp,
    path: &str,
    headers: Vec<(&str, String)>,
    body: &[u8],
) -> TestResponse {
    app.send(Request {
        method: "POST",
        path,
        token: None,
        headers,
        content_type: Some("application/json"),
        body: body.to_vec(),
    })
}

pub fn whatsapp_post(app: &TestApp, channel: i64, body: &Value) -> TestResponse {
    let raw = body.to_string();
    let signature = format!("sha256={}", hmac_sha256_hex(APP_SECRET, raw.as_bytes()));
    post_raw(
        app,
        &format!("/hooks/whatsapp/{channel}"),
        vec![("x-hub-signature-256", signature)],
        raw.as_bytes(),
    )
}

/// A Cloud API webhook body with one message, as Meta documents it.
pub fn wa_message(from: &str, name: &str, id: &str, message: Value) -> Value {
    let mut m = message;
    m["from"] = json!(from);
    m["id"] = json!(id);
    m["timestamp"] = json!("1763900000");
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA_ID", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1234567890"},
        "contacts": [{"profile": {"name": name}, "wa_id": from}],
        "messages": [m]
    }}]}]})
}

pub fn wa_text(from: &str, id: &str, text: &str) -> Value {
    wa_message(
        from,
        "Maria Souza",
        id,
        json!({"type": "text", "text": {"body": text}}),
    )
}

/// Rows of a query, as JSON-ish strings, for assertions against the database itself.
pub fn query(app: &TestApp, sql: &str) -> Vec<Vec<atende_shared::ports::Value>> {
    app.app
        .with_ctx(|ctx| ctx.db.execute(sql, &[]).unwrap().rows)
        .unwrap()
}

pub fn count(app: &TestApp, sql: &str) -> i64 {
    match query(app, sql)[0][0] {
        atende_shared::ports::Value::Integer(n) => n,
        ref other => panic!("not a count: {other:?}"),
    }
}

pub fn text(v: &atende_shared::ports::Value) -> String {
    match v {
        atende_shared::ports::Value::Text(t) => t.clone(),
        atende_shared::ports::Value::Integer(i) => i.to_string(),
        atende_shared::ports::Value::Null => "NULL".into(),
        other => format!("{other:?}"),
    }
}

pub fn column(app: &TestApp, sql: &str) -> Vec<String> {
    query(app, sql).iter().map(|r| text(&r[0])).collect()
}

#[test]
fn the_whatsapp_verification_handshake_echoes_the_challenge_only_with_the_right_token() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let path = |token: &str| {
        format!("/hooks/whatsapp/{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444", s.channel)
    };
    let ok = app.handle(
        http::Request::get(path("verify-123"))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body(), b"1158201444");
    let wrong = app.handle(
        http::Request::get(path("guess")).body(Vec::new()).unwrap(),
        None,
    );
    assert_eq!(wrong.status(), 403);
}

#[test]
fn a_first_whatsapp_message_opens_a_conversation_with_a_protocol_and_the_next_joins_it() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);

    let first = whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.A1", "Olá, preciso de ajuda"),
    );

    first.assert_status(200);
    assert_eq!(first.body["messages"], 1);
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["WA00000000001"]
    );
    assert_eq!(column(&app, "SELECT status FROM conversations"), ["queued"]);
    assert_eq!(
        column(&app, "SELECT group_id FROM conversations"),
        [s.group.to_string()]
    );
    // The unknown sender became a client, named from the WhatsApp profile.
    assert_eq!(
        column(&app, "SELECT display_name || ' ' || phone FROM clients"),
        ["Maria Souza +5511987654321"]
    );
    assert_eq!(
        column(&app, "SELECT kind FROM conversation_events ORDER BY id"),
        ["created", "queued"]
    );

    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.A2", "Alguém aí?"),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5521999990000", "wamid.B1", "Outro cliente"),
    )
    .assert_status(200);

    assert_eq!(
        column(&app, "SELECT protocol FROM conversations ORDER BY id"),
        ["WA00000000001", "WA00000000002"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT body FROM messages WHERE conversation_id = 1 ORDER BY id"
        ),
        ["Olá, preciso de ajuda", "Alguém aí?"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT role FROM messages WHERE conversation_id = 1 LIMIT 1"
        ),
        ["customer"]
    );
}

#[test]
fn a_bad_or_missing_signature_is_401_and_stores_nothing() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let raw = wa_text("5511987654321", "wamid.X", "hi").to_string();
    let forged = format!(
        "sha256={}",
        hmac_sha256_hex("not-the-secret", raw.as_bytes())
    );
    post_raw(
        &app,
        &format!("/hooks/whatsapp/{}", s.channel),
        vec![("x-hub-signature-256", forged)],
        raw.as_bytes(),
    )
    .assert_error(401, "bad_signature");
    post_raw(
        &app,
        &format!("/hooks/whatsapp/{}", s.channel),
        vec![],
        raw.as_bytes(),
    )
    .assert_error(401, "bad_signature");
    // Signed, but the body was changed on the way.
    let signature = format!("sha256={}", hmac_sha256_hex(APP_SECRET, raw.as_bytes()));
    let tampered = raw.replace("hi", "ho");
    post_raw(
        &app,
        &format!("/hooks/whatsapp/{}", s.channel),
        vec![("x-hub-signature-256", signature)],
        tampered.as_bytes(),
    )
    .assert_error(401, "bad_signature");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clients"), 0);
}

#[test]
fn a_webhook_delivered_twice_creates_one_message() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let body = wa_text("5511987654321", "wamid.DUP", "uma vez só");
    assert_eq!(whatsapp_post(&app, s.channel, &body).body["messages"], 1);
    let again = whatsapp_post(&app, s.channel, &body);
    again.assert_status(200);
    assert_eq!(again.body["duplicates"], 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM conversation_events"),
        2,
        "no second 'created'"
    );
}

#[test]
fn every_whatsapp_message_type_is_stored_and_unknown_ones_keep_their_payload() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let cases = [
        (
            json!({"type": "image", "image": {"id": "MEDIA1", "mime_type": "image/jpeg", "sha256": "abc", "caption": "foto do boleto"}}),
            "image",
            "foto do boleto",
        ),
        (
            json!({"type": "audio", "audio": {"id": "MEDIA2", "mime_type": "audio/ogg; codecs=opus", "voice": true}}),
            "audio",
            "NULL",
        ),
        (
            json!({"type": "video", "video": {"id": "MEDIA3", "mime_type": "video/mp4"}}),
            "video",
            "NULL",
        ),
        (
            json!({"type": "document", "document": {"id": "MEDIA4", "mime_type": "application/pdf", "filename": "contrato.pdf"}}),
            "document",
            "contrato.pdf",
        ),
        (
            json!({"type": "location", "location": {"latitude": -23.55, "longitude": -46.63, "name": "Sede", "address": "Av. Paulista, 1000"}}),
            "location",
            "Sede — Av. Paulista, 1000\nhttps://www.google.com/maps/search/?api=1&query=-23.55,-46.63",
        ),
        (
            json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Carlos Dias", "first_name": "Carlos"},
                "phones": [{"phone": "+55 11 91234-5678", "wa_id": "5511912345678", "type": "CELL"}],
                "emails": [{"email": "carlos@exemplo.com", "type": "WORK"}]}]}),
            "contact",
            "Carlos Dias · +55 11 91234-5678 · carlos@exemplo.com",
        ),
        (
            json!({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "opt-1", "title": "Financeiro"}}}),
            "interactive",
            "Financeiro",
        ),
        (
            json!({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "row-2", "title": "Suporte", "description": "Técnico"}}}),
            "interactive",
            "Suporte",
        ),
        (
            json!({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown",
                "message": "Message type unknown", "error_data": {"details": "Message type is currently not supported."}}]}),
            "unsupported",
            "NULL",
        ),
    ];
    for (i, (message, kind, body)) in cases.iter().enumerate() {
        let r = whatsapp_post(
            &app,
            s.channel,
            &wa_message(
                "5511987654321",
                "Maria",
                &format!("wamid.T{i}"),
                message.clone(),
            ),
        );
        assert_eq!(r.body["messages"], 1, "{kind}");
        let row = query(
            &app,
            &format!(
                "SELECT kind, body, payload FROM messages WHERE channel_message_id = 'wamid.T{i}'"
            ),
        );
        assert_eq!(text(&row[0][0]), *kind);
        assert_eq!(text(&row[0][1]), *body, "{kind}");
    }
    let media = column(&app, "SELECT payload FROM messages WHERE kind = 'document'");
    assert!(media[0].contains("MEDIA4") && media[0].contains("application/pdf"));
    let raw = column(
        &app,
        "SELECT payload FROM messages WHERE kind = 'unsupported'",
    );
    assert!(
        raw[0].contains("131051"),
        "the raw payload is kept: {raw:?}"
    );
}

#[test]
fn malformed_oversize_and_misaddressed_webhooks_are_refused() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let raw = b"{not json";
    let signature = format!("sha256={}", hmac_sha256_hex(APP_SECRET, raw));
    post_raw(
        &app,
        &format!("/hooks/whatsapp/{}", s.channel),
        vec![("x-hub-signature-256", signature)],
        raw,
    )
    .assert_error(400, "malformed_json");
    let big = vec![b'x'; 2 * 1024 * 1024];
    post_raw(
        &app,
        &format!("/hooks/whatsapp/{}", s.channel),
        vec![],
        &big,
    )
    .assert_error(413, "payload_too_large");
    post_raw(&app, "/hooks/whatsapp/99999", vec![], b"{}").assert_error(404, "not_found");
    post_raw(
        &app,
        &format!("/hooks/telegram/{}", s.channel),
        vec![],
        b"{}",
    )
    .assert_error(404, "not_found");
    post_raw(&app, "/hooks/whatsapp/abc", vec![], b"{}").assert_error(404, "not_found");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
}

pub fn telegram_post(app: &TestApp, channel: i64, secret: &str, update: &Value) -> TestResponse {
    post_raw(
        app,
        &format!("/hooks/telegram/{channel}"),
        vec![("x-telegram-bot-api-secret-token", secret.to_owned())],
        update.to_string().as_bytes(),
    )
}

pub fn tg_update(update_id: i64, message: Value) -> Value {
    let mut m = message;
    m["chat"] = json!({"id": 777001, "type": "private", "first_name": "João"});
    m["from"] = json!({"id": 777001, "is_bot": false, "first_name": "João", "last_name": "Lima", "language_code": "pt-br"});
    m["date"] = json!(1763900000);
    json!({"update_id": update_id, "message": m})
}

#[test]
fn telegram_updates_of_every_kind_are_stored_with_the_secret_token_only() {
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", None);
    telegram_post(
        &app,
        s.channel,
        "wrong",
        &tg_update(1, json!({"message_id": 1, "text": "oi"})),
    )
    .assert_error(401, "bad_signature");
    let cases = [
        (json!({"message_id": 10, "text": "Oi, tudo bem?"}), "text"),
        (
            json!({"message_id": 11, "photo": [{"file_id": "small", "file_size": 100, "width": 90, "height": 90}, {"file_id": "big", "file_size": 9000, "width": 800, "height": 800}], "caption": "segue a foto"}),
            "image",
        ),
        (
            json!({"message_id": 12, "voice": {"file_id": "voz1", "duration": 3, "mime_type": "audio/ogg"}}),
            "audio",
        ),
        (
            json!({"message_id": 13, "audio": {"file_id": "mus1", "duration": 120, "mime_type": "audio/mpeg"}}),
            "audio",
        ),
        (
            json!({"message_id": 14, "video": {"file_id": "vid1", "duration": 10, "mime_type": "video/mp4"}}),
            "video",
        ),
        (
            json!({"message_id": 15, "document": {"file_id": "doc1", "file_name": "nota.pdf", "mime_type": "application/pdf"}}),
            "document",
        ),
        (
            json!({"message_id": 16, "sticker": {"file_id": "st1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "😀"}}),
            "image",
        ),
        (
            json!({"message_id": 17, "contact": {"phone_number": "+5511912345678", "first_name": "Carlos", "last_name": "Dias", "user_id": 55}}),
            "contact",
        ),
        (
            json!({"message_id": 18, "location": {"latitude": -23.55, "longitude": -46.63}}),
            "location",
        ),
        (
            json!({"message_id": 19, "venue": {"location": {"latitude": -23.56, "longitude": -46.65}, "title": "Loja Centro", "address": "Rua Direita, 10"}}),
            "location",
        ),
        (
            json!({"message_id": 20, "dice": {"emoji": "🎲", "value": 4}}),
            "unsupported",
        ),
    ];
    for (i, (message, kind)) in cases.iter().enumerate() {
        let r = telegram_post(
            &app,
            s.channel,
            TG_SECRET,
            &tg_update(100 + i as i64, message.clone()),
        );
        assert_eq!(r.body["messages"], 1, "{kind}: {}", r.body);
    }
    let kinds = column(&app, "SELECT kind FROM messages ORDER BY id");
    assert_eq!(
        kinds,
        [
            "text",
            "image",
            "audio",
            "audio",
            "video",
            "document",
            "image",
            "contact",
            "location",
            "location",
            "unsupported"
        ]
    );
    // Contacts and places read as text: a card, a map link.
    assert_eq!(
        column(&app, "SELECT body FROM messages WHERE kind IN ('contact', 'location') ORDER BY id"),
        [
            "Carlos Dias · +5511912345678",
            "https://www.google.com/maps/search/?api=1&query=-23.55,-46.63",
            "Loja Centro — Rua Direita, 10\nhttps://www.google.com/maps/search/?api=1&query=-23.56,-46.65"
        ]
    );
    assert!(
        column(&app, "SELECT payload FROM messages WHERE kind = 'image'")[0].contains("\"big\""),
        "the largest photo"
    );
    assert_eq!(
        column(&app, "SELECT display_name FROM clients"),
        ["João Lima"]
    );
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["TL00000000001"]
    );
    // An edit updates the original and keeps what it said; the same edit twice is one.
    let edit = json!({"update_id": 200, "edited_message": {"message_id": 10, "edit_date": 1763900100, "text": "Oi, tudo ótimo?",
        "chat": {"id": 777001, "type": "private"}, "from": {"id": 777001, "first_name": "João"}, "date": 1763900000}});
    let messages = count(&app, "SELECT COUNT(*) FROM messages");
    assert_eq!(
        telegram_post(&app, s.channel, TG_SECRET, &edit).body["updates"],
        1
    );
    telegram_post(&app, s.channel, TG_SECRET, &edit).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), messages);
    assert_eq!(
        column(
            &app,
            "SELECT body || ' | ' || json_extract(payload, '$.edits[0].body') || ' | ' || json_array_length(payload, '$.edits') \
             FROM messages WHERE channel_message_id = '777001:10'"
        ),
        ["Oi, tudo ótimo? | Oi, tudo bem? | 1"]
    );
    // An edit of a message we never got is all there is of it: stored.
    let mut unknown = edit.clone();
    unknown["edited_message"]["message_id"] = json!(9);
    assert_eq!(
        telegram_post(&app, s.channel, TG_SECRET, &unknown).body["messages"],
        1
    );
}

#[test]
fn a_telegram_button_press_is_the_customers_answer_and_is_answered_at_once() {
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", None);
    // The Bot API's callback_query: the message that carried the inline keyboard, the data.
    let callback = json!({"update_id": 300, "callback_query": {"id": "4382bfdwdsb323b2d9", "chat_instance": "-5123",
        "from": {"id": 777001, "is_bot": false, "first_name": "João", "language_code": "pt-br"},
        "message": {"message_id": 31, "date": 1763900000, "chat": {"id": 777001, "type": "private"}, "text": "Escolha:",
            "reply_markup": {"inline_keyboard": [[{"text": "Segunda via", "callback_data": "boleto"},
                                                 {"text": "Falar com atendente", "callback_data": "humano"}]]}},
        "data": "humano"}});

    let r = telegram_post(&app, s.channel, TG_SECRET, &callback);

    // Answered in the webhook's own response, so the button stops spinning at once.
    r.assert_status(200);
    assert_eq!(
        r.body,
        json!({"method": "answerCallbackQuery", "callback_query_id": "4382bfdwdsb323b2d9"})
    );
    assert_eq!(
        column(&app, "SELECT kind || ' ' || body FROM messages"),
        ["interactive Falar com atendente"]
    );
    // A repeat is answered again (Telegram may retry) and stores nothing more.
    telegram_post(&app, s.channel, TG_SECRET, &callback).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1);
}

pub fn email_post(app: &TestApp, channel: i64, secret: &str, body: &Value) -> TestResponse {
    post_raw(
        app,
        &format!("/hooks/email/{channel}"),
        vec![("x-atende-secret", secret.to_owned())],
        body.to_string().as_bytes(),
    )
}

#[test]
fn emails_thread_into_the_open_conversation_and_keep_their_attachments() {
    let app = TestApp::spawn();
    let s = setup(&app, "email", None);
    let mail = json!({"from": "\"Ana Paula\" <Ana.Paula@Cliente.com.br>", "to": "suporte@acme.com", "subject": "Pedido 123 atrasado",
        "text": "Meu pedido não chegou.", "html": "<p>Meu pedido não chegou.</p>", "message_id": "<m1@cliente.com.br>",
        "attachments": [{"filename": "nota.pdf", "content_type": "application/pdf", "content": "JVBERi0xLjQKJcfs"}]});
    email_post(&app, s.channel, "wrong", &mail).assert_error(401, "bad_signature");

    let r = email_post(&app, s.channel, INBOUND_SECRET, &mail);

    assert_eq!(r.body["messages"], 2, "{}", r.body);
    assert_eq!(
        column(&app, "SELECT display_name || ' ' || email FROM clients"),
        ["Ana Paula ana.paula@cliente.com.br"]
    );
    assert_eq!(
        column(&app, "SELECT protocol || ' ' || subject FROM conversations"),
        ["EM00000000001 Pedido 123 atrasado"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT filename || ' ' || content_type || ' ' || size FROM attachments"
        ),
        ["nota.pdf application/pdf 12"]
    );
    // The reply threads into the same conversation; HTML-only bodies keep their words only.
    let reply = json!({"from": "ana.paula@cliente.com.br", "subject": "Re: Pedido 123 atrasado", "message_id": "<m2@cliente.com.br>",
        "in_reply_to": "<out1@acme.com>", "html": "<div>Alguma novidade?<script>alert(1)</script></div>"});
    email_post(&app, s.channel, INBOUND_SECRET, &reply).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        column(&app, "SELECT body FROM messages ORDER BY id DESC LIMIT 1"),
        ["Alguma novidade?"]
    );
    let bad = json!({"from": "x@y.com", "message_id": "<m3>", "attachments": [{"filename": "a", "content": "%%%"}]});
    email_post(&app, s.channel, INBOUND_SECRET, &bad).assert_error(422, "validation_failed");
    email_post(
        &app,
        s.channel,
        INBOUND_SECRET,
        &json!({"text": "no sender"}),
    )
    .assert_error(422, "validation_failed");
}

#[test]
fn sms_messages_arrive_with_the_shared_secret() {
    let app = TestApp::spawn();
    let s = setup(&app, "sms", None);
    let sms =
        json!({"id": "sms-1", "from": "+5511987654321", "to": "ACME", "text": "Quero cancelar"});
    post_raw(
        &app,
        &format!("/hooks/sms/{}", s.channel),
        vec![],
        sms.to_string().as_bytes(),
    )
    .assert_error(401, "bad_signature");
    let r = post_raw(
        &app,
        &format!("/hooks/sms/{}", s.channel),
        vec![("authorization", format!("Bearer {INBOUND_SECRET}"))],
        sms.to_string().as_bytes(),
    );
    assert_eq!(r.body["messages"], 1);
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["SM00000000001"]
    );
    assert_eq!(
        column(&app, "SELECT phone FROM clients"),
        ["+5511987654321"]
    );
}

#[test]
fn an_inactive_clients_messages_are_acknowledged_but_open_nothing() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let client = app
        .post(
            &s.admin,
            "/api/admin/clients",
            json!({"display_name": "Bloqueado", "phone": "+5511987654321"}),
        )
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &s.admin,
        &format!("/api/admin/clients/{client}/deactivate"),
        json!({}),
    )
    .assert_status(200);

    let r = whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.I1", "oi"));

    r.assert_status(200);
    assert_eq!(r.body["ignored"], 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
}

#[test]
fn a_closed_conversation_is_never_reopened() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.C1", "primeiro"),
    )
    .assert_status(200);
    app.app
        .with_ctx(|ctx| {
            ctx.db
                .execute("UPDATE conversations SET status = 'closed'", &[])
                .unwrap()
        })
        .unwrap();

    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.C2", "de novo"),
    )
    .assert_status(200);

    assert_eq!(
        column(
            &app,
            "SELECT protocol || ' ' || status FROM conversations ORDER BY id"
        ),
        ["WA00000000001 closed", "WA00000000002 queued"]
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM clients"),
        1,
        "the same client"
    );
}

pub fn closed_hours(app: &TestApp, s: &Setup) {
    // Open only on Sundays; the test clock is a Monday.
    let hours = app.make(&s.admin, "business-hours", json!({"name": "Domingo", "time_zone": "America/Sao_Paulo",
        "windows": [{"day": "sun", "start": "08:00", "end": "12:00"}], "out_of_hours_message": localized("Fechado")}));
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"business_hours_id": hours}),
    )
    .assert_status(200);
}

#[test]
fn out_of_hours_the_customer_gets_the_message_once_per_conversation_in_their_language() {
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", None);
    closed_hours(&app, &s);
    let mut update = tg_update(1, json!({"message_id": 1, "text": "hola"}));
    update["message"]["from"]["language_code"] = json!("es");

    telegram_post(&app, s.channel, TG_SECRET, &update).assert_status(200);
    telegram_post(
        &app,
        s.channel,
        TG_SECRET,
        &tg_update(2, json!({"message_id": 2, "text": "¿hay alguien?"})),
    )
    .assert_status(200);

    assert_eq!(
        column(&app, "SELECT body FROM messages WHERE role = 'system'"),
        ["Fechado (es)"]
    );
    assert_eq!(
        column(&app, "SELECT rendered || ' ' || status FROM outbox"),
        ["Fechado (es) queued"]
    );
}

#[test]
fn outbound_messages_are_delivered_retried_and_failed_with_the_reason() {
    // 1st send: 500 (retried); 2nd: success with the provider's id.
    let provider = FakeProvider::start(vec![
        (500, "{\"error\":\"try later\"}"),
        (200, "{\"messages\":[{\"id\":\"wamid.OUT1\"}]}"),
    ]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", Some(&provider.url));
    closed_hours(&app, &s);
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);

    let first = app.app.tick().unwrap();
    assert_eq!(first.messages_retried, 1);
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["queued"]
    );
    app.clock.advance(Duration::seconds(29));
    assert_eq!(
        app.app.tick().unwrap().messages_sent,
        0,
        "not before the back-off"
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);

    assert_eq!(
        column(
            &app,
            "SELECT delivery || ' ' || channel_message_id FROM messages WHERE role = 'system'"
        ),
        ["sent wamid.OUT1"]
    );
    let sent = provider.received();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (sent[1].method.as_str(), sent[1].path.as_str()),
        ("POST", "/1234567890/messages")
    );
    assert_eq!(
        sent[1].header("authorization"),
        Some("Bearer wa-access-token")
    );
    let body = sent[1].json();
    assert_eq!(body["to"], "5511987654321");
    assert_eq!(body["text"]["body"], "Fechado (pt)");
    assert_eq!(body["messaging_product"], "whatsapp");

    // Delivery statuses from the provider move the message forward, never back.
    let status = |s: &str, id: &str| {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234567890"},
                  "statuses": [{"id": id, "status": s, "timestamp": "1763900001", "recipient_id": "5511987654321"}]}}]}]})
    };
    whatsapp_post(&app, s.channel, &status("read", "wamid.OUT1")).assert_status(200);
    whatsapp_post(&app, s.channel, &status("delivered", "wamid.OUT1")).assert_status(200);
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["read"]
    );
}

#[test]
fn a_permanent_provider_refusal_marks_the_message_failed_with_the_reason() {
    let provider = FakeProvider::start(vec![(
        400,
        "{\"error\":{\"message\":\"Recipient not on WhatsApp\"}}",
    )]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", Some(&provider.url));
    closed_hours(&app, &s);
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);

    assert_eq!(app.app.tick().unwrap().messages_failed, 1);

    let row = column(
        &app,
        "SELECT delivery || ' | ' || delivery_error FROM messages WHERE role = 'system'",
    );
    assert!(
        row[0].starts_with("failed | provider answered 400")
            && row[0].contains("Recipient not on WhatsApp"),
        "{row:?}"
    );
    assert_eq!(column(&app, "SELECT status FROM outbox"), ["failed"]);
}

#[test]
fn an_unreachable_provider_is_retried_until_the_attempts_run_out() {
    let app = TestApp::spawn();
    // Nothing listens on port 9 of loopback.
    let s = setup(&app, "telegram", Some("http://127.0.0.1:9"));
    closed_hours(&app, &s);
    telegram_post(
        &app,
        s.channel,
        TG_SECRET,
        &tg_update(1, json!({"message_id": 1, "text": "oi"})),
    )
    .assert_status(200);
    for backoff in atende_shared::conversation::outbox::BACKOFF_SECONDS {
        assert_eq!(app.app.tick().unwrap().messages_retried, 1);
        app.clock.advance(Duration::seconds(*backoff));
    }
    assert_eq!(app.app.tick().unwrap().messages_failed, 1);
    assert_eq!(column(&app, "SELECT attempts FROM outbox"), ["5"]);
}

#[test]
fn telegram_replies_go_through_send_message() {
    let provider =
        FakeProvider::start(vec![(200, "{\"ok\":true,\"result\":{\"message_id\":991}}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", Some(&provider.url));
    closed_hours(&app, &s);
    telegram_post(
        &app,
        s.channel,
        TG_SECRET,
        &tg_update(1, json!({"message_id": 1, "text": "oi"})),
    )
    .assert_status(200);
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let sent = &provider.received()[0];
    assert_eq!(sent.path, "/bot123:ABC/sendMessage");
    assert_eq!(sent.json()["chat_id"], 777001);
    assert_eq!(
        column(
            &app,
            "SELECT channel_message_id FROM messages WHERE role = 'system'"
        ),
        ["777001:991"]
    );
}

#[test]
fn outbound_webhooks_are_signed_retried_and_logged() {
    let receiver = FakeProvider::start(vec![(503, "{}"), (200, "{}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let hook = app.make(
        &s.admin,
        "webhooks",
        json!({"name": "CRM", "url": format!("{}/in", receiver.url),
        "events": ["conversation.created", "message.created"], "secret": "crm-webhook-secret-1"}),
    );
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);

    let first = app.app.tick().unwrap();
    assert_eq!((first.webhooks_delivered, first.webhooks_retried), (1, 1));
    app.clock.advance(Duration::seconds(10));
    assert_eq!(app.app.tick().unwrap().webhooks_delivered, 1);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    for request in &got {
        let expected = format!(
            "sha256={}",
            hmac_sha256_hex("crm-webhook-secret-1", request.body.as_bytes())
        );
        assert_eq!(
            request.header("x-atende-signature-256"),
            Some(expected.as_str())
        );
    }
    let events: Vec<String> = got
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        events.contains(&"conversation.created".to_owned())
            && events.contains(&"message.created".to_owned())
    );
    let message = got
        .iter()
        .find(|r| r.json()["event"] == "message.created")
        .unwrap();
    assert_eq!(message.json()["data"]["body"], "oi");
    let log = app.get(&s.admin, &format!("/api/admin/webhooks/{hook}/deliveries"));
    assert_eq!(log.items_len(), 2);
    assert!(log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "delivered"));
    assert!(log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["attempts"] == 2));
}

#[test]
fn a_webhook_that_keeps_failing_ends_failed_after_its_retries() {
    let receiver = FakeProvider::start(vec![(500, "{}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let hook = app.make(&s.admin, "webhooks", json!({"name": "Down", "url": receiver.url, "events": ["conversation.created"], "secret": "down-webhook-secret"}));
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "oi")).assert_status(200);
    for backoff in atende_shared::webhook_delivery::BACKOFF_SECONDS {
        assert_eq!(app.app.tick().unwrap().webhooks_retried, 1);
        app.clock.advance(Duration::seconds(*backoff));
    }
    assert_eq!(app.app.tick().unwrap().webhooks_failed, 1);
    let log = app.get(&s.admin, &format!("/api/admin/webhooks/{hook}/deliveries"));
    assert_eq!(log.body["items"][0]["status"], "failed");
    assert_eq!(log.body["items"][0]["response_status"], 500);
}

#[test]
fn fifty_concurrent_first_messages_from_one_customer_open_one_conversation() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let s = setup(&app, "whatsapp", None);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(50));
    let handles: Vec<_> = (0..50)
        .map(|i| {
            let (app, barrier) = (app.clone(), barrier.clone());
            let channel = s.channel;
            std::thread::spawn(move || {
                barrier.wait();
                whatsapp_post(
                    &app,
                    channel,
                    &wa_text("5511987654321", &format!("wamid.P{i}"), &format!("msg {i}")),
                )
                .status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 50);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clients"), 1);
}

#[test]
fn a_thousand_concurrent_messages_from_200_customers_give_200_protocols() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let s = setup(&app, "whatsapp", None);
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let app = app.clone();
            let channel = s.channel;
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for n in (t..1000).step_by(16) {
                    let customer = 5511900000000u64 + (n % 200) as u64;
                    statuses.push(
                        whatsapp_post(
                            &app,
                            channel,
                            &wa_text(&customer.to_string(), &format!("wamid.M{n}"), "oi"),
                        )
                        .status,
                    );
                }
                statuses
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().iter().all(|s| *s == 200));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 200);
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT protocol) FROM conversations"),
        200
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1000);
    assert_eq!(
        count(&app, "SELECT MAX(last) FROM protocol_counters"),
        200,
        "no protocol number wasted or repeated"
    );
}

/// Everything a first message left in the database about its customer — the client, their
/// identities, the conversation, its timeline, its messages and the agents' feed entries about
/// it, every column but the ids —
/// with the sender's id, the message's id, the client's username and the protocol's number
/// written as placeholders, so two customers' rows compare.
fn first_message_rows(app: &TestApp, kind: &str, sender: &str, message_id: &str) -> Vec<String> {
    let client = format!(
        "(SELECT client_id FROM client_identities WHERE channel_type = '{kind}' AND external_id = '{sender}')"
    );
    let conversations = format!("(SELECT id FROM conversations WHERE client_id = {client})");
    let username = column(
        app,
        &format!("SELECT username FROM clients WHERE id = {client}"),
    );
    let username = username.first().cloned().unwrap_or_default();
    let protocols = column(
        app,
        &format!("SELECT protocol FROM conversations WHERE client_id = {client}"),
    );
    let tables = [
        format!("SELECT * FROM clients WHERE id = {client}"),
        format!("SELECT * FROM client_identities WHERE client_id = {client}"),
        format!("SELECT * FROM conversations WHERE client_id = {client}"),
        format!(
            "SELECT * FROM conversation_events WHERE conversation_id IN {conversations} ORDER BY id"
        ),
        format!("SELECT * FROM messages WHERE conversation_id IN {conversations} ORDER BY id"),
        format!("SELECT * FROM inbox_feed WHERE conversation_id IN {conversations} ORDER BY id"),
    ];
    let ids = ["id", "client_id", "conversation_id", "username"];
    let mut out = Vec::new();
    for sql in tables {
        let rows = app
            .app
            .with_ctx(|ctx| ctx.db.execute(&sql, &[]))
            .unwrap()
            .unwrap();
        for row in &rows.rows {
            let mut line = rows
                .columns
                .iter()
                .zip(row)
                .filter(|(name, _)| !ids.contains(&name.as_str()))
                .map(|(name, value)| match (name.as_str(), text(value)) {
                    ("protocol", p) => format!("protocol={}…({} chars)", &p[..2], p.len()),
                    (_, v) => format!("{name}={v}"),
                })
                .collect::<Vec<_>>()
                .join(" | ")
                .replace(&username, "USERNAME")
                .replace(sender, "SENDER")
                .replace(message_id, "MESSAGE_ID");
            for protocol in &protocols {
                line = line.replace(protocol, "PROTOCOL");
            }
            out.push(line);
        }
    }
    out
}

/// Every table's number of rows, by name.
fn table_sizes(app: &TestApp) -> Vec<(String, i64)> {
    column(
        app,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .into_iter()
    .map(|table| {
        let rows = count(app, &format!("SELECT COUNT(*) FROM \"{table}\""));
        (table, rows)
    })
    .collect()
}

/// The channel type a case of [`first_delivery`] is sent on.
fn channel_type(kind: &str) -> &str {
    kind.split('-').next().unwrap_or(kind)
}

/// A new customer's first message on a channel, as its provider (or the widget) delivers it.
struct FirstDelivery {
    path: String,
    token: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Value,
    /// The customer's id on the channel, and the message's id there.
    sender: String,
    message_id: String,
}

/// The first message of customer `n` on `channel` (of `kind`); customers differ only in their
/// ids. The kinds are the channel types, with a WhatsApp photo beside the WhatsApp text and
/// `webchat` split into a visitor who gave a phone and one who gave only an e-mail.
fn first_delivery(app: &TestApp, kind: &str, channel: i64, n: u8) -> FirstDelivery {
    let signed = |body: &Value| {
        vec![(
            "x-hub-signature-256",
            format!(
                "sha256={}",
                hmac_sha256_hex(APP_SECRET, body.to_string().as_bytes())
            ),
        )]
    };
    let meta = |object: &str, account: &str, sender: &str, mid: &str| {
        json!({"object": object, "entry": [{"id": account, "time": 1763900000000_i64, "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": account}, "timestamp": 1763900000000_i64,
             "message": {"mid": mid, "text": "Olá, vocês entregam?"}}]}]})
    };
    let hook = |provider: &str| format!("/hooks/{provider}/{channel}");
    let (path, token, headers, body, sender, message_id) = match kind {
        "whatsapp" => {
            let (sender, id) = (format!("551191111000{n}"), format!("wamid.first{n}"));
            let body = wa_text(&sender, &id, "quero ajuda");
            (hook(kind), None, signed(&body), body, sender, id)
        }
        // A photo the provider only refers to: the message waits for its media to be fetched.
        "whatsapp-photo" => {
            let (sender, id) = (format!("551191111100{n}"), format!("wamid.photo{n}"));
            let body = wa_message(
                &sender,
                "Maria Souza",
                &id,
                json!({"type": "image", "image": {"id": "MEDIA1", "mime_type": "image/jpeg",
                                                  "caption": "foto do boleto"}}),
            );
            (hook("whatsapp"), None, signed(&body), body, sender, id)
        }
        "telegram" => {
            let (chat, id) = (format!("91827360{n}"), format!("91827360{n}:1"));
            let chat_id: i64 = chat.parse().unwrap();
            let body = json!({"update_id": 100 + i64::from(n), "message": {"message_id": 1,
                "chat": {"id": chat_id, "type": "private", "first_name": "João"},
                "from": {"id": chat_id, "is_bot": false, "first_name": "João", "last_name": "Lima",
                         "language_code": "es"},
                "date": 1763900000, "text": "quiero ayuda"}});
            let headers = vec![("x-telegram-bot-api-secret-token", TG_SECRET.to_owned())];
            (hook(kind), None, headers, body, chat, id)
        }
        "email" => {
            let (sender, id) = (
                format!("ana{n}@cliente.com.br"),
                format!("first{n}@cliente.com.br"),
            );
            let body = json!({"from": format!("\"Ana Paula\" <{sender}>"), "to": "suporte@acme.com",
                "subject": "Pedido 123 atrasado", "text": "Meu pedido não chegou.",
                "html": "<p>Meu pedido não chegou.</p>", "message_id": format!("<{id}>")});
            let headers = vec![("x-atende-secret", INBOUND_SECRET.to_owned())];
            (hook(kind), None, headers, body, sender, id)
        }
        "sms" => {
            let (sender, id) = (format!("+551198765000{n}"), format!("sms-first{n}"));
            let body = json!({"id": id, "from": sender, "to": "ACME",
                "text": "Quero cancelar"});
            let headers = vec![("authorization", format!("Bearer {INBOUND_SECRET}"))];
            (hook(kind), None, headers, body, sender, id)
        }
        "webchat" | "webchat-email" => {
            let (who, sender) = if kind == "webchat" {
                let phone = format!("11 98888-777{n}");
                (
                    json!({"name": "Visitante", "phone": phone, "language": "en"}),
                    format!("+551198888777{n}"),
                )
            } else {
                let email = format!("visita{n}@cliente.com.br");
                (
                    json!({"name": "Visitante", "email": email, "language": "es"}),
                    email,
                )
            };
            let started = crate::widget::call(
                app,
                "POST",
                &format!("/widget/{channel}/sessions"),
                None,
                Some(who),
            );
            started.assert_status(201);
            let token = started.body["token"].as_str().unwrap().to_owned();
            let body =
                json!({"text": "Olá! Vocês entregam em Campinas?", "client_message_id": "m-1"});
            let headers = vec![("origin", "https://www.acme.com.br".to_owned())];
            let path = format!("/widget/{channel}/messages");
            (path, Some(token), headers, body, sender, "m-1".to_owned())
        }
        "messenger" | "instagram" => {
            let (object, account) = if kind == "messenger" {
                ("page", PAGE_ID)
            } else {
                ("instagram", INSTAGRAM_ID)
            };
            let (sender, id) = (format!("700800912345678{n}"), format!("m_first{n}"));
            let body = meta(object, account, &sender, &id);
            (hook(kind), None, signed(&body), body, sender, id)
        }
        other => panic!("no first message for {other}"),
    };
    FirstDelivery {
        path,
        token,
        headers,
        body,
        sender,
        message_id,
    }
}

#[test]
fn a_first_message_stored_in_one_statement_leaves_what_the_transaction_leaves() {
    let app = TestApp::spawn();
    let kinds = [
        "whatsapp",
        "whatsapp-photo",
        "telegram",
        "email",
        "sms",
        "webchat",
        "webchat-email",
        "messenger",
        "instagram",
    ];
    // A channel of each type (the photo comes on the WhatsApp text's number: one WhatsApp
    // number is one channel).
    let mut admin = String::new();
    let mut channels: Vec<(&str, i64)> = Vec::new();
    for kind in kinds {
        let channel = match channels
            .iter()
            .find(|(k, _)| channel_type(k) == channel_type(kind))
        {
            Some((_, channel)) => *channel,
            None => {
                let s = setup(&app, channel_type(kind), None);
                admin = s.admin;
                s.channel
            }
        };
        channels.push((kind, channel));
    }
    let deliver = |kind: &str, channel: i64, n: u8| {
        let d = first_delivery(&app, kind, channel, n);
        let before = table_sizes(&app);
        let (r, statements) = app.send_counted(Request {
            method: "POST",
            path: &d.path,
            token: d.token.as_deref(),
            headers: d.headers.clone(),
            content_type: Some("application/json"),
            body: d.body.to_string().into_bytes(),
        });
        assert!(
            r.status == 200 || r.status == 201,
            "{kind}: {} {}",
            r.status,
            r.body
        );
        // Which tables the delivery added rows to, and how many: the same on both paths but
        // for the subscribed webhook's queue (and the tenant's protocol counter, whose row
        // the very first conversation makes; its number is checked below).
        let grown: Vec<(String, i64)> = table_sizes(&app)
            .into_iter()
            .zip(before)
            .filter(|((table, _), _)| {
                !["webhook_deliveries", "protocol_counters"].contains(&table.as_str())
            })
            .map(|((table, after), (_, before))| (table, after - before))
            .filter(|(_, added)| *added != 0)
            .collect();
        (d, statements, grown)
    };
    // A customer with two messages first, so that no conversation's id is its message's: a
    // statement that took one for the other would show.
    for id in ["wamid.earlier1", "wamid.earlier2"] {
        whatsapp_post(&app, channels[0].1, &wa_text("5511900000099", id, "oi")).assert_status(200);
    }
    // Nobody subscribes to their events: each channel's first message takes the one-statement
    // path (docs/decisions/0018, 0019).
    let one_statement: Vec<(FirstDelivery, _)> = channels
        .iter()
        .map(|(kind, channel)| {
            let (d, statements, grown) = deliver(kind, *channel, 1);
            assert!(
                statements
                    .to_string()
                    .contains("INSERT INTO first_messages")
                    && statements.transactions() == 0,
                "{kind}:\n{statements}"
            );
            (d, grown)
        })
        .collect();
    // A webhook on message.created makes the next customers' first messages take the
    // transaction.
    app.make(
        &admin,
        "webhooks",
        json!({"name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["message.created"],
               "secret": "crm-webhook-secret-1"}),
    );
    let transaction: Vec<(FirstDelivery, _)> = channels
        .iter()
        .map(|(kind, channel)| {
            let (d, statements, grown) = deliver(kind, *channel, 2);
            assert!(
                !statements
                    .to_string()
                    .contains("INSERT INTO first_messages")
                    && statements.transactions() == 1,
                "{kind}:\n{statements}"
            );
            (d, grown)
        })
        .collect();

    for ((kind, _), ((one, one_grown), (two, two_grown))) in
        channels.iter().zip(one_statement.iter().zip(&transaction))
    {
        assert_eq!(one_grown, two_grown, "{kind}");
        let ctype = channel_type(kind);
        let one_rows = first_message_rows(&app, ctype, &one.sender, &one.message_id);
        let two_rows = first_message_rows(&app, ctype, &two.sender, &two.message_id);
        // The client, one identity, the conversation, "created" and "queued", the message.
        assert_eq!(one_rows.len(), 6, "{kind}: {one_rows:#?}");
        assert_eq!(one_rows, two_rows, "{kind}");
    }
    // Every conversation took its channel's prefix and the tenant's next number, and the
    // counter says so.
    let protocols = column(&app, "SELECT protocol FROM conversations ORDER BY id");
    let kinds = ["WA", "WA", "TL", "EM", "SM", "WC", "WC", "FB", "IG"];
    let expected: Vec<String> = std::iter::once(&"WA")
        .chain(kinds.iter().cycle().take(18))
        .enumerate()
        .map(|(i, prefix)| format!("{prefix}{:011}", i + 1))
        .collect();
    assert_eq!(protocols, expected);
    assert_eq!(count(&app, "SELECT MAX(last) FROM protocol_counters"), 19);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM first_messages"), 0);
}

#[test]
fn a_new_senders_message_with_a_stored_message_id_is_a_repeat_and_makes_nothing() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511955550001", "wamid.same", "oi"),
    )
    .assert_status(200);
    // The one statement aborts on the repeated id; the transaction then answers a repeat.
    let again = whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511955550002", "wamid.same", "oi"),
    );
    again.assert_status(200);
    assert_eq!(again.body["duplicates"], 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clients"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM client_identities"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 1);
    assert_eq!(count(&app, "SELECT MAX(last) FROM protocol_counters"), 1);
}

/// Runs `meanwhile` on the database just before the statement containing `marker`, as another
/// request committing between this request's reads and its write would; passes everything on.
struct Meanwhile<'a, F: Fn(&dyn atende_shared::ports::Sql)> {
    inner: &'a dyn atende_shared::ports::Sql,
    marker: &'static str,
    meanwhile: F,
    done: std::cell::Cell<bool>,
}

impl<F: Fn(&dyn atende_shared::ports::Sql)> atende_shared::ports::Sql for Meanwhile<'_, F> {
    fn execute(
        &self,
        sql: &str,
        params: &[atende_shared::ports::Value],
    ) -> Result<atende_shared::ports::Rows, atende_shared::ports::DbError> {
        if !self.done.get() && sql.contains(self.marker) {
            self.done.set(true);
            (self.meanwhile)(self.inner);
        }
        self.inner.execute(sql, params)
    }
}

/// `body` delivered to the WhatsApp channel with `meanwhile` run just before the statement
/// containing `marker`.
fn whatsapp_post_meanwhile(
    app: &TestApp,
    channel: i64,
    body: &Value,
    marker: &'static str,
    meanwhile: impl Fn(&dyn atende_shared::ports::Sql),
) -> TestResponse {
    let raw = body.to_string();
    let request = app.request(Request {
        method: "POST",
        path: &format!("/hooks/whatsapp/{channel}"),
        token: None,
        headers: vec![(
            "x-hub-signature-256",
            format!("sha256={}", hmac_sha256_hex(APP_SECRET, raw.as_bytes())),
        )],
        content_type: Some("application/json"),
        body: raw.into_bytes(),
    });
    app.app
        .with_ctx(|ctx| {
            let db = Meanwhile {
                inner: ctx.db,
                marker,
                meanwhile,
                done: std::cell::Cell::new(false),
            };
            let ctx = atende_shared::Ctx { db: &db, ..*ctx };
            TestResponse::from(app.app.handle_in(&ctx, request, Some(app.client_addr)))
        })
        .unwrap()
}

#[test]
fn a_first_message_racing_a_client_made_with_that_phone_joins_that_client() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let tenant = atende_shared::ids::TenantId(count(
        &app,
        "SELECT tenant_id FROM config_items WHERE kind = 'channel' LIMIT 1",
    ));
    // An admin (or an import) makes the client with the sender's phone after the message's
    // reads found nobody, before its one statement.
    let r = whatsapp_post_meanwhile(
        &app,
        s.channel,
        &wa_text("5511977776666", "wamid.race1", "oi"),
        "INSERT INTO first_messages",
        |db| {
            let fields = atende_shared::client::ClientFields {
                display_name: "Cliente da carteira".into(),
                phone: Some("+5511977776666".into()),
                ..Default::default()
            };
            atende_shared::client::sql::insert(db, tenant, "cli-admin", &fields, 0)
                .unwrap()
                .unwrap();
        },
    );

    assert_eq!(r.body["messages"], 1, "{}", r.body);
    assert_eq!(
        column(&app, "SELECT username || ' ' || display_name FROM clients"),
        ["cli-admin Cliente da carteira"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT c.username FROM client_identities i JOIN clients c ON c.id = i.client_id"
        ),
        ["cli-admin"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT c.username || ' ' || v.protocol || ' ' || m.body FROM conversations v \
             JOIN clients c ON c.id = v.client_id JOIN messages m ON m.conversation_id = v.id"
        ),
        ["cli-admin WA00000000001 oi"]
    );
    assert_eq!(count(&app, "SELECT MAX(last) FROM protocol_counters"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM first_messages"), 0);
}

#[test]
fn concurrent_new_senders_repeating_each_others_message_ids_store_each_id_once() {
    // Half the deliveries repeat another new sender's message id: their one statement aborts
    // inside the local host's group commit, beside other requests' writes, which must stay.
    let app = std::sync::Arc::new(TestApp::spawn());
    let s = setup(&app, "whatsapp", None);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(40));
    let handles: Vec<_> = (0..40)
        .map(|i| {
            let (app, barrier) = (app.clone(), barrier.clone());
            let channel = s.channel;
            std::thread::spawn(move || {
                barrier.wait();
                let r = whatsapp_post(
                    &app,
                    channel,
                    &wa_text(
                        &format!("55119800000{i:02}"),
                        &format!("wamid.R{}", i % 20),
                        "oi",
                    ),
                );
                r.assert_status(200);
                (r.body["messages"].as_i64(), r.body["duplicates"].as_i64())
            })
        })
        .collect();
    let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let stored = outcomes
        .iter()
        .filter(|o| **o == (Some(1), Some(0)))
        .count();
    let repeats = outcomes
        .iter()
        .filter(|o| **o == (Some(0), Some(1)))
        .count();
    assert_eq!((stored, repeats), (20, 20), "{outcomes:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(DISTINCT channel_message_id) FROM messages"
        ),
        20
    );
    // Each stored message has its client, identity, conversation and timeline; a repeat
    // leaves nothing of its sender, and took no protocol number.
    for table in ["messages", "clients", "client_identities", "conversations"] {
        assert_eq!(
            count(&app, &format!("SELECT COUNT(*) FROM {table}")),
            20,
            "{table}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversation_events"), 40);
    assert_eq!(count(&app, "SELECT MAX(last) FROM protocol_counters"), 20);
    assert_eq!(
        column(
            &app,
            "SELECT MIN(protocol) || ' ' || MAX(protocol) FROM conversations"
        ),
        ["WA00000000001 WA00000000020"]
    );
}

#[test]
fn a_first_message_handed_to_a_ready_agent_leaves_on_either_path_what_the_other_leaves() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    // agent1, ready, takes both.
    crate::providers::agent_on(&app, &s);
    // One statement (nobody subscribes), then the transaction (a webhook on message.created).
    let d1 = first_delivery(&app, "whatsapp", s.channel, 1);
    whatsapp_post(&app, s.channel, &d1.body).assert_status(200);
    app.make(
        &s.admin,
        "webhooks",
        json!({"name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["message.created"],
               "secret": "crm-webhook-secret-1"}),
    );
    let d2 = first_delivery(&app, "whatsapp", s.channel, 2);
    whatsapp_post(&app, s.channel, &d2.body).assert_status(200);

    let one = first_message_rows(&app, "whatsapp", &d1.sender, &d1.message_id);
    let two = first_message_rows(&app, "whatsapp", &d2.sender, &d2.message_id);
    // The client, the identity, the conversation, "created", "queued" and "assigned", the
    // message, and the agent's feed entry.
    assert_eq!(one.len(), 8, "{one:#?}");
    assert_eq!(one, two);
    assert_eq!(
        column(
            &app,
            "SELECT u.username || ' ' || v.status FROM conversations v JOIN users u ON u.id = v.agent_id ORDER BY v.id"
        ),
        ["agent1 assigned", "agent1 assigned"]
    );
}
