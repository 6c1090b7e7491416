//! The configuration resources: every one created, read back, updated, deactivated and listed;
//! each validation rule refused by name; tenants isolated; profiles respected.

use crate::helpers::{localized, TestApp, PLATFORM_SECRET};
use serde_json::{json, Value};

/// One valid body per resource (ids of their dependencies filled in by `bodies`).
fn bodies(app: &TestApp, admin: &str) -> Vec<(&'static str, Value, Value)> {
    let (op, group) = app.operation_and_group(admin, "Base");
    vec![
        (
            "operations",
            json!({"name": "Vendas", "description": "Sales"}),
            json!({"description": "Sales team"}),
        ),
        (
            "groups",
            json!({"name": "Suporte N1", "operation_id": op, "queue_strategy": "agent_priority"}),
            json!({"queue_strategy": "least_conversations"}),
        ),
        (
            "surveys",
            json!({"name": "pesquisa pos atendimento", "sent_by": ["agent"], "questions": [
                {"type": "nps", "text": localized("How likely")},
                {"type": "csat", "text": localized("Satisfied?"), "options": [localized("Yes"), localized("No")]},
                {"type": "open", "text": localized("Tell us more")}
            ]}),
            json!({"sent_by": ["agent", "bot"]}),
        ),
        (
            "classifications",
            json!({"name": "Financeiro", "reasons": [{"name": "Boleto", "children": [{"name": "Segunda via"}]}]}),
            json!({"name": "Financeiro e cobrança"}),
        ),
        (
            "occurrence-types",
            json!({"name": "Reclamação"}),
            json!({"description": "Complaint"}),
        ),
        (
            "client-attributes",
            json!({"name": "plano", "label": "Plano"}),
            json!({"label": "Plano contratado"}),
        ),
        (
            "tags",
            json!({"name": "VIP", "color": "#FFAA00"}),
            json!({"color": "#00aa00"}),
        ),
        (
            "pause-reasons",
            json!({"name": "Almoço"}),
            json!({"name": "Almoço e descanso"}),
        ),
        (
            "quick-replies",
            json!({"group_id": group, "shortcut": "/ola", "text": "Olá! Como posso ajudar?"}),
            json!({"text": "Olá, tudo bem?"}),
        ),
        (
            "articles",
            json!({"title": "Segunda via de boleto", "body": "Acesse o portal...", "keywords": ["Boleto", "2via"]}),
            json!({"visible_to_customers": false}),
        ),
        (
            "business-hours",
            json!({"name": "Comercial", "time_zone": "America/Sao_Paulo",
                   "windows": [{"day": "mon", "start": "08:00", "end": "18:00"}],
                   "holidays": [{"date": "2026-12-25", "name": "Natal"}],
                   "out_of_hours_message": localized("We are closed")}),
            json!({"holidays": []}),
        ),
        (
            "channels",
            json!({"type": "telegram", "name": "Bot de vendas", "entry_group_id": group,
                   "credentials": {"bot_token": "123456:ABCDEF-secret-token", "secret_token": "hook-secret-123456"}}),
            json!({"name": "Bot de vendas 2"}),
        ),
        (
            "webhooks",
            json!({"name": "CRM", "url": "https://crm.example.com/hooks", "events": ["conversation.closed"],
                   "secret": "a-long-webhook-secret"}),
            json!({"events": ["conversation.closed", "message.created"]}),
        ),
    ]
}

#[test]
fn every_resource_is_created_read_updated_deactivated_and_listed() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    for (resource, body, patch) in bodies(&app, &admin) {
        let base = format!("/api/admin/{resource}");
        let created = app.post(&admin, &base, body.clone());
        created.assert_status(201);
        let id = created.body["id"].as_i64().unwrap();

        let read = app.get(&admin, &format!("{base}/{id}"));
        read.assert_status(200);
        assert_eq!(read.body["status"], "active", "{resource}");
        for (key, _) in body.as_object().unwrap() {
            assert!(
                read.body.get(key).is_some(),
                "{resource}: {key} not read back: {}",
                read.body
            );
        }

        let updated = app.patch(&admin, &format!("{base}/{id}"), patch.clone());
        updated.assert_status(200);
        for (key, value) in patch.as_object().unwrap() {
            assert_eq!(&updated.body[key], value, "{resource}.{key}");
        }
        // A client may send a read item back whole (with its id, status, times).
        let mut round_trip = updated.body.clone();
        round_trip.as_object_mut().unwrap().remove("credentials");
        app.patch(&admin, &format!("{base}/{id}"), round_trip)
            .assert_status(200);

        let off = app.post(&admin, &format!("{base}/{id}/deactivate"), json!({}));
        off.assert_status(200);
        assert_eq!(off.body["status"], "inactive");
        let inactive = app.get(&admin, &format!("{base}?status=inactive"));
        assert!(
            inactive.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == id),
            "{resource}"
        );
        let on = app.post(&admin, &format!("{base}/{id}/activate"), json!({}));
        assert_eq!(on.body["status"], "active");
        app.get(&admin, &format!("{base}/999999"))
            .assert_error(404, "not_found");
    }
}

