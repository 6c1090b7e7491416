//! The bots: the menu bot and the survey bot walked through provider-shaped payloads (what
//! each provider is sent asserted), the pause protocol and the survey's inactivity on the
//! manual clock, the menu's validation, the external-bot API, and the demo's story.

use crate::channels::{
    column, count, email_post, post_raw, setup, telegram_post, tg_update, wa_message, wa_text,
    whatsapp_post, Setup, INBOUND_SECRET, TG_SECRET,
};
use crate::fake::FakeProvider;
use crate::helpers::{localized, TestApp};
use crate::routing::{alive, ready};
use chrono::Duration;
use serde_json::{json, Value};

fn l(pt: &str, es: &str, en: &str) -> Value {
    json!({"pt-BR": pt, "es": es, "en": en})
}

struct World {
    s: Setup,
    /// The child group (its queue has agent1).
    child: i64,
    agent: String,
}

/// A parent group (the channel's entry) whose menu asks "1. Atendimento / 2. Encerrar" and,
/// under Atendimento, four departments (Financeiro → the child group); the child group has
/// agent1 and a survey sent after an agent's close: NPS, CSAT (3 options), open text.
fn world(app: &TestApp, kind: &str, provider: Option<&str>) -> World {
    let s = setup(app, kind, provider);
    let (_, child) = app.operation_and_group(&s.admin, &format!("Financeiro {kind}"));
    let agent1 = app.user_id(&s.admin, "agent1");
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{child}/members"),
        json!({"ids": [agent1]}),
    )
    .assert_status(200);
    let survey = app.make(
        &s.admin,
        "surveys",
        json!({"name": format!("Pesquisa {kind}"), "sent_by": ["agent"], "inactivity_minutes": 30, "questions": [
            {"type": "nps", "text": l("Que nota de 0 a 10 você dá?", "¿Qué nota del 0 al 10 nos da?", "What score from 0 to 10 do you give us?")},
            {"type": "csat", "text": l("Ficou satisfeito?", "¿Quedó satisfecho?", "Were you satisfied?"),
             "options": [l("Muito satisfeito", "Muy satisfecho", "Very satisfied"), l("Satisfeito", "Satisfecho", "Satisfied"), l("Insatisfeito", "Insatisfecho", "Unsatisfied")]},
            {"type": "open", "text": l("Deixe um comentário.", "Deje un comentario.", "Leave a comment.")}
        ]}),
    );
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{child}"),
        json!({"survey_id": survey}),
    )
    .assert_status(200);
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"start_bot": "menu", "menu": menu(child)}),
    )
    .assert_status(200);
    World {
        s,
        child,
        agent: app.token("agent1"),
    }
}

fn menu(child: i64) -> Value {
    json!({
        "greeting": l("Olá! Bem-vindo à ACME.", "¡Hola! Bienvenido a ACME.", "Hello! Welcome to ACME."),
        "max_failures": 3,
        "nodes": [
            {"id": "inicio", "prompt": l("Escolha uma opção:", "Elija una opción:", "Choose an option:"),
             "options": [
                {"number": 1, "label": l("Atendimento", "Atención", "Service"), "action": "node", "node": "setores"},
                {"number": 2, "label": l("Encerrar", "Terminar", "End"), "action": "close", "message": l("Até logo!", "¡Hasta luego!", "Goodbye!")}
             ]},
            {"id": "setores", "prompt": l("Qual setor?", "¿Qué sector?", "Which department?"),
             "options": [
                {"number": 1, "label": l("Financeiro", "Finanzas", "Billing"), "keywords": ["financeiro", "boleto"], "action": "group", "group_id": child},
                {"number": 2, "label": l("Segunda via de boleto bancário", "Segunda vía", "Duplicate bill"), "action": "group", "group_id": child},
                {"number": 3, "label": l("Seu e-mail", "Su correo", "Your e-mail"), "action": "collect", "field": "email", "node": "setores"},
                {"number": 4, "label": l("Voltar", "Volver", "Back"), "action": "node", "node": "inicio"}
             ]}
        ]
    })
}

/// The bodies of the conversation's bot messages, oldest first.
fn bot_says(app: &TestApp) -> Vec<String> {
    column(
        app,
        "SELECT body FROM messages WHERE role = 'bot' ORDER BY id",
    )
}

fn last_bot(app: &TestApp) -> String {
    bot_says(app).pop().unwrap_or_default()
}

fn wa_reply(from: &str, id: &str, kind: &str, reply_id: &str, title: &str) -> Value {
    wa_message(
        from,
        "Maria Souza",
        id,
        json!({"type": "interactive", "interactive": {"type": kind, kind: {"id": reply_id, "title": title}}}),
    )
}

/// Every JSON body the fake provider received since `from`.
fn sent_since(provider: &FakeProvider, from: usize) -> Vec<Value> {
    provider.received()[from..]
        .iter()
        .map(|r| r.json())
        .collect()
}

