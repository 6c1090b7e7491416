//! Reports: a small day of work driven through the API and the tick with the manual clock,
//! then every figure of service level, productivity and surveys checked against the numbers
//! worked out by hand below; the history's filters and keyset paging; CSV, XLSX and PDF parsed
//! back; and who sees what.

use crate::channels::{
    column, post_raw, query, setup, wa_text, whatsapp_post, Setup, INBOUND_SECRET,
};
use crate::helpers::{localized, monday_noon, ChunkLog, TestApp};
use atende_shared::ports::{DbError, Rows, Sql, Value as SqlValue};
use atende_shared::reports::surveys::{record_answer, Answer};
use atende_shared::Ctx;
use chrono::Duration;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};

const DAY: &str = "from=2026-11-23&to=2026-11-23";

/// The day, at `hh:mm:ss` local time (São Paulo, the demo company's zone).
fn at(app: &TestApp, hms: &str) {
    let parts: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let offset = Duration::seconds((parts[0] - 12) * 3600 + parts[1] * 60 + parts[2]);
    app.clock.set(monday_noon() + offset);
}

fn status(app: &TestApp, token: &str, body: Value) {
    app.call("PUT", "/api/inbox/status", Some(token), Some(body))
        .assert_status(200);
}

/// The console's heartbeat, so the tick does not take an agent for disconnected.
fn alive(app: &TestApp, tokens: &[&str]) {
    for t in tokens {
        app.post(t, "/api/inbox/heartbeat", json!({}))
            .assert_status(204);
    }
}

fn arrive(app: &TestApp, channel: i64, phone: &str, text: &str) -> i64 {
    whatsapp_post(
        app,
        channel,
        &wa_text(phone, &format!("wamid.{phone}"), text),
    )
    .assert_status(200);
    column(
        app,
        &format!("SELECT v.id FROM conversations v JOIN clients c ON c.id = v.client_id WHERE c.phone LIKE '%{}' ORDER BY v.id DESC LIMIT 1", &phone[2..]),
    )[0]
    .parse()
    .unwrap()
}

fn arrive_sms(app: &TestApp, channel: i64, phone: &str, text: &str) -> i64 {
    let sms = json!({"id": format!("sms-{phone}"), "from": format!("+{phone}"), "to": "ACME", "text": text});
    post_raw(
        app,
        &format!("/hooks/sms/{channel}"),
        vec![("authorization", format!("Bearer {INBOUND_SECRET}"))],
        sms.to_string().as_bytes(),
    )
    .assert_status(200);
    column(app, "SELECT MAX(id) FROM conversations")[0]
        .parse()
        .unwrap()
}

fn reply(app: &TestApp, token: &str, id: i64, text: &str) {
    app.post(
        token,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": text}),
    )
    .assert_status(201);
}

fn close(app: &TestApp, token: &str, id: i64, body: Value) {
    app.post(token, &format!("/api/inbox/conversations/{id}/close"), body)
        .assert_status(200);
}

/// The day the figures are worked out from:
///
/// Group "Vendas" (SLA 2 min; agent1 up to 2 conversations, agent2 up to 1) and group
/// "Cobrança" (in another operation, nobody answers, inactivity 5 min).
///
/// | time     | what |
/// |----------|------|
/// | 12:00:00 | A arrives in Vendas ("Olá, meu pedido não chegou") |
/// | 12:00:10 | B arrives in Vendas |
/// | 12:00:20 | C arrives in Vendas |
/// | 12:00:30 | D arrives in Cobrança (by SMS) |
/// | 12:01:00 | agent1 ready: takes A (waited 60 s) and B (50 s) |
/// | 12:01:30 | agent1 answers A (first response 90 s) |
/// | 12:02:00 | agent1 answers B (first response 110 s) |
/// | 12:04:00 | agent2 ready: takes C (waited 220 s) |
/// | 12:05:00 | agent2 answers C (first response 280 s) |
/// | 12:06:00 | the tick closes D for inactivity (abandoned); agent1 closes A (handled 300 s) |
/// | 12:07:00 | agent2 transfers C to agent1 |
/// | 12:08:00 | agent1 closes B (handled 420 s) |
/// | 12:09:00 | agent1 closes C (300 s since agent2 took it; 120 s in agent1's hands) |
/// | 12:10:00 | agent1 pauses for "Almoço" |
/// | 12:12:00 | agent1 goes offline |
/// | 12:20:00 | the reports are read |
struct Day {
    s: Setup,
    other: Setup,
    admin: String,
    agent1: String,
    agent2: String,
    agent1_id: i64,
    agent2_id: i64,
    operation: i64,
    ids: [i64; 4],
    survey: i64,
    tag: i64,
    class: i64,
    occurrence_type: i64,
}