#[test]
fn every_field_of_a_group_is_stored_and_read_back() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (op, parent) = app.operation_and_group(&admin, "Atendimento");
    let target = app.make(
        &admin,
        "groups",
        json!({"name": "Financeiro", "operation_id": op}),
    );
    let survey = app.make(&admin, "surveys", json!({"name": "nps", "sent_by": ["bot"], "questions": [{"type": "nps", "text": localized("Nota?")}]}));
    let class = app.make(&admin, "classifications", json!({"name": "Geral"}));
    let hours = app.make(&admin, "business-hours", json!({"name": "24x5", "time_zone": "America/Sao_Paulo",
        "windows": [{"day": "mon", "start": "00:00", "end": "24:00"}], "out_of_hours_message": localized("Closed")}));
    let body = json!({
        "name": "Suporte", "operation_id": op, "parent_id": parent, "start_bot": "transfer",
        "bot_inactivity": {"time": 30, "unit": "minutes", "action": "to_group", "group_id": target},
        "survey_id": survey, "survey_mandatory": true,
        "classification_id": class, "classification_mandatory": true,
        "business_hours_id": hours, "name_shown": "agent", "queue_strategy": "least_handling_time",
        "offer_mode": "accept_reject", "offer_timeout_seconds": 45,
        "flags": {"auto_pending": true, "periodic_queue_position": true, "transfer_to_paused": true,
                  "receive_only": true, "allow_video": false, "whatsapp_partner": true, "redirect_on_disconnect": false},
        "timers": {"inactivity_warning_percent": 80, "inactivity_minutes": 120, "inactivity_close_on": "customer_and_agent",
                   "initial_sla_minutes": 5, "partner_session_warning_minutes": 60, "agent_answer_minutes": 3,
                   "auto_pending_minutes": 10, "queue_position_minutes": 2, "active_message_delay_minutes": 15},
        "transfer_group_ids": [target]
    });

    let created = app.post(&admin, "/api/admin/groups", body.clone());

    created.assert_status(201);
    let read = app.get(&admin, &format!("/api/admin/groups/{}", created.body["id"]));
    for (key, value) in body.as_object().unwrap() {
        match value {
            Value::Object(inner) => {
                for (k, v) in inner {
                    assert_eq!(&read.body[key][k], v, "{key}.{k}");
                }
            }
            v => assert_eq!(&read.body[key], v, "{key}"),
        }
    }
    // Defaults for what was not sent.
    assert_eq!(read.body["flags"]["allow_audio"], true);
    assert_eq!(read.body["flags"]["active_sms"], false);
}

#[test]
fn group_defaults_follow_the_manual() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, "Defaults");
    let g = app.get(&admin, &format!("/api/admin/groups/{group}")).body;
    assert_eq!(
        g["timers"]["inactivity_minutes"], 1440,
        "24 h inactivity by default"
    );
    assert_eq!(g["queue_strategy"], "circular");
    assert_eq!(g["offer_mode"], "direct");
    assert_eq!(g["start_bot"], "none");
    assert_eq!(g["name_shown"], "company");
    assert_eq!(g["flags"]["redirect_on_disconnect"], true);
    let accept = app.post(&admin, "/api/admin/groups", json!({"name": "Ofertas", "operation_id": g["operation_id"], "offer_mode": "accept_reject"}));
    assert_eq!(accept.body["offer_timeout_seconds"], 60);
}

#[track_caller]
fn refused(app: &TestApp, admin: &str, path: &str, body: Value, field: &str) {
    let r = app.post(admin, path, body.clone());
    r.assert_error(422, "validation_failed");
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&field),
        "expected {field} in {fields:?} for {body}"
    );
}

