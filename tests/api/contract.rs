//! The contract test: every response the API suite receives through `TestApp` is checked
//! against the OpenAPI document the code generates (`atende_shared::openapi`). Its status must
//! be documented for the operation, and its body must validate against that status's schema
//! (`$ref`s resolved to the document's components); a mismatch panics in the test that made
//! the request, naming the operation. Each (method, route, status) received is recorded under
//! `target/contract/` for the coverage check that runs after the suite
//! (`cargo run -p atende-tests --bin openapi -- --coverage`).

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

struct Operation {
    method: String,
    pattern: String,
    segments: Vec<Option<String>>,
    documented: bool,
}

struct Contract {
    doc: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<(String, String, String), Arc<jsonschema::Validator>>>,
    recorded: Mutex<HashSet<(String, String, u16)>>,
    record: Mutex<Option<std::fs::File>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let doc = atende_e2e::contract::document()
            .unwrap_or_else(|problems| panic!("the OpenAPI document: {problems:?}"));
        let routers = atende_host::component_routers();
        let components: Vec<(&str, &atende_shared::Router)> =
            routers.iter().map(|(n, r)| (*n, r)).collect();
        let undocumented: HashSet<(String, String)> =
            atende_shared::openapi::undocumented(&components)
                .into_iter()
                .map(|(_, m, p)| (m, p))
                .collect();
        let mut operations = Vec::new();
        for (method, pattern) in atende_e2e::contract::operations(&doc) {
            let segments = pattern
                .trim_matches('/')
                .split('/')
                .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                .collect();
            let documented = !undocumented.contains(&(method.clone(), pattern.clone()));
            operations.push(Operation {
                method,
                pattern,
                segments,
                documented,
            });
        }
        Contract {
            doc,
            operations,
            validators: Mutex::new(HashMap::new()),
            recorded: Mutex::new(HashSet::new()),
            record: Mutex::new(open_record()),
        }
    })
}

/// This process's record file; the records of earlier runs are removed first.
fn open_record() -> Option<std::fs::File> {
    let dir = atende_e2e::contract::record_dir();
    std::fs::create_dir_all(&dir).ok()?;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        if entry.path().extension().is_some_and(|e| e == "log") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("api-{}.log", std::process::id())))
        .ok()
}

impl Contract {
    /// The operation a request path falls to: the pattern with the most literal segments
    /// among those that match (`/clients/imports` before `/clients/{id}`), as the routers do.
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method == method && op.segments.len() == parts.len())
            .filter(|op| {
                op.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Some(literal) => literal == p,
                    None => !p.is_empty(),
                })
            })
            .max_by_key(|op| op.segments.iter().filter(|s| s.is_some()).count())
    }

    fn validator(
        &self,
        op: &Operation,
        status: &str,
        schema: &Value,
    ) -> Arc<jsonschema::Validator> {
        let key = (op.method.clone(), op.pattern.clone(), status.to_owned());
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(key)
            .or_insert_with(|| {
                let root = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": self.doc["components"],
                    "allOf": [schema],
                });
                Arc::new(jsonschema::validator_for(&root).unwrap_or_else(|e| {
                    panic!(
                        "{} {} {status}: the schema does not compile: {e}",
                        op.method, op.pattern
                    )
                }))
            })
            .clone()
    }

    fn record(&self, op: &Operation, status: u16) {
        let key = (op.method.clone(), op.pattern.clone(), status);
        if self.recorded.lock().unwrap().insert(key) {
            if let Some(file) = self.record.lock().unwrap().as_mut() {
                let _ = writeln!(file, "{} {} {status}", op.method, op.pattern);
            }
        }
    }
}

/// Checks one response against the document; panics naming the operation on a mismatch.
#[track_caller]
pub fn check(method: &str, uri: &str, response: &http::Response<Vec<u8>>) {
    let contract = contract();
    let path = uri.split('?').next().unwrap_or(uri);
    let Some(op) = contract.operation(method, path) else {
        return; // a static file, or no route: nothing the document promises
    };
    let status = response.status().as_u16();
    contract.record(op, status);
    if !op.documented {
        return;
    }
    let name = format!("{} {}", op.method, op.pattern);
    let responses = &contract.doc["paths"][&op.pattern][op.method.to_lowercase()]["responses"];
    let Some(documented) = responses.get(status.to_string()) else {
        panic!(
            "contract: {name} answered {status}, which its documentation does not list; body: {}",
            String::from_utf8_lossy(response.body())
        );
    };
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let Some(content) = documented["content"].as_object().filter(|c| !c.is_empty()) else {
        assert!(
            response.body().is_empty(),
            "contract: {name} {status} is documented without a body but answered {content_type}: {}",
            String::from_utf8_lossy(response.body())
        );
        return;
    };
    let Some(media) = content.get(&content_type).or_else(|| content.get("*/*")) else {
        panic!(
            "contract: {name} {status} answered {content_type:?}; documented: {:?}",
            content.keys().collect::<Vec<_>>()
        );
    };
    if content_type != "application/json" {
        return;
    }
    let body: Value = serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!("contract: {name} {status} answered JSON that does not parse: {e}")
    });
    let validator = contract.validator(op, &status.to_string(), &media["schema"]);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .take(5)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "contract: {name} {status} answered a body its schema refuses:\n  {}\nbody: {body}",
        errors.join("\n  ")
    );
}

fn refusal(method: &str, uri: &str, status: u16, body: &str) -> String {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check(method, uri, &response)
    }))
    .expect_err("the contract accepted a response it does not document");
    panicked
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_body_that_breaks_its_schema_fails_naming_the_operation() {
    let message = refusal("POST", "/api/auth/login", 200, r#"{"token": 7}"#);
    assert!(message.contains("POST /api/auth/login 200"), "{message}");
    assert!(message.contains("/token"), "{message}");
}

#[test]
fn an_undocumented_status_or_error_code_fails_naming_the_operation() {
    let message = refusal("GET", "/api/auth/me", 418, "{}");
    assert!(
        message.contains("GET /api/auth/me answered 418"),
        "{message}"
    );
    let unlisted = r#"{"error":{"code":"offer_gone","message":"x"}}"#;
    let message = refusal("GET", "/api/auth/me", 401, unlisted);
    assert!(message.contains("GET /api/auth/me 401"), "{message}");
}