fn day(app: &TestApp) -> Day {
    let s = setup(app, "whatsapp", None);
    let other = setup(app, "sms", None);
    let admin = s.admin.clone();
    let operation = app
        .get(&admin, &format!("/api/admin/groups/{}", s.group))
        .body["operation_id"]
        .as_i64()
        .unwrap();
    let agent1_id = app.user_id(&admin, "agent1");
    let agent2_id = app.user_id(&admin, "agent2");
    app.update_user(&admin, agent1_id, json!({"max_concurrent": 2}))
        .assert_status(200);
    app.update_user(&admin, agent2_id, json!({"max_concurrent": 1}))
        .assert_status(200);
    app.post(
        &admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"ids": [agent1_id, agent2_id]}),
    )
    .assert_status(200);
    let class = app.make(
        &admin,
        "classifications",
        json!({"name": "Atendimento",
        "reasons": [{"name": "Dúvida", "children": [{"name": "Entrega"}]}]}),
    );
    let survey = app.make(&admin, "surveys", json!({"name": "satisfação", "sent_by": ["agent"], "questions": [
        {"type": "csat", "text": localized("Como foi?"), "options": [localized("Satisfeito"), localized("Indiferente"), localized("Insatisfeito")]},
        {"type": "nps", "text": localized("Recomendaria?")},
        {"type": "open", "text": localized("Comentários?")}]}));
    app.patch(
        &admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"name": "Vendas", "classification_id": class, "survey_id": survey,
               "timers": {"initial_sla_minutes": 2, "inactivity_minutes": 30}}),
    )
    .assert_status(200);
    app.patch(
        &admin,
        &format!("/api/admin/groups/{}", other.group),
        json!({"name": "Cobrança", "timers": {"inactivity_minutes": 5}}),
    )
    .assert_status(200);
    app.make(&admin, "pause-reasons", json!({"name": "Almoço"}));
    let tag = app.make(&admin, "tags", json!({"name": "VIP"}));
    let occurrence_type = app.make(&admin, "occurrence-types", json!({"name": "Reclamação"}));
    let (agent1, agent2) = (app.token("agent1"), app.token("agent2"));

    at(app, "12:00:00");
    let a = arrive(
        app,
        s.channel,
        "5511900000001",
        "Olá, meu pedido não chegou",
    );
    at(app, "12:00:10");
    let b = arrive(app, s.channel, "5511900000002", "Quero trocar o produto");
    at(app, "12:00:20");
    let c = arrive(app, s.channel, "5511900000003", "Qual o prazo de entrega?");
    at(app, "12:00:30");
    let d = arrive_sms(app, other.channel, "5511900000004", "Boleto vencido");
    at(app, "12:01:00");
    status(app, &agent1, json!({"status": "ready"}));
    at(app, "12:01:30");
    reply(
        app,
        &agent1,
        a,
        "Vou verificar a situação do seu pedido, só um instante.",
    );
    at(app, "12:02:00");
    reply(app, &agent1, b, "Claro, qual produto?");
    at(app, "12:04:00");
    alive(app, &[&agent1]);
    status(app, &agent2, json!({"status": "ready"}));
    at(app, "12:05:00");
    reply(app, &agent2, c, "O prazo é de 5 dias úteis.");
    app.post(
        &agent2,
        &format!("/api/inbox/conversations/{c}/occurrences"),
        json!({"occurrence_type_id": occurrence_type, "comment": "cliente irritado"}),
    )
    .assert_status(201);
    at(app, "12:06:00");
    alive(app, &[&agent1, &agent2]);
    app.app.tick().unwrap();
    app.call(
        "PUT",
        &format!("/api/inbox/conversations/{a}/tags/{tag}"),
        Some(&agent1),
        None,
    )
    .assert_status(200);
    close(
        app,
        &agent1,
        a,
        json!({"reason_id": 1, "sub_reason_id": 2, "comment": "reenvio é amanhã"}),
    );
    at(app, "12:07:00");
    app.post(
        &agent2,
        &format!("/api/inbox/conversations/{c}/transfer"),
        json!({"to_agent_id": agent1_id}),
    )
    .assert_status(200);
    at(app, "12:08:00");
    close(app, &agent1, b, json!({"reason_id": 1}));
    at(app, "12:09:00");
    close(app, &agent1, c, json!({"reason_id": 1}));
    at(app, "12:10:00");
    status(
        app,
        &agent1,
        json!({"status": "paused", "reason": "Almoço"}),
    );
    at(app, "12:12:00");
    status(app, &agent1, json!({"status": "offline"}));
    at(app, "12:20:00");
    Day {
        s,
        other,
        admin,
        agent1,
        agent2,
        agent1_id,
        agent2_id,
        operation,
        ids: [a, b, c, d],
        survey,
        tag,
        class,
        occurrence_type,
    }
}

/// Links the demo's `supervisor` to the operation of the day's group.
fn oversee_the_operation(app: &TestApp, d: &Day) {
    let sup_id = app.user_id(&d.admin, "supervisor");
    app.post(
        &d.admin,
        &format!("/api/admin/users/{sup_id}/operations"),
        json!({"ids": [d.operation]}),
    )
    .assert_status(200);
}

fn history(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(token, &format!("/api/reports/history?{DAY}&{query}"));
    r.assert_status(200);
    r.body
}

/// How many conversations, open ones included, the history finds by a message's text.
fn found_by_text(app: &TestApp, token: &str, text: &str) -> usize {
    protocols(&history(
        app,
        token,
        &format!("include_open=true&text={text}"),
    ))
    .len()
}

/// FTS5's check of the search index's structure (an error fails the test).
fn index_is_whole(app: &TestApp) {
    query(
        app,
        "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
    );
}

fn protocols(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["protocol"].as_str().unwrap().to_owned())
        .collect()
}

fn protocol_of(app: &TestApp, id: i64) -> String {
    column(
        app,
        &format!("SELECT protocol FROM conversations WHERE id = {id}"),
    )[0]
    .clone()
}

#[test]
fn service_level_figures_match_the_hand_computed_day() {
    let app = TestApp::spawn();
    let d = day(&app);
    let r = app.get(&d.admin, &format!("/api/reports/service-level?{DAY}"));
    r.assert_status(200);
    let groups = r.body["groups"].as_array().unwrap();
    let vendas = groups.iter().find(|g| g["group_id"] == d.s.group).unwrap();
    assert_eq!(vendas["group_name"], "Vendas");
    assert_eq!(vendas["volume"], 3);
    assert_eq!(vendas["answered"], 3);
    assert_eq!(vendas["abandoned"], 0);
    // Waits 60, 50, 220: mean 110, 90th percentile (nearest rank, 3rd of 3) 220.
    assert_eq!(vendas["avg_wait_seconds"], 110.0);
    assert_eq!(vendas["p90_wait_seconds"], 220.0);
    // First responses 90, 110, 280.
    assert_eq!(vendas["avg_first_response_seconds"], 160.0);
    // Handling from the first agent to the close: 300, 420, 300.
    assert_eq!(vendas["avg_handling_seconds"], 340.0);
    // Within 2 minutes: A and B of 3.
    assert_eq!(vendas["sla_minutes"], 2);
    assert_eq!(vendas["within_sla"], 2);
    assert_eq!(vendas["within_sla_percent"], 66.7);
    assert_eq!(vendas["transfers"], 1);

    let cobranca = groups
        .iter()
        .find(|g| g["group_id"] == d.other.group)
        .unwrap();
    assert_eq!(cobranca["volume"], 1);
    assert_eq!(cobranca["answered"], 0);
    assert_eq!(cobranca["abandoned"], 1);
    assert_eq!(cobranca["avg_wait_seconds"], Value::Null);
    assert_eq!(cobranca["within_sla"], Value::Null);

    // One group only; the day before has nothing.
    let one = app.get(
        &d.admin,
        &format!(
            "/api/reports/service-level?{DAY}&group_id={}",
            d.other.group
        ),
    );
    assert_eq!(one.body["groups"].as_array().unwrap().len(), 1);
    let before = app.get(
        &d.admin,
        "/api/reports/service-level?from=2026-11-22&to=2026-11-22",
    );
    assert!(before.body["groups"].as_array().unwrap().is_empty());
}