#[test]
fn whatsapp_the_whole_story_from_menu_to_survey_to_a_new_protocol() {
    let provider = FakeProvider::start(vec![(200, "{\"messaging_product\":\"whatsapp\"}")]);
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", Some(&provider.url));
    app.make(
        &w.s.admin,
        "webhooks",
        json!({"name": "crm", "url": "http://127.0.0.1:9/hook", "events": ["survey.answered"], "secret": "a-secret-of-sixteen+"}),
    );
    let maria = "5511987654321";
    let say = |id: &str, text: &str| {
        whatsapp_post(&app, w.s.channel, &wa_text(maria, id, text)).assert_status(200);
    };

    // First message: the greeting and the root menu, as WhatsApp reply buttons.
    say("wamid.1", "Olá, bom dia");
    assert_eq!(column(&app, "SELECT status FROM conversations"), ["bot"]);
    assert_eq!(
        bot_says(&app),
        ["Olá! Bem-vindo à ACME.\n\nEscolha uma opção:\n1. Atendimento\n2. Encerrar"]
    );
    app.app.tick().unwrap();
    let out = sent_since(&provider, 0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["type"], "interactive");
    assert_eq!(out[0]["to"], maria);
    assert_eq!(
        out[0]["interactive"],
        json!({"type": "button", "body": {"text": "Olá! Bem-vindo à ACME.\n\nEscolha uma opção:"},
               "action": {"buttons": [
                   {"type": "reply", "reply": {"id": "inicio:1", "title": "1. Atendimento"}},
                   {"type": "reply", "reply": {"id": "inicio:2", "title": "2. Encerrar"}}]}})
    );

    // An answer it does not understand repeats the prompt.
    say("wamid.2", "banana");
    assert_eq!(
        last_bot(&app),
        "Desculpe, não entendi.\n\nEscolha uma opção:\n1. Atendimento\n2. Encerrar"
    );

    // The reply button "1. Atendimento": the departments, four of them, as a list.
    whatsapp_post(
        &app,
        w.s.channel,
        &wa_reply(
            maria,
            "wamid.3",
            "button_reply",
            "inicio:1",
            "1. Atendimento",
        ),
    )
    .assert_status(200);
    assert!(last_bot(&app).starts_with("Qual setor?\n1. Financeiro\n"));
    let before = provider.received().len();
    app.app.tick().unwrap();
    let list = sent_since(&provider, before).pop().unwrap();
    assert_eq!(list["interactive"]["type"], "list");
    assert_eq!(list["interactive"]["body"]["text"], "Qual setor?");
    assert_eq!(list["interactive"]["action"]["button"], "Ver opções");
    let rows = list["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0],
        json!({"id": "setores:1", "title": "1. Financeiro"})
    );
    // A title longer than a row's 24 characters is cut, and whole in the description.
    assert_eq!(rows[1]["title"], "2. Segunda via de boleto");
    assert_eq!(rows[1]["description"], "2. Segunda via de boleto bancário");

    // By keyword, whatever the case and accents: the child group's queue.
    say("wamid.4", "FINANCEIRO");
    let id = count(&app, "SELECT id FROM conversations");
    assert_eq!(
        column(&app, "SELECT status || ' ' || group_id FROM conversations"),
        [format!("queued {}", w.child)]
    );
    assert_eq!(
        last_bot(&app),
        "Certo! Você está na fila e em breve será atendido."
    );
    assert_eq!(
        column(
            &app,
            "SELECT actor || ' ' || kind FROM conversation_events ORDER BY id"
        ),
        ["customer created", "customer bot", "bot queued"]
    );

    // An agent takes it and closes it: the survey starts on the same channel.
    ready(&app, &w.agent);
    assert_eq!(
        column(&app, "SELECT status FROM conversations"),
        ["assigned"]
    );
    // The agents see what the bot said, with its role.
    let history = app.get(&w.agent, &format!("/api/inbox/conversations/{id}/messages"));
    let roles: Vec<&str> = history.body["items"]
        .as_array()
        .or(history.body["messages"].as_array())
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"bot") && roles.contains(&"customer"),
        "{roles:?}"
    );
    app.post(
        &w.agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    let before = provider.received().len();
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    let nps = sent_since(&provider, before).pop().unwrap();
    assert_eq!(nps["type"], "text");
    assert_eq!(nps["text"]["body"], "Que nota de 0 a 10 você dá? (0-10)");

    // NPS "11" is asked again; "nota 9" is taken; none of it opens a protocol.
    say("wamid.5", "11");
    assert_eq!(
        last_bot(&app),
        "Por favor, responda com um número de 0 a 10.\n\nQue nota de 0 a 10 você dá? (0-10)"
    );
    say("wamid.6", "nota 9");
    assert!(last_bot(&app).starts_with("Ficou satisfeito?\n1. Muito satisfeito"));
    let before = provider.received().len();
    app.app.tick().unwrap();
    let csat = sent_since(&provider, before).pop().unwrap();
    // Three options whose titles fit 20 characters: reply buttons.
    assert_eq!(csat["interactive"]["type"], "button");
    assert_eq!(
        csat["interactive"]["action"]["buttons"][1],
        json!({"type": "reply", "reply": {"id": "q1:2", "title": "2. Satisfeito"}})
    );
    // CSAT by label.
    say("wamid.7", "satisfeito");
    assert_eq!(last_bot(&app), "Deixe um comentário.");
    say("wamid.8", "Fui muito bem atendida, obrigada");
    assert_eq!(last_bot(&app), "Obrigado por responder à nossa pesquisa!");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
    assert_eq!(
        column(
            &app,
            "SELECT question || ' ' || kind || ' ' || COALESCE(score, '-') || '/' || COALESCE(scale, '-') || ' ' || COALESCE(text, '-') || ' ' || group_id FROM survey_answers ORDER BY question"
        ),
        [
            format!("0 nps 9/11 - {}", w.child),
            format!("1 csat 2/3 - {}", w.child),
            format!("2 open -/- Fui muito bem atendida, obrigada {}", w.child),
        ]
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE event = 'survey.answered'"
        ),
        3
    );
    // The answers are in the conversation's details.
    let details = app.get(&w.agent, &format!("/api/inbox/conversations/{id}"));
    assert_eq!(details.body["survey_answers"][0]["score"], 9);
    assert_eq!(details.body["survey_answers"][1]["kind"], "csat");
    assert_eq!(
        details.body["survey_answers"][2]["text"],
        "Fui muito bem atendida, obrigada"
    );
    let hook = column(
        &app,
        "SELECT payload FROM webhook_deliveries WHERE event = 'survey.answered' ORDER BY id LIMIT 1",
    );
    let hook: Value = serde_json::from_str(&hook[0]).unwrap();
    assert_eq!(hook["data"]["score"], 9);
    assert_eq!(hook["data"]["type"], "nps");
    assert_eq!(hook["data"]["conversation_id"], id);

    // After the survey, a message opens a new protocol, greeted by the menu again.
    say("wamid.9", "oi de novo");
    assert_eq!(
        column(
            &app,
            "SELECT protocol || ' ' || status FROM conversations ORDER BY id"
        ),
        ["WA00000000001 closed", "WA00000000002 bot"]
    );
    assert!(last_bot(&app).starts_with("Olá! Bem-vindo à ACME."));
}

