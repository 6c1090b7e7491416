use crate::helpers::TestApp;
use atende_host::manifest::{Manifest, SPIN_TOML};

#[test]
fn every_component_in_spin_toml_is_mounted_and_builds_from_this_workspace() {
    let manifest = Manifest::parse(SPIN_TOML).unwrap();
    let routers = atende_host::component_routers();
    let raw: toml::Value = toml::from_str(SPIN_TOML).unwrap();
    let components = raw["component"].as_table().unwrap();
    for (id, component) in components {
        assert!(
            routers.contains_key(id.as_str()),
            "no route table for component {id}"
        );
        assert!(
            manifest.components().any(|c| c == id),
            "component {id} has no trigger"
        );
        let source = component["source"].as_str().unwrap();
        let crate_name = format!("atende_{id}");
        assert_eq!(
            source,
            format!("target/wasm32-wasip1/release/{crate_name}.wasm")
        );
        let build = component["build"]["command"].as_str().unwrap();
        assert!(build.contains(&format!("-p atende-{id}")), "{build}");
    }
    assert_eq!(
        components.len(),
        routers.len(),
        "every route table is a component in spin.toml"
    );
}

#[test]
fn the_web_component_serves_the_start_page() {
    let app = TestApp::spawn();
    let response = app
        .app
        .handle(http::Request::get("/").body(Vec::new()).unwrap(), None);
    assert_eq!(response.status(), 200);
    assert!(String::from_utf8_lossy(response.body()).contains("Atende"));
    let escape = app.handle(
        http::Request::get("/../Cargo.toml")
            .body(Vec::new())
            .unwrap(),
        None,
    );
    assert_eq!(escape.status(), 404);
}

#[test]
fn the_cron_manifest_is_spin_toml_plus_the_scheduled_work_on_the_cron_trigger() {
    let cron =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spin-cron.toml")).unwrap();
    assert!(
        cron.starts_with(SPIN_TOML),
        "spin-cron.toml must begin with spin.toml unchanged (copy spin.toml's new text into it)"
    );
    let raw: toml::Value = toml::from_str(&cron).unwrap();
    let triggers = raw["trigger"]["cron"].as_array().unwrap();
    assert_eq!(triggers.len(), 1);
    assert_eq!(triggers[0]["component"].as_str(), Some("cron"));
    let expression = triggers[0]["cron_expression"].as_str().unwrap();
    assert_eq!(
        expression.split_whitespace().count(),
        6,
        "the cron trigger's expressions start with seconds"
    );
    let component = &raw["component"]["cron"];
    assert_eq!(
        component["source"].as_str(),
        Some("target/wasm32-wasip1/release/atende_cron.wasm")
    );
    assert!(component["build"]["command"]
        .as_str()
        .unwrap()
        .contains("-p atende-cron"));
    // The tick needs what the HTTP tick route's component has.
    let routing = &raw["component"]["routing"];
    for key in [
        "sqlite_databases",
        "key_value_stores",
        "allowed_outbound_hosts",
    ] {
        assert_eq!(component[key], routing[key], "{key}");
    }
}

#[test]
fn the_bench_manifest_is_spin_toml_plus_the_probes_only() {
    let bench = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spin-bench.toml"))
        .unwrap();
    assert!(
        bench.starts_with(SPIN_TOML),
        "spin-bench.toml must begin with spin.toml unchanged (copy spin.toml's new text into it)"
    );
    let raw: toml::Value = toml::from_str(&bench).unwrap();
    let product: toml::Value = toml::from_str(SPIN_TOML).unwrap();
    let components = raw["component"].as_table().unwrap();
    assert_eq!(
        components.len(),
        product["component"].as_table().unwrap().len() + 1
    );
    assert!(components["probe"]["build"]["command"]
        .as_str()
        .unwrap()
        .contains("-p atende-probe"));
}