#[test]
fn productivity_figures_match_the_hand_computed_day() {
    let app = TestApp::spawn();
    let d = day(&app);
    let r = app.get(&d.admin, &format!("/api/reports/productivity?{DAY}"));
    r.assert_status(200);
    let agents = r.body["agents"].as_array().unwrap();
    let one = |id: i64| agents.iter().find(|a| a["agent_id"] == id).unwrap();
    let a1 = one(d.agent1_id);
    // A, B and C closed in agent1's hands: 300, 420 and 120 s since each became theirs.
    assert_eq!(a1["handled"], 3);
    assert_eq!(a1["avg_handling_seconds"], 280.0);
    assert_eq!(a1["transfers"], 0);
    // Ready 12:01-12:10, paused 12:10-12:12, offline the rest of the day up to 12:20 — from
    // 12:00, when the accounts were made: the morning before they existed is nobody's offline.
    assert_eq!(a1["ready_seconds"], 540);
    assert_eq!(a1["paused_seconds"], 120);
    assert_eq!(a1["paused_by_reason"], json!({"Almoço": 120}));
    assert_eq!(a1["offline_seconds"], 60 + 8 * 60);
    let a2 = one(d.agent2_id);
    assert_eq!(a2["handled"], 0);
    assert_eq!(a2["avg_handling_seconds"], Value::Null);
    assert_eq!(a2["transfers"], 1);
    assert_eq!(a2["ready_seconds"], 16 * 60);
    assert_eq!(a2["paused_seconds"], 0);
    assert_eq!(a2["offline_seconds"], 4 * 60);
}

#[test]
fn survey_figures_match_the_hand_computed_answers() {
    let app = TestApp::spawn();
    let d = day(&app);
    let [a, b, c, dd] = d.ids;
    let tenant = atende_shared::ids::TenantId(
        column(&app, "SELECT id FROM tenants WHERE slug = 'demo'")[0]
            .parse()
            .unwrap(),
    );
    let answer = |id: i64, q: usize, ans: Answer| {
        app.app
            .with_ctx(|ctx| record_answer(ctx, tenant, id, q, &ans))
            .unwrap()
    };
    at(&app, "12:15:00");
    // CSAT (3 options): A satisfied, B indifferent, C satisfied. NPS: 10, 9, 3.
    assert!(answer(a, 0, Answer::Csat(1)).unwrap());
    assert!(answer(a, 1, Answer::Nps(10)).unwrap());
    assert!(answer(a, 2, Answer::Open("Ótimo atendimento, obrigado!".into())).unwrap());
    assert!(answer(b, 0, Answer::Csat(2)).unwrap());
    assert!(answer(b, 1, Answer::Nps(9)).unwrap());
    assert!(answer(c, 0, Answer::Csat(1)).unwrap());
    assert!(answer(c, 1, Answer::Nps(3)).unwrap());
    // Once per question; answers must fit the question; D's group has no survey.
    assert!(!answer(a, 0, Answer::Csat(3)).unwrap());
    assert!(answer(b, 1, Answer::Nps(11)).is_err());
    assert!(answer(b, 0, Answer::Csat(4)).is_err());
    assert!(answer(b, 2, Answer::Nps(5)).is_err());
    assert!(answer(dd, 0, Answer::Csat(1)).is_err());

    let r = app.get(&d.admin, &format!("/api/reports/surveys?{DAY}"));
    r.assert_status(200);
    let csat = &r.body["csat"];
    assert_eq!(csat["answers"], 3);
    assert_eq!(
        csat["distribution"],
        json!([{"option": 1, "count": 2}, {"option": 2, "count": 1}])
    );
    assert_eq!(csat["satisfied"], 2);
    assert_eq!(csat["score"], 66.7);
    let nps = &r.body["nps"];
    assert_eq!(nps["answers"], 3);
    assert_eq!(nps["promoters"], 2);
    assert_eq!(nps["passives"], 0);
    assert_eq!(nps["detractors"], 1);
    // (2 - 1) / 3 = 33.3 %, rounded.
    assert_eq!(nps["score"], 33.0);
    let open = r.body["open_answers"].as_array().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["text"], "Ótimo atendimento, obrigado!");
    assert_eq!(open[0]["protocol"], protocol_of(&app, a));

    // By agent and group: everything was closed by agent1 in Vendas.
    let by_agent2 = app.get(
        &d.admin,
        &format!("/api/reports/surveys?{DAY}&agent_id={}", d.agent2_id),
    );
    assert_eq!(by_agent2.body["csat"]["answers"], 0);
    assert_eq!(by_agent2.body["nps"]["score"], Value::Null);
    let by_group = app.get(
        &d.admin,
        &format!("/api/reports/surveys?{DAY}&group_id={}", d.s.group),
    );
    assert_eq!(by_group.body["nps"]["answers"], 3);

    // The history carries each conversation's score (its first scored answer) and filters on it.
    let scored = history(&app, &d.admin, "survey_score=2");
    assert_eq!(protocols(&scored), [protocol_of(&app, b)]);
    // The transcript lists the answers.
    let t = app.get(&d.admin, &format!("/api/reports/conversations/{a}"));
    assert_eq!(t.body["survey_answers"].as_array().unwrap().len(), 3);
    assert_eq!(t.body["survey_answers"][1]["score"], 10);
    // So does the PDF, in its own words: the channel and the timeline in Portuguese as the
    // rest of it (they were "whatsapp" and "assigned").
    let pdf = app.handle(
        http::Request::get(format!("/api/reports/conversations/{a}/transcript.pdf"))
            .header("x-tenant", "demo")
            .header("authorization", format!("Bearer {}", d.admin))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(pdf.status(), 200);
    let text = pdf_extract::extract_text_from_mem(pdf.body()).unwrap();
    for expected in [
        "Pesquisa de satisfação",
        "CSAT: 1 de 3",
        "NPS: 10 de 10",
        "Comentário: Ótimo atendimento, obrigado!",
        "WhatsApp",
        "atribuído",
        "encerrado",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    for english in ["assigned", "closed", "whatsapp"] {
        assert!(!text.contains(english), "{english:?} in:\n{text}");
    }
    let _ = d.survey;
}

#[test]
fn occurrences_are_counted_by_type_group_and_agent() {
    let app = TestApp::spawn();
    let d = day(&app);
    let r = app.get(&d.admin, &format!("/api/reports/occurrences?{DAY}"));
    r.assert_status(200);
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        r.body["by_type"],
        json!([{"id": d.occurrence_type, "name": "Reclamação", "count": 1}])
    );
    assert_eq!(r.body["by_group"][0]["name"], "Vendas");
    assert_eq!(r.body["by_agent"][0]["id"], d.agent2_id);
    let item = &r.body["items"][0];
    assert_eq!(item["protocol"], protocol_of(&app, d.ids[2]));
    assert_eq!(item["comment"], "cliente irritado");
    assert_eq!(item["agent_name"], "Bruno Agente");
    let none = app.get(
        &d.admin,
        &format!("/api/reports/occurrences?{DAY}&agent_id={}", d.agent1_id),
    );
    assert_eq!(none.body["total"], 0);
}