#[test]
fn invalid_group_combinations_are_refused_with_a_reason() {
    let mut app = TestApp::spawn();
    let admin = app.token("admin");
    let (op, group) = app.operation_and_group(&admin, "Rules");
    let g = |extra: Value| {
        let mut body = json!({"name": "X", "operation_id": op});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let path = "/api/admin/groups";
    refused(
        &app,
        &admin,
        path,
        g(json!({"timers": {"auto_pending_minutes": 10}})),
        "timers.auto_pending_minutes",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"flags": {"auto_pending": true}})),
        "timers.auto_pending_minutes",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"timers": {"queue_position_minutes": 5}})),
        "timers.queue_position_minutes",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"timers": {"partner_session_warning_minutes": 5}})),
        "timers.partner_session_warning_minutes",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"timers": {"inactivity_warning_percent": 100}})),
        "timers.inactivity_warning_percent",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"offer_timeout_seconds": 30})),
        "offer_timeout_seconds",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"survey_mandatory": true})),
        "survey_mandatory",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"operation_id": 424242})),
        "operation_id",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"parent_id": 424242})),
        "parent_id",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"transfer_group_ids": [424242]})),
        "transfer_group_ids",
    );
    refused(
        &app,
        &admin,
        path,
        g(json!({"bot_inactivity": {"time": 5, "unit": "minutes", "action": "close"}})),
        "bot_inactivity",
    );
    refused(
        &app,
        &admin,
        path,
        g(
            json!({"start_bot": "menu", "bot_inactivity": {"time": 5, "unit": "minutes", "action": "to_group"}}),
        ),
        "bot_inactivity.group_id",
    );
    let unknown = app.post(&admin, path, g(json!({"queue_strategy": "fastest"})));
    unknown.assert_error(422, "validation_failed");
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("circular"),
        "lists the strategies"
    );

    // A group cannot be its own parent, nor a descendant's child.
    let child = app.make(
        &admin,
        "groups",
        json!({"name": "Child", "operation_id": op, "parent_id": group}),
    );
    let grandchild = app.make(
        &admin,
        "groups",
        json!({"name": "Grandchild", "operation_id": op, "parent_id": child}),
    );
    let own = app.patch(
        &admin,
        &format!("/api/admin/groups/{group}"),
        json!({"parent_id": group}),
    );
    own.assert_error(422, "validation_failed");
    assert_eq!(own.error_field(), "parent_id");
    let cycle = app.patch(
        &admin,
        &format!("/api/admin/groups/{group}"),
        json!({"parent_id": grandchild}),
    );
    cycle.assert_error(422, "validation_failed");
    // In the admin's language (the demo's Portuguese).
    assert!(cycle.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("descendentes"));
    // A transfer target of another tenant does not exist here.
    app.create_tenant(
        Some(PLATFORM_SECRET),
        json!({"slug": "other", "name": "Other",
        "admin": {"username": "boss", "display_name": "Boss", "password": "Other#Admin1"}}),
    )
    .assert_status(201);
    app.tenant = "other".into();
    let boss = app.token_with("boss", "Other#Admin1");
    let (_, foreign) = app.operation_and_group(&boss, "Foreign");
    app.tenant = "demo".into();
    refused(
        &app,
        &admin,
        path,
        g(json!({"transfer_group_ids": [foreign]})),
        "transfer_group_ids",
    );
    // Nothing was created by the refusals.
    assert_eq!(app.count(&admin, "/api/admin/groups"), 3);
}

#[test]
fn group_members_are_added_and_removed_some_or_all() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, "Members");
    let agent1 = app.user_id(&admin, "agent1");
    let agent2 = app.user_id(&admin, "agent2");
    let supervisor = app.user_id(&admin, "supervisor");
    let path = format!("/api/admin/groups/{group}/members");
    let names = |r: &crate::helpers::TestResponse| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["username"].as_str().unwrap().to_owned())
            .collect()
    };

    let some = app.post(&admin, &path, json!({"ids": [agent1, agent2]}));
    assert_eq!(names(&some), ["agent1", "agent2"]);
    // Only active agents and supervisor-agents answer queues.
    let wrong = app.post(&admin, &path, json!({"ids": [supervisor]}));
    wrong.assert_error(422, "validation_failed");
    let all = app.post(&admin, &path, json!({"all": true}));
    assert_eq!(
        names(&all),
        ["agent1", "agent2", "agent3", "agent4", "supagent"]
    );
    let fewer = app.post(&admin, &format!("{path}/remove"), json!({"ids": [agent2]}));
    assert_eq!(fewer.body.as_array().unwrap().len(), 4);
    let read = app.get(&admin, &path);
    read.assert_status(200);
    assert_eq!(
        names(&read),
        ["agent1", "agent3", "agent4", "supagent"],
        "the list reads back what the last change answered"
    );
    assert_eq!(read.body[0]["profile"], "agent");
    let none = app.post(&admin, &format!("{path}/remove"), json!({"all": true}));
    assert!(none.body.as_array().unwrap().is_empty());
    assert!(app.get(&admin, &path).body.as_array().unwrap().is_empty());
    app.post(&admin, &path, json!({}))
        .assert_error(422, "validation_failed");
    app.post(&admin, &path, json!({"all": true, "ids": [agent1]}))
        .assert_error(422, "validation_failed");
    app.post(
        &admin,
        "/api/admin/groups/999999/members",
        json!({"all": true}),
    )
    .assert_error(404, "not_found");
}

