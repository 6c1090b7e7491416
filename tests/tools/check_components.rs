//! Proves each Spin component of a manifest is what its trigger calls, without Spin: builds the
//! WebAssembly component from the `wasm32-wasip1` module the way Spin does when it loads one
//! (the module plus the WASI preview-1 adapter), then reads the component's world. HTTP
//! components must export `wasi:http/incoming-handler`; the cron component must export the
//! cron trigger's `handle-cron-event`; nothing may import an interface a Spin host does not
//! provide.
//!
//! `cargo run -p atende-tests --bin check-components -- spin-cron.toml` (after the wasm32
//! release build).

use anyhow::{bail, Context, Result};
use std::path::Path;
use wit_component::{ComponentEncoder, DecodedWasm};
use wit_parser::WorldItem;

/// What a component's trigger calls.
enum Entry {
    Http,
    Cron,
}

/// Interfaces a Spin host links (WASI 0.2, Spin's own, and the cron trigger's types).
fn provided_by_spin(name: &str) -> bool {
    ["wasi:", "fermyon:spin/", "spin:", "fermyon:spin-cron/"]
        .iter()
        .any(|p| name.starts_with(p))
}

fn check(module_path: &Path, entry: &Entry) -> Result<String> {
    let module =
        std::fs::read(module_path).with_context(|| format!("reading {}", module_path.display()))?;
    let component = ComponentEncoder::default()
        .module(&module)?
        .adapter(
            "wasi_snapshot_preview1",
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .validate(true)
        .encode()
        .context("building the component")?;
    let DecodedWasm::Component(resolve, world) = wit_component::decode(&component)? else {
        bail!("not a component");
    };
    let world = &resolve.worlds[world];
    let exports: Vec<(String, bool)> = world
        .exports
        .iter()
        .map(|(k, item)| {
            (
                resolve.name_world_key(k),
                matches!(item, WorldItem::Function(_)),
            )
        })
        .collect();
    let wanted = match entry {
        Entry::Http => exports
            .iter()
            .any(|(name, _)| name.starts_with("wasi:http/incoming-handler@0.2.")),
        Entry::Cron => exports
            .iter()
            .any(|(name, function)| name == "handle-cron-event" && *function),
    };
    if !wanted {
        bail!("exports {exports:?}, not its trigger's entry point");
    }
    for (key, item) in &world.imports {
        let name = resolve.name_world_key(key);
        // A world's `use` of the cron types shows as type imports (`metadata`, `error`).
        let a_type = matches!(item, WorldItem::Type(_));
        if !a_type && !provided_by_spin(&name) {
            bail!("imports {name}, which a Spin host does not provide");
        }
    }
    Ok(format!(
        "{} component, {} bytes, exports {}",
        match entry {
            Entry::Http => "HTTP",
            Entry::Cron => "cron",
        },
        component.len(),
        exports
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn main() -> Result<()> {
    let manifest_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "spin-cron.toml".to_owned());
    let root = Path::new(&manifest_path)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(&manifest_path)?)?;
    let triggered = |kind: &str| -> Vec<String> {
        manifest["trigger"]
            .get(kind)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t["component"].as_str().map(str::to_owned))
            .collect()
    };
    let (http, cron) = (triggered("http"), triggered("cron"));
    let components = manifest["component"]
        .as_table()
        .context("no [component] tables")?;
    let mut failed = 0;
    for (id, component) in components {
        let entry = if cron.contains(id) {
            Entry::Cron
        } else if http.contains(id) {
            Entry::Http
        } else {
            println!("{id}: no trigger — FAILED");
            failed += 1;
            continue;
        };
        let source = component["source"].as_str().context("a source")?;
        match check(&root.join(source), &entry) {
            Ok(line) => println!("{id}: {line}"),
            Err(e) => {
                println!("{id}: {e:#} — FAILED");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} component(s) failed");
    }
    Ok(())
}
