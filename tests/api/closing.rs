//! The customer is told that their conversation ended: after an agent's close (before the
//! survey's first question), after the inactivity close (saying so, in the customer's
//! language), in the web chat; a group words it its own way or turns it off.

use crate::channels::{
    column, count, setup, telegram_post, tg_update, wa_text, whatsapp_post, Setup, TG_SECRET,
};
use crate::fake::FakeProvider;
use crate::helpers::{Request, TestApp};
use crate::routing::ready;
use crate::widget;
use chrono::Duration;
use serde_json::{json, Value};

/// A channel of `kind` into a group whose only member is agent1; agent1's token.
fn desk(app: &TestApp, kind: &str, provider: Option<&str>) -> (Setup, String) {
    let s = setup(app, kind, provider);
    s.join(app, "agent1");
    (s, app.token("agent1"))
}

/// The bodies of the messages the conversation's customer was sent, oldest first.
fn told(app: &TestApp) -> Vec<String> {
    column(
        app,
        "SELECT role || ': ' || body FROM messages WHERE role IN ('system', 'bot') ORDER BY id",
    )
}

fn bodies(provider: &FakeProvider) -> Vec<Value> {
    provider.received().iter().map(|r| r.json()).collect()
}

#[test]
fn an_agents_close_tells_the_whatsapp_customer_the_protocol_before_the_survey_asks() {
    let provider = FakeProvider::start(vec![(
        200,
        "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.out\"}]}",
    )]);
    let app = TestApp::spawn();
    let (s, agent) = desk(&app, "whatsapp", Some(&provider.url));
    let survey = app.make(
        &s.admin,
        "surveys",
        json!({"name": "Pesquisa", "sent_by": ["agent"], "inactivity_minutes": 30, "questions": [
            {"type": "nps", "text": {"pt-BR": "Que nota de 0 a 10 você dá?", "es": "¿Qué nota?", "en": "What score?"}}]}),
    );
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"survey_id": survey}),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511987654321", "wamid.1", "Oi")).assert_status(200);
    ready(&app, &agent);
    let id = count(&app, "SELECT id FROM conversations");

    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);

    let notice = "Seu atendimento foi encerrado. Protocolo: WA00000000001. Obrigado pelo contato!";
    assert_eq!(told(&app), [format!("system: {notice}")]);
    // In the transcript the console's history shows, as the system's message.
    let transcript = app.get(&s.admin, &format!("/api/reports/conversations/{id}"));
    transcript.assert_status(200);
    let last = transcript.body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["role"].as_str(), last["body"].as_str()),
        (Some("system"), Some(notice))
    );

    // The tick delivers it and starts the survey: the notice first, then the question.
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    app.app.tick().unwrap();
    let sent: Vec<String> = bodies(&provider)
        .iter()
        .map(|b| b["text"]["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        sent,
        [notice, "Que nota de 0 a 10 você dá? (0-10)"],
        "what the customer's phone shows, in order"
    );
    assert_eq!(bodies(&provider)[0]["to"], "5511987654321");
    assert_eq!(
        column(&app, "SELECT delivery FROM messages WHERE role = 'system'"),
        ["sent"]
    );
}

#[test]
fn the_inactivity_close_says_so_in_the_telegram_customers_spanish() {
    let provider = FakeProvider::start(vec![(200, "{\"ok\":true,\"result\":{\"message_id\":70}}")]);
    let app = TestApp::spawn();
    let (s, _) = desk(&app, "telegram", Some(&provider.url));
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"timers": {"inactivity_minutes": 10}}),
    )
    .assert_status(200);
    let mut update = tg_update(1, json!({"message_id": 1, "text": "Hola"}));
    update["message"]["from"]["language_code"] = json!("es");
    telegram_post(&app, s.channel, TG_SECRET, &update).assert_status(200);
    assert_eq!(column(&app, "SELECT language FROM conversations"), ["es"]);

    app.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 1);
    app.app.tick().unwrap();

    let notice = "Su atención fue finalizada por inactividad. Protocolo: TL00000000001. \
                  Si necesita algo más, escríbanos de nuevo.";
    assert_eq!(told(&app), [format!("system: {notice}")]);
    let sent = bodies(&provider);
    assert_eq!(
        provider
            .received()
            .last()
            .map(|r| r.path.clone())
            .as_deref(),
        Some("/bot123:ABC/sendMessage")
    );
    assert_eq!(
        sent.last().cloned().unwrap_or_default(),
        json!({"chat_id": 777001, "text": notice})
    );
}

#[test]
fn the_web_chat_visitor_reads_the_notice_in_english_in_their_chat() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app, "webchat", None);
    let token = widget::start(&app, s.channel);
    let messages = format!("/widget/{}/messages", s.channel);
    widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Hello?", "client_message_id": "m-1"})),
    )
    .assert_status(201);
    ready(&app, &agent);
    let id = count(&app, "SELECT id FROM conversations");
    let cursor = widget::call(&app, "GET", &messages, Some(&token), None).body["cursor"]
        .as_i64()
        .unwrap();

    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);

    let got = widget::call(
        &app,
        "GET",
        &format!("{messages}?after={cursor}"),
        Some(&token),
        None,
    );
    got.assert_status(200);
    let got = got.body["messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["role"], "system");
    assert_eq!(
        got[0]["body"],
        "Your conversation has been closed. Protocol: WC00000000001. Thank you for contacting us!"
    );
}