#[test]
fn supervisors_read_only_the_groups_of_their_operations() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (sales, sales_group) = app.operation_and_group(&admin, "Sales");
    let (_, support_group) = app.operation_and_group(&admin, "Support");
    let supervisor_id = app.user_id(&admin, "supervisor");
    let ops = format!("/api/admin/users/{supervisor_id}/operations");
    let linked = app.post(&admin, &ops, json!({"ids": [sales]}));
    linked.assert_status(200);
    assert_eq!(linked.body[0]["id"], sales);
    let read = app.get(&admin, &ops);
    read.assert_status(200);
    assert_eq!(read.body.as_array().unwrap().len(), 1);
    assert_eq!(
        (&read.body[0]["name"], &read.body[0]["status"]),
        (&json!("Op Sales"), &json!("active"))
    );
    let supervisor = app.token("supervisor");

    let list = app.get(&supervisor, "/api/admin/groups");

    assert_eq!(list.items_len(), 1);
    assert_eq!(list.body["items"][0]["id"], sales_group);
    app.get(&supervisor, &format!("/api/admin/groups/{sales_group}"))
        .assert_status(200);
    app.get(&supervisor, &format!("/api/admin/groups/{support_group}"))
        .assert_error(404, "not_found");
    app.get(
        &supervisor,
        &format!("/api/admin/groups/{support_group}/members"),
    )
    .assert_error(404, "not_found");
    // Admins see every group; link all, unlink one, unlink all.
    assert_eq!(app.count(&admin, "/api/admin/groups"), 2);
    assert_eq!(
        app.post(&admin, &ops, json!({"all": true}))
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(app.count(&supervisor, "/api/admin/groups"), 2);
    assert_eq!(
        app.post(&admin, &format!("{ops}/remove"), json!({"ids": [sales]}))
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.post(&admin, &format!("{ops}/remove"), json!({"all": true}))
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(app.count(&supervisor, "/api/admin/groups"), 0);
    // Operations link only to supervisors.
    let agent = app.user_id(&admin, "agent1");
    app.post(
        &admin,
        &format!("/api/admin/users/{agent}/operations"),
        json!({"all": true}),
    )
    .assert_error(422, "validation_failed");
}

#[test]
fn agents_get_403_on_writes_and_read_only_what_they_work_with() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let agent = app.token("agent1");
    let supervisor = app.token("supervisor");
    app.make(&admin, "tags", json!({"name": "Urgente"}));
    for resource in [
        "operations",
        "groups",
        "tags",
        "quick-replies",
        "articles",
        "channels",
        "webhooks",
        "surveys",
    ] {
        app.post(
            &agent,
            &format!("/api/admin/{resource}"),
            json!({"name": "x"}),
        )
        .assert_error(403, "forbidden");
        app.post(
            &supervisor,
            &format!("/api/admin/{resource}"),
            json!({"name": "x"}),
        )
        .assert_error(403, "forbidden");
    }
    for resource in [
        "tags",
        "quick-replies",
        "articles",
        "occurrence-types",
        "classifications",
    ] {
        app.get(&agent, &format!("/api/admin/{resource}"))
            .assert_status(200);
    }
    for resource in [
        "operations",
        "groups",
        "channels",
        "webhooks",
        "tokens",
        "surveys",
    ] {
        app.get(&agent, &format!("/api/admin/{resource}"))
            .assert_error(403, "forbidden");
    }
    let tag = app.get(&admin, "/api/admin/tags").body["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &agent,
        &format!("/api/admin/tags/{tag}"),
        json!({"name": "y"}),
    )
    .assert_error(403, "forbidden");
    app.post(
        &agent,
        &format!("/api/admin/tags/{tag}/deactivate"),
        json!({}),
    )
    .assert_error(403, "forbidden");
}

#[test]
fn another_tenants_ids_answer_404() {
    let mut app = TestApp::spawn();
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, "Mine");
    let tag = app.make(&admin, "tags", json!({"name": "Mine"}));
    app.create_tenant(
        Some(PLATFORM_SECRET),
        json!({"slug": "rival", "name": "Rival",
        "admin": {"username": "boss", "display_name": "Boss", "password": "Rival#Admin1"}}),
    )
    .assert_status(201);
    app.tenant = "rival".into();
    let boss = app.token_with("boss", "Rival#Admin1");

    app.get(&boss, &format!("/api/admin/groups/{group}"))
        .assert_error(404, "not_found");
    app.patch(
        &boss,
        &format!("/api/admin/tags/{tag}"),
        json!({"name": "Stolen"}),
    )
    .assert_error(404, "not_found");
    app.post(
        &boss,
        &format!("/api/admin/tags/{tag}/deactivate"),
        json!({}),
    )
    .assert_error(404, "not_found");
    app.post(
        &boss,
        &format!("/api/admin/groups/{group}/members"),
        json!({"all": true}),
    )
    .assert_error(404, "not_found");
    assert_eq!(app.count(&boss, "/api/admin/groups"), 0);
    app.tenant = "demo".into();
    assert_eq!(
        app.get(&admin, &format!("/api/admin/tags/{tag}")).body["name"],
        "Mine"
    );
}

