//! Every provider with payloads written from its public documentation (field names, nesting,
//! content type) and signatures computed here as the provider computes them: WhatsApp numbers
//! of one Meta app, validation at the edge, reactions, inbound media an agent downloads,
//! Postmark, Mailgun, SendGrid, Twilio and Zenvia in and out.

use crate::channels::{
    closed_hours, column, count, post_raw, setup, wa_message, wa_text, whatsapp_post, Setup,
    APP_SECRET, INBOUND_SECRET,
};
use crate::fake::FakeProvider;
use crate::helpers::{monday_noon, Request, TestApp, TestResponse};
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A channel of `kind` with these credentials, entering a new group of its own.
fn channel(app: &TestApp, kind: &str, name: &str, credentials: Value) -> Setup {
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, &format!("Entrada {name}"));
    let channel = app.make(
        &admin,
        "channels",
        json!({"type": kind, "name": name, "entry_group_id": group, "credentials": credentials}),
    );
    Setup {
        admin,
        group,
        channel,
    }
}

fn post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    headers: Vec<(&str, String)>,
    body: &[u8],
) -> TestResponse {
    app.send(Request {
        method: "POST",
        path,
        token: None,
        headers,
        content_type: Some(leak(content_type.to_owned())),
        body: body.to_vec(),
    })
}

/// agent1 is a ready member of the group, so the conversation is theirs.
pub fn agent_on(app: &TestApp, s: &Setup) -> String {
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"all": true}),
    )
    .assert_status(200);
    let agent = app.token("agent1");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
    agent
}

fn download(app: &TestApp, token: &str, attachment: i64) -> http::Response<Vec<u8>> {
    app.handle(
        http::Request::get(format!("/api/inbox/attachments/{attachment}"))
            .header("x-tenant", "demo")
            .header("authorization", format!("Bearer {token}"))
            .body(Vec::new())
            .unwrap(),
        None,
    )
}

/// A `multipart/form-data` body as a browser or a provider writes it.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "------------------------d74496d66958873e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (field, filename, content_type, data) in files {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend(*data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

// ---------------------------------------------------------------- WhatsApp: one app, two numbers

fn wa_change(phone_number_id: &str, from: &str, id: &str, text: &str) -> Value {
    json!({"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Maria Souza"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": "1763900000", "type": "text", "text": {"body": text}}]
    }})
}