#[test]
fn a_whatsapp_list_reply_picks_its_row_and_an_option_by_number_works_too() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    let ana = "5521999990000";
    whatsapp_post(&app, w.s.channel, &wa_text(ana, "wamid.a1", "oi")).assert_status(200);
    whatsapp_post(&app, w.s.channel, &wa_text(ana, "wamid.a2", "1")).assert_status(200);
    assert!(last_bot(&app).starts_with("Qual setor?"));
    whatsapp_post(
        &app,
        w.s.channel,
        &wa_reply(
            ana,
            "wamid.a3",
            "list_reply",
            "setores:2",
            "2. Segunda via de boleto",
        ),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT status || ' ' || group_id FROM conversations"),
        [format!("queued {}", w.child)]
    );
}

#[test]
fn telegram_menus_are_inline_keyboards_and_a_pressed_button_is_the_answer() {
    let provider = FakeProvider::start(vec![(200, "{\"ok\":true,\"result\":{\"message_id\":50}}")]);
    let app = TestApp::spawn();
    let w = world(&app, "telegram", Some(&provider.url));
    telegram_post(
        &app,
        w.s.channel,
        TG_SECRET,
        &tg_update(1, json!({"message_id": 1, "text": "/start"})),
    )
    .assert_status(200);
    app.app.tick().unwrap();
    let sent = &provider.received()[0];
    assert_eq!(sent.path, "/bot123:ABC/sendMessage");
    assert_eq!(
        sent.json(),
        json!({"chat_id": 777001, "text": "Olá! Bem-vindo à ACME.\n\nEscolha uma opção:",
               "reply_markup": {"inline_keyboard": [
                   [{"text": "1. Atendimento", "callback_data": "inicio:1"}],
                   [{"text": "2. Encerrar", "callback_data": "inicio:2"}]]}})
    );

    // The customer presses "2. Encerrar": the callback query is answered in the webhook's
    // response, and the bot says goodbye and closes.
    let callback = json!({"update_id": 2, "callback_query": {"id": "cb-1", "data": "inicio:2",
        "from": {"id": 777001, "is_bot": false, "first_name": "João"},
        "message": {"message_id": 50, "chat": {"id": 777001, "type": "private"}, "date": 1763900000,
                    "text": "Escolha uma opção:", "reply_markup": {"inline_keyboard": [
                        [{"text": "1. Atendimento", "callback_data": "inicio:1"}],
                        [{"text": "2. Encerrar", "callback_data": "inicio:2"}]]}}}});
    let r = telegram_post(&app, w.s.channel, TG_SECRET, &callback);
    r.assert_status(200);
    assert_eq!(r.body["method"], "answerCallbackQuery");
    assert_eq!(r.body["callback_query_id"], "cb-1");
    assert_eq!(last_bot(&app), "Até logo!");
    assert_eq!(
        column(&app, "SELECT status || ' ' || closed_by FROM conversations"),
        ["closed bot"]
    );
    assert_eq!(
        column(
            &app,
            "SELECT body FROM messages WHERE role = 'customer' ORDER BY id"
        ),
        ["/start", "2. Encerrar"]
    );
    // The bot said its own goodbye: no closing notice besides it.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE role = 'system'"),
        0
    );
}

/// A pressed button of `keyboard` as Telegram posts it: a `callback_query` carrying the
/// message whose keyboard it was.
fn tg_press(update_id: i64, query_id: &str, data: &str, keyboard: &Value) -> Value {
    json!({"update_id": update_id, "callback_query": {"id": query_id, "data": data,
        "from": {"id": 777001, "is_bot": false, "first_name": "João", "language_code": "pt-br"},
        "message": {"message_id": 60, "chat": {"id": 777001, "type": "private"}, "date": 1763900000,
                    "text": "…", "reply_markup": {"inline_keyboard": keyboard}}}})
}