#[test]
fn lists_search_and_page_with_a_total() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    for i in 0..25 {
        app.make(&admin, "tags", json!({"name": format!("tag-{i:02}")}));
    }
    app.make(&admin, "tags", json!({"name": "Cliente VIP"}));
    assert_eq!(app.count(&admin, "/api/admin/tags"), 26);
    // Three pages of ten: the client follows `next`, an opaque cursor.
    let first = app.get(&admin, "/api/admin/tags?limit=10");
    assert_eq!(first.items_len(), 10);
    let cursor = first.body["next"].as_str().unwrap().to_owned();
    let second = app.get(&admin, &format!("/api/admin/tags?limit=10&cursor={cursor}"));
    assert_eq!(second.items_len(), 10);
    let cursor = second.body["next"].as_str().unwrap().to_owned();
    let page = app.get(&admin, &format!("/api/admin/tags?limit=10&cursor={cursor}"));
    assert_eq!(page.items_len(), 6);
    assert_eq!(page.body["next"], Value::Null, "the last page");
    // Sorted by name: "Cliente VIP" first, so the third page starts at tag-19.
    assert_eq!(page.body["items"][0]["name"], "tag-19");
    let search = app.get(&admin, "/api/admin/tags?q=vip");
    assert_eq!(search.items_len(), 1);
    assert_eq!(search.body["items"][0]["name"], "Cliente VIP");
    // Names are unique per tenant, case-insensitively.
    let dup = app.post(&admin, "/api/admin/tags", json!({"name": "cliente vip"}));
    dup.assert_error(409, "already_exists");
    assert_eq!(dup.error_field(), "name");
}

#[test]
fn deactivating_a_survey_unlinks_it_from_every_group() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let survey = app.make(&admin, "surveys", json!({"name": "csat", "sent_by": ["agent"],
        "questions": [{"type": "csat", "text": localized("Ok?"), "options": [localized("Sim"), localized("Não")]}]}));
    let (op, first) = app.operation_and_group(&admin, "One");
    let second = app.make(
        &admin,
        "groups",
        json!({"name": "Two", "operation_id": op, "survey_id": survey, "survey_mandatory": true}),
    );
    app.patch(
        &admin,
        &format!("/api/admin/groups/{first}"),
        json!({"survey_id": survey}),
    )
    .assert_status(200);

    app.post(
        &admin,
        &format!("/api/admin/surveys/{survey}/deactivate"),
        json!({}),
    )
    .assert_status(200);

    for g in [first, second] {
        let group = app.get(&admin, &format!("/api/admin/groups/{g}")).body;
        assert_eq!(group["survey_id"], Value::Null, "group {g}");
        assert_eq!(group["survey_mandatory"], false);
    }
    // And an inactive survey cannot be linked again.
    refused(
        &app,
        &admin,
        "/api/admin/groups",
        json!({"name": "Three", "operation_id": op, "survey_id": survey}),
        "survey_id",
    );
}

#[test]
fn survey_rules() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let path = "/api/admin/surveys";
    let created = app.post(
        &admin,
        path,
        json!({"name": "pós  atendimento final", "sent_by": ["bot", "agent", "supervisor_agent"],
        "questions": [{"type": "open", "text": localized("Conte")}]}),
    );
    assert_eq!(
        created.body["name"], "pós_atendimento_final",
        "spaces become _"
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "a", "sent_by": ["agent"], "questions": []}),
        "questions",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "b", "sent_by": [], "questions": [{"type": "nps", "text": localized("x")}]}),
        "sent_by",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "c", "sent_by": ["agent"], "questions": [{"type": "csat", "text": localized("x"), "options": [localized("one")]}]}),
        "questions[0].options",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "d", "sent_by": ["agent"], "questions": [{"type": "nps", "text": localized("x"), "options": [localized("a"), localized("b")]}]}),
        "questions[0].options",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "e", "sent_by": ["agent"], "questions": [{"type": "nps", "text": {"pt-BR": "x", "es": "", "en": "y"}}]}),
        "questions[0].text.es",
    );
}