#[test]
fn one_meta_app_with_two_numbers_stores_each_message_once_on_its_own_channel() {
    let graph = FakeProvider::start(vec![(200, r#"{"messages":[{"id":"wamid.OUT"}]}"#)]);
    let app = TestApp::spawn();
    let creds = |number: &str, secret: &str| {
        json!({"phone_number_id": number, "access_token": "t", "app_secret": secret,
        "verify_token": "v", "api_base_url": graph.url})
    };
    let sales = channel(&app, "whatsapp", "Vendas", creds("111111", APP_SECRET));
    let support = channel(&app, "whatsapp", "Suporte", creds("222222", APP_SECRET));
    let other_app = channel(
        &app,
        "whatsapp",
        "Outro app",
        creds("333333", "another-app-secret"),
    );
    // Only support is out of hours: its answer must leave from support's number.
    closed_hours(&app, &support);
    // The app's webhook carries both numbers' messages in one delivery.
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA_ID", "changes": [
        wa_change("111111", "5511987654321", "wamid.SALES1", "Quero comprar"),
        wa_change("222222", "5511987654321", "wamid.SUPPORT1", "Está quebrado"),
    ]}]});

    let first = whatsapp_post(&app, sales.channel, &body);
    // The same app's webhook configured on both channels' URLs delivers it there too.
    let second = whatsapp_post(&app, support.channel, &body);

    assert_eq!(
        (
            first.body["messages"].as_i64(),
            first.body["duplicates"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        (
            second.body["messages"].as_i64(),
            second.body["duplicates"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(
        column(&app, "SELECT channel_id || ' ' || channel_message_id FROM messages WHERE role = 'customer' ORDER BY channel_message_id"),
        [format!("{} wamid.SALES1", sales.channel), format!("{} wamid.SUPPORT1", support.channel)]
    );
    assert_eq!(
        column(&app, "SELECT channel_id || ' ' || group_id || ' ' || reply_to FROM conversations ORDER BY id"),
        [
            format!("{} {} 5511987654321", sales.channel, sales.group),
            format!("{} {} 5511987654321", support.channel, support.group)
        ]
    );
    // A number of another app (another secret) or of no channel is not taken on its word.
    for number in ["333333", "999999"] {
        let r = whatsapp_post(
            &app,
            sales.channel,
            &json!({"object": "whatsapp_business_account", "entry": [{"id": "W",
            "changes": [wa_change(number, "5511987654321", &format!("wamid.X{number}"), "oi")]}]}),
        );
        assert_eq!(r.body["ignored"], 1, "{number}");
    }
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM messages WHERE channel_id = {}",
                other_app.channel
            )
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE role = 'customer'"
        ),
        2
    );
    // The reply leaves from the number the customer wrote to.
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let sent: Vec<String> = graph.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(sent, ["/222222/messages"]);
}

// ---------------------------------------------------------------- validation at the edge

#[test]
fn bad_inbound_fields_are_refused_with_a_4xx_and_nothing_is_half_stored() {
    let app = TestApp::spawn();
    let wa = setup(&app, "whatsapp", None);
    let mut no_id = wa_text("5511987654321", "wamid.N1", "sem id");
    no_id["entry"][0]["changes"][0]["value"]["messages"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let r = whatsapp_post(&app, wa.channel, &no_id);
    r.assert_error(422, "validation_failed");
    assert_eq!(r.error_field(), "messages.id");
    // One good message and one with a sender that is no phone: neither is stored.
    let mut mixed = wa_text("5511987654321", "wamid.OK1", "bom");
    let bad = json!({"from": "abc", "id": "wamid.BAD1", "timestamp": "1", "type": "text", "text": {"body": "x"}});
    mixed["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap()
        .push(bad);
    whatsapp_post(&app, wa.channel, &mixed).assert_error(422, "validation_failed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), 0);
    // A WhatsApp id the phone metadata does not know is still the customer (Meta vouches for
    // it), kept without a phone.
    whatsapp_post(&app, wa.channel, &wa_text("99912345678", "wamid.U1", "oi")).assert_status(200);
    assert_eq!(
        column(&app, "SELECT COALESCE(phone, 'no phone') FROM clients"),
        ["no phone"]
    );
    let wa_messages = count(&app, "SELECT COUNT(*) FROM messages");

    let sms = setup(&app, "sms", None);
    let injection =
        json!({"id": "sms-x", "from": "'; DROP TABLE messages;--", "to": "ACME", "text": "oi"});
    let r = post_raw(
        &app,
        &format!("/hooks/sms/{}", sms.channel),
        vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
        injection.to_string().as_bytes(),
    );
    r.assert_error(422, "validation_failed");
    assert_eq!(r.error_field(), "from");

    let email = setup(&app, "email", None);
    let shapeless = json!({"from": "ana@cliente.com.br", "message_id": "<m9@cliente.com.br>", "text": "segue",
        "attachments": [{"filename": 1, "content": 5}]});
    post_raw(
        &app,
        &format!("/hooks/email/{}", email.channel),
        vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
        shapeless.to_string().as_bytes(),
    )
    .assert_error(422, "validation_failed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages"), wa_messages);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clients"), 1);
}

// ---------------------------------------------------------------- reactions

#[test]
fn a_whatsapp_reaction_marks_the_message_it_refers_to_and_never_blanks_the_last_message() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.R1", "Chegou quebrado"),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511987654321", "wamid.R2", "Podem trocar?"),
    )
    .assert_status(200);
    let react = |emoji: &str| {
        wa_message(
            "5511987654321",
            "Maria Souza",
            "wamid.R3",
            json!({"type": "reaction", "reaction": {"message_id": "wamid.R1", "emoji": emoji}}),
        )
    };

    let r = whatsapp_post(&app, s.channel, &react("😢"));

    assert_eq!(
        (r.body["updates"].as_i64(), r.body["messages"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        column(
            &app,
            "SELECT COALESCE(json_extract(payload, '$.reaction'), '-') FROM messages ORDER BY id"
        ),
        ["😢", "-"]
    );
    assert_eq!(
        column(&app, "SELECT body FROM messages ORDER BY id DESC LIMIT 1"),
        ["Podem trocar?"]
    );
    // Taken back (the emoji is empty): the mark goes.
    whatsapp_post(&app, s.channel, &react("")).assert_status(200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE json_extract(payload, '$.reaction') IS NOT NULL"
        ),
        0
    );
}

// ---------------------------------------------------------------- inbound media

#[test]
fn an_agent_downloads_an_inbound_whatsapp_photo() {
    let storage = FakeProvider::start(vec![(200, "JPEG-BYTES-OF-THE-PHOTO")]);
    // GET /{media-id} answers the download URL (Cloud API "Retrieve media URL").
    let media_url = leak(format!(
        r#"{{"messaging_product":"whatsapp","url":"{}/whatsapp_business/attachments/?mid=MEDIA1&ext=1","mime_type":"image/jpeg","sha256":"5f1c","file_size":23,"id":"MEDIA1"}}"#,
        storage.url
    ));
    let graph = FakeProvider::start(vec![(200, media_url)]);
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", Some(&graph.url));
    let agent = agent_on(&app, &s);
    whatsapp_post(&app, s.channel, &wa_message("5511987654321", "Maria Souza", "wamid.P1",
        json!({"type": "image", "image": {"caption": "o boleto", "mime_type": "image/jpeg", "sha256": "5f1c", "id": "MEDIA1"}})))
    .assert_status(200);
    assert_eq!(
        column(
            &app,
            "SELECT json_extract(payload, '$.media.status') FROM messages"
        ),
        ["pending"]
    );

    let tick = app.app.tick().unwrap();

    assert_eq!(tick.media.fetched, 1);
    let asked = graph.received();
    assert_eq!(
        (asked[0].method.as_str(), asked[0].path.as_str()),
        ("GET", "/MEDIA1")
    );
    assert_eq!(
        asked[0].header("authorization"),
        Some("Bearer wa-access-token")
    );
    assert_eq!(
        storage.received()[0].header("authorization"),
        Some("Bearer wa-access-token")
    );
    let message = app.get(
        &agent,
        &format!(
            "/api/inbox/conversations/{}/messages",
            count(&app, "SELECT id FROM conversations")
        ),
    );
    let item = &message.body["items"][0];
    assert_eq!(
        item["payload"]["media"]["status"], "fetched",
        "{}",
        message.body
    );
    let file = download(&app, &agent, item["attachment_id"].as_i64().unwrap());
    assert_eq!(file.status(), 200);
    assert_eq!(file.body(), b"JPEG-BYTES-OF-THE-PHOTO");
    assert_eq!(file.headers()["content-type"], "image/jpeg");
    // The agent's feed said the message changed (the file arrived).
    let feed = app.get(&agent, "/api/inbox/events?after=0");
    assert!(
        feed.body.to_string().contains("message_updated"),
        "{}",
        feed.body
    );
}

#[test]
fn an_agent_downloads_an_inbound_telegram_voice_note_after_a_failed_fetch_is_retried() {
    let bot = FakeProvider::start(vec![
        (
            502,
            r#"{"ok":false,"error_code":502,"description":"Bad Gateway"}"#,
        ),
        (
            200,
            r#"{"ok":true,"result":{"file_id":"AwACAgEAAxkBAAIB","file_unique_id":"AgADuQ","file_size":9,"file_path":"voice/file_7.oga"}}"#,
        ),
        (200, "OGG-VOICE"),
    ]);
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", Some(&bot.url));
    let agent = agent_on(&app, &s);
    let update = json!({"update_id": 9001, "message": {"message_id": 44, "date": 1763900000,
        "from": {"id": 777001, "is_bot": false, "first_name": "João", "language_code": "pt-br"},
        "chat": {"id": 777001, "first_name": "João", "type": "private"},
        "voice": {"duration": 3, "mime_type": "audio/ogg", "file_id": "AwACAgEAAxkBAAIB", "file_unique_id": "AgADuQ", "file_size": 9}}});
    post_raw(
        &app,
        &format!("/hooks/telegram/{}", s.channel),
        vec![(
            "x-telegram-bot-api-secret-token",
            crate::channels::TG_SECRET.to_owned(),
        )],
        update.to_string().as_bytes(),
    )
    .assert_status(200);

    assert_eq!(app.app.tick().unwrap().media.retried, 1);
    // The agent sees why the voice note is not there yet.
    assert_eq!(
        column(&app, "SELECT json_extract(payload, '$.media.status') || ': ' || json_extract(payload, '$.media.error') FROM messages"),
        ["retrying: provider answered 502"]
    );
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.app.tick().unwrap().media.fetched, 1);

    let paths: Vec<String> = bot.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/bot123:ABC/getFile?file_id=AwACAgEAAxkBAAIB",
            "/bot123:ABC/getFile?file_id=AwACAgEAAxkBAAIB",
            "/file/bot123:ABC/voice/file_7.oga"
        ]
    );
    let attachment = count(&app, "SELECT attachment_id FROM messages");
    let file = download(&app, &agent, attachment);
    assert_eq!(file.status(), 200);
    assert_eq!(file.body(), b"OGG-VOICE");
    assert_eq!(file.headers()["content-type"], "audio/ogg");
    assert_eq!(
        column(&app, "SELECT filename FROM attachments"),
        [format!(
            "audio-{}.ogg",
            count(&app, "SELECT id FROM messages")
        )]
    );
}