#[test]
fn telegram_survey_answers_are_inline_keyboard_buttons_the_nps_scale_on_two_rows() {
    let provider = FakeProvider::start(vec![(200, "{\"ok\":true,\"result\":{\"message_id\":60}}")]);
    let app = TestApp::spawn();
    let w = world(&app, "telegram", Some(&provider.url));
    let write = |update_id: i64, text: &str| {
        telegram_post(
            &app,
            w.s.channel,
            TG_SECRET,
            &tg_update(update_id, json!({"message_id": update_id, "text": text})),
        )
        .assert_status(200);
    };
    write(1, "Oi");
    write(2, "1");
    write(3, "financeiro");
    ready(&app, &w.agent);
    let id = count(&app, "SELECT id FROM conversations");
    app.post(
        &w.agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    let before = provider.received().len();
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    app.app.tick().unwrap();
    let nps = sent_since(&provider, before).pop().unwrap();
    // 0–5 and 6–10, each button answering with its number.
    let row = |r: std::ops::RangeInclusive<i32>| -> Vec<Value> {
        r.map(|n| json!({"text": n.to_string(), "callback_data": format!("q0:{n}")}))
            .collect()
    };
    assert_eq!(
        nps,
        json!({"chat_id": 777001, "text": "Que nota de 0 a 10 você dá? (0-10)",
               "reply_markup": {"inline_keyboard": [row(0..=5), row(6..=10)]}})
    );

    // The customer presses 9: the press is answered in the webhook's response and scored.
    let pressed = telegram_post(
        &app,
        w.s.channel,
        TG_SECRET,
        &tg_press(
            10,
            "cb-nps",
            "q0:9",
            &nps["reply_markup"]["inline_keyboard"],
        ),
    );
    pressed.assert_status(200);
    assert_eq!(pressed.body["method"], "answerCallbackQuery");
    assert_eq!(pressed.body["callback_query_id"], "cb-nps");
    assert_eq!(
        column(
            &app,
            "SELECT kind || ' ' || score || '/' || scale FROM survey_answers"
        ),
        ["nps 9/11"]
    );

    // CSAT: one option per row; the pressed one is the answer, as its number.
    let before = provider.received().len();
    app.app.tick().unwrap();
    let csat = sent_since(&provider, before).pop().unwrap();
    assert_eq!(
        csat["reply_markup"]["inline_keyboard"],
        json!([[{"text": "1. Muito satisfeito", "callback_data": "q1:1"}],
               [{"text": "2. Satisfeito", "callback_data": "q1:2"}],
               [{"text": "3. Insatisfeito", "callback_data": "q1:3"}]])
    );
    telegram_post(
        &app,
        w.s.channel,
        TG_SECRET,
        &tg_press(
            11,
            "cb-csat",
            "q1:3",
            &csat["reply_markup"]["inline_keyboard"],
        ),
    )
    .assert_status(200);
    // An old NPS button pressed again is not a second score: the comment is still asked for.
    telegram_post(
        &app,
        w.s.channel,
        TG_SECRET,
        &tg_press(
            12,
            "cb-old",
            "q0:2",
            &nps["reply_markup"]["inline_keyboard"],
        ),
    )
    .assert_status(200);
    assert_eq!(
        last_bot(&app),
        "Por favor, escreva sua resposta.\n\nDeixe um comentário."
    );
    write(13, "Demorou um pouco");
    assert_eq!(
        column(
            &app,
            "SELECT kind || ' ' || COALESCE(score, text) FROM survey_answers ORDER BY question"
        ),
        ["nps 9", "csat 3", "open Demorou um pouco"]
    );
    // What the customer pressed reads as the buttons' text in the transcript.
    assert_eq!(
        column(
            &app,
            "SELECT body FROM messages WHERE role = 'customer' AND kind = 'interactive' ORDER BY id"
        ),
        ["9", "3. Insatisfeito", "2"]
    );
}

#[test]
fn email_and_sms_get_plain_numbered_text_in_the_customers_language() {
    // Answers without an id, so the provider's ids never collide.
    let provider = FakeProvider::start(vec![(200, "{}")]);
    let app = TestApp::spawn();
    let mail = world(&app, "email", Some(&provider.url));
    email_post(
        &app,
        mail.s.channel,
        INBOUND_SECRET,
        &json!({"from": "ana@cliente.com.br", "subject": "Ajuda", "text": "Preciso de ajuda", "message_id": "<e1@cliente.com.br>"}),
    )
    .assert_status(200);
    app.app.tick().unwrap();
    let sent = provider.received().pop().unwrap().json();
    let text = sent.to_string();
    assert!(
        text.contains("Escolha uma opção:\\n1. Atendimento\\n2. Encerrar"),
        "{text}"
    );

    let sms = world(&app, "sms", Some(&provider.url));
    let post = |id: &str, text: &str| {
        post_raw(
            &app,
            &format!("/hooks/sms/{}", sms.s.channel),
            vec![("authorization", format!("Bearer {INBOUND_SECRET}"))],
            json!({"id": id, "from": "+5511987650000", "to": "ACME", "text": text})
                .to_string()
                .as_bytes(),
        )
        .assert_status(200);
    };
    post("s1", "oi");
    post("s2", "1");
    post("s3", "Quero a 2a via do BOLETO");
    assert_eq!(
        column(
            &app,
            &format!(
                "SELECT status || ' ' || group_id FROM conversations WHERE channel_id = {}",
                sms.s.channel
            )
        ),
        [format!("queued {}", sms.child)]
    );
    app.app.tick().unwrap();
    let texts: Vec<String> = provider
        .received()
        .iter()
        .map(|r| r.json().to_string())
        .collect();
    assert!(texts
        .iter()
        .any(|t| t.contains("Qual setor?\\n1. Financeiro\\n2. Segunda via de boleto banc")));
}

#[test]
fn the_widget_shows_clickable_options_and_a_click_answers_in_english() {
    let app = TestApp::spawn();
    let w = world(&app, "webchat", None);
    let token = crate::widget::start(&app, w.s.channel);
    let messages = format!("/widget/{}/messages", w.s.channel);
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Hi", "client_message_id": "w1"})),
    )
    .assert_status(201);
    let polled = crate::widget::call(&app, "GET", &messages, Some(&token), None);
    let bot = polled.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "bot")
        .unwrap()
        .clone();
    assert_eq!(
        bot["body"],
        "Hello! Welcome to ACME.\n\nChoose an option:\n1. Service\n2. End"
    );
    assert_eq!(
        bot["choices"],
        json!([{"id": "inicio:1", "title": "1. Service"}, {"id": "inicio:2", "title": "2. End"}])
    );
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "1. Service", "choice": "inicio:1", "client_message_id": "w2"})),
    )
    .assert_status(201);
    assert!(last_bot(&app).starts_with("Which department?\n1. Billing"));
    // Collecting a field: a bad e-mail is asked again, a good one is saved on the client.
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "3", "client_message_id": "w3"})),
    )
    .assert_status(201);
    assert_eq!(last_bot(&app), "Please type your e-mail address.");
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "not-an-email", "client_message_id": "w4"})),
    )
    .assert_status(201);
    assert_eq!(
        last_bot(&app),
        "That e-mail address is not valid. Please type it again."
    );
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Visit@Example.com", "client_message_id": "w5"})),
    )
    .assert_status(201);
    assert!(last_bot(&app).starts_with("Thank you, noted!\n\nWhich department?"));
    assert_eq!(
        column(
            &app,
            "SELECT email FROM clients WHERE display_name = 'Visitante'"
        ),
        ["visit@example.com"]
    );
}

