//! `cargo run -p atende-tests --bin e2e -- <base-url> [tenant]`: the end-to-end scenarios
//! against any running Atende as the demo company's admin (`atende --demo`).
//! `... --bin e2e -- <base-url> --platform-secret <secret>`: first creates a company of its
//! own through the platform API, so it passes against a bare `spin up` too.
//! `... --bin e2e -- --two-instances <base-a> <base-b> --platform-secret <secret>`: the
//! concurrency scenario through two servers on one database.
//! `--outbound` (anywhere) adds the scenarios in which the server calls a stand-in provider on
//! this machine's loopback: for a server on this machine (under Spin, with
//! `SPIN_VARIABLE_EXTRA_OUTBOUND_HOST=http://127.0.0.1:*`); `--outbound-only` runs only those.
//! Exits non-zero on any failure.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let outbound_only = args.iter().any(|a| a == "--outbound-only");
    let outbound = outbound_only || args.iter().any(|a| a == "--outbound");
    args.retain(|a| a != "--outbound" && a != "--outbound-only");
    if args.first().map(String::as_str) == Some("--two-instances") {
        two_instances(&args[1..]);
        return;
    }
    let base = args
        .first()
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    if let Err(why) = atende_e2e::Client::new(&base, "demo").reachable() {
        eprintln!("e2e: {why}");
        std::process::exit(1);
    }
    let client = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("--platform-secret"), Some(secret)) => match atende_e2e::provision(&base, secret) {
            Ok(client) => client,
            Err(why) => {
                eprintln!("e2e: {why}");
                std::process::exit(1);
            }
        },
        (Some("--platform-secret"), None) => {
            eprintln!("usage: e2e <base-url> [tenant | --platform-secret <secret>] [--outbound | --outbound-only]");
            std::process::exit(2);
        }
        (tenant, _) => atende_e2e::Client::new(&base, tenant.unwrap_or("demo")),
    };
    println!("e2e against {base} (company {})", client.tenant());
    let mut suites = Vec::new();
    if !outbound_only {
        suites.extend([atende_e2e::SCENARIOS, atende_e2e::REAL_TIME_SCENARIOS]);
    }
    if outbound {
        suites.push(atende_e2e::OUTBOUND_SCENARIOS);
    }
    let (passed, failed) = suites
        .into_iter()
        .map(|scenarios| atende_e2e::run(&client, scenarios))
        .fold((0, 0), |(p, f), (sp, sf)| (p + sp, f + sf));
    println!("e2e: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}

fn two_instances(args: &[String]) {
    let (Some(a), Some(b), Some("--platform-secret"), Some(secret)) = (
        args.first(),
        args.get(1),
        args.get(2).map(String::as_str),
        args.get(3),
    ) else {
        eprintln!("usage: e2e --two-instances <base-a> <base-b> --platform-secret <secret>");
        std::process::exit(2);
    };
    let result = atende_e2e::provision(a, secret)
        .and_then(|client| atende_e2e::two_instances(&client, b, 60));
    match result {
        Ok(()) => println!("ok      two instances on one database: 60 customers, 120 messages, each stored once and held by one agent"),
        Err(why) => {
            println!("FAILED  two instances on one database: {why}");
            std::process::exit(1);
        }
    }
}
