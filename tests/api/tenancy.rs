use crate::helpers::{Request, TestApp, PASSWORD, PLATFORM_SECRET};
use serde_json::json;

fn acme() -> serde_json::Value {
    json!({
        "slug": "acme",
        "name": "Acme Ltda",
        "time_zone": "America/Manaus",
        "admin": {"username": "boss", "display_name": "Boss", "password": "Acme#Admin1"}
    })
}

#[test]
fn the_platform_api_creates_and_lists_tenants_with_the_secret_only() {
    let app = TestApp::spawn();

    app.create_tenant(None, acme())
        .assert_error(401, "unauthenticated");
    app.create_tenant(Some("wrong"), acme())
        .assert_error(401, "unauthenticated");
    let created = app.create_tenant(Some(PLATFORM_SECRET), acme());

    created.assert_status(201);
    assert_eq!(created.body["tenant"]["slug"], "acme");
    assert_eq!(created.body["tenant"]["time_zone"], "America/Manaus");
    assert_eq!(created.body["admin"]["profile"], "admin");
    app.create_tenant(Some(PLATFORM_SECRET), acme())
        .assert_error(409, "tenant_exists");
    let list = app.call("GET", "/api/platform/tenants", Some(PLATFORM_SECRET), None);
    list.assert_status(200);
    assert!(list.body["next"].is_null(), "two companies fit one page");
    let slugs: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme", "demo"]);
    app.call("GET", "/api/platform/tenants", Some("wrong"), None)
        .assert_error(401, "unauthenticated");
}

#[test]
fn invalid_tenants_are_refused_and_nothing_is_created() {
    let app = TestApp::spawn();
    let mut bad = acme();
    bad["slug"] = json!("Not A Slug");
    bad["admin"]["password"] = json!("weak");
    let r = app.create_tenant(Some(PLATFORM_SECRET), bad);
    r.assert_error(422, "validation_failed");
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["slug", "admin.password"]);
    let mut bad_zone = acme();
    bad_zone["time_zone"] = json!("Mars/Olympus");
    app.create_tenant(Some(PLATFORM_SECRET), bad_zone)
        .assert_error(422, "validation_failed");
    let list = app.call("GET", "/api/platform/tenants", Some(PLATFORM_SECRET), None);
    assert_eq!(list.items_len(), 1);
}

#[test]
fn no_token_of_one_tenant_reads_another_tenants_users() {
    let mut app = TestApp::spawn();
    app.create_tenant(Some(PLATFORM_SECRET), acme())
        .assert_status(201);
    let demo_admin = app.token("admin");
    let demo_agent_id = app.user_id(&demo_admin, "agent1");

    app.tenant = "acme".into();
    let acme_admin = app.token_with("boss", "Acme#Admin1");
    // Acme's admin sees only Acme's users, and demo's ids do not exist for Acme.
    let list = app.list_users(&acme_admin, "");
    assert_eq!(list.items_len(), 1);
    assert_eq!(list.body["items"][0]["username"], "boss");
    app.get_user(&acme_admin, demo_agent_id)
        .assert_error(404, "not_found");
    app.update_user(&acme_admin, demo_agent_id, json!({"priority": 9}))
        .assert_error(404, "not_found");
    app.deactivate_user(&acme_admin, demo_agent_id)
        .assert_error(404, "not_found");
    // A demo token presented to Acme is not a session there.
    app.list_users(&demo_admin, "")
        .assert_error(401, "invalid_token");
    // Demo's users cannot log in to Acme.
    app.login("admin", PASSWORD)
        .assert_error(401, "invalid_credentials");

    app.tenant = "demo".into();
    app.list_users(&acme_admin, "")
        .assert_error(401, "invalid_token");
    assert_eq!(app.get_user(&demo_admin, demo_agent_id).body["priority"], 0);
}