#[test]
fn after_too_many_answers_it_does_not_understand_the_fallback_applies() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    // Without a fallback group, the bot closes.
    for (i, text) in ["oi", "x", "y", "z"].iter().enumerate() {
        whatsapp_post(
            &app,
            w.s.channel,
            &wa_text("5511900000001", &format!("wamid.f{i}"), text),
        )
        .assert_status(200);
    }
    assert_eq!(
        column(&app, "SELECT status || ' ' || closed_by FROM conversations"),
        ["closed bot"]
    );
    assert_eq!(
        last_bot(&app),
        "Não consegui entender suas respostas. Obrigado pelo contato. Até logo!"
    );
    // With one, the conversation goes to its queue.
    let mut m = menu(w.child);
    m["fallback_group_id"] = json!(w.child);
    m["max_failures"] = json!(1);
    app.patch(
        &w.s.admin,
        &format!("/api/admin/groups/{}", w.s.group),
        json!({"menu": m}),
    )
    .assert_status(200);
    for (i, text) in ["oi", "???"].iter().enumerate() {
        whatsapp_post(
            &app,
            w.s.channel,
            &wa_text("5511900000002", &format!("wamid.g{i}"), text),
        )
        .assert_status(200);
    }
    assert_eq!(
        column(
            &app,
            "SELECT status || ' ' || group_id FROM conversations ORDER BY id DESC LIMIT 1"
        ),
        [format!("queued {}", w.child)]
    );
}

#[test]
fn a_menu_pointing_to_a_missing_or_inactive_group_is_refused_naming_the_node() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let (_, other) = app.operation_and_group(&s.admin, "Desativado");
    app.post(
        &s.admin,
        &format!("/api/admin/groups/{other}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    let path = format!("/api/admin/groups/{}", s.group);
    let r = app.patch(
        &s.admin,
        &path,
        json!({"start_bot": "menu", "menu": menu(999_999)}),
    );
    r.assert_error(422, "validation_failed");
    // Said in the admin's language (the demo's Portuguese).
    assert_eq!(r.error_field(), "menu.nodes[1].options[0].group_id");
    assert!(
        r.body
            .to_string()
            .contains("nó 'setores': grupo 999999 não existe"),
        "{}",
        r.body
    );
    let r = app.patch(
        &s.admin,
        &path,
        json!({"start_bot": "menu", "menu": menu(other)}),
    );
    r.assert_error(422, "validation_failed");
    assert!(
        r.body
            .to_string()
            .contains(&format!("nó 'setores': grupo {other} está desativado(a)")),
        "{}",
        r.body
    );
    // A node that does not exist, a duplicate number, a menu without start_bot.
    let mut bad = menu(s.group + 1_000);
    bad["nodes"][0]["options"][0]["node"] = json!("nowhere");
    bad["nodes"][0]["options"][1]["number"] = json!(1);
    let r = app.patch(&s.admin, &path, json!({"menu": bad}));
    let text = r.body.to_string();
    assert!(text.contains("não existe o nó 'nowhere'"), "{text}");
    assert!(
        text.contains("a opção 1 está numerada duas vezes"),
        "{text}"
    );
    assert!(text.contains("exige start_bot menu"), "{text}");
    // Nothing was saved.
    let group = app.get(&s.admin, &path);
    assert!(group.body.get("menu").is_none_or(Value::is_null));

    // A group a menu routes to is not deactivated while the menu points to it.
    let (_, child) = app.operation_and_group(&s.admin, "Filho");
    app.patch(
        &s.admin,
        &path,
        json!({"start_bot": "menu", "menu": menu(child)}),
    )
    .assert_status(200);
    let r = app.post(
        &s.admin,
        &format!("/api/admin/groups/{child}/deactivate"),
        json!({}),
    );
    r.assert_error(409, "group_in_use");
    assert!(r.body.to_string().contains("(its menu bot)"), "{}", r.body);
}

#[test]
fn the_survey_stops_after_its_inactivity_time_and_a_late_message_opens_a_protocol() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    let joao = "5511911112222";
    whatsapp_post(&app, w.s.channel, &wa_text(joao, "wamid.i1", "oi")).assert_status(200);
    whatsapp_post(&app, w.s.channel, &wa_text(joao, "wamid.i2", "1")).assert_status(200);
    whatsapp_post(&app, w.s.channel, &wa_text(joao, "wamid.i3", "1")).assert_status(200);
    ready(&app, &w.agent);
    let id = count(&app, "SELECT id FROM conversations");
    app.post(
        &w.agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({}),
    )
    .assert_status(200);
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);

    // 29 minutes later the survey still runs: the answer is taken.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.app.tick().unwrap().surveys_expired, 0);
    whatsapp_post(&app, w.s.channel, &wa_text(joao, "wamid.i4", "10")).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_answers"), 1);
    // 30 minutes after the last question, it stops.
    app.clock.advance(Duration::minutes(30));
    assert_eq!(app.app.tick().unwrap().surveys_expired, 1);
    whatsapp_post(&app, w.s.channel, &wa_text(joao, "wamid.i5", "satisfeito")).assert_status(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_answers"), 1);
    assert_eq!(
        column(&app, "SELECT status FROM conversations ORDER BY id"),
        ["closed", "bot"]
    );
}