#[test]
fn media_of_a_type_we_do_not_keep_fails_at_once_with_the_reason() {
    let bot = FakeProvider::start(vec![
        (
            200,
            r#"{"ok":true,"result":{"file_id":"EXE","file_unique_id":"u","file_size":4,"file_path":"documents/file_1.exe"}}"#,
        ),
        (200, "MZ.."),
    ]);
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", Some(&bot.url));
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "first_name": "X"},
        "document": {"file_name": "setup.exe", "mime_type": "application/x-msdownload", "file_id": "EXE", "file_unique_id": "u", "file_size": 4}}});
    post_raw(
        &app,
        &format!("/hooks/telegram/{}", s.channel),
        vec![(
            "x-telegram-bot-api-secret-token",
            crate::channels::TG_SECRET.to_owned(),
        )],
        update.to_string().as_bytes(),
    )
    .assert_status(200);
    assert_eq!(app.app.tick().unwrap().media.failed, 1);
    assert_eq!(
        column(&app, "SELECT json_extract(payload, '$.media.status') || ': ' || json_extract(payload, '$.media.error') FROM messages"),
        ["failed: files of type application/x-msdownload are not kept"]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attachments"), 0);
}

// ---------------------------------------------------------------- outbound without an id

#[test]
fn sends_the_provider_answers_without_an_id_are_sent_with_no_id() {
    let provider = FakeProvider::start(vec![(200, "{}")]);
    let app = TestApp::spawn();
    let s = setup(&app, "sms", Some(&provider.url));
    closed_hours(&app, &s);
    for (i, phone) in ["+5511987654321", "+5521999990000"].iter().enumerate() {
        let sms = json!({"id": format!("sms-{i}"), "from": phone, "to": "ACME", "text": "oi"});
        post_raw(
            &app,
            &format!("/hooks/sms/{}", s.channel),
            vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
            sms.to_string().as_bytes(),
        )
        .assert_status(200);
    }

    let tick = app.app.tick().unwrap();

    assert_eq!((tick.messages_sent, tick.messages_failed), (2, 0));
    assert_eq!(
        column(&app, "SELECT delivery || ' ' || COALESCE(channel_message_id, 'no id') FROM messages WHERE role = 'system'"),
        ["sent no id", "sent no id"]
    );
}

// ---------------------------------------------------------------- e-mail providers

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{password}").as_bytes()))
}

/// Postmark's inbound webhook JSON, as its documentation's example.
fn postmark_mail(
    message_id: &str,
    from: &str,
    header_id: &str,
    in_reply_to: Option<&str>,
) -> Value {
    let mut headers = vec![
        json!({"Name": "X-Spam-Status", "Value": "No"}),
        json!({"Name": "Message-ID", "Value": header_id}),
    ];
    if let Some(parent) = in_reply_to {
        headers.push(json!({"Name": "In-Reply-To", "Value": parent}));
    }
    json!({"FromName": "Ana Paula", "MessageStream": "inbound", "From": from,
        "FromFull": {"Email": from, "Name": "Ana Paula", "MailboxHash": ""},
        "To": "\"Suporte\" <suporte@acme.com>",
        "ToFull": [{"Email": "suporte@acme.com", "Name": "Suporte", "MailboxHash": ""}],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [], "OriginalRecipient": "suporte@acme.com",
        "Subject": "Pedido 123", "MessageID": message_id, "ReplyTo": "", "MailboxHash": "",
        "Date": "Mon, 23 Nov 2026 12:00:00 -0300", "TextBody": "Meu pedido não chegou.",
        "HtmlBody": "<html><body><p>Meu pedido <b>não</b> chegou.</p><script>alert(1)</script></body></html>",
        "StrippedTextReply": "", "Tag": "", "Headers": headers,
        "Attachments": [{"Name": "nota.txt", "Content": b64(b"nota fiscal 123"), "ContentType": "text/plain", "ContentLength": 15},
                        {"Name": "boleto.exe", "Content": b64(b"MZ\x90\x00"), "ContentType": "application/x-msdownload", "ContentLength": 4}]})
}