#[test]
fn classification_trees_are_edited_whole_or_node_by_node_and_nodes_are_never_lost() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let created = app.post(&admin, "/api/admin/classifications", json!({"name": "Suporte",
        "reasons": [{"name": "Acesso", "children": [{"name": "Senha"}, {"name": "Bloqueio"}]}, {"name": "Cobrança"}]}));
    created.assert_status(201);
    let id = created.body["id"].as_i64().unwrap();
    let tree = &created.body["reasons"];
    assert_eq!(tree[0]["id"], 1);
    assert_eq!(tree[0]["children"][0]["id"], 2);
    assert_eq!(tree[0]["children"][1]["id"], 3);
    assert_eq!(tree[1]["id"], 4);

    let reason = app.post(
        &admin,
        &format!("/api/admin/classifications/{id}/reasons"),
        json!({"name": "Cancelamento"}),
    );
    reason.assert_status(201);
    assert_eq!(reason.body["reasons"][2]["id"], 5);
    let sub = app.post(
        &admin,
        &format!("/api/admin/classifications/{id}/reasons/5/sub-reasons"),
        json!({"name": "Arrependimento"}),
    );
    assert_eq!(sub.body["reasons"][2]["children"][0]["id"], 6);
    let off = app.patch(
        &admin,
        &format!("/api/admin/classifications/{id}/nodes/2"),
        json!({"status": "inactive", "name": "Senha (antigo)"}),
    );
    assert_eq!(off.body["reasons"][0]["children"][0]["status"], "inactive");
    assert_eq!(
        off.body["reasons"][0]["children"][0]["name"],
        "Senha (antigo)"
    );
    app.patch(
        &admin,
        &format!("/api/admin/classifications/{id}/nodes/99"),
        json!({"name": "x"}),
    )
    .assert_error(404, "not_found");
    app.post(
        &admin,
        &format!("/api/admin/classifications/{id}/reasons/99/sub-reasons"),
        json!({"name": "x"}),
    )
    .assert_error(404, "not_found");

    // A whole-tree edit that drops a node is refused: deactivate instead.
    let dropped = app.patch(
        &admin,
        &format!("/api/admin/classifications/{id}"),
        json!({"reasons": [{"id": 1, "name": "Acesso"}]}),
    );
    dropped.assert_error(422, "validation_failed");
    assert!(dropped.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot be removed"));
    // Sub-reasons cannot have children.
    let deep = app.patch(
        &admin,
        &format!("/api/admin/classifications/{id}/nodes/2"),
        json!({"name": ""}),
    );
    deep.assert_error(422, "validation_failed");
}

#[test]
fn quick_reply_shortcuts_are_unique_per_group() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (op, g1) = app.operation_and_group(&admin, "G1");
    let g2 = app.make(&admin, "groups", json!({"name": "G2", "operation_id": op}));
    let r = app.post(
        &admin,
        "/api/admin/quick-replies",
        json!({"group_id": g1, "shortcut": "/Oi", "text": "Oi!"}),
    );
    assert_eq!(r.body["shortcut"], "oi");
    app.post(
        &admin,
        "/api/admin/quick-replies",
        json!({"group_id": g1, "shortcut": "oi", "text": "Again"}),
    )
    .assert_error(409, "already_exists");
    app.post(
        &admin,
        "/api/admin/quick-replies",
        json!({"group_id": g2, "shortcut": "oi", "text": "Other group"}),
    )
    .assert_status(201);
    refused(
        &app,
        &admin,
        "/api/admin/quick-replies",
        json!({"shortcut": "has space", "text": "x"}),
        "shortcut",
    );
    refused(
        &app,
        &admin,
        "/api/admin/quick-replies",
        json!({"group_id": 999999, "shortcut": "x", "text": "x"}),
        "group_id",
    );
    let of_g1 = app.get(&admin, &format!("/api/admin/quick-replies?group_id={g1}"));
    assert_eq!(of_g1.items_len(), 1);
}

#[test]
fn channel_and_webhook_secrets_are_never_returned_in_full() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, "Entrada");
    let created = app.post(&admin, "/api/admin/channels", json!({"type": "whatsapp", "name": "WA principal",
        "entry_group_id": group, "credentials": {"phone_number_id": "1099887766", "access_token": "EAAG-very-secret-token-123",
        "app_secret": "app-secret-abcdef", "verify_token": "verify-me-please"}}));
    created.assert_status(201);
    let id = created.body["id"].as_i64().unwrap();
    let read = app.get(&admin, &format!("/api/admin/channels/{id}"));
    let text = read.body.to_string();
    assert!(
        !text.contains("EAAG-very-secret-token-123")
            && !text.contains("app-secret-abcdef")
            && !text.contains("verify-me-please"),
        "{text}"
    );
    assert_eq!(read.body["credentials"]["access_token"], "••••-123");
    assert_eq!(
        read.body["credentials"]["phone_number_id"], "1099887766",
        "identifiers are not secrets"
    );
    // Sending the masked values back keeps the secrets; a new value replaces one.
    let mut edit = read.body.clone();
    edit["credentials"]["app_secret"] = json!("a-brand-new-secret");
    app.patch(&admin, &format!("/api/admin/channels/{id}"), edit)
        .assert_status(200);
    let stored = app
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute("SELECT data FROM config_items WHERE id = ?", &[id.into()])
                .unwrap()
        })
        .unwrap();
    let data = format!("{:?}", stored.rows[0][0]);
    assert!(
        data.contains("EAAG-very-secret-token-123") && data.contains("a-brand-new-secret"),
        "{data}"
    );

    refused(
        &app,
        &admin,
        "/api/admin/channels",
        json!({"type": "whatsapp", "name": "Incomplete", "entry_group_id": group,
        "credentials": {"phone_number_id": "1"}}),
        "credentials.access_token",
    );
    refused(
        &app,
        &admin,
        "/api/admin/channels",
        json!({"type": "telegram", "name": "Wrong key", "entry_group_id": group,
        "credentials": {"bot_token": "x", "secret_token": "y", "phone_number_id": "1"}}),
        "credentials.phone_number_id",
    );
    let dup = app.post(&admin, "/api/admin/channels", json!({"type": "whatsapp", "name": "Same number", "entry_group_id": group,
        "credentials": {"phone_number_id": "1099887766", "access_token": "a", "app_secret": "b", "verify_token": "c"}}));
    dup.assert_error(409, "already_exists");
    let retype = app.patch(
        &admin,
        &format!("/api/admin/channels/{id}"),
        json!({"type": "sms"}),
    );
    retype.assert_error(422, "validation_failed");

    let hook = app.post(
        &admin,
        "/api/admin/webhooks",
        json!({"name": "ERP", "url": "https://erp.example.com/in",
        "events": ["conversation.created"], "secret": "erp-signing-secret-xyz"}),
    );
    assert_eq!(hook.body["secret"], "••••-xyz");
    refused(
        &app,
        &admin,
        "/api/admin/webhooks",
        json!({"name": "Bad", "url": "ftp://x", "events": ["conversation.created"], "secret": "0123456789abcdef"}),
        "url",
    );
    refused(
        &app,
        &admin,
        "/api/admin/webhooks",
        json!({"name": "Bad", "url": "https://x.com", "events": ["nope"], "secret": "0123456789abcdef"}),
        "events",
    );
    refused(
        &app,
        &admin,
        "/api/admin/webhooks",
        json!({"name": "Bad", "url": "https://x.com", "events": ["message.created"], "secret": "short"}),
        "secret",
    );
}