#[test]
fn pause_protocol_tells_waiting_customers_once_per_interval_until_an_agent_answers() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    app.patch(
        &w.s.admin,
        &format!("/api/admin/groups/{}", w.child),
        json!({"pause_protocol": {"message": localized("Aguarde, por favor"), "interval_minutes": 5, "queue_wait_minutes": 2}}),
    )
    .assert_status(200);
    let notices = |app: &TestApp| {
        count(
            app,
            "SELECT COUNT(*) FROM messages WHERE body = 'Aguarde, por favor (pt)'",
        )
    };
    // Queued with nobody ready: nothing for 2 minutes, then once per 5 minutes.
    let c = "5511933334444";
    for (i, text) in ["oi", "1", "1"].iter().enumerate() {
        whatsapp_post(&app, w.s.channel, &wa_text(c, &format!("wamid.p{i}"), text))
            .assert_status(200);
    }
    assert_eq!(app.app.tick().unwrap().pause_notices, 0);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(app.app.tick().unwrap().pause_notices, 1);
    app.clock.advance(Duration::minutes(4));
    assert_eq!(app.app.tick().unwrap().pause_notices, 0);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.app.tick().unwrap().pause_notices, 1);
    assert_eq!(notices(&app), 2);
    assert_eq!(
        column(
            &app,
            "SELECT DISTINCT role FROM messages WHERE body = 'Aguarde, por favor (pt)'"
        ),
        ["bot"]
    );

    // The agent takes it and pauses while the customer waits (their console stays
    // connected): the notice goes on...
    ready(&app, &w.agent);
    app.make(&w.s.admin, "pause-reasons", json!({"name": "Almoço"}));
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&w.agent),
        Some(json!({"status": "paused", "reason": "Almoço"})),
    )
    .assert_status(200);
    let id = count(&app, "SELECT id FROM conversations");
    let later = |minutes: i64| {
        app.clock.advance(Duration::minutes(minutes));
        alive(&app, &w.agent);
        app.app.tick().unwrap().pause_notices
    };
    // At most once per interval, whatever set it off: 5 minutes after the last queue notice.
    app.clock.advance(Duration::minutes(5));
    alive(&app, &w.agent);
    whatsapp_post(&app, w.s.channel, &wa_text(c, "wamid.p9", "alguém?")).assert_status(200);
    assert_eq!(later(0), 1);
    assert_eq!(later(1), 0);
    assert_eq!(later(1), 0);
    assert_eq!(later(1), 0);
    assert_eq!(later(2), 1);
    // ...until an agent answers: back from the pause, the agent writes, and pauses again.
    ready(&app, &w.agent);
    app.post(
        &w.agent,
        &format!("/api/inbox/conversations/{id}/messages"),
        json!({"text": "Voltei!"}),
    )
    .assert_status(201);
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&w.agent),
        Some(json!({"status": "paused", "reason": "Almoço"})),
    )
    .assert_status(200);
    assert_eq!(later(5), 0);
    assert_eq!(later(5), 0);
    assert_eq!(notices(&app), 4);
}

#[test]
fn an_external_bot_lists_replies_routes_and_closes_with_a_bots_token() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let (_, target) = app.operation_and_group(&s.admin, "Humanos");
    // start_bot menu without a menu: the group's conversations wait for the external bot.
    app.patch(
        &s.admin,
        &format!("/api/admin/groups/{}", s.group),
        json!({"start_bot": "menu"}),
    )
    .assert_status(200);
    let token = app
        .post(
            &s.admin,
            "/api/admin/tokens",
            json!({"name": "rasa", "scopes": ["bots"]}),
        )
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511955556666", "wamid.x1", "quero um humano"),
    )
    .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511955557777", "wamid.x2", "oi")).assert_status(200);
    assert!(bot_says(&app).is_empty());

    let list = app.get(&token, "/api/bot/conversations");
    list.assert_status(200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["last_customer_message"], "quero um humano");
    let (first, second) = (
        items[0]["id"].as_i64().unwrap(),
        items[1]["id"].as_i64().unwrap(),
    );
    let one = app.get(&token, &format!("/api/bot/conversations/{first}"));
    one.assert_status(200);
    assert_eq!(one.body["conversation"]["status"], "bot");
    assert_eq!(one.body["messages"][0]["body"], "quero um humano");

    let r = app.post(
        &token,
        &format!("/api/bot/conversations/{first}/messages"),
        json!({"text": "Claro! Um momento.", "options": [{"id": "ok", "title": "Ok"}]}),
    );
    r.assert_status(201);
    assert_eq!(last_bot(&app), "Claro! Um momento.\nOk");
    app.post(
        &token,
        &format!("/api/bot/conversations/{first}/route"),
        json!({"group_id": target}),
    )
    .assert_status(200);
    app.post(
        &token,
        &format!("/api/bot/conversations/{second}/close"),
        json!({"message": "Tchau!"}),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT status || ' ' || COALESCE(group_id, '') || ' ' || COALESCE(closed_by, '') FROM conversations ORDER BY id"),
        [format!("queued {target} "), format!("closed {} bot", s.group)]
    );
    // Only conversations with a bot; bad input is a 4xx with the envelope.
    app.post(
        &token,
        &format!("/api/bot/conversations/{first}/messages"),
        json!({"text": "oi"}),
    )
    .assert_error(409, "invalid_state");
    app.post(
        &token,
        &format!("/api/bot/conversations/{first}/route"),
        json!({"group_id": target}),
    )
    .assert_error(409, "invalid_state");
    app.post(
        &token,
        &format!("/api/bot/conversations/{first}/route"),
        json!({"group_id": 987654}),
    )
    .assert_error(422, "validation_failed");
    app.post(
        &token,
        "/api/bot/conversations/1/messages",
        json!({"text": ""}),
    )
    .assert_error(422, "validation_failed");
    app.get(&token, "/api/bot/conversations/424242")
        .assert_error(404, "not_found");
    // Another scope does not reach it; an agent neither.
    let reader = app
        .post(
            &s.admin,
            "/api/admin/tokens",
            json!({"name": "bi", "scopes": ["reports:read"]}),
        )
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&reader, "/api/bot/conversations")
        .assert_error(403, "insufficient_scope");
    app.get(&app.token("agent1"), "/api/bot/conversations")
        .assert_error(403, "forbidden");
}

