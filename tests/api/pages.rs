//! Every list answers one shape, `{"items": [...], "next": "<cursor>" | null}`, read with
//! `limit` and the previous page's `next` as `cursor`.

use crate::helpers::{TestApp, PLATFORM_SECRET};
use serde_json::{json, Value};

/// The lists of the configuration resources (each has a deactivate route), and the others.
fn lists() -> Vec<String> {
    let routes: Vec<(String, String)> = atende_host::component_routers()
        .values()
        .flat_map(|r| {
            r.routes()
                .map(|(m, p)| (m.to_string(), p.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut lists: Vec<String> = routes
        .iter()
        .filter(|(m, p)| m == "GET" && !p.contains('{'))
        .filter(|(_, p)| {
            routes
                .iter()
                .any(|(m, d)| m == "POST" && *d == format!("{p}/{{id}}/deactivate"))
        })
        .map(|(_, p)| p.clone())
        .collect();
    lists.sort();
    lists.extend(
        [
            "/api/admin/clients",
            "/api/admin/tokens",
            "/api/admin/login-failures",
            "/api/inbox/active-messages",
            "/api/reports/history?from=2026-11-23&to=2026-11-23",
        ]
        .map(str::to_owned),
    );
    lists
}

fn assert_page(r: &crate::helpers::TestResponse, path: &str, limit: i64) -> Option<String> {
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    let keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["items", "next"], "{path}: the one shape");
    assert!(r.items_len() <= limit, "{path}: at most limit items");
    match &r.body["next"] {
        Value::Null => None,
        Value::String(next) => Some(next.clone()),
        other => panic!("{path}: next is {other}"),
    }
}

#[test]
fn every_list_answers_items_and_next_and_its_cursor_reads_the_next_page() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    // Two of each thing at least, so that a page of one has a next.
    app.make(&admin, "tags", json!({"name": "a"}));
    app.make(&admin, "tags", json!({"name": "b"}));
    for name in ["one", "two"] {
        app.call(
            "POST",
            "/api/admin/tokens",
            Some(&admin),
            Some(json!({"name": name, "scopes": ["config:read"]})),
        )
        .assert_status(201);
    }
    let lists = lists();
    assert!(lists.len() >= 17, "only {lists:?}");
    for path in &lists {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let first = app.get(&admin, &format!("{path}{joiner}limit=1"));
        let Some(next) = assert_page(&first, path, 1) else {
            continue;
        };
        let second = app.get(&admin, &format!("{path}{joiner}limit=1&cursor={next}"));
        assert_page(&second, path, 1);
        assert_ne!(
            first.body["items"], second.body["items"],
            "{path}: the next page"
        );
    }
    for path in ["/api/admin/users", "/api/admin/tags", "/api/admin/tokens"] {
        let first = app.get(&admin, &format!("{path}?limit=1"));
        assert!(first.body["next"].is_string(), "{path} has a second page");
    }
    let companies = app.call(
        "GET",
        "/api/platform/tenants?limit=1",
        Some(PLATFORM_SECRET),
        None,
    );
    assert_page(&companies, "/api/platform/tenants", 1);
}

#[test]
fn a_cursor_not_given_by_the_api_or_an_out_of_range_limit_is_422() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    for query in [
        "cursor=abc",
        "cursor=",
        "limit=0",
        "limit=201",
        "per_page=10",
        "page=2",
    ] {
        let r = app.get(&admin, &format!("/api/admin/tags?{query}"));
        if query == "cursor=" {
            // An empty parameter is no parameter: the first page.
            r.assert_status(200);
            continue;
        }
        r.assert_error(422, "validation_failed");
    }
}

/// A page reads its rows in one statement (one more row than it shows tells whether another
/// page follows); there is no second statement counting them all.
#[test]
fn a_page_reads_its_rows_in_one_statement_and_counts_nothing() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    for (path, table) in [
        ("/api/admin/tags?limit=1", "config_items"),
        ("/api/admin/users?limit=1", "users"),
        ("/api/admin/clients?limit=1", "clients"),
        ("/api/admin/login-failures?limit=1", "login_failures"),
    ] {
        let (r, seen) = app.call_counted("GET", path, Some(&admin), None);
        r.assert_status(200);
        let of_table: Vec<&String> = seen
            .0
            .iter()
            .filter(|s| s.contains(&format!("FROM {table}")))
            .filter(|s| !s.contains("WHERE tenant_id = ? AND id = ?"))
            .collect();
        assert_eq!(of_table.len(), 1, "{path}:\n{seen}");
        assert!(
            !seen.0.iter().any(|s| s.contains("COUNT(*)")),
            "{path}:\n{seen}"
        );
    }
}