#[test]
fn a_group_words_the_notice_its_own_way_or_turns_it_off() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app, "whatsapp", None);
    let group = format!("/api/admin/groups/{}", s.group);
    // On by default, with the standard texts.
    assert_eq!(
        app.get(&s.admin, &group).body["closing_notice"],
        json!({"enabled": true, "message": null, "inactivity_message": null})
    );
    // A text needs the three languages.
    app.patch(
        &s.admin,
        &group,
        json!({"closing_notice": {"message": {"pt-BR": "Tchau!", "es": "¡Chao!"}}}),
    )
    .assert_error(422, "validation_failed");
    let r = app.patch(
        &s.admin,
        &group,
        json!({"closing_notice": {"message": {"pt-BR": "Tchau!", "es": "¡Chao!", "en": " "}}}),
    );
    r.assert_error(422, "validation_failed");
    assert_eq!(r.error_field(), "closing_notice.message.en");
    app.patch(
        &s.admin,
        &group,
        json!({"closing_notice": {"message": {"pt-BR": "Encerramos o protocolo {protocol}. Até mais!", "es": "¡Chao!", "en": "Bye!"}}}),
    )
    .assert_status(200);

    let close_one = |from: &str| {
        whatsapp_post(
            &app,
            s.channel,
            &wa_text(from, &format!("wamid.{from}"), "Oi"),
        )
        .assert_status(200);
        ready(&app, &agent);
        let id = count(&app, "SELECT MAX(id) FROM conversations");
        app.post(
            &agent,
            &format!("/api/inbox/conversations/{id}/close"),
            json!({}),
        )
        .assert_status(200);
    };
    close_one("5511911110001");
    assert_eq!(
        told(&app),
        ["system: Encerramos o protocolo WA00000000001. Até mais!"]
    );

    // Turned off, keeping the text for later: nothing more is said.
    app.patch(
        &s.admin,
        &group,
        json!({"closing_notice": {"enabled": false}}),
    )
    .assert_status(200);
    assert_eq!(
        app.get(&s.admin, &group).body["closing_notice"]["message"]["pt-BR"],
        "Encerramos o protocolo {protocol}. Até mais!"
    );
    close_one("5511911110002");
    assert_eq!(
        column(&app, "SELECT status FROM conversations ORDER BY id"),
        ["closed", "closed"]
    );
    assert_eq!(told(&app).len(), 1);
}

#[test]
fn on_whatsapp_a_close_a_day_after_the_customers_last_message_says_nothing_meta_would_refuse() {
    let app = TestApp::spawn();
    let (s, _) = desk(&app, "whatsapp", None);
    // The group's default inactivity time is 24 hours: the close falls just as WhatsApp's
    // customer service window shuts, when only a template may be sent.
    whatsapp_post(&app, s.channel, &wa_text("5511911110001", "wamid.d1", "Oi")).assert_status(200);
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 1);
    assert_eq!(told(&app), Vec::<String>::new());

    // An hour's inactivity time leaves the window open: the customer is told.
    app.patch(
        &app.token("admin"),
        &format!("/api/admin/groups/{}", s.group),
        json!({"timers": {"inactivity_minutes": 60}}),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511911110002", "wamid.d2", "Oi")).assert_status(200);
    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.app.tick().unwrap().inactivity_closes, 1);
    assert_eq!(
        told(&app),
        [
            "system: Seu atendimento foi encerrado por inatividade. Protocolo: WA00000000002. \
          Se precisar, é só nos chamar novamente."
        ]
    );
}

/// What the notice costs an agent's close, counted through the `Sql` port: the channel, read
/// before the close's transaction (the group's document was read already), then the message
/// and its outbox row under the write lock — 11 statements where a close without it runs 8,
/// and nothing read while the lock is held (closes are not a hot path; this keeps them from
/// growing unnoticed).
#[test]
fn the_notice_costs_an_agents_close_a_read_before_its_transaction_and_two_writes_in_it() {
    let app = TestApp::spawn();
    let (s, agent) = desk(&app, "whatsapp", None);
    let close = |from: &str| {
        whatsapp_post(
            &app,
            s.channel,
            &wa_text(from, &format!("wamid.{from}"), "Oi"),
        )
        .assert_status(200);
        ready(&app, &agent);
        let id = count(&app, "SELECT MAX(id) FROM conversations");
        let path = format!("/api/inbox/conversations/{id}/close");
        let (r, seen) = app.send_counted(Request {
            method: "POST",
            path: &path,
            token: Some(&agent),
            headers: Vec::new(),
            content_type: Some("application/json"),
            body: b"{}".to_vec(),
        });
        r.assert_status(200);
        seen
    };
    let told = close("5511911110001");
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"closing_notice": {"enabled": false}}),
    )
    .assert_status(200);
    let silent = close("5511911110002");
    assert_eq!(
        (
            told.total(),
            silent.total(),
            told.reads() - silent.reads(),
            told.writes() - silent.writes(),
            told.transactions(),
            silent.transactions()
        ),
        (11, 8, 1, 2, 1, 1),
        "with the notice:\n{}\nwithout:\n{}",
        told.0.join("\n"),
        silent.0.join("\n")
    );
    let locked = |seen: &atende_shared::statements::Statements| -> Vec<String> {
        seen.0
            .iter()
            .skip_while(|q| !q.starts_with("BEGIN"))
            .take_while(|q| !q.starts_with("COMMIT"))
            .map(|q| q.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect()
    };
    let mut expected = locked(&silent);
    expected.extend([
        "INSERT INTO messages".to_owned(),
        "INSERT INTO outbox".to_owned(),
    ]);
    assert_eq!(locked(&told), expected, "under the write lock");
}
