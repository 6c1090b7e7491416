//! `cargo run -p atende-tests --bin e2e -- <base-url> [tenant]`: the end-to-end scenarios
//! against any running Atende (the local host or `spin up`). Exits non-zero on any failure.

fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    let tenant = args.next().unwrap_or_else(|| "demo".to_owned());
    println!("e2e against {base} (company {tenant})");
    let (passed, failed) = atende_e2e::run_all(&base, &tenant);
    println!("e2e: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}
