//! The OpenAPI document, generated from the route tables and the Rust types.
//!
//! - `cargo run -p atende-tests --bin openapi -- --write` rewrites docs/openapi.json;
//! - `--check` fails when docs/openapi.json is not what the code generates (CI runs it);
//! - `--coverage`, after `cargo test --workspace`, fails naming every documented operation no
//!   test requested (the API suite records what it received under target/contract/), and
//!   prints how many are covered. An operation counts once a test got a 2xx from it.

use atende_e2e::contract;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let text = match contract::document_text() {
        Ok(text) => text,
        Err(problems) => {
            for p in problems {
                eprintln!("openapi: {p}");
            }
            return ExitCode::FAILURE;
        }
    };
    match mode.as_str() {
        "--write" => match std::fs::write(contract::DOCUMENT_PATH, &text) {
            Ok(()) => {
                println!("wrote docs/openapi.json");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("openapi: writing docs/openapi.json: {e}");
                ExitCode::FAILURE
            }
        },
        "--check" => {
            let committed = std::fs::read_to_string(contract::DOCUMENT_PATH).unwrap_or_default();
            if committed == text {
                println!("docs/openapi.json is current");
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "docs/openapi.json is stale: run `cargo run -p atende-tests --bin openapi -- --write` and commit it"
                );
                ExitCode::FAILURE
            }
        }
        "--coverage" => coverage(&text),
        _ => {
            eprintln!("usage: openapi --write | --check | --coverage");
            ExitCode::FAILURE
        }
    }
}

fn coverage(text: &str) -> ExitCode {
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("openapi: {e}");
            return ExitCode::FAILURE;
        }
    };
    let documented = contract::documented_operations(&doc);
    let recorded = match contract::recorded() {
        Ok(recorded) => recorded,
        Err(e) => {
            eprintln!(
                "openapi: no record of the API tests' responses in {} ({e}); run `cargo test --workspace` first",
                contract::record_dir().display()
            );
            return ExitCode::FAILURE;
        }
    };
    let uncovered: Vec<_> = documented.difference(&recorded).collect();
    println!(
        "contract: {} of {} documented operations answered the API tests with a success",
        documented.len() - uncovered.len(),
        documented.len()
    );
    for (method, path) in &uncovered {
        eprintln!("contract: no test gets a success from {method} {path}");
    }
    if uncovered.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