#[test]
fn the_history_filters_search_accent_insensitively_and_pages_by_keyset() {
    let app = TestApp::spawn();
    let d = day(&app);
    let [a, b, c, dd] = d.ids;
    let p = |id| protocol_of(&app, id);
    let all = history(&app, &d.admin, "");
    // Newest arrival first; closed ones only by default (all four are closed).
    assert_eq!(protocols(&all), [p(dd), p(c), p(b), p(a)]);
    let first = &all["items"][3];
    assert_eq!(first["channel"], "whatsapp");
    assert_eq!(first["client_name"], "Maria Souza");
    assert_eq!(first["agent_name"], "Alice Agente");
    assert_eq!(first["group_name"], "Vendas");
    assert_eq!(first["status"], "closed");
    assert_eq!(first["started_at"], "2026-11-23T12:00:00-03:00");
    assert_eq!(first["closed_at"], "2026-11-23T12:06:00-03:00");
    assert_eq!(first["waiting_seconds"], 60);
    assert_eq!(first["handling_seconds"], 300);
    assert_eq!(first["classification"], "Atendimento > Dúvida > Entrega");
    assert_eq!(first["resolved"], Value::Null);

    // "Messages containing": accents and case do not matter; a phrase must be in order.
    for q in ["nao%20chegou", "N%C3%83O", "PEDIDO", "situacao"] {
        assert_eq!(
            protocols(&history(&app, &d.admin, &format!("text={q}"))),
            [p(a)],
            "{q}"
        );
    }
    assert!(protocols(&history(&app, &d.admin, "text=chegou%20pedido")).is_empty());
    assert_eq!(
        protocols(&history(&app, &d.admin, "text=%C3%BAteis")),
        [p(c)]
    );
    // Every other filter.
    assert_eq!(
        protocols(&history(
            &app,
            &d.admin,
            &format!("protocol={}", p(b).to_lowercase())
        )),
        [p(b)]
    );
    assert_eq!(
        protocols(&history(&app, &d.admin, "phone=900000002")),
        [p(b)]
    );
    assert_eq!(protocols(&history(&app, &d.admin, "client=maria")).len(), 3);
    assert_eq!(protocols(&history(&app, &d.admin, "channel=sms")), [p(dd)]);
    assert_eq!(
        protocols(&history(
            &app,
            &d.admin,
            &format!("agent_id={}", d.agent1_id)
        )),
        [p(c), p(b), p(a)]
    );
    assert_eq!(
        protocols(&history(
            &app,
            &d.admin,
            &format!("group_id={}", d.other.group)
        )),
        [p(dd)]
    );
    assert_eq!(
        protocols(&history(
            &app,
            &d.admin,
            &format!("operation_id={}", d.operation)
        )),
        [p(c), p(b), p(a)]
    );
    assert_eq!(
        protocols(&history(
            &app,
            &d.admin,
            &format!("classification_id={}", d.class)
        )),
        [p(c), p(b), p(a)]
    );
    assert_eq!(
        protocols(&history(&app, &d.admin, &format!("tag={}", d.tag))),
        [p(a)]
    );
    assert_eq!(protocols(&history(&app, &d.admin, "tag=vip")), [p(a)]);
    assert_eq!(
        protocols(&history(&app, &d.admin, "channel=telegram")).len(),
        0
    );
    assert!(protocols(&history(&app, &d.admin, "resolved=true")).is_empty());

    // Open conversations only on request.
    at(&app, "12:30:00");
    let e = arrive(&app, d.s.channel, "5511900000005", "Oi de novo");
    assert_eq!(protocols(&history(&app, &d.admin, "")).len(), 4);
    let with_open = history(&app, &d.admin, "include_open=true");
    assert_eq!(protocols(&with_open)[0], p(e));
    // agent2 is still ready with room: it went straight to them.
    assert_eq!(with_open["items"][0]["status"], "assigned");

    // Keyset pages: a conversation arriving between pages neither repeats nor shifts a row.
    let page1 = history(&app, &d.admin, "limit=2");
    assert_eq!(protocols(&page1), [p(dd), p(c)]);
    let next = page1["next"].as_str().unwrap().to_owned();
    at(&app, "12:31:00");
    close(&app, &d.agent2, e, json!({}));
    let page2 = history(&app, &d.admin, &format!("limit=2&cursor={next}"));
    assert_eq!(protocols(&page2), [p(b), p(a)]);
    assert_eq!(page2["next"], Value::Null);

    // Bad input is a 422 naming the field.
    for (query, field) in [
        ("from=2026-10-01&to=2026-11-23", "to"),
        ("from=2026-11-23&to=2026-11-22", "to"),
        ("from=23/11/2026", "from"),
        ("from=2026-11-23&to=2026-11-23&limit=500", "limit"),
        ("from=2026-11-23&to=2026-11-23&cursor=x", "cursor"),
        ("from=2026-11-23&to=2026-11-23&text=%22*%22", "text"),
        ("from=2026-11-23&to=2026-11-23&channel=fax", "channel"),
        ("from=2026-11-23&to=2026-11-23&agent_id=abc", "agent_id"),
    ] {
        let r = app.get(&d.admin, &format!("/api/reports/history?{query}"));
        r.assert_error(422, "validation_failed");
        assert_eq!(r.error_field(), field, "{query}");
    }
    // Thirty-one days is the most a query covers.
    app.get(
        &d.admin,
        "/api/reports/history?from=2026-10-24&to=2026-11-23",
    )
    .assert_status(200);
}

