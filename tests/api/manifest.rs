use crate::helpers::TestApp;
use atende_host::manifest::{Manifest, RoutePattern, SPIN_TOML};

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

/// Wherever spin.toml sends an unknown `/api/...` path (a component's own prefix, or the web
/// component's catch-all `/...`), the component answers the JSON `route_not_found`.
#[test]
fn every_component_spin_toml_routes_an_unknown_api_path_to_answers_route_not_found() {
    let manifest = Manifest::parse(SPIN_TOML).unwrap();
    let routers = atende_host::component_routers();
    let app = TestApp::spawn();
    let mut paths = vec!["/api/no-such-area".to_owned(), "/api".to_owned()];
    for (pattern, _) in &manifest.routes {
        let base = match pattern {
            RoutePattern::Prefix(p) | RoutePattern::Exact(p) => p.clone(),
        };
        paths.push(format!("{base}/no-such-route"));
    }
    let mut components = std::collections::BTreeSet::new();
    for path in paths
        .iter()
        .filter(|p| atende_shared::router::is_api_path(p))
    {
        let component = manifest.component_for(path).unwrap();
        assert!(routers.contains_key(component), "{path} → {component}");
        components.insert(component.to_owned());
        for method in ["GET", "POST"] {
            let r = app.call(method, path, None, None);
            assert_eq!(r.status, 404, "{method} {path} ({component}): {}", r.body);
            assert_eq!(
                r.body["error"]["code"], "route_not_found",
                "{method} {path} ({component})"
            );
        }
    }
    // The catch-all's component and every API component were reached.
    for c in ["web", "auth", "admin", "inbox", "reports", "bot"] {
        assert!(components.contains(c), "{c} not covered: {components:?}");
    }
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

/// The poll has its own small component (docs/decisions/0017): Spin gives the exact route
/// precedence over the inbox's wildcard (spin-routes' `route`, "exact routes take precedence"),
/// as the local host does; a due poll reaches the tick through the routing component.
#[test]
fn the_poll_is_the_feed_components_and_the_rest_of_the_inbox_stays_the_inboxs() {
    let manifest = Manifest::parse(SPIN_TOML).unwrap();
    assert_eq!(manifest.component_for("/api/inbox/events"), Some("feed"));
    assert_eq!(manifest.component_for("/api/inbox/events/x"), Some("inbox"));
    assert_eq!(manifest.component_for("/api/inbox/offers"), Some("inbox"));
    let raw: toml::Value = toml::from_str(SPIN_TOML).unwrap();
    let feed = &raw["component"]["feed"];
    assert_eq!(
        feed["allowed_outbound_hosts"],
        toml::Value::Array(vec!["http://routing.spin.internal".into()])
    );
    assert_eq!(
        feed["variables"]["tick_secret"].as_str(),
        Some("{{ tick_secret }}")
    );
    // The inbox no longer has the route: the feed is the one place it is served.
    let routers = atende_host::component_routers();
    let serves = |component: &str| {
        routers[component]
            .routes()
            .any(|(m, p)| m == http::Method::GET && p == "/api/inbox/events")
    };
    assert!(serves("feed"));
    assert!(!serves("inbox"));
    let app = TestApp::spawn();
    let agent = app.token("agent1");
    let r = app.get(&agent, "/api/inbox/events?after=0");
    r.assert_status(200);
    assert!(r.body["cursor"].is_i64(), "{}", r.body);
}

/// The components that call providers' and customers' APIs (the outbox, webhooks) may reach
/// HTTPS on port 443 and one destination more that the deployment names in the
/// `extra_outbound_host` variable (a provider's sandbox, a local stand-in for its API, a
/// webhook on another port): without it, Spin refuses every other destination and the message
/// stays queued. Its default repeats HTTPS on 443, since Spin needs every entry to parse.
#[test]
fn the_components_that_deliver_may_reach_one_destination_the_deployment_names() {
    let cron =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spin-cron.toml")).unwrap();
    let raw: toml::Value = toml::from_str(&cron).unwrap();
    assert_eq!(
        raw["variables"]["extra_outbound_host"]["default"].as_str(),
        Some("https://*:443")
    );
    let delivering = ["channels", "routing", "cron"];
    for id in delivering {
        assert_eq!(
            raw["component"][id]["allowed_outbound_hosts"],
            toml::Value::Array(vec![
                "https://*:443".into(),
                "{{ extra_outbound_host }}".into()
            ]),
            "{id}"
        );
    }
    for (id, component) in raw["component"].as_table().unwrap() {
        if !delivering.contains(&id.as_str()) {
            let hosts = component.get("allowed_outbound_hosts");
            assert!(
                hosts.is_none_or(|h| !h.to_string().contains("extra_outbound_host")),
                "{id} calls no provider"
            );
        }
    }
}
