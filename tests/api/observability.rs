//! What operators see: stored documents that no longer decode are reported, not skipped in
//! silence; every answer has a request id.

use crate::channels::{count, setup, wa_text, whatsapp_post};
use crate::helpers::TestApp;
use atende_shared::ports::Value;
use serde_json::json;

#[test]
fn a_group_whose_stored_configuration_no_longer_decodes_is_reported_by_id_and_reason() {
    let app = TestApp::spawn();
    let broken = setup(&app, "whatsapp", None);
    let fine = setup(&app, "telegram", None);
    let agent = app.user_id(&fine.admin, "agent1");
    app.post(
        &fine.admin,
        &format!("/api/admin/groups/{}/members", fine.group),
        json!({"ids": [agent]}),
    )
    .assert_status(200);
    whatsapp_post(
        &app,
        broken.channel,
        &wa_text("5511987654321", "wamid.1", "oi"),
    )
    .assert_status(200);
    // As an old version or a hand edit could leave it.
    app.app
        .with_ctx(|ctx| {
            ctx.db.execute(
                "UPDATE config_items SET data = json_set(data, '$.queue_strategy', 'fastest') WHERE id = ?",
                &[Value::Integer(broken.group)],
            )
        })
        .unwrap()
        .unwrap();
    let agent_token = app.token("agent1");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent_token),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 1763900000,
        "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "first_name": "Ana"}, "text": "oi"}});
    app.send(crate::helpers::Request {
        method: "POST",
        path: &format!("/hooks/telegram/{}", fine.channel),
        token: None,
        headers: vec![(
            "x-telegram-bot-api-secret-token",
            crate::channels::TG_SECRET.to_owned(),
        )],
        content_type: Some("application/json"),
        body: update.to_string().into_bytes(),
    })
    .assert_status(200);

    let report = app.app.tick().unwrap();

    assert!(report.ran, "the tick goes on for the other groups");
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM conversations WHERE group_id = {} AND agent_id IS NOT NULL",
                fine.group
            )
        ),
        1,
        "the healthy group is served"
    );
    let reported = atende_shared::log::recent_errors().into_iter().find(|e| {
        e["event"] == "stored_document_undecodable"
            && e["kind"] == "group"
            && e["id"] == broken.group
    });
    let reported = reported.expect("the broken group was not reported");
    assert!(
        reported["reason"].as_str().unwrap().contains("fastest"),
        "{reported}"
    );
}

#[test]
fn every_answer_carries_a_request_id_and_a_proxys_is_kept() {
    let app = TestApp::spawn();
    let mine = app.me("no-such-token");
    let id = mine.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 16);
    let given = app.send(crate::helpers::Request {
        method: "GET",
        path: "/api/auth/me",
        token: None,
        headers: vec![("x-request-id", "edge-1234".to_owned())],
        content_type: None,
        body: Vec::new(),
    });
    assert_eq!(given.headers["x-request-id"], "edge-1234");
}

#[test]
fn an_internal_error_is_logged_with_its_request_id_route_and_what_was_being_done() {
    let app = TestApp::spawn();
    let s = setup(&app, "webchat", None);
    app.app
        .with_ctx(|ctx| {
            ctx.db.execute(
                "UPDATE config_items SET data = json_set(data, '$.type', 'pigeon') WHERE id = ?",
                &[Value::Integer(s.channel)],
            )
        })
        .unwrap()
        .unwrap();

    let r = app.send(crate::helpers::Request {
        method: "GET",
        path: &format!("/api/admin/channels/{}", s.channel),
        token: Some(&s.admin),
        headers: vec![("x-request-id", "probe-channel-decode".to_owned())],
        content_type: None,
        body: Vec::new(),
    });

    r.assert_error(500, "internal");
    assert!(
        !r.body.to_string().contains("pigeon"),
        "no detail leaks: {}",
        r.body
    );
    let logged = atende_shared::log::recent_errors()
        .into_iter()
        .find(|e| e["event"] == "internal_error" && e["request_id"] == "probe-channel-decode")
        .expect("the internal error was not logged with the request id");
    assert_eq!(logged["route"], "/api/admin/channels/{id}");
    let error = logged["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("channel {}", s.channel)) && error.contains("pigeon"),
        "{error}"
    );
}