#[test]
fn postmark_inbound_with_basic_auth_threads_replies_and_replies_go_out_through_postmark() {
    let postmark = FakeProvider::start(vec![(
        200,
        r#"{"To":"ana@cliente.com.br","SubmittedAt":"2026-11-23T12:00:01-03:00","MessageID":"0a129aee-e1cd-480d-b08d-4f48548ff48d","ErrorCode":0,"Message":"OK"}"#,
    )]);
    let app = TestApp::spawn();
    let s = channel(
        &app,
        "email",
        "Postmark",
        json!({"provider": "postmark", "inbound_user": "atende",
        "inbound_secret": "pm-hook-pass", "from_address": "suporte@acme.com", "api_key": "pm-server-token", "plus_address": "true",
        "send_url": format!("{}/email", postmark.url)}),
    );
    closed_hours(&app, &s);
    let path = format!("/hooks/email/{}", s.channel);
    let mail = postmark_mail(
        "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ana@cliente.com.br",
        "<CAF1@mail.cliente.com.br>",
        None,
    );
    let send = |auth: Option<String>, body: &Value| {
        let headers = auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        post(
            &app,
            &path,
            "application/json",
            headers,
            body.to_string().as_bytes(),
        )
    };

    send(None, &mail).assert_error(401, "bad_signature");
    send(Some(basic("atende", "guess")), &mail).assert_error(401, "bad_signature");
    let r = send(Some(basic("atende", "pm-hook-pass")), &mail);
    let replay = send(Some(basic("atende", "pm-hook-pass")), &mail);

    assert_eq!(r.body["messages"], 3, "{}", r.body);
    assert_eq!(replay.body["duplicates"], 3);
    // An executable is not kept, but the e-mail is, and the agent reads why.
    assert_eq!(
        column(&app, "SELECT body || ' ' || COALESCE(json_extract(payload, '$.media.error'), '-') FROM messages WHERE role = 'customer' ORDER BY id"),
        [
            "Meu pedido não chegou. -",
            "nota.txt -",
            "boleto.exe not kept: files of type application/x-msdownload are not kept"
        ]
    );
    let html = column(&app, "SELECT json_extract(payload, '$.html') FROM messages WHERE kind = 'text' AND role = 'customer'");
    assert!(
        html[0].contains("<b>não</b>") && !html[0].contains("script"),
        "{html:?}"
    );
    assert_eq!(
        column(
            &app,
            "SELECT filename || ' ' || content_type FROM attachments"
        ),
        ["nota.txt text/plain"]
    );
    // A colleague in copy answers the thread: it joins the same conversation.
    let cc = postmark_mail(
        "a8c1-2",
        "colega@cliente.com.br",
        "<CAF2@mail.cliente.com.br>",
        Some("<CAF1@mail.cliente.com.br>"),
    );
    send(Some(basic("atende", "pm-hook-pass")), &cc).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clients"), 1);
    // So does a mail to the conversation's plus-address, with no thread headers at all.
    let mut tagged = postmark_mail(
        "b9d2-3",
        "gerente@cliente.com.br",
        "<CAF3@mail.cliente.com.br>",
        None,
    );
    tagged["ToFull"] = json!([{"Email": "suporte+EM00000000001@acme.com", "Name": "", "MailboxHash": "EM00000000001"}]);
    tagged["OriginalRecipient"] = json!("suporte+EM00000000001@acme.com");
    send(Some(basic("atende", "pm-hook-pass")), &tagged).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);

    // The out-of-hours answer leaves through Postmark's send API.
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let sent = &postmark.received()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/email")
    );
    assert_eq!(
        sent.header("x-postmark-server-token"),
        Some("pm-server-token")
    );
    let body = sent.json();
    assert_eq!(
        (
            body["From"].as_str(),
            body["To"].as_str(),
            body["Subject"].as_str()
        ),
        (
            Some("suporte@acme.com"),
            Some("ana@cliente.com.br"),
            Some("Re: Pedido 123")
        )
    );
    assert_eq!(
        column(
            &app,
            "SELECT channel_message_id FROM messages WHERE role = 'system'"
        ),
        ["0a129aee-e1cd-480d-b08d-4f48548ff48d"]
    );
}