#[test]
fn csv_and_xlsx_exports_hold_the_filtered_history() {
    let app = TestApp::spawn();
    let d = day(&app);
    let json = history(&app, &d.admin, "");
    let expected: Vec<Vec<String>> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let hms = |v: &Value| {
                v.as_i64()
                    .map(|s| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
                    .unwrap_or_default()
            };
            let stamp = |v: &Value| {
                v.as_str()
                    .map(|t| t[..19].replace('T', " "))
                    .unwrap_or_default()
            };
            let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
            // The channel as the console names it (the file is for people).
            let channel = match text(&i["channel"]).as_str() {
                "whatsapp" => "WhatsApp".to_owned(),
                "webchat" => "Website chat".to_owned(),
                "email" => "E-mail".to_owned(),
                "telegram" => "Telegram".to_owned(),
                "sms" => "SMS".to_owned(),
                other => other.to_owned(),
            };
            vec![
                text(&i["protocol"]),
                channel,
                text(&i["client_name"]),
                text(&i["phone"]),
                text(&i["agent_name"]),
                text(&i["group_name"]),
                stamp(&i["started_at"]),
                stamp(&i["closed_at"]),
                hms(&i["waiting_seconds"]),
                hms(&i["handling_seconds"]),
                text(&i["classification"]),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let header = [
        "Protocol",
        "Channel",
        "Client",
        "Phone",
        "Agent",
        "Group",
        "Start (America/Sao_Paulo)",
        "End (America/Sao_Paulo)",
        "Waiting time",
        "Handling time",
        "Classification",
        "Resolved",
        "Survey",
    ];

    let in_language = |path: &str, language: &str| {
        let r = app.handle(
            http::Request::get(path)
                .header("x-tenant", "demo")
                .header("authorization", format!("Bearer {}", d.admin))
                .header("accept-language", language)
                .body(Vec::new())
                .unwrap(),
            None,
        );
        assert_eq!(r.status(), 200, "{}", String::from_utf8_lossy(r.body()));
        r
    };
    let raw = |path: &str| in_language(path, "en");
    let csv_response = raw(&format!("/api/reports/history.csv?{DAY}"));
    assert!(csv_response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = csv_response.body();
    assert!(
        body.starts_with("\u{feff}".as_bytes()),
        "a BOM for spreadsheets"
    );
    let mut reader = csv::Reader::from_reader(&body[3..]);
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), header);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(rows[3][10], "Atendimento > Dúvida > Entrega");
    assert_eq!(rows[3][6], "2026-11-23 12:00:00");
    assert_eq!(rows[3][8], "00:01:00");

    let filtered = raw(&format!("/api/reports/history.csv?{DAY}&text=boleto"));
    let mut reader = csv::Reader::from_reader(&filtered.body()[3..]);
    assert_eq!(reader.records().count(), 1);

    use calamine::{Data, Reader, Xlsx};
    let xlsx_response = raw(&format!("/api/reports/history.xlsx?{DAY}"));
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx_response.body().clone())).unwrap();
    let sheet = book.worksheet_range("History").unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    // Times and durations are numbers with a display format.
                    Data::DateTime(d) if d.is_duration() => {
                        let s = (d.as_f64() * 86_400.0).round() as i64;
                        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                    }
                    Data::DateTime(d) => {
                        let secs = ((d.as_f64() - 25_569.0) * 86_400.0).round() as i64;
                        chrono::DateTime::from_timestamp(secs, 0)
                            .unwrap()
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string()
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
        })
        .map(|mut r| {
            r.resize(13, String::new());
            r
        })
        .collect();
    assert_eq!(cells[0], header);
    assert_eq!(&cells[1..], &expected[..]);

    // A Brazilian supervisor's file reads in Portuguese, a Spanish one's in Spanish: the
    // header, the sheet, the channels as the console names them.
    // Their CSV is separated by semicolons, as Excel in Brazil and Spain splits a file it
    // opens by double-click (the comma is their decimal separator); read with commas, as
    // Excel in English would, it is one column.
    let pt = in_language(&format!("/api/reports/history.csv?{DAY}"), "pt-BR");
    assert!(pt.body().starts_with("\u{feff}".as_bytes()));
    let semicolons = |body: &[u8]| {
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(body[3..].to_vec().as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&pt.body()[3..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Protocolo",
            "Canal",
            "Cliente",
            "Telefone",
            "Agente",
            "Grupo",
            "Início (America/Sao_Paulo)",
            "Fim (America/Sao_Paulo)",
            "Tempo de espera",
            "Tempo de atendimento",
            "Classificação",
            "Resolvido",
            "Pesquisa"
        ]
    );
    let pt_rows = semicolons(pt.body());
    assert_eq!(pt_rows.len(), expected.len());
    assert!(pt_rows.iter().all(|r| r.len() == header.len()));
    assert!(pt_rows.iter().any(|r| r[1] == "WhatsApp"));
    assert_eq!(pt_rows[3][10], "Atendimento > Dúvida > Entrega");
    assert_eq!(
        csv::Reader::from_reader(&pt.body()[3..])
            .headers()
            .unwrap()
            .len(),
        1,
        "not comma-separated"
    );
    let es = in_language(&format!("/api/reports/history.csv?{DAY}"), "es");
    assert_eq!(semicolons(es.body()).len(), expected.len());
    assert!(String::from_utf8_lossy(es.body()).starts_with("\u{feff}Protocolo;Canal;"));
    // An explicit delimiter wins over the language, either way.
    let comma = in_language(
        &format!("/api/reports/history.csv?{DAY}&delimiter=comma"),
        "pt-BR",
    );
    let mut reader = csv::Reader::from_reader(&comma.body()[3..]);
    assert_eq!(reader.headers().unwrap().len(), header.len());
    assert_eq!(reader.records().count(), expected.len());
    let semi = in_language(
        &format!("/api/reports/history.csv?{DAY}&delimiter=semicolon"),
        "en",
    );
    assert_eq!(
        semicolons(semi.body())
            .iter()
            .map(|r| r.len())
            .collect::<Vec<_>>(),
        vec![header.len(); expected.len()]
    );
    let bad = app.get(
        &d.admin,
        &format!("/api/reports/history.csv?{DAY}&delimiter=tab"),
    );
    bad.assert_error(422, "validation_failed");
    assert_eq!(bad.error_field(), "delimiter");
    let es = in_language(&format!("/api/reports/history.xlsx?{DAY}"), "es");
    let mut book = Xlsx::new(std::io::Cursor::new(es.body().clone())).unwrap();
    let sheet = book.worksheet_range("Historial").unwrap();
    assert_eq!(
        sheet.rows().next().unwrap()[9].to_string(),
        "Tiempo de atención"
    );

    // Exports answer bad filters like the history.
    app.get(
        &d.admin,
        "/api/reports/history.xlsx?from=2026-01-01&to=2026-03-01",
    )
    .assert_error(422, "validation_failed");
}