#[test]
fn the_tenant_comes_from_the_host_name_then_the_header_then_the_default() {
    let app = TestApp::spawn();
    app.create_tenant(Some(PLATFORM_SECRET), acme())
        .assert_status(201);
    let login = |host: Option<&str>, tenant_header: Option<&str>| {
        let mut builder = http::Request::builder()
            .method("POST")
            .uri("/api/auth/login")
            .header("content-type", "application/json");
        if let Some(h) = host {
            builder = builder.header("host", h);
        }
        if let Some(t) = tenant_header {
            builder = builder.header("x-tenant", t);
        }
        let body = json!({"username": "boss", "password": "Acme#Admin1"}).to_string();
        app.app
            .handle(builder.body(body.into_bytes()).unwrap(), None)
            .status()
            .as_u16()
    };
    assert_eq!(login(Some("acme.atende.test"), None), 200);
    assert_eq!(
        login(Some("acme.atende.test:8443"), Some("demo")),
        200,
        "the host name wins"
    );
    assert_eq!(login(Some("localhost:3000"), Some("acme")), 200);
    assert_eq!(
        login(Some("localhost:3000"), None),
        401,
        "default tenant is demo"
    );
    assert_eq!(login(Some("ghost.atende.test"), None), 404);
}

#[test]
fn a_session_serves_its_company_however_a_request_names_it_and_no_other() {
    let mut app = TestApp::spawn();
    app.create_tenant(Some(PLATFORM_SECRET), acme())
        .assert_status(201);
    // Logged in with `X-Tenant: acme` and no host name.
    app.tenant = "acme".into();
    let token = app.token_with("boss", "Acme#Admin1");
    let me = |host: Option<&str>| {
        let headers = host
            .map(|h| vec![("host", h.to_owned())])
            .unwrap_or_default();
        app.send(Request {
            method: "GET",
            path: "/api/auth/me",
            token: Some(&token),
            headers,
            content_type: None,
            body: Vec::new(),
        })
    };
    // Named as at login; then by a host name that also addresses Acme.
    assert_eq!(me(None).status, 200);
    assert_eq!(me(Some("acme.atende.test")).status, 200);
    // A host name addressing demo wins over the header: not a session there.
    me(Some("demo.atende.test")).assert_error(401, "invalid_token");
    me(Some("ghost.atende.test")).assert_error(404, "not_found");
}

/// A bare Spin deployment has no `atende --demo`: the platform API creates the same demo
/// company, and a new team logs in as its agent and talks with a visitor of its widget demo.
#[test]
fn the_platform_api_creates_the_demo_company_a_team_can_work_in_at_once() {
    let app = TestApp::spawn_empty();
    let demo = |secret: Option<&str>| app.call("POST", "/api/platform/demo", secret, None);
    demo(None).assert_error(401, "unauthenticated");
    demo(Some("wrong")).assert_error(401, "unauthenticated");

    let created = demo(Some(PLATFORM_SECRET));

    created.assert_status(201);
    assert_eq!(created.body["tenant"]["slug"], "demo");
    assert_eq!(created.body["password"], PASSWORD);
    let usernames: Vec<&str> = created.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        usernames,
        [
            "admin",
            "supervisor",
            "supagent",
            "agent1",
            "agent2",
            "agent3",
            "agent4"
        ]
    );
    let channel = created.body["webchat_channel_id"].as_i64().unwrap();
    assert_eq!(
        created.body["widget_demo_path"],
        format!("/chat/demo.html?channel={channel}")
    );
    assert_eq!(created.body["console_path"], "/console/");
    // The agent goes ready and a visitor who picks "Suporte" in the menu reaches them.
    let agent = app.token("agent1");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);
    let visitor = crate::widget::start(&app, channel);
    let messages = format!("/widget/{channel}/messages");
    for (text, id) in [("Olá", "d-1"), ("1", "d-2")] {
        crate::widget::call(
            &app,
            "POST",
            &messages,
            Some(&visitor),
            Some(json!({"text": text, "client_message_id": id})),
        )
        .assert_status(201);
    }
    let seen = crate::widget::call(&app, "GET", &messages, Some(&visitor), None);
    let greeting = seen.body["messages"][1]["body"].as_str().unwrap();
    assert!(
        greeting.starts_with("Hello! Welcome to Atende Demo."),
        "{greeting}"
    );
    let offers = app.get(&agent, "/api/inbox/offers");
    assert_eq!(offers.items_len(), 1, "{}", offers.body);
    // The supervisor's service level has an SLA to measure the queue against.
    let supervisor = app.token("supervisor");
    let level = app.get(&supervisor, "/api/reports/service-level");
    level.assert_status(200);
    let support = level.body["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["group_name"] == "Suporte"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(support["sla_minutes"], 5, "{}", level.body);

    // Once only: a company with the demo's slug is never touched again.
    demo(Some(PLATFORM_SECRET)).assert_error(409, "tenant_exists");
}