#[test]
fn the_demo_greets_widget_visitors_and_option_1_reaches_its_agents() {
    let app = TestApp::spawn();
    let workspace = app
        .app
        .with_ctx(atende_shared::demo::seed_workspace)
        .unwrap()
        .unwrap();
    let channel = workspace.webchat_channel;
    let token = crate::widget::start(&app, channel);
    let messages = format!("/widget/{channel}/messages");
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "Hello", "client_message_id": "d1"})),
    )
    .assert_status(201);
    assert!(last_bot(&app).starts_with("Hello! Welcome to Atende Demo."));
    let agent = app.token("agent1");
    ready(&app, &agent);
    crate::widget::call(
        &app,
        "POST",
        &messages,
        Some(&token),
        Some(json!({"text": "1. Support", "choice": "inicio:1", "client_message_id": "d2"})),
    )
    .assert_status(201);
    // Suporte offers with accept/reject: agent1 gets the offer and accepts it.
    assert_eq!(
        column(&app, "SELECT c.status || ' ' || u.username FROM conversations c JOIN users u ON u.id = c.agent_id"),
        ["offered agent1"]
    );
    let id = count(&app, "SELECT id FROM conversations");
    app.post(&agent, &format!("/api/inbox/offers/{id}/accept"), json!({}))
        .assert_status(200);
    // Closing Suporte's conversations needs the demo classification (Dúvida › Entrega).
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({"reason_id": 1, "sub_reason_id": 2, "resolved": true}),
    )
    .assert_status(200);
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    assert!(last_bot(&app).starts_with("From 0 to 10"));
    // The WhatsApp channel enters the same menu.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM config_items WHERE kind = 'channel' AND data LIKE '%\"type\":\"whatsapp\"%'"),
        1
    );
}

#[test]
fn a_menu_button_pressed_again_during_the_survey_is_asked_again_not_scored() {
    let app = TestApp::spawn();
    let workspace = app
        .app
        .with_ctx(atende_shared::demo::seed_workspace)
        .unwrap()
        .unwrap();
    let channel = workspace.webchat_channel;
    let token = crate::widget::start(&app, channel);
    let messages = format!("/widget/{channel}/messages");
    let send = |body: Value| {
        crate::widget::call(&app, "POST", &messages, Some(&token), Some(body)).assert_status(201);
    };
    send(json!({"text": "Hello", "client_message_id": "s1"}));
    let agent = app.token("agent1");
    ready(&app, &agent);
    send(json!({"text": "1. Support", "choice": "inicio:1", "client_message_id": "s2"}));
    let id = count(&app, "SELECT id FROM conversations");
    app.post(&agent, &format!("/api/inbox/offers/{id}/accept"), json!({}))
        .assert_status(200);
    app.post(
        &agent,
        &format!("/api/inbox/conversations/{id}/close"),
        json!({"reason_id": 1, "sub_reason_id": 2, "resolved": true}),
    )
    .assert_status(200);
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    assert!(last_bot(&app).starts_with("From 0 to 10"));
    // The menu's buttons are still on the visitor's screen; "4. End" is not a score of 4.
    send(json!({"text": "4. End", "choice": "inicio:4", "client_message_id": "s3"}));
    assert!(
        last_bot(&app).starts_with("Please answer from 0 to 10."),
        "{}",
        last_bot(&app)
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_answers"), 0);
    // In the web chat the question carries the scale as buttons, listed on one line of its text.
    let asked = column(
        &app,
        "SELECT payload FROM messages WHERE role = 'bot' ORDER BY id DESC LIMIT 1",
    );
    let asked: Value = serde_json::from_str(&asked[0]).unwrap();
    let ids: Vec<&str> = asked["choices"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, (0..=10).map(|n| format!("q0:{n}")).collect::<Vec<_>>());
    assert!(
        last_bot(&app).ends_with("\n0 · 1 · 2 · 3 · 4 · 5 · 6 · 7 · 8 · 9 · 10"),
        "{}",
        last_bot(&app)
    );
    send(json!({"text": "9", "choice": "q0:9", "client_message_id": "s4"}));
    assert_eq!(
        column(&app, "SELECT kind || ' ' || score FROM survey_answers"),
        ["nps 9"]
    );
}

#[test]
fn a_customer_who_stops_answering_the_menu_is_routed_by_the_bot_inactivity_rule() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    app.patch(
        &w.s.admin,
        &format!("/api/admin/groups/{}", w.s.group),
        json!({"bot_inactivity": {"time": 5, "unit": "minutes", "action": "to_group", "group_id": w.child}}),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        w.s.channel,
        &wa_text("5511944445555", "wamid.b1", "oi"),
    )
    .assert_status(200);
    assert_eq!(bot_says(&app).len(), 1);
    app.clock.advance(Duration::minutes(6));
    assert_eq!(app.app.tick().unwrap().bot_inactivity, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bot_sessions"), 0);
    assert_eq!(
        column(&app, "SELECT status || ' ' || group_id FROM conversations"),
        [format!("queued {}", w.child)]
    );
    // A later answer is the customer's message to the queue, not the menu's.
    whatsapp_post(
        &app,
        w.s.channel,
        &wa_text("5511944445555", "wamid.b2", "1"),
    )
    .assert_status(200);
    assert_eq!(bot_says(&app).len(), 1);
}

#[test]
fn the_readmes_one_curl_menu_is_accepted_as_written() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("-d '{\"start_bot\":\"menu\"")
        .expect("the README's menu curl")
        + 4;
    let end = start + readme[start..].find("'\n").unwrap();
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    let (_, target) = app.operation_and_group(&s.admin, "Financeiro");
    let body = readme[start..end].replace("\"group_id\":2", &format!("\"group_id\":{target}"));
    let body: Value = serde_json::from_str(&body).unwrap();
    app.patch(&s.admin, &format!("/api/admin/groups/{}", s.group), body)
        .assert_status(200);
    whatsapp_post(&app, s.channel, &wa_text("5511966667777", "wamid.r1", "oi")).assert_status(200);
    assert_eq!(last_bot(&app), "Olá!\n\nEscolha:\n1. Financeiro\n2. Sair");
    whatsapp_post(
        &app,
        s.channel,
        &wa_text("5511966667777", "wamid.r2", "boleto"),
    )
    .assert_status(200);
    assert_eq!(
        column(&app, "SELECT status || ' ' || group_id FROM conversations"),
        [format!("queued {target}")]
    );
}