/// A large export leaves as it is made (decision 0014): the CSV a chunk of
/// `ROWS_PER_CHUNK` rows at a time, never the whole file in one piece, and the XLSX's zip
/// streamed the same way; both still parse back to every row. A database failure before the
/// first chunk is still an error response; after it, the body is broken off.
#[test]
fn a_large_export_is_sent_in_chunks_as_it_is_made() {
    use atende_shared::reports::export::ROWS_PER_CHUNK;
    use atende_shared::reports::history::EXPORT_CHUNK;
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    // One page of the database and some rows of a second.
    let n = EXPORT_CHUNK as usize + 20;
    for i in 0..n {
        let phone = format!("551198{i:07}");
        whatsapp_post(
            &app,
            s.channel,
            &wa_text(&phone, &format!("wamid.big{i}"), "Olá"),
        )
        .assert_status(200);
    }
    let period = format!("{DAY}&include_open=true");
    let csv_path = format!("/api/reports/history.csv?{period}");

    let (head, chunks) = app.get_chunks(&s.admin, &csv_path);
    assert_eq!(head.status(), 200);
    assert!(head.body().is_empty(), "the rows are not in the response");
    let lines: Vec<usize> = chunks
        .iter()
        .map(|c| c.iter().filter(|b| **b == b'\n').count())
        .collect();
    // The header goes with the first rows; then a chunk per ROWS_PER_CHUNK rows.
    let r = ROWS_PER_CHUNK;
    assert_eq!(lines, [r + 1, r, r, r, 20]);
    let body = chunks.concat();
    assert!(body.starts_with("\u{feff}".as_bytes()));
    // Every chunk separated the same way (the admin reads pt-BR: semicolons).
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&body[3..]);
    let widths: Vec<usize> = reader.records().map(|r| r.unwrap().len()).collect();
    assert_eq!(widths, vec![13; n]);

    use calamine::{Reader, Xlsx};
    let (head, chunks) = app.get_chunks(&s.admin, &format!("/api/reports/history.xlsx?{period}"));
    assert_eq!(head.status(), 200);
    assert!(head.body().is_empty(), "the file is not in the response");
    // The package's fixed parts and header go with the first rows; then a chunk per
    // ROWS_PER_CHUNK rows, and the last rows with the zip's directory.
    assert_eq!(
        chunks.len(),
        n / r + 1,
        "{:?}",
        chunks.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let size = chunks.iter().map(Vec::len).sum::<usize>();
    assert!(
        chunks.iter().all(|c| c.len() < size / 2),
        "no chunk is most of the file"
    );
    let mut book = Xlsx::new(std::io::Cursor::new(chunks.concat())).unwrap();
    // Named in the admin's language (no Accept-Language: the user's setting, pt-BR).
    let sheet = book.worksheet_range("Histórico").unwrap();
    assert_eq!(sheet.rows().count(), n + 1);
    // Each row is whole across the chunks' seams.
    let phones: std::collections::BTreeSet<String> =
        sheet.rows().skip(1).map(|row| row[3].to_string()).collect();
    assert_eq!(phones.len(), n);

    // The database fails on the export's `page`-th read of history rows.
    let failing_at = |page: usize| {
        let mut head = None;
        let mut chunks = ChunkLog::default();
        let request = app.request(crate::helpers::Request {
            method: "GET",
            path: &csv_path,
            token: Some(&s.admin),
            headers: Vec::new(),
            content_type: None,
            body: Vec::new(),
        });
        let result = app
            .app
            .with_ctx(|ctx| {
                let db = FailingPage {
                    inner: ctx.db,
                    fail_at: page,
                    seen: Cell::new(0),
                };
                let failing = Ctx { db: &db, ..*ctx };
                app.app
                    .handle_streaming_in(&failing, request, None, |response, _| {
                        head = Some(response);
                        &mut chunks
                    })
            })
            .unwrap();
        (result, head.unwrap(), chunks.0)
    };
    // Before the first chunk: an error response with the envelope, nothing streamed.
    let (result, head, chunks) = failing_at(1);
    assert!(result.is_ok());
    assert_eq!(head.status(), 500);
    let envelope: Value = serde_json::from_slice(head.body()).unwrap();
    assert!(envelope["error"]["code"].is_string(), "{envelope}");
    assert!(chunks.is_empty());
    // After it: the first page's chunks went out, and the caller is told to break the body off.
    let (result, head, chunks) = failing_at(2);
    assert!(result.is_err());
    assert_eq!(head.status(), 200);
    assert_eq!(chunks.len(), EXPORT_CHUNK as usize / r);

    // A bad filter is still an error response, before anything is streamed.
    let (head, chunks) = app.get_chunks(
        &s.admin,
        "/api/reports/history.csv?from=2026-01-01&to=2026-03-01",
    );
    assert_eq!(head.status(), 422);
    assert!(chunks.is_empty());
    // And an agent's export holds only what the agent may see: none of these.
    let agent = app.token("agent1");
    let (head, chunks) = app.get_chunks(&agent, &csv_path);
    assert_eq!(head.status(), 200);
    let body = chunks.concat();
    assert_eq!(csv::Reader::from_reader(&body[3..]).records().count(), 0);
}

/// The XLSX writer's text reads back as written: markup characters, accents, and the control
/// characters XML 1.0 forbids (escaped as `_xHHHH_`), next to numbers that stay numbers.
#[test]
fn the_xlsx_sheet_reads_back_escaped_text_and_numbers() {
    use atende_shared::reports::xlsx::{Cell, Sheet};
    use calamine::{Data, Reader, Xlsx};
    let texts = [
        "Tom & Jerry <ltda> \"aspas\"",
        "São João, ação, café",
        "sino\u{7} nulo\u{0} fim",
        "linha 1\nlinha 2\r\ttab",
        "_x0041_ literal",
    ];
    let mut sheet = Sheet::start(
        Vec::new(),
        "Hist & <ória>",
        &["Texto", "Número"],
        &[20., 8.],
    )
    .unwrap();
    for (i, text) in texts.iter().enumerate() {
        sheet
            .row(&[Cell::Text(text), Cell::Number(i as f64 + 0.5)])
            .unwrap();
    }
    sheet.row(&[Cell::Empty, Cell::Time(46_349.5)]).unwrap();
    let bytes = sheet.finish().unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Hist & <ória>"]);
    let range = book.worksheet_range("Hist & <ória>").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(
        rows[0],
        [Data::String("Texto".into()), Data::String("Número".into())]
    );
    for (i, text) in texts.iter().enumerate() {
        assert_eq!(rows[i + 1][0], Data::String((*text).into()), "row {i}");
        assert_eq!(rows[i + 1][1], Data::Float(i as f64 + 0.5));
    }
    let Data::DateTime(time) = &rows[6][1] else {
        panic!("a time is a date cell: {:?}", rows[6][1])
    };
    assert_eq!(time.as_f64(), 46_349.5);
    assert!(!time.is_duration());
}

/// Passes statements through, but fails the `fail_at`-th read of a history page.
struct FailingPage<'a> {
    inner: &'a dyn Sql,
    fail_at: usize,
    seen: Cell<usize>,
}

impl Sql for FailingPage<'_> {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
        if sql.starts_with("WITH page AS MATERIALIZED") {
            self.seen.set(self.seen.get() + 1);
            if self.seen.get() == self.fail_at {
                return Err(DbError::from_message("disk I/O error (injected)".into()));
            }
        }
        self.inner.execute(sql, params)
    }
}

