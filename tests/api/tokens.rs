//! API token scopes: a token reaches only the routes one of its scopes covers, and every
//! other route of every component answers it 403 `insufficient_scope`.

use crate::channels::{count, setup, wa_text, whatsapp_post};
use crate::helpers::TestApp;
use serde_json::json;

fn token(app: &TestApp, admin: &str, scopes: &[&str]) -> String {
    let created = app.post(
        admin,
        "/api/admin/tokens",
        json!({"name": format!("token {}", scopes.join(" ")), "scopes": scopes}),
    );
    created.assert_status(201);
    created.body["secret"].as_str().unwrap().to_owned()
}

/// Every (method, path) of every component's route table, path parameters filled with `id`.
fn every_route(id: i64) -> Vec<(String, String)> {
    let mut routes: Vec<(String, String)> = atende_host::component_routers()
        .values()
        .flat_map(|r| {
            r.routes()
                .map(|(m, p)| (m.to_string(), p.to_owned()))
                .collect::<Vec<_>>()
        })
        .map(|(method, pattern)| {
            let path = pattern
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        id.to_string()
                    } else {
                        s.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            (method, path)
        })
        .collect();
    routes.sort();
    routes
}

/// Calls every route with `secret`; those `allowed` must not be refused for the scope (nor
/// fail), every other one must answer 403 `insufficient_scope`.
fn walk(app: &TestApp, secret: &str, allowed: impl Fn(&str, &str) -> bool) -> usize {
    let mut wrong = Vec::new();
    let mut reached = 0;
    for (method, path) in every_route(1) {
        let body = (method != "GET" && method != "OPTIONS").then(|| json!({}));
        let r = app.call(&method, &path, Some(secret), body);
        let refused = r.status == 403 && r.error_code() == "insufficient_scope";
        if allowed(&method, &path) {
            reached += 1;
            if refused || r.status >= 500 {
                wrong.push(format!("{method} {path}: {} {}", r.status, r.body));
            }
        } else if !refused {
            wrong.push(format!(
                "{method} {path} was not refused: {} {}",
                r.status, r.body
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    reached
}

fn config_read(method: &str, path: &str) -> bool {
    method == "GET"
        && ((path.starts_with("/api/admin/") && !path.starts_with("/api/admin/tokens"))
            || path == "/api/auth/me")
}

#[test]
fn a_config_read_token_is_refused_on_every_route_but_configuration_reads() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let secret = token(&app, &admin, &["config:read"]);
    let items_before = count(&app, "SELECT COUNT(*) FROM config_items");

    let reached = walk(&app, &secret, config_read);

    assert!(
        reached > 20,
        "only {reached} configuration reads were walked"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM config_items"),
        items_before,
        "the walk changed nothing"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens"), 1);
}

#[test]
fn inbox_and_write_scopes_reach_their_routes_and_nothing_else() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let reader = token(&app, &admin, &["inbox:read"]);
    walk(&app, &reader, |m, p| {
        m == "GET" && (p.starts_with("/api/inbox/") || p == "/api/auth/me")
    });
    let writer = token(&app, &admin, &["config:write"]);
    walk(&app, &writer, |m, p| {
        (p.starts_with("/api/admin/") && !p.starts_with("/api/admin/tokens"))
            || (m == "GET" && p == "/api/auth/me")
    });
}

#[test]
fn only_an_inbox_write_token_sends_to_customers() {
    let app = TestApp::spawn();
    let s = setup(&app, "whatsapp", None);
    whatsapp_post(&app, s.channel, &wa_text("5511911110001", "wamid.t1", "oi")).assert_status(200);
    let conversation = count(&app, "SELECT id FROM conversations");
    let path = format!("/api/inbox/conversations/{conversation}/messages");
    let hello = json!({"text": "Olá, aqui é a integração"});
    let config = token(&app, &s.admin, &["config:read", "config:write"]);
    let inbox = token(&app, &s.admin, &["inbox:write"]);

    app.post(&config, &path, hello.clone())
        .assert_error(403, "insufficient_scope");
    app.post(
        &config,
        &format!("/api/inbox/conversations/{conversation}/notes"),
        json!({"text": "nota"}),
    )
    .assert_error(403, "insufficient_scope");
    app.post(
        &config,
        &format!("/api/inbox/conversations/{conversation}/close"),
        json!({}),
    )
    .assert_error(403, "insufficient_scope");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE role <> 'customer'"
        ),
        0,
        "nothing was sent or noted"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM conversations WHERE status = 'closed'"
        ),
        0
    );

    let sent = app.post(&inbox, &path, hello);
    sent.assert_status(201);
    assert_eq!(sent.body["role"], "agent");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 1);
    app.get(&inbox, &path).assert_status(200);
    app.get(&inbox, "/api/admin/groups")
        .assert_error(403, "insufficient_scope");
    assert_eq!(app.me(&inbox).body["user"]["username"], "admin");
}

#[test]
fn tokens_cannot_mint_tokens_nor_reach_the_platform_api() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let writer = token(&app, &admin, &["config:write"]);
    app.post(
        &writer,
        "/api/admin/tokens",
        json!({"name": "wider", "scopes": ["inbox:write"]}),
    )
    .assert_error(403, "insufficient_scope");
    app.get(&writer, "/api/admin/tokens")
        .assert_error(403, "insufficient_scope");
    app.get(&writer, "/api/platform/tenants")
        .assert_error(403, "insufficient_scope");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens"), 1);
}

#[test]
fn every_scope_can_be_given_and_unknown_ones_are_refused() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let created = app.post(
        &admin,
        "/api/admin/tokens",
        json!({"name": "all", "scopes": ["config:read", "config:write", "inbox:read", "inbox:write", "reports:read", "bots"]}),
    );
    created.assert_status(201);
    assert_eq!(created.body["scopes"].as_array().unwrap().len(), 6);
    let refused = app.post(
        &admin,
        "/api/admin/tokens",
        json!({"name": "x", "scopes": ["inbox"]}),
    );
    refused.assert_error(422, "validation_failed");
    assert_eq!(refused.error_field(), "scopes");
}
