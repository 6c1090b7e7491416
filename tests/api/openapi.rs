use crate::helpers::TestApp;
use std::collections::BTreeSet;

fn generated() -> serde_json::Value {
    atende_e2e::contract::document().unwrap_or_else(|problems| panic!("{problems:#?}"))
}

fn served() -> BTreeSet<(String, String)> {
    atende_host::component_routers()
        .values()
        .flat_map(|r| {
            r.routes()
                .map(|(m, p)| (m.to_string(), p.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_route_in_the_code_is_in_the_document_and_nothing_else() {
    let doc = generated();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let documented = atende_e2e::contract::operations(&doc);
    let served = served();
    let missing: Vec<_> = served.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "documented routes that do not exist: {stale:?}"
    );
}

/// A `$ref` to a schema the document does not hold makes every client generator stop (a query
/// parameter's enum is not collected with the operation's bodies; `#[param(inline)]` it).
#[test]
fn every_schema_reference_resolves() {
    let doc = generated();
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let dangling: BTreeSet<&str> = text
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| !schemas.contains_key(*name))
        .collect();
    assert!(dangling.is_empty(), "references to no schema: {dangling:?}");
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let committed = std::fs::read_to_string(atende_e2e::contract::DOCUMENT_PATH).unwrap();
    let generated = atende_e2e::contract::document_text().unwrap();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run `cargo run -p atende-tests --bin openapi -- --write`"
    );
    assert_eq!(atende_shared::api::site::OPENAPI, committed);
}

/// Fails, naming them, while any route is registered without its documentation.
#[test]
fn every_route_is_documented() {
    let routers = atende_host::component_routers();
    let components: Vec<(&str, &atende_shared::Router)> =
        routers.iter().map(|(n, r)| (*n, r)).collect();
    let undocumented = atende_shared::openapi::undocumented(&components);
    assert!(
        undocumented.is_empty(),
        "{} routes carry no documentation:\n{}",
        undocumented.len(),
        undocumented
            .iter()
            .map(|(c, m, p)| format!("  {c}: {m} {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_error_status_is_the_envelope_with_its_codes() {
    let doc = generated();
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert_eq!(
                        schema["allOf"][0]["$ref"], "#/components/schemas/ErrorEnvelope",
                        "{method} {path} {status} is not the error envelope"
                    );
                    let codes = &schema["allOf"][1]["properties"]["error"]["properties"]["code"];
                    assert!(
                        codes["enum"].as_array().is_some_and(|c| !c.is_empty()),
                        "{method} {path} {status} lists no error code"
                    );
                }
            }
        }
    }
}

#[test]
fn the_document_is_served() {
    let app = TestApp::spawn();
    let r = app.call("GET", "/api/openapi.json", None, None);
    r.assert_status(200);
    assert_eq!(r.body["info"]["title"], "Atende API");
}

#[test]
fn the_api_reference_page_is_served_under_the_page_policy_and_linked_from_the_start_page() {
    let app = TestApp::spawn();
    let page = app.handle(
        http::Request::get("/api/docs").body(Vec::new()).unwrap(),
        None,
    );
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        page.headers()["content-security-policy"],
        atende_shared::headers::PAGE_CSP
    );
    let html = String::from_utf8_lossy(page.body());
    assert!(
        html.contains(r#"<script type="module" src="/api-docs/docs.js">"#),
        "{html}"
    );
    let script = app.handle(
        http::Request::get("/api-docs/docs.js")
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(script.status(), 200);
    assert!(String::from_utf8_lossy(script.body()).contains(r#"fetch("/api/openapi.json")"#));
    let start = app.handle(http::Request::get("/").body(Vec::new()).unwrap(), None);
    assert!(String::from_utf8_lossy(start.body()).contains(r#"href="/api/docs""#));
}

/// The configuration resources share six handlers, but each documents what it answers: its own
/// item schema, and only the conflicts its own rules raise.
#[test]
fn each_configuration_resource_documents_its_own_items_and_conflicts() {
    let doc = generated();
    let codes = |method: &str, path: &str, status: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            ["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]
            .as_array()
            .map(|codes| {
                codes
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        codes("post", "/api/admin/groups/{id}/deactivate", "409"),
        ["group_in_use"]
    );
    assert_eq!(
        codes("post", "/api/admin/channels/{id}/activate", "409"),
        ["group_inactive"]
    );
    assert!(codes("post", "/api/admin/tags/{id}/deactivate", "409").is_empty());
    assert_eq!(codes("post", "/api/admin/tags", "409"), ["already_exists"]);
    assert!(
        codes("post", "/api/admin/articles", "409").is_empty(),
        "articles have no unique key"
    );
    assert_eq!(
        codes("patch", "/api/admin/articles/{id}", "409"),
        ["edit_conflict"]
    );
    let item = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        item("/api/admin/quick-replies/{id}"),
        "#/components/schemas/QuickReply"
    );
    let group = &doc["components"]["schemas"]["Group"];
    for field in [
        "id",
        "status",
        "created_at",
        "updated_at",
        "name",
        "operation_id",
    ] {
        assert!(
            group["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == field),
            "a group always has {field}"
        );
    }
    assert!(group["properties"]["timers"].is_object());
    // A change is a merge patch: nothing required, and `null` removes a field.
    let patch = &doc["paths"]["/api/admin/groups/{id}"]["patch"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert!(patch["required"].as_array().is_none_or(|r| r.is_empty()));
    assert!(patch["properties"]["survey_id"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["type"] == "null"));
}
