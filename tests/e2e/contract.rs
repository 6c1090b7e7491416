//! The API contract: the OpenAPI document generated from the route tables
//! (`atende_shared::openapi`), and the record of which documented operations the API test
//! suite exercised (`target/contract/`, one file per test process, a line per response:
//! `METHOD PATTERN STATUS`).

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The committed document, relative to the workspace.
pub const DOCUMENT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

/// The document of every documented route, as JSON (what `docs/openapi.json` must hold).
pub fn document() -> Result<serde_json::Value, Vec<String>> {
    let routers = atende_host::component_routers();
    let components: Vec<(&str, &atende_shared::Router)> =
        routers.iter().map(|(name, r)| (*name, r)).collect();
    let doc = atende_shared::openapi::document(&components)?;
    serde_json::to_value(&doc).map_err(|e| vec![e.to_string()])
}

/// The document as the file holds it: pretty JSON and a final newline.
pub fn document_text() -> Result<String, Vec<String>> {
    let doc = document()?;
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| vec![e.to_string()])?;
    text.push('\n');
    Ok(text)
}

/// Where the test processes record the responses they received.
pub fn record_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("contract")
}

/// The operations whose routes carry documentation: (METHOD, pattern).
pub fn documented_operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let routers = atende_host::component_routers();
    let components: Vec<(&str, &atende_shared::Router)> =
        routers.iter().map(|(name, r)| (*name, r)).collect();
    let undocumented: BTreeSet<(String, String)> =
        atende_shared::openapi::undocumented(&components)
            .into_iter()
            .map(|(_, method, pattern)| (method, pattern))
            .collect();
    operations(doc).difference(&undocumented).cloned().collect()
}

/// Every operation of the document: (METHOD, pattern).
pub fn operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// The (METHOD, pattern) pairs the recorded responses answered with a success (2xx), from
/// every record file: an operation only ever refused (a token's scope, a bad input) is not
/// covered.
pub fn recorded() -> std::io::Result<BTreeSet<(String, String)>> {
    let mut out = BTreeSet::new();
    let dir = record_dir();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "log") {
            for line in std::fs::read_to_string(&path)?.lines() {
                let mut parts = line.split(' ');
                if let (Some(method), Some(pattern), Some(status)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    if status.starts_with('2') {
                        out.insert((method.to_owned(), pattern.to_owned()));
                    }
                }
            }
        }
    }
    Ok(out)
}
