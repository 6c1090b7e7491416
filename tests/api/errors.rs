use crate::helpers::{Request, TestApp};
use serde_json::json;

fn post(app: &TestApp, content_type: Option<&str>, body: &[u8]) -> crate::helpers::TestResponse {
    app.send(Request {
        method: "POST",
        path: "/api/auth/login",
        token: None,
        headers: Vec::new(),
        content_type,
        body: body.to_vec(),
    })
}

#[test]
fn malformed_json_is_400_with_the_envelope() {
    let app = TestApp::spawn();
    post(&app, Some("application/json"), b"{\"username\": ").assert_error(400, "malformed_json");
    post(&app, Some("application/json"), b"").assert_error(400, "malformed_json");
}

#[test]
fn missing_and_unknown_fields_are_422() {
    let app = TestApp::spawn();
    let r = post(&app, Some("application/json"), br#"{"username": "admin"}"#);
    r.assert_error(422, "validation_failed");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("password"));
    let admin = app.token("admin");
    app.create_user(&admin, json!({"username": "x", "shoe": 42}))
        .assert_error(422, "validation_failed");
    app.create_user(&admin, json!({"username": 5}))
        .assert_error(422, "validation_failed");
}

#[test]
fn wrong_content_types_are_415() {
    let app = TestApp::spawn();
    post(
        &app,
        Some("text/plain"),
        br#"{"username":"a","password":"b"}"#,
    )
    .assert_error(415, "unsupported_media_type");
    post(&app, None, br#"{"username":"a","password":"b"}"#)
        .assert_error(415, "unsupported_media_type");
    post(
        &app,
        Some("application/json; charset=utf-8"),
        br#"{"username":"admin","password":"Atende#2026"}"#,
    )
    .assert_status(200);
}

#[test]
fn oversize_bodies_are_413() {
    let app = TestApp::spawn();
    let big = format!(
        r#"{{"username":"{}","password":"x"}}"#,
        "a".repeat(300 * 1024)
    );
    post(&app, Some("application/json"), big.as_bytes()).assert_error(413, "payload_too_large");
    let huge = vec![b'a'; 9 * 1024 * 1024];
    post(&app, Some("application/json"), &huge).assert_error(413, "payload_too_large");
}

#[test]
fn unknown_routes_and_methods_answer_with_the_envelope() {
    let app = TestApp::spawn();
    app.call("GET", "/api/auth/nothing", None, None)
        .assert_error(404, "route_not_found");
    app.call("DELETE", "/api/auth/login", None, None)
        .assert_error(405, "method_not_allowed");
    let user = app.call(
        "DELETE",
        "/api/admin/users/1",
        Some(&app.token("admin")),
        None,
    );
    user.assert_error(405, "method_not_allowed");
    // RFC 9110: a 405 says what the resource does allow.
    assert_eq!(user.headers["allow"], "GET, PATCH");
}

#[test]
fn unknown_api_paths_answer_the_envelope_not_the_static_files() {
    let app = TestApp::spawn();
    for path in [
        "/api/nothing",
        "/api",
        "/api/openapi.json/more",
        "/api/admin",
        "/internal/nothing",
    ] {
        let r = app.call("GET", path, None, None);
        r.assert_error(404, "route_not_found");
        assert_eq!(r.headers["content-type"], "application/json", "{path}");
    }
    // The console's own files are still served by the same component.
    app.call("GET", "/console/nothing.js", None, None)
        .assert_error(404, "not_found");
}

#[test]
fn binary_garbage_never_causes_a_5xx() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 256) as u8).collect();
    for (path, ct) in [
        ("/api/auth/login", "application/json"),
        ("/api/admin/users", "application/json"),
        ("/api/admin/users/import", "text/csv"),
        ("/api/platform/tenants", "application/json"),
    ] {
        let r = app.send(Request {
            method: "POST",
            path,
            token: Some(&admin),
            headers: Vec::new(),
            content_type: Some(ct),
            body: garbage.clone(),
        });
        assert!(
            (400..500).contains(&r.status),
            "{path}: {} {}",
            r.status,
            r.body
        );
        assert!(r.body["error"]["code"].is_string());
    }
}
