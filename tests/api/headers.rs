//! Security headers on pages and APIs, and CORS only where the widget needs it.

use crate::helpers::{Request, TestApp, TestResponse};
use serde_json::json;

fn header<'a>(r: &'a TestResponse, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn get(app: &TestApp, path: &str, origin: Option<&str>) -> TestResponse {
    app.send(Request {
        method: "GET",
        path,
        token: None,
        headers: origin
            .map(|o| vec![("origin", o.to_owned())])
            .unwrap_or_default(),
        content_type: None,
        body: Vec::new(),
    })
}

#[test]
fn pages_forbid_framing_and_inline_script_and_every_answer_is_nosniff_without_referrer() {
    let app = TestApp::spawn();
    for page in ["/", "/index.html", "/chat/demo.html"] {
        let r = get(&app, page, None);
        r.assert_status(200);
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{page}"
        );
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("{page}: no script-src in {csp}"));
        assert_eq!(script_src, "script-src 'self'", "{page}");
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{page}");
    }
    for path in [
        "/",
        "/app.js",
        "/chat/widget.js",
        "/api/auth/me",
        "/api/openapi.json",
    ] {
        let r = get(&app, path, None);
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "referrer-policy"), "no-referrer", "{path}");
    }
}

/// The CSP above would break a page that still had inline script: none does.
#[test]
fn no_page_under_web_has_inline_script_or_event_handler_attributes() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"));
    let mut pages = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                pages.push(path);
            }
        }
    }
    assert!(pages.len() >= 2, "pages found: {pages:?}");
    let handler = event_handler_attributes();
    for page in pages {
        let html = std::fs::read_to_string(&page).unwrap().to_lowercase();
        for (at, _) in html.match_indices("<script") {
            let tag_end = html[at..].find('>').map_or(html.len(), |e| at + e);
            assert!(
                html[at..tag_end].contains(" src="),
                "{}: inline <script> at byte {at}",
                page.display()
            );
        }
        assert!(
            !html.contains("javascript:"),
            "{}: javascript: URL",
            page.display()
        );
        for attr in &handler {
            assert!(
                !html.contains(attr.as_str()),
                "{}: inline event handler {attr}",
                page.display()
            );
        }
    }
}

/// The inline event handler attributes a page could carry (` onclick=` ...).
fn event_handler_attributes() -> Vec<String> {
    [
        "click",
        "load",
        "submit",
        "error",
        "input",
        "change",
        "keydown",
        "keyup",
        "focus",
        "blur",
        "mouseover",
    ]
    .iter()
    .map(|e| format!(" on{e}="))
    .collect()
}

#[test]
fn answers_carrying_credentials_are_never_cached() {
    let app = TestApp::spawn();
    let login = app.login("admin", crate::helpers::PASSWORD);
    login.assert_status(200);
    assert_eq!(header(&login, "cache-control"), "no-store");
    let token = login.body["token"].as_str().unwrap().to_owned();
    let me = app.me(&token);
    assert_eq!(header(&me, "cache-control"), "no-store");
    let failed = app.login("admin", "wrong");
    assert_eq!(header(&failed, "cache-control"), "no-store");
}

#[test]
fn the_widget_api_answers_cors_to_allowed_sites_only() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let (_, group) = app.operation_and_group(&admin, "Chat");
    let open = app.make(
        &admin,
        "channels",
        json!({"type": "webchat", "name": "Site", "entry_group_id": group, "credentials": {}}),
    );
    let restricted = app.make(
        &admin,
        "channels",
        json!({"type": "webchat", "name": "Loja", "entry_group_id": group,
               "credentials": {"allowed_origins": "https://www.acme.com.br, https://acme.com.br"}}),
    );
    let preflight = |channel: i64, origin: &str| {
        app.send(Request {
            method: "OPTIONS",
            path: &format!("/widget/{channel}/sessions"),
            token: None,
            headers: vec![
                ("origin", origin.to_owned()),
                ("access-control-request-method", "POST".to_owned()),
            ],
            content_type: None,
            body: Vec::new(),
        })
    };

    let allowed = preflight(restricted, "https://acme.com.br");
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        "https://acme.com.br"
    );
    assert_eq!(header(&allowed, "vary"), "origin");
    let refused = preflight(restricted, "https://evil.example");
    for name in [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ] {
        assert!(
            refused.headers.get(name).is_none(),
            "{name} sent to a refused site"
        );
    }
    let no_origin = get(&app, &format!("/widget/{restricted}/articles"), None);
    assert!(no_origin
        .headers
        .get("access-control-allow-origin")
        .is_none());
    // A channel without a list is meant for any site.
    let any = preflight(open, "https://whoever.example");
    assert_eq!(header(&any, "access-control-allow-origin"), "*");
    // The console's APIs are same-origin only: no CORS at all.
    let login = app.send(Request {
        method: "POST",
        path: "/api/auth/login",
        token: None,
        headers: vec![("origin", "https://www.acme.com.br".to_owned())],
        content_type: Some("application/json"),
        body: json!({"username": "admin", "password": "x"})
            .to_string()
            .into_bytes(),
    });
    assert!(login.headers.get("access-control-allow-origin").is_none());
}