#[test]
fn business_hours_rules_and_open_check() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let path = "/api/admin/business-hours";
    refused(
        &app,
        &admin,
        path,
        json!({"name": "x", "time_zone": "Nowhere/City", "windows": [{"day": "mon", "start": "08:00", "end": "18:00"}], "out_of_hours_message": localized("c")}),
        "time_zone",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "x", "time_zone": "UTC", "windows": [], "out_of_hours_message": localized("c")}),
        "windows",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "x", "time_zone": "UTC", "windows": [{"day": "mon", "start": "08:00", "end": "18:00"}], "holidays": [{"date": "25/12", "name": "Natal"}], "out_of_hours_message": localized("c")}),
        "holidays",
    );
    refused(
        &app,
        &admin,
        path,
        json!({"name": "x", "time_zone": "UTC", "windows": [{"day": "mon", "start": "08:00", "end": "18:00"}], "out_of_hours_message": {"pt-BR": "Fechado", "es": "Cerrado", "en": ""}}),
        "out_of_hours_message.en",
    );
    let doc: atende_shared::config::business_hours::BusinessHoursDoc = serde_json::from_value(json!({
        "name": "x", "time_zone": "America/Sao_Paulo", "windows": [{"day": "mon", "start": "08:00", "end": "18:00"}],
        "holidays": [{"date": "2026-11-30", "name": "Feriado"}], "out_of_hours_message": localized("c")})).unwrap();
    assert!(doc.is_open(crate::helpers::monday_noon()));
    assert!(!doc.is_open(crate::helpers::monday_noon() + chrono::Duration::hours(7)));
    assert!(
        !doc.is_open(crate::helpers::monday_noon() + chrono::Duration::days(7)),
        "holiday"
    );
}

#[test]
fn client_attribute_keys_never_change() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let id = app.make(
        &admin,
        "client-attributes",
        json!({"name": "Plano", "label": "Plano", "value_type": "number"}),
    );
    let read = app.get(&admin, &format!("/api/admin/client-attributes/{id}"));
    assert_eq!(read.body["name"], "plano");
    app.patch(
        &admin,
        &format!("/api/admin/client-attributes/{id}"),
        json!({"name": "outro"}),
    )
    .assert_error(422, "validation_failed");
    refused(
        &app,
        &admin,
        "/api/admin/client-attributes",
        json!({"name": "com espaço", "label": "x"}),
        "name",
    );
}