#[test]
fn the_transcript_has_every_message_the_timeline_and_a_pdf_with_accents() {
    let app = TestApp::spawn();
    let d = day(&app);
    let [a, _, c, _] = d.ids;
    let t = app.get(&d.admin, &format!("/api/reports/conversations/{c}"));
    t.assert_status(200);
    let messages = t.body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    // The customer was told of the close, with the protocol.
    assert_eq!(roles, ["customer", "agent", "system"]);
    assert!(messages[2]["body"]
        .as_str()
        .unwrap()
        .starts_with("Seu atendimento foi encerrado. Protocolo: WA"));
    assert_eq!(messages[0]["sender_name"], "Maria Souza");
    assert_eq!(messages[1]["sender_name"], "Bruno Agente");
    assert_eq!(messages[1]["body"], "O prazo é de 5 dias úteis.");
    assert_eq!(messages[1]["created_at"], "2026-11-23T12:05:00-03:00");
    let kinds: Vec<&str> = t.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "created",
        "queued",
        "assigned",
        "occurrence",
        "transferred",
        "closed",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(t.body["conversation"]["agent_name"], "Alice Agente");
    assert_eq!(
        t.body["conversation"]["classification"],
        "Atendimento > Dúvida"
    );

    // A note is in the transcript (staff only), as is who wrote it.
    let e = {
        at(&app, "12:40:00");
        status(&app, &d.agent2, json!({"status": "offline"}));
        let ready = app.token("agent1");
        status(&app, &ready, json!({"status": "ready"}));
        let id = arrive(
            &app,
            d.s.channel,
            "5511900000009",
            "Não recebi a confirmação",
        );
        app.post(
            &ready,
            &format!("/api/inbox/conversations/{id}/notes"),
            json!({"text": "verificar cobrança"}),
        )
        .assert_status(201);
        id
    };
    let with_note = app.get(&d.admin, &format!("/api/reports/conversations/{e}"));
    let last = with_note.body["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "note");
    assert_eq!(last["sender_name"], "Alice Agente");

    let pdf = app.handle(
        http::Request::get(format!("/api/reports/conversations/{a}/transcript.pdf"))
            .header("x-tenant", "demo")
            .header("authorization", format!("Bearer {}", d.admin))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.body().starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(pdf.body()).unwrap();
    let company = column(&app, "SELECT name FROM tenants WHERE slug = 'demo'")[0].clone();
    for expected in [
        company.as_str(),
        &protocol_of(&app, a),
        "Olá, meu pedido não chegou",
        "Vou verificar a situação do seu pedido",
        "Maria Souza",
        "Alice Agente",
        "Classificação:",
        "Atendimento > Dúvida > Entrega",
        "Início:",
        "2026-11-23 12:00:00",
        "2026-11-23 12:06:00",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert!(text.contains("Comentário:") && text.contains("reenvio é amanhã"));
    for accent in ['ã', 'ç', 'é', 'ú', 'í'] {
        assert!(text.contains(accent), "{accent} in:\n{text}");
    }
    app.get(&d.admin, "/api/reports/conversations/99999")
        .assert_error(404, "not_found");
}

#[test]
fn who_sees_what_in_every_report() {
    let app = TestApp::spawn();
    let d = day(&app);
    let [a, b, c, dd] = d.ids;
    let p = |id| protocol_of(&app, id);
    let seen = |token: &str| protocols(&history(&app, token, ""));

    // Agents: their own only.
    assert_eq!(seen(&d.agent1), [p(c), p(b), p(a)]);
    assert!(
        seen(&d.agent2).is_empty(),
        "agent2 handed C over: none is theirs"
    );
    app.get(&d.agent2, &format!("/api/reports/conversations/{a}"))
        .assert_error(403, "forbidden");
    app.get(
        &d.agent2,
        &format!("/api/reports/conversations/{a}/transcript.pdf"),
    )
    .assert_error(403, "forbidden");
    app.get(&d.agent1, &format!("/api/reports/conversations/{a}"))
        .assert_status(200);
    // ... and what their figures cover.
    let sl = app.get(&d.agent2, &format!("/api/reports/service-level?{DAY}"));
    assert!(sl.body["groups"].as_array().unwrap().is_empty());
    let own = app.get(&d.agent1, &format!("/api/reports/productivity?{DAY}"));
    assert_eq!(own.body["agents"].as_array().unwrap().len(), 1);
    app.get(
        &d.agent1,
        &format!("/api/reports/productivity?{DAY}&agent_id={}", d.agent2_id),
    )
    .assert_error(403, "forbidden");
    app.get(&d.agent1, "/api/reports/dashboard")
        .assert_error(403, "forbidden");

    // With permission, their groups' or their groups' operations' conversations...
    app.update_user(
        &d.admin,
        d.agent2_id,
        json!({"permissions": {"see_group_history": true}}),
    )
    .assert_status(200);
    let agent2 = app.token("agent2");
    assert_eq!(seen(&agent2), [p(c), p(b), p(a)]);
    app.update_user(
        &d.admin,
        d.agent2_id,
        json!({"permissions": {"see_operation_history": true}}),
    )
    .assert_status(200);
    let agent2 = app.token("agent2");
    assert_eq!(seen(&agent2), [p(c), p(b), p(a)]);
    // ... never a confidential colleague's.
    app.update_user(
        &d.admin,
        d.agent1_id,
        json!({"permissions": {"confidential_history": true}}),
    )
    .assert_status(200);
    assert!(seen(&agent2).is_empty());
    let agent1 = app.token("agent1");
    assert_eq!(seen(&agent1).len(), 3, "their own stays theirs");

    // Supervisors: the operations they oversee, confidential agents included.
    let supervisor = app.token("supervisor");
    assert!(seen(&supervisor).is_empty());
    oversee_the_operation(&app, &d);
    assert_eq!(seen(&supervisor), [p(c), p(b), p(a)]);
    let sl = app.get(&supervisor, &format!("/api/reports/service-level?{DAY}"));
    assert_eq!(sl.body["groups"].as_array().unwrap().len(), 1);
    app.get(
        &supervisor,
        &format!(
            "/api/reports/service-level?{DAY}&group_id={}",
            d.other.group
        ),
    )
    .assert_error(403, "forbidden");
    let prod = app.get(&supervisor, &format!("/api/reports/productivity?{DAY}"));
    let names: Vec<&str> = prod.body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice Agente", "Bruno Agente"]);
    let dash = app.get(&supervisor, "/api/reports/dashboard");
    dash.assert_status(200);
    assert_eq!(dash.body["groups"].as_array().unwrap().len(), 1);
    app.get(&supervisor, &format!("/api/reports/conversations/{dd}"))
        .assert_error(403, "forbidden");

    // Admins: the whole company.
    assert_eq!(seen(&d.admin).len(), 4);
    // Nobody without a session.
    app.call("GET", "/api/reports/history", None, None)
        .assert_error(401, "unauthenticated");
}

/// One rule decides who sees a past conversation (`conversation::visibility`): the reports'
/// history and the agent's customer panel list the same conversations for the same person —
/// a supervisor over the operation, a confidential agent's included; an agent allowed their
/// group's history, the confidential colleague's excluded; an admin, all.
#[test]
fn reports_and_the_customer_panel_show_the_same_person_the_same_conversations() {
    let app = TestApp::spawn();
    let d = day(&app);
    app.update_user(
        &d.admin,
        d.agent1_id,
        json!({"permissions": {"confidential_history": true}}),
    )
    .assert_status(200);
    app.update_user(
        &d.admin,
        d.agent2_id,
        json!({"permissions": {"see_group_history": true}}),
    )
    .assert_status(200);
    oversee_the_operation(&app, &d);
    let clients: Vec<i64> = d
        .ids
        .iter()
        .map(|id| {
            column(
                &app,
                &format!("SELECT client_id FROM conversations WHERE id = {id}"),
            )[0]
            .parse()
            .unwrap()
        })
        .collect();
    let sorted = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids
    };
    let in_reports = |token: &str| {
        sorted(
            history(&app, token, "include_open=true")["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect(),
        )
    };
    let in_panel = |token: &str| {
        sorted(
            clients
                .iter()
                .flat_map(|client| {
                    let panel = app.get(token, &format!("/api/inbox/clients/{client}"));
                    panel.assert_status(200);
                    panel.body["history"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| h["id"].as_i64().unwrap())
                        .collect::<Vec<_>>()
                })
                .collect(),
        )
    };
    let [a, b, c, other] = d.ids;
    let supervisor = app.token("supervisor");
    let agent2 = app.token("agent2");
    for (who, token, expected) in [
        ("supervisor", &supervisor, sorted(vec![a, b, c])),
        ("agent2", &agent2, vec![]),
        ("admin", &d.admin, sorted(vec![a, b, c, other])),
    ] {
        assert_eq!(in_reports(token), expected, "{who} in the reports");
        assert_eq!(in_panel(token), expected, "{who} in the customer panel");
    }
}

#[test]
fn the_dashboard_shows_queues_waits_and_agents_in_one_statement() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let admin = s.admin.clone();
    let agent1_id = app.user_id(&admin, "agent1");
    app.post(
        &admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({"ids": [agent1_id]}),
    )
    .assert_status(200);
    app.update_user(&admin, agent1_id, json!({"max_concurrent": 1}))
        .assert_status(200);
    at(&app, "12:00:00");
    arrive(&app, s.channel, "5511900000011", "oi");
    at(&app, "12:01:00");
    arrive(&app, s.channel, "5511900000012", "olá");
    at(&app, "12:02:00");
    let agent1 = app.token("agent1");
    status(&app, &agent1, json!({"status": "ready"}));
    at(&app, "12:05:00");

    let r = app.get(&admin, "/api/reports/dashboard");
    r.assert_status(200);
    let group = r.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == s.group)
        .unwrap()
        .clone();
    assert_eq!(group["queued"], 1);
    assert_eq!(group["assigned"], 1);
    // The second customer has waited since 12:01.
    assert_eq!(group["longest_wait_seconds"], 240);
    assert_eq!(r.body["totals"]["queued"], 1);
    assert_eq!(r.body["totals"]["assigned"], 1);
    let me = r.body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == agent1_id)
        .unwrap()
        .clone();
    assert_eq!(me["status"], "ready");
    assert_eq!(me["load"], 1);
    assert_eq!(me["max_concurrent"], 1);

    // The report itself is one statement (the rest is the session check).
    let routers = atende_host::component_routers();
    let statements = app
        .app
        .with_ctx(|ctx| {
            let counting = Counting(ctx.db, RefCell::new(Vec::new()));
            let counted = Ctx {
                db: &counting,
                ..*ctx
            };
            let response = routers["reports"].dispatch(
                &counted,
                http::Request::get("/api/reports/dashboard")
                    .header("x-tenant", "demo")
                    .header("authorization", format!("Bearer {admin}"))
                    .body(Vec::new())
                    .unwrap(),
            );
            assert_eq!(response.status(), 200);
            counting.1.into_inner()
        })
        .unwrap();
    let report: Vec<&String> = statements
        .iter()
        .filter(|s| s.contains("conversations") || s.contains("agent_status"))
        .collect();
    assert_eq!(report.len(), 1, "{statements:#?}");
}

