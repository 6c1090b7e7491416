use crate::helpers::TestApp;
use std::collections::BTreeSet;

fn documented() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(atende_shared::api::site::OPENAPI).expect("docs/openapi.json parses");
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete", "options"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
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
fn every_route_in_the_code_is_documented_and_nothing_else() {
    let documented = documented();
    let served = served();
    let missing: Vec<_> = served.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes missing from docs/openapi.json: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "documented routes that do not exist: {stale:?}"
    );
}

#[test]
fn every_documented_operation_has_responses_and_errors_use_the_envelope() {
    let doc: serde_json::Value = serde_json::from_str(atende_shared::api::site::OPENAPI).unwrap();
    assert!(doc["components"]["schemas"]["Error"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let r = response.to_string();
                    assert!(
                        r.contains("Error"),
                        "{method} {path} {status} does not use the error envelope"
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