#[test]
fn api_tokens_are_shown_once_hashed_scoped_and_revocable() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let created = app.post(
        &admin,
        "/api/admin/tokens",
        json!({"name": "CRM sync", "scopes": ["config:read"]}),
    );
    created.assert_status(201);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("atk_"));
    let id = created.body["id"].as_i64().unwrap();
    let listed = app.get(&admin, "/api/admin/tokens");
    assert!(
        !listed.body.to_string().contains(&secret),
        "the secret is shown once"
    );
    let stored = app
        .app
        .with_ctx(|ctx| {
            ctx.db
                .execute("SELECT token_hash FROM api_tokens", &[])
                .unwrap()
        })
        .unwrap();
    assert!(
        !format!("{:?}", stored.rows).contains(&secret),
        "stored hashed"
    );

    // The token reads configuration, but its scope does not allow writes.
    app.get(&secret, "/api/admin/groups").assert_status(200);
    app.post(&secret, "/api/admin/tags", json!({"name": "x"}))
        .assert_error(403, "insufficient_scope");
    assert!(app.get(&admin, &format!("/api/admin/tokens/{id}")).body["last_used_at"].is_string());
    let writer = app.post(
        &admin,
        "/api/admin/tokens",
        json!({"name": "Provisioning", "scopes": ["config:write"]}),
    );
    let writer_secret = writer.body["secret"].as_str().unwrap().to_owned();
    app.post(
        &writer_secret,
        "/api/admin/tags",
        json!({"name": "from-token"}),
    )
    .assert_status(201);

    let revoked = app.post(&admin, &format!("/api/admin/tokens/{id}/revoke"), json!({}));
    assert_eq!(revoked.body["status"], "revoked");
    app.get(&secret, "/api/admin/groups")
        .assert_error(401, "invalid_token");
    refused(
        &app,
        &admin,
        "/api/admin/tokens",
        json!({"name": "x", "scopes": ["everything"]}),
        "scopes",
    );
    app.post(
        &app.token("agent1"),
        "/api/admin/tokens",
        json!({"name": "x", "scopes": ["config:read"]}),
    )
    .assert_error(403, "forbidden");
}

#[test]
fn concurrent_edits_of_one_item_are_never_lost() {
    let app = std::sync::Arc::new(TestApp::spawn());
    let admin = app.token("admin");
    let id = app.make(&admin, "classifications", json!({"name": "Concorrência"}));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let app = app.clone();
            let admin = admin.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|j| {
                        let r = app.post(
                            &admin,
                            &format!("/api/admin/classifications/{id}/reasons"),
                            json!({"name": format!("r{i}-{j}")}),
                        );
                        assert!(
                            r.status == 201 || r.error_code() == "edit_conflict",
                            "{} {}",
                            r.status,
                            r.body
                        );
                        (r.status == 201).then(|| format!("r{i}-{j}"))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let accepted: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .flatten()
        .collect();

    // Every accepted edit is in the tree, once: none overwrote another.
    let tree = app
        .get(&admin, &format!("/api/admin/classifications/{id}"))
        .body;
    let mut names: Vec<String> = tree["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    let mut expected = accepted.clone();
    expected.sort();
    assert_eq!(names, expected);
    assert!(
        accepted.len() >= 35,
        "most edits succeed under contention: {}",
        accepted.len()
    );
}

#[test]
fn a_group_that_channels_or_bots_send_to_cannot_be_deactivated() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (op, entry) = app.operation_and_group(&admin, "Entrada");
    let other = app.make(
        &admin,
        "groups",
        json!({"name": "Outro", "operation_id": op}),
    );
    let channel = app.make(
        &admin,
        "channels",
        json!({"type": "webchat", "name": "Chat do site", "entry_group_id": entry}),
    );
    let triage = app.make(
        &admin,
        "groups",
        json!({"name": "Triagem", "operation_id": op, "start_bot": "menu",
               "bot_inactivity": {"time": 5, "unit": "minutes", "action": "to_group", "group_id": entry}}),
    );
    let before = app.get(&admin, &format!("/api/admin/groups/{entry}")).body;

    let refused = app.post(
        &admin,
        &format!("/api/admin/groups/{entry}/deactivate"),
        json!({}),
    );

    refused.assert_error(409, "group_in_use");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("channel {channel} 'Chat do site'")),
        "{message}"
    );
    assert!(
        message.contains(&format!("group {triage} 'Triagem'")),
        "{message}"
    );
    assert_eq!(
        app.get(&admin, &format!("/api/admin/groups/{entry}")).body,
        before,
        "nothing changed"
    );

    // Once nothing points there any more, it goes.
    app.patch(
        &admin,
        &format!("/api/admin/channels/{channel}"),
        json!({"entry_group_id": other}),
    )
    .assert_status(200);
    app.post(
        &admin,
        &format!("/api/admin/groups/{triage}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    let done = app.post(
        &admin,
        &format!("/api/admin/groups/{entry}/deactivate"),
        json!({}),
    );
    done.assert_status(200);
    assert_eq!(done.body["status"], "inactive");

    // Nor can a channel or a bot rule be switched back on towards an inactive group.
    app.post(
        &admin,
        &format!("/api/admin/groups/{triage}/activate"),
        json!({}),
    )
    .assert_error(409, "group_inactive");
    app.post(
        &admin,
        &format!("/api/admin/channels/{channel}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    app.post(
        &admin,
        &format!("/api/admin/groups/{other}/deactivate"),
        json!({}),
    )
    .assert_status(200);
    app.post(
        &admin,
        &format!("/api/admin/channels/{channel}/activate"),
        json!({}),
    )
    .assert_error(409, "group_inactive");
    assert_eq!(
        app.get(&admin, &format!("/api/admin/channels/{channel}"))
            .body["status"],
        "inactive"
    );
    assert_eq!(
        app.get(&admin, &format!("/api/admin/groups/{triage}")).body["status"],
        "inactive"
    );
}