#[test]
fn a_faq_option_answers_with_the_article_then_asks_whether_there_is_anything_else() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    let article = app.make(
        &w.s.admin,
        "articles",
        json!({"title": "Prazo de entrega", "body": "Entregamos em até 5 dias úteis.", "keywords": ["entrega"]}),
    );
    let mut m = menu(w.child);
    m["nodes"][0]["options"][1] = json!({"number": 2, "label": l("Prazo de entrega", "Plazo", "Delivery"),
        "keywords": ["entrega"], "action": "article", "article_id": article});
    app.patch(
        &w.s.admin,
        &format!("/api/admin/groups/{}", w.s.group),
        json!({"menu": m}),
    )
    .assert_status(200);
    let c = "5511977778888";
    let say = |id: &str, text: &str| {
        whatsapp_post(&app, w.s.channel, &wa_text(c, id, text)).assert_status(200);
    };
    say("wamid.q1", "oi");
    say("wamid.q2", "qual o prazo de entrega?");
    let said = bot_says(&app);
    assert_eq!(
        said[said.len() - 2..],
        [
            "Prazo de entrega\n\nEntregamos em até 5 dias úteis.".to_owned(),
            "Posso ajudar em algo mais?\n1. Sim\n2. Não".to_owned()
        ]
    );
    // "Sim": the root menu again; the article once more, then "não" closes as the bot.
    say("wamid.q3", "Sim");
    assert_eq!(
        last_bot(&app),
        "Escolha uma opção:\n1. Atendimento\n2. Prazo de entrega"
    );
    say("wamid.q4", "2");
    say("wamid.q5", "talvez");
    assert_eq!(
        last_bot(&app),
        "Desculpe, não entendi.\n\nPosso ajudar em algo mais?\n1. Sim\n2. Não"
    );
    say("wamid.q6", "NÃO");
    assert_eq!(last_bot(&app), "Obrigado pelo contato. Até logo!");
    assert_eq!(
        column(
            &app,
            "SELECT status || ' ' || closed_by || ' ' || survey_due FROM conversations"
        ),
        ["closed bot 0"]
    );
}

#[test]
fn a_survey_that_allows_it_lets_the_customer_skip_and_one_sent_after_a_bots_close_starts_then() {
    let app = TestApp::spawn();
    let w = world(&app, "whatsapp", None);
    let survey = app.make(
        &w.s.admin,
        "surveys",
        json!({"name": "Rapida", "sent_by": ["bot"], "allow_skip": true, "questions": [
            {"type": "nps", "text": l("Nota?", "¿Nota?", "Score?")},
            {"type": "open", "text": l("Comentário?", "¿Comentario?", "Comment?")}]}),
    );
    app.patch(
        &w.s.admin,
        &format!("/api/admin/groups/{}", w.s.group),
        json!({"survey_id": survey}),
    )
    .assert_status(200);
    let c = "5511988889999";
    let say = |id: &str, text: &str| {
        whatsapp_post(&app, w.s.channel, &wa_text(c, id, text)).assert_status(200);
    };
    say("wamid.k1", "oi");
    say("wamid.k2", "encerrar");
    assert_eq!(
        column(
            &app,
            "SELECT closed_by || ' ' || survey_due FROM conversations"
        ),
        ["bot 1"]
    );
    assert_eq!(app.app.tick().unwrap().surveys_started, 1);
    assert_eq!(last_bot(&app), "Nota? (0-10) (digite \"pular\" para pular)");
    say("wamid.k3", "pular");
    assert_eq!(last_bot(&app), "Comentário? (digite \"pular\" para pular)");
    say("wamid.k4", "Rápido e fácil");
    assert_eq!(last_bot(&app), "Obrigado por responder à nossa pesquisa!");
    assert_eq!(
        column(
            &app,
            "SELECT question || ' ' || kind || ' ' || text FROM survey_answers"
        ),
        ["1 open Rápido e fácil"]
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations"), 1);
}