/// Records every statement a request runs through the SQL port.
struct Counting<'a>(&'a dyn Sql, RefCell<Vec<String>>);

impl Sql for Counting<'_> {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
        self.1.borrow_mut().push(sql.to_owned());
        self.0.execute(sql, params)
    }
}

#[test]
fn the_search_index_follows_edits_and_deletes_and_ignores_delivery_updates() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let admin = s.admin.clone();
    // The local host runs with recursive triggers on, as Spin's SQLite does.
    assert_eq!(column(&app, "PRAGMA recursive_triggers"), ["1"]);
    at(&app, "12:00:00");
    arrive(&app, s.channel, "5511900000021", "Meu cartão foi clonado");
    let found = |q: &str| found_by_text(&app, &admin, q);
    assert_eq!(found("cartao"), 1);
    // Delivery updates, the most frequent writes to messages, leave the index alone.
    query(&app, "UPDATE messages SET delivery = 'read'");
    assert_eq!(found("cartao"), 1);
    query(
        &app,
        "UPDATE messages SET body = 'Pix não caiu' WHERE role = 'customer'",
    );
    assert_eq!(found("cartao"), 0);
    assert_eq!(found("pix"), 1);
    index_is_whole(&app);
    query(&app, "DELETE FROM messages");
    assert_eq!(found("pix"), 0);
    index_is_whole(&app);
}

#[test]
fn a_message_is_found_by_a_search_before_the_tick_has_indexed_it() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let admin = s.admin.clone();
    at(&app, "12:00:00");
    // What the index itself holds (a plain `SELECT` of an external-content index reads the
    // messages table).
    let indexed = |app: &TestApp| {
        column(
            app,
            "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'boleto'",
        )[0]
        .clone()
    };
    let found = |q: &str| found_by_text(&app, &admin, q);

    // Storing a message leaves the index alone (migration 0020): the tick indexes it.
    arrive(&app, s.channel, "5511900000031", "Boleto vencido ontem");
    assert_eq!(indexed(&app), "0");
    app.app.tick().unwrap();
    assert_eq!(indexed(&app), "1", "the tick indexes what arrived");

    // A search finds what arrived after the tick's last run, and an edit to a message not yet
    // indexed goes in as it is when indexed.
    arrive(&app, s.channel, "5511900000032", "Entrega atrasada");
    query(
        &app,
        "UPDATE messages SET body = 'Entrega extraviada' WHERE body = 'Entrega atrasada'",
    );
    assert_eq!(found("extraviada"), 1);
    assert_eq!(found("atrasada"), 0);
    assert_eq!(found("boleto"), 1);

    // Deleting the newest message lets SQLite give its id to the next one: that one is
    // indexed too, and an edit of it keeps the index whole.
    query(
        &app,
        "DELETE FROM messages WHERE id = (SELECT MAX(id) FROM messages)",
    );
    arrive(&app, s.channel, "5511900000033", "Cobrança duplicada");
    assert_eq!(found("duplicada"), 1, "a reused id is indexed");
    query(
        &app,
        "UPDATE messages SET body = 'Cobrança em dobro' WHERE body = 'Cobrança duplicada'",
    );
    assert_eq!(found("dobro"), 1);
    assert_eq!(found("duplicada"), 0);
    index_is_whole(&app);
}