fn hmac_sha256_hex(key: &str, data: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn mailgun_route_forwards_are_verified_by_signature_and_timestamp() {
    let app = TestApp::spawn();
    let s = channel(
        &app,
        "email",
        "Mailgun",
        json!({"provider": "mailgun", "signing_key": "key-mg-signing",
        "from_address": "suporte@acme.com", "api_key": "mg-api"}),
    );
    let path = format!("/hooks/email/{}", s.channel);
    let now = monday_noon().timestamp();
    let token = "50f0b3d2b1c14b8a8e0a6f0f3f0c7e9d1a2b3c4d5e6f7a8b9c";
    let headers = r#"[["Received", "by mx.mailgun.org"], ["Message-Id", "<CAMg1@mail.cliente.com.br>"], ["Subject", "Troca"]]"#;
    let form = |timestamp: i64, signature: &str| {
        let ts = timestamp.to_string();
        multipart(
            &[
                ("recipient", "suporte@acme.com"),
                ("sender", "bruno@cliente.com.br"),
                ("from", "Bruno Lima <bruno@cliente.com.br>"),
                ("subject", "Troca"),
                ("body-plain", "Quero trocar o produto.\n\n> citado"),
                ("stripped-text", "Quero trocar o produto."),
                ("body-html", "<p>Quero trocar o produto.</p>"),
                ("message-headers", headers),
                ("attachment-count", "1"),
                ("timestamp", &ts),
                ("token", token),
                ("signature", signature),
            ],
            &[("attachment-1", "foto.png", "image/png", b"\x89PNG-bytes")],
        )
    };
    let send =
        |(content_type, body): (String, Vec<u8>)| post(&app, &path, &content_type, vec![], &body);
    let signed = |ts: i64| hmac_sha256_hex("key-mg-signing", &format!("{ts}{token}"));

    send(form(
        now,
        &hmac_sha256_hex("wrong-key", &format!("{now}{token}")),
    ))
    .assert_error(401, "bad_signature");
    let stale = now - 3600;
    send(form(stale, &signed(stale))).assert_error(401, "stale_signature");
    let r = send(form(now, &signed(now)));
    let replay = send(form(now, &signed(now)));

    assert_eq!(r.body["messages"], 2, "{}", r.body);
    assert_eq!(replay.body["duplicates"], 2);
    assert_eq!(
        column(&app, "SELECT body FROM messages ORDER BY id"),
        ["Quero trocar o produto.", "foto.png"]
    );
    assert_eq!(
        column(&app, "SELECT display_name || ' ' || email FROM clients"),
        ["Bruno Lima bruno@cliente.com.br"]
    );
    assert_eq!(
        column(&app, "SELECT content_type || ' ' || size FROM attachments"),
        ["image/png 10"]
    );
}

#[test]
fn sendgrid_inbound_parse_posts_are_read_with_basic_auth() {
    let app = TestApp::spawn();
    let s = channel(
        &app,
        "email",
        "SendGrid",
        json!({"provider": "sendgrid", "inbound_secret": "sg-pass",
        "from_address": "suporte@acme.com", "api_key": "SG.key"}),
    );
    let path = format!("/hooks/email/{}", s.channel);
    let raw_headers = "Received: by mx0047p1mdw1.sendgrid.net\nMessage-ID: <CASg1@mail.cliente.com.br>\nSubject: Boleto\nFrom: Carla Dias <carla@cliente.com.br>\nTo: suporte@acme.com";
    let (content_type, body) = multipart(
        &[
            ("headers", raw_headers),
            ("dkim", "{@cliente.com.br : pass}"),
            ("content-ids", "{}"),
            ("to", "suporte@acme.com"),
            ("from", "Carla Dias <carla@cliente.com.br>"),
            ("subject", "Boleto"),
            ("text", "Segue o comprovante."),
            ("html", "<div>Segue o comprovante.</div>"),
            ("sender_ip", "209.85.1.1"),
            (
                "envelope",
                r#"{"to":["suporte@acme.com"],"from":"carla@cliente.com.br"}"#,
            ),
            ("attachments", "1"),
            (
                "attachment-info",
                r#"{"attachment1":{"filename":"comprovante.pdf","name":"comprovante.pdf","type":"application/pdf"}}"#,
            ),
            (
                "charsets",
                r#"{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}"#,
            ),
            ("SPF", "pass"),
        ],
        &[(
            "attachment1",
            "comprovante.pdf",
            "application/pdf",
            b"%PDF-1.4 fake",
        )],
    );
    post(
        &app,
        &path,
        &content_type,
        vec![("authorization", basic("sendgrid", "nope"))],
        &body,
    )
    .assert_error(401, "bad_signature");

    let r = post(
        &app,
        &path,
        &content_type,
        vec![("authorization", basic("sendgrid", "sg-pass"))],
        &body,
    );

    assert_eq!(r.body["messages"], 2, "{}", r.body);
    assert_eq!(
        column(&app, "SELECT channel_message_id FROM messages ORDER BY id"),
        [
            "<CASg1@mail.cliente.com.br>",
            "<CASg1@mail.cliente.com.br>#0"
        ]
    );
    assert_eq!(
        column(
            &app,
            "SELECT filename || ' ' || content_type FROM attachments"
        ),
        ["comprovante.pdf application/pdf"]
    );
}

#[test]
fn sendgrid_signed_inbound_parse_posts_are_verified_by_their_ecdsa_signature() {
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::EncodePublicKey;
    // The key pair SendGrid keeps the private half of; the channel holds the public key as
    // SendGrid shows it (base64 DER).
    let signing = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let public = b64(p256::PublicKey::from(signing.verifying_key())
        .to_public_key_der()
        .unwrap()
        .as_bytes());
    let app = TestApp::spawn();
    let s = channel(
        &app,
        "email",
        "SendGrid assinado",
        json!({"provider": "sendgrid", "verification_key": public,
        "from_address": "suporte@acme.com", "api_key": "SG.key"}),
    );
    let path = format!("/hooks/email/{}", s.channel);
    let (content_type, body) = multipart(
        &[
            (
                "headers",
                "Message-ID: <CASg2@mail.cliente.com.br>\nSubject: Oi",
            ),
            ("from", "dora@cliente.com.br"),
            ("to", "suporte@acme.com"),
            ("subject", "Oi"),
            ("text", "Tudo certo?"),
        ],
        &[],
    );
    let sign = |timestamp: &str, body: &[u8]| {
        let mut signed = timestamp.as_bytes().to_vec();
        signed.extend_from_slice(body);
        let signature: p256::ecdsa::Signature = signing.sign(&signed);
        b64(signature.to_der().as_bytes())
    };
    let send = |timestamp: &str, signature: String| {
        post(
            &app,
            &path,
            &content_type,
            vec![
                (
                    "x-twilio-email-event-webhook-timestamp",
                    timestamp.to_owned(),
                ),
                ("x-twilio-email-event-webhook-signature", signature),
            ],
            &body,
        )
    };
    let now = monday_noon().timestamp().to_string();
    let stale = (monday_noon().timestamp() - 3600).to_string();

    send(&now, sign(&now, b"another body")).assert_error(401, "bad_signature");
    send(&stale, sign(&stale, &body)).assert_error(401, "stale_signature");
    let r = send(&now, sign(&now, &body));
    let replay = send(&now, sign(&now, &body));

    assert_eq!(r.body["messages"], 1, "{}", r.body);
    assert_eq!(replay.body["duplicates"], 1);
    assert_eq!(column(&app, "SELECT body FROM messages"), ["Tudo certo?"]);
}

// ---------------------------------------------------------------- SMS providers

/// Twilio's `X-Twilio-Signature`: the URL, then each POST parameter's name and value sorted by
/// name, HMAC-SHA1 with the auth token, base64.
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let data = sorted
        .iter()
        .fold(url.to_owned(), |acc, (k, v)| format!("{acc}{k}{v}"));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    b64(&mac.finalize().into_bytes())
}

