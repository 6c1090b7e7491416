//! What the console reads besides the inbox routes: a conversation's options (close rules,
//! file limits, quick replies, transfer targets), the client attribute definitions the customer
//! panel edits, and messages paged back from the end.

use crate::channels::{setup, wa_text, whatsapp_post};
use crate::helpers::TestApp;
use serde_json::{json, Value};

/// A WhatsApp customer waiting in a group of agent1 and agent2, pulled by agent1.
fn held_by_agent1(app: &TestApp, group_body: Value) -> (String, i64, i64) {
    let s = setup(app, "whatsapp", None);
    let admin = s.admin.clone();
    app.patch(
        &admin,
        &format!("/api/admin/groups/{}", s.group),
        group_body,
    )
    .assert_status(200);
    let ids = vec![app.user_id(&admin, "agent1"), app.user_id(&admin, "agent2")];
    app.post(
        &admin,
        &format!("/api/admin/groups/{}/members", s.group),
        json!({ "ids": ids }),
    )
    .assert_status(200);
    whatsapp_post(
        app,
        s.channel,
        &wa_text("5511987650001", "wamid.console1", "preciso de ajuda"),
    )
    .assert_status(200);
    let agent = app.token("agent1");
    let pulled = app.post(
        &agent,
        &format!("/api/inbox/queues/{}/pull", s.group),
        json!({}),
    );
    pulled.assert_status(200);
    (admin, s.group, pulled.body["id"].as_i64().unwrap())
}

fn set_status(app: &TestApp, token: &str, status: &str) {
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(token),
        Some(json!({ "status": status })),
    )
    .assert_status(200);
}

#[test]
fn options_give_the_group_rules_quick_replies_and_who_may_receive_a_transfer() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let tree = app.make(
        &admin,
        "classifications",
        json!({"name": "Motivos", "reasons": [
            {"name": "Dúvida", "children": [{"name": "Entrega"}, {"name": "Antigo", "status": "inactive"}]},
            {"name": "Desativado", "status": "inactive"}
        ]}),
    );
    let (_, sales) = app.operation_and_group(&admin, "Vendas");
    let (admin, group, id) = held_by_agent1(
        &app,
        json!({"classification_id": tree, "classification_mandatory": true, "transfer_group_ids": [sales],
               "flags": {"allow_video": false}}),
    );
    app.make(
        &admin,
        "quick-replies",
        json!({"shortcut": "ola", "text": "Olá da empresa"}),
    );
    app.make(
        &admin,
        "quick-replies",
        json!({"shortcut": "ola", "text": "Olá do grupo", "group_id": group}),
    );
    app.make(
        &admin,
        "quick-replies",
        json!({"shortcut": "tchau", "text": "Até logo"}),
    );
    let agent1 = app.token("agent1");
    let agent2 = app.token("agent2");
    let path = format!("/api/inbox/conversations/{id}/options");

    // agent2 is offline: nobody to transfer to but the group.
    let options = app.get(&agent1, &path);
    options.assert_status(200);
    let body = &options.body;
    assert_eq!(body["classification_mandatory"], true);
    assert_eq!(body["classification"]["id"], tree);
    let reasons = body["classification"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "inactive reasons are not offered");
    assert_eq!(reasons[0]["name"], "Dúvida");
    assert_eq!(reasons[0]["children"].as_array().unwrap().len(), 1);
    assert_eq!(reasons[0]["children"][0]["name"], "Entrega");
    assert_eq!(body["attachments"]["video"], false);
    assert_eq!(body["attachments"]["image"], true);
    assert_eq!(body["attachments"]["max_bytes"], 5 * 1024 * 1024);
    assert_eq!(
        body["quick_replies"],
        json!([{"shortcut": "ola", "text": "Olá do grupo"}, {"shortcut": "tchau", "text": "Até logo"}]),
        "the group's own reply wins over the company's with the same shortcut"
    );
    assert_eq!(
        body["transfer_groups"],
        json!([{"id": sales, "name": "Vendas"}])
    );
    assert_eq!(body["transfer_agents"], json!([]));

    set_status(&app, &agent2, "ready");
    let agents = app.get(&agent1, &path).body["transfer_agents"].clone();
    assert_eq!(agents.as_array().unwrap().len(), 1);
    assert_eq!(agents[0]["display_name"], "Bruno Agente");
    assert_eq!(agents[0]["status"], "ready");
    assert_eq!(agents[0]["load"], 0);

    // Someone else's conversation is refused, as every inbox action on it is.
    app.get(&agent2, &path)
        .assert_error(403, "not_your_conversation");
    app.get(
        &app.token("agent3"),
        "/api/inbox/conversations/999999/options",
    )
    .assert_error(404, "not_found");
}