fn form_body(params: &[(&str, &str)]) -> Vec<u8> {
    params
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                            (b as char).to_string()
                        }
                        b' ' => "+".to_owned(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

#[test]
fn twilio_sms_and_mms_are_verified_by_signature_and_replies_report_delivery() {
    let twilio = FakeProvider::start(vec![
        (
            201,
            r#"{"sid":"SMout0000000000000000000000000001","status":"queued","error_code":null,"error_message":null}"#,
        ),
        (200, "JPEG-FROM-MMS"),
    ]);
    let app = TestApp::spawn();
    let hook_url = "https://atende.example.com/hooks/sms/twilio";
    let s = channel(
        &app,
        "sms",
        "Twilio",
        json!({"provider": "twilio", "account_sid": "AC0123456789abcdef0123456789abcdef",
        "auth_token": "tw-auth-token", "sender": "+15005550006", "webhook_url": hook_url,
        "send_url": format!("{}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", twilio.url)}),
    );
    closed_hours(&app, &s);
    let path = format!("/hooks/sms/{}", s.channel);
    let media_url = leak(format!(
        "{}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM1/Media/ME1",
        twilio.url
    ));
    let params: Vec<(&str, &str)> = vec![
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", "MM1"),
        ("NumMedia", "1"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", "MM1"),
        ("FromState", "SP"),
        ("SmsStatus", "received"),
        ("FromCity", "SAO PAULO"),
        ("Body", "Foto da avaria"),
        ("FromCountry", "BR"),
        ("To", "+15005550006"),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", "MM1"),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("From", "+5511987654321"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl0", media_url),
        ("ApiVersion", "2010-04-01"),
    ];
    let send = |params: &[(&str, &str)], signature: String| {
        post(
            &app,
            &path,
            "application/x-www-form-urlencoded",
            vec![("x-twilio-signature", signature)],
            &form_body(params),
        )
    };

    send(&params, twilio_signature("wrong-token", hook_url, &params))
        .assert_error(401, "bad_signature");
    let r = send(
        &params,
        twilio_signature("tw-auth-token", hook_url, &params),
    );
    let replay = send(
        &params,
        twilio_signature("tw-auth-token", hook_url, &params),
    );

    assert_eq!(r.body["messages"], 2, "{}", r.body);
    assert_eq!(replay.body["duplicates"], 2);
    assert_eq!(
        column(&app, "SELECT phone FROM clients"),
        ["+5511987654321"]
    );
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["SM00000000001"]
    );

    // One tick: the out-of-hours reply leaves through the Messages API, the MMS photo arrives.
    let tick = app.app.tick().unwrap();
    assert_eq!((tick.messages_sent, tick.media.fetched), (1, 1));
    let sent = twilio.received();
    assert_eq!(
        sent[0].path,
        "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    );
    assert_eq!(
        sent[0].header("authorization"),
        Some(basic("AC0123456789abcdef0123456789abcdef", "tw-auth-token").as_str())
    );
    assert_eq!(
        sent[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(
        sent[0].body.contains("To=%2B5511987654321") && sent[0].body.contains("StatusCallback="),
        "{}",
        sent[0].body
    );
    assert_eq!(
        sent[1].header("authorization"),
        Some(basic("AC0123456789abcdef0123456789abcdef", "tw-auth-token").as_str())
    );
    assert_eq!(
        column(&app, "SELECT content_type || ' ' || size FROM attachments"),
        ["image/jpeg 13"]
    );

    // Twilio's status callback moves the reply to delivered.
    let status: Vec<(&str, &str)> = vec![
        ("SmsSid", "SMout0000000000000000000000000001"),
        ("SmsStatus", "delivered"),
        ("MessageStatus", "delivered"),
        ("To", "+5511987654321"),
        ("MessageSid", "SMout0000000000000000000000000001"),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("From", "+15005550006"),
        ("ApiVersion", "2010-04-01"),
    ];
    send(
        &status,
        twilio_signature("tw-auth-token", hook_url, &status),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["delivered"]
    );
}

#[test]
fn zenvia_sms_arrive_with_the_subscription_header_and_replies_report_delivery() {
    let zenvia = FakeProvider::start(vec![(
        200,
        r#"{"id":"c1b4a9f3-zv-out-1","from":"acme","to":"5511987654321","direction":"OUT","channel":"sms","contents":[{"type":"text","text":"Fechado (pt)"}]}"#,
    )]);
    let app = TestApp::spawn();
    let s = channel(
        &app,
        "sms",
        "Zenvia",
        json!({"provider": "zenvia", "inbound_secret": INBOUND_SECRET,
        "api_key": "zv-api-token", "sender": "acme", "send_url": format!("{}/v2/channels/sms/messages", zenvia.url)}),
    );
    closed_hours(&app, &s);
    let path = format!("/hooks/sms/{}", s.channel);
    let event = json!({"id": "8d1e1c5a-ev-1", "timestamp": "2026-11-23T15:00:00.000Z", "type": "MESSAGE",
        "subscriptionId": "sub-1", "channel": "sms", "direction": "IN",
        "message": {"id": "zv-in-1", "from": "5511987654321", "to": "acme", "direction": "IN", "channel": "sms",
                    "contents": [{"type": "text", "text": "Quero cancelar"}], "timestamp": "2026-11-23T15:00:00.000Z"}});
    post_raw(&app, &path, vec![], event.to_string().as_bytes()).assert_error(401, "bad_signature");

    let r = post_raw(
        &app,
        &path,
        vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
        event.to_string().as_bytes(),
    );

    assert_eq!(r.body["messages"], 1, "{}", r.body);
    let replay = post_raw(
        &app,
        &path,
        vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
        event.to_string().as_bytes(),
    );
    assert_eq!(replay.body["duplicates"], 1);
    assert_eq!(
        column(&app, "SELECT phone FROM clients"),
        ["+5511987654321"]
    );
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);
    let sent = &zenvia.received()[0];
    assert_eq!(sent.header("x-api-token"), Some("zv-api-token"));
    assert_eq!(sent.json()["to"], "5511987654321");
    assert_eq!(sent.json()["contents"][0]["type"], "text");
    let status = json!({"id": "ev-2", "timestamp": "2026-11-23T15:00:05.000Z", "type": "MESSAGE_STATUS",
        "subscriptionId": "sub-2", "channel": "sms", "messageId": "c1b4a9f3-zv-out-1", "contentIndex": 0,
        "messageStatus": {"timestamp": "2026-11-23T15:00:05.000Z", "code": "DELIVERED", "description": "Delivered"}});
    post_raw(
        &app,
        &path,
        vec![("x-atende-secret", INBOUND_SECRET.to_owned())],
        status.to_string().as_bytes(),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["delivered"]
    );
}

// ---------------------------------------------------------------- Messenger and Instagram

fn meta_post(
    app: &TestApp,
    network: &str,
    channel: i64,
    body: &Value,
    secret: &str,
) -> TestResponse {
    let raw = body.to_string();
    let signature = format!("sha256={}", hmac_sha256_hex_bytes(secret, raw.as_bytes()));
    post_raw(
        app,
        &format!("/hooks/{network}/{channel}"),
        vec![("x-hub-signature-256", signature)],
        raw.as_bytes(),
    )
}

fn hmac_sha256_hex_bytes(key: &str, data: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Messenger Platform webhook body: one entry for `account` with these messaging items.
fn messaging(object: &str, account: &str, items: Vec<Value>) -> Value {
    json!({"object": object, "entry": [{"id": account, "time": 1763900000000_i64, "messaging": items}]})
}

fn inbound(sender: &str, account: &str, message: Value) -> Value {
    json!({"sender": {"id": sender}, "recipient": {"id": account}, "timestamp": 1763900000000_i64, "message": message})
}

#[test]
fn the_history_filters_by_messenger_and_instagram_like_any_channel() {
    let app = TestApp::spawn();
    let page = "106728097004746";
    let account = "17841405793187218";
    let fb = channel(
        &app,
        "messenger",
        "Página",
        json!({"page_id": page, "access_token": "t", "app_secret": APP_SECRET, "verify_token": "v"}),
    );
    let ig = channel(
        &app,
        "instagram",
        "Instagram",
        json!({"account_id": account, "access_token": "t", "app_secret": APP_SECRET, "verify_token": "v"}),
    );
    for (network, object, id, setup, mid) in [
        ("messenger", "page", page, &fb, "m_hist_fb"),
        ("instagram", "instagram", account, &ig, "m_hist_ig"),
    ] {
        let body = messaging(
            object,
            id,
            vec![inbound(
                "7008009123456789",
                id,
                json!({"mid": mid, "text": "Oi"}),
            )],
        );
        meta_post(&app, network, setup.channel, &body, APP_SECRET).assert_status(200);
    }
    let protocols = |channel: &str| {
        let r = app.get(
            &fb.admin,
            &format!("/api/reports/history?include_open=true&channel={channel}"),
        );
        r.assert_status(200);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["protocol"].as_str().unwrap()[..2].to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(protocols("messenger"), ["FB"]);
    assert_eq!(protocols("instagram"), ["IG"]);
    app.get(&fb.admin, "/api/reports/history?channel=orkut")
        .assert_error(422, "validation_failed");
}

#[test]
fn messenger_and_instagram_messages_route_by_account_carry_media_and_replies_go_out() {
    let cdn = FakeProvider::serving("image/png", vec![(200, "PNG-FROM-MESSENGER")]);
    let graph = FakeProvider::start(vec![(
        200,
        r#"{"recipient_id":"7008009123456789","message_id":"m_out_1"}"#,
    )]);
    let app = TestApp::spawn();
    let page = "106728097004746";
    let fb = channel(
        &app,
        "messenger",
        "Página",
        json!({"page_id": page, "access_token": "page-token",
        "app_secret": APP_SECRET, "verify_token": "fb-verify", "api_base_url": graph.url}),
    );
    let ig = channel(
        &app,
        "instagram",
        "Instagram",
        json!({"account_id": "17841405793187218", "access_token": "ig-token",
        "app_secret": APP_SECRET, "verify_token": "ig-verify"}),
    );
    closed_hours(&app, &fb);
    let handshake = app.handle(
        http::Request::get(format!("/hooks/messenger/{}?hub.mode=subscribe&hub.verify_token=fb-verify&hub.challenge=CHALLENGE_ACCEPTED", fb.channel))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(
        (handshake.status().as_u16(), handshake.body().as_slice()),
        (200, &b"CHALLENGE_ACCEPTED"[..])
    );
    let handshake = app.handle(
        http::Request::get(format!("/hooks/instagram/{}?hub.mode=subscribe&hub.verify_token=ig-verify&hub.challenge=IG_CHALLENGE", ig.channel))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(
        (handshake.status().as_u16(), handshake.body().as_slice()),
        (200, &b"IG_CHALLENGE"[..])
    );
    let text = messaging(
        "page",
        page,
        vec![inbound(
            "7008009123456789",
            page,
            json!({"mid": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", "text": "Olá, vocês entregam?"}),
        )],
    );
    meta_post(&app, "messenger", fb.channel, &text, "forged-secret")
        .assert_error(401, "bad_signature");

    let r = meta_post(&app, "messenger", fb.channel, &text, APP_SECRET);
    let photo = messaging(
        "page",
        page,
        vec![inbound(
            "7008009123456789",
            page,
            json!({"mid": "m_photo_1", "attachments": [{"type": "image", "payload": {"url": format!("{}/v/t1.15752-9/photo.png", cdn.url)}}]}),
        )],
    );
    meta_post(&app, "messenger", fb.channel, &photo, APP_SECRET).assert_status(200);
    let echo = messaging(
        "page",
        page,
        vec![
            json!({"sender": {"id": page}, "recipient": {"id": "7008009123456789"},
        "timestamp": 1763900000001_i64, "message": {"mid": "m_echo", "is_echo": true, "app_id": 1517776481860111_i64, "text": "eco"}}),
        ],
    );
    let echoed = meta_post(&app, "messenger", fb.channel, &echo, APP_SECRET);

    assert_eq!(r.body["messages"], 1, "{}", r.body);
    assert_eq!(
        meta_post(&app, "messenger", fb.channel, &text, APP_SECRET).body["duplicates"],
        1
    );
    assert_eq!(echoed.body["ignored"], 1);
    assert_eq!(
        column(&app, "SELECT protocol FROM conversations"),
        ["FB00000000001"]
    );
    let tick = app.app.tick().unwrap();
    assert_eq!((tick.messages_sent, tick.media.fetched), (1, 1));
    assert_eq!(
        column(&app, "SELECT content_type || ' ' || size FROM attachments"),
        ["image/png 18"]
    );
    // The out-of-hours answer leaves through the Send API to the customer's page-scoped id.
    let sent = &graph.received()[0];
    assert_eq!(
        (sent.path.as_str(), sent.header("authorization")),
        ("/me/messages", Some("Bearer page-token"))
    );
    assert_eq!(sent.json()["recipient"]["id"], "7008009123456789");
    assert_eq!(sent.json()["messaging_type"], "RESPONSE");
    // Delivery reports name the message ids.
    let delivery = messaging(
        "page",
        page,
        vec![
            json!({"sender": {"id": "7008009123456789"}, "recipient": {"id": page},
        "delivery": {"mids": ["m_out_1"], "watermark": 1763900000002_i64}}),
        ],
    );
    meta_post(&app, "messenger", fb.channel, &delivery, APP_SECRET).assert_status(200);
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["delivered"]
    );

    // A reaction marks the message, an edit replaces its text, a button press is an answer.
    let person = |item: Value| {
        let mut item = item;
        item["sender"] = json!({"id": "7008009123456789"});
        item["recipient"] = json!({"id": page});
        item["timestamp"] = json!(1763900000003_i64);
        messaging("page", page, vec![item])
    };
    let updates = [
        json!({"reaction": {"mid": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", "action": "react", "reaction": "love", "emoji": "❤️"}}),
        json!({"message_edit": {"mid": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", "text": "Olá, vocês entregam em Campinas?", "num_edit": 1}}),
        json!({"postback": {"mid": "m_postback_1", "title": "Falar com atendente", "payload": "HUMAN"}}),
    ];
    for update in updates {
        meta_post(&app, "messenger", fb.channel, &person(update), APP_SECRET).assert_status(200);
    }
    assert_eq!(
        column(&app, "SELECT kind || ' ' || body || ' ' || COALESCE(json_extract(payload, '$.reaction'), '-') \
                      || ' ' || COALESCE(json_extract(payload, '$.edits[0].body'), '-') \
                      FROM messages WHERE role = 'customer' AND kind <> 'image' ORDER BY id"),
        [
            "text Olá, vocês entregam em Campinas? ❤️ Olá, vocês entregam?",
            "interactive Falar com atendente - -"
        ]
    );

    // Instagram: the same family, its own account id and protocol.
    let dm = messaging(
        "instagram",
        "17841405793187218",
        vec![inbound(
            "1780998762112233",
            "17841405793187218",
            json!({"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", "text": "Oi! Tem o tênis 42?"}),
        )],
    );
    assert_eq!(
        meta_post(&app, "instagram", ig.channel, &dm, APP_SECRET).body["messages"],
        1
    );
    assert_eq!(
        column(
            &app,
            "SELECT protocol || ' ' || channel_id FROM conversations ORDER BY id"
        ),
        [
            format!("FB00000000001 {}", fb.channel),
            format!("IG00000000002 {}", ig.channel)
        ]
    );
    // An Instagram body on the Messenger hook is refused.
    meta_post(&app, "messenger", fb.channel, &dm, APP_SECRET)
        .assert_error(422, "validation_failed");
}

#[test]
fn an_agents_file_goes_to_messenger_as_an_uploaded_attachment() {
    let graph = FakeProvider::start(vec![
        (
            200,
            r#"{"recipient_id":"7008009123456789","message_id":"m_caption"}"#,
        ),
        (
            200,
            r#"{"recipient_id":"7008009123456789","message_id":"m_file"}"#,
        ),
    ]);
    let app = TestApp::spawn();
    let page = "106728097004746";
    let fb = channel(
        &app,
        "messenger",
        "Página",
        json!({"page_id": page, "access_token": "page-token",
        "app_secret": APP_SECRET, "verify_token": "fb-verify", "api_base_url": graph.url}),
    );
    let agent = agent_on(&app, &fb);
    let text = messaging(
        "page",
        page,
        vec![inbound(
            "7008009123456789",
            page,
            json!({"mid": "m_in_1", "text": "Manda o boleto?"}),
        )],
    );
    meta_post(&app, "messenger", fb.channel, &text, APP_SECRET).assert_status(200);
    let conversation = count(&app, "SELECT id FROM conversations");

    app.post(&agent, &format!("/api/inbox/conversations/{conversation}/attachments"),
        json!({"filename": "boleto.pdf", "content_type": "application/pdf", "data": "JVBERi0xLjQ=", "caption": "Seu boleto"}))
        .assert_status(201);
    assert_eq!(app.app.tick().unwrap().messages_sent, 1);

    let calls = graph.received();
    assert_eq!(calls.len(), 2, "the caption, then the file");
    assert_eq!(
        calls[0].json()["message"]["text"],
        "Atende Demo: Seu boleto"
    );
    assert_eq!(calls[1].path, "/me/messages");
    assert_eq!(calls[1].header("authorization"), Some("Bearer page-token"));
    assert!(calls[1]
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    assert!(
        calls[1]
            .body
            .contains("name=\"filedata\"; filename=\"boleto.pdf\"")
            && calls[1].body.contains("%PDF-1.4")
            && calls[1]
                .body
                .contains(r#"{"attachment":{"payload":{"is_reusable":false},"type":"file"}}"#),
        "{}",
        calls[1].body
    );
    assert_eq!(
        column(&app, "SELECT delivery || ' ' || channel_message_id FROM messages WHERE attachment_id IS NOT NULL"),
        ["sent m_file"]
    );
}