#[test]
fn a_long_conversation_opens_at_its_end_and_pages_back() {
    let app = TestApp::spawn();
    let (_, _, id) = held_by_agent1(&app, json!({}));
    let agent = app.token("agent1");
    for i in 0..7 {
        app.post(
            &agent,
            &format!("/api/inbox/conversations/{id}/notes"),
            json!({ "text": format!("nota {i}") }),
        )
        .assert_status(201);
    }
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect()
    };
    let path = format!("/api/inbox/conversations/{id}/messages");
    let latest = app.get(&agent, &format!("{path}?latest=true&limit=3"));
    latest.assert_status(200);
    assert_eq!(ids(&latest.body), ["nota 4", "nota 5", "nota 6"]);
    let first_shown = latest.body["items"][0]["id"].as_i64().unwrap();
    let earlier = app.get(&agent, &format!("{path}?before={first_shown}&limit=3"));
    assert_eq!(ids(&earlier.body), ["nota 1", "nota 2", "nota 3"]);
    let oldest = earlier.body["items"][0]["id"].as_i64().unwrap();
    let start = app.get(&agent, &format!("{path}?before={oldest}&limit=3"));
    assert_eq!(ids(&start.body), ["preciso de ajuda", "nota 0"]);
    app.get(&agent, &format!("{path}?latest=true&limit=0"))
        .assert_error(422, "validation_failed");
    app.get(&agent, &format!("{path}?before=abc"))
        .assert_error(422, "validation_failed");
}

#[test]
fn anyone_changes_their_own_name_and_language_and_nothing_else() {
    let app = TestApp::spawn();
    let agent = app.token("agent1");
    let changed = app.call(
        "PATCH",
        "/api/auth/me",
        Some(&agent),
        Some(json!({"display_name": "Alice A. Agente", "language": "es"})),
    );
    changed.assert_status(200);
    assert_eq!(changed.body["user"]["display_name"], "Alice A. Agente");
    assert_eq!(changed.body["user"]["language"], "es");
    assert_eq!(
        app.me(&agent).body["user"]["display_name"],
        "Alice A. Agente"
    );
    app.call(
        "PATCH",
        "/api/auth/me",
        Some(&agent),
        Some(json!({"language": "fr"})),
    )
    .assert_error(422, "validation_failed");
    app.call(
        "PATCH",
        "/api/auth/me",
        Some(&agent),
        Some(json!({"display_name": "  "})),
    )
    .assert_error(422, "validation_failed");
    // A profile or a limit is the admin's to change.
    app.call(
        "PATCH",
        "/api/auth/me",
        Some(&agent),
        Some(json!({"profile": "admin"})),
    )
    .assert_error(422, "validation_failed");
    app.call(
        "PATCH",
        "/api/auth/me",
        Some(&agent),
        Some(json!({"max_concurrent": 80})),
    )
    .assert_error(422, "validation_failed");
    app.call(
        "PATCH",
        "/api/auth/me",
        None,
        Some(json!({"language": "en"})),
    )
    .assert_error(401, "unauthenticated");
}

#[test]
fn agents_read_the_active_attribute_definitions_and_fill_them_in_for_their_customer() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    app.make(
        &admin,
        "client-attributes",
        json!({"name": "pedido", "label": "Nº do pedido"}),
    );
    app.make(
        &admin,
        "client-attributes",
        json!({"name": "nascimento_pet", "label": "Nascimento do pet", "value_type": "date"}),
    );
    let old = app.make(
        &admin,
        "client-attributes",
        json!({"name": "antigo", "label": "Antigo"}),
    );
    app.post(
        &admin,
        &format!("/api/admin/client-attributes/{old}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    let (admin, _, id) = held_by_agent1(&app, json!({}));
    let agent1 = app.token("agent1");

    let defs = app.get(&agent1, "/api/inbox/client-attributes");
    defs.assert_status(200);
    let mut items = defs.body["items"].as_array().unwrap().clone();
    items.sort_by_key(|d| d["name"].as_str().unwrap_or("").to_owned());
    assert_eq!(
        Value::Array(items),
        json!([
            {"name": "nascimento_pet", "label": "Nascimento do pet", "value_type": "date"},
            {"name": "pedido", "label": "Nº do pedido", "value_type": "text"}
        ]),
        "only the active definitions"
    );
    app.call("GET", "/api/inbox/client-attributes", None, None)
        .assert_error(401, "unauthenticated");

    // agent1 fills them in for the customer they are serving; a wrong value says which field.
    let client = app
        .get(&admin, &format!("/api/inbox/conversations/{id}"))
        .body["conversation"]["client_id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/inbox/clients/{client}");
    let bad = app.patch(
        &agent1,
        &path,
        json!({"attributes": {"pedido": "12345", "nascimento_pet": "ontem"}}),
    );
    bad.assert_status(422);
    assert_eq!(bad.error_field(), "attributes.nascimento_pet");
    let saved = app.patch(
        &agent1,
        &path,
        json!({"attributes": {"pedido": "12345", "nascimento_pet": "2020-02-29"}}),
    );
    saved.assert_status(200);
    assert_eq!(
        saved.body["attributes"],
        json!({"pedido": "12345", "nascimento_pet": "2020-02-29"})
    );
}
