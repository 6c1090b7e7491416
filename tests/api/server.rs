//! The local host over real HTTP: the end-to-end scenarios against a server on loopback,
//! and a clean shutdown that loses nothing.

use crate::helpers::{TestApp, PLATFORM_SECRET};
use std::sync::Arc;

/// The local host's HTTP server on loopback for `app`; dropping the runtime stops it.
fn serve(app: atende_host::App) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(atende_host::server::serve(
        Arc::new(app),
        listener,
        std::future::pending(),
    ));
    (runtime, base)
}

/// As under a bare `spin up`: no company at all, so the suite creates its own through the
/// platform API and its users through the admin API.
#[test]
fn the_end_to_end_scenarios_pass_on_a_platform_without_any_company() {
    let test = TestApp::spawn_empty();
    let (_runtime, base) = serve(test.app);
    let client = atende_e2e::provision(&base, PLATFORM_SECRET).unwrap();
    let (passed, failed) = atende_e2e::run_all(&client);
    assert_eq!(failed, 0, "end-to-end scenarios failed");
    assert_eq!(passed, atende_e2e::SCENARIOS.len());
    let Err(refused) = atende_e2e::provision(&base, "not-the-secret") else {
        panic!("a company was created with a wrong platform secret");
    };
    assert!(refused.contains("401"), "{refused}");
}

#[test]
fn the_end_to_end_scenarios_pass_over_real_http_and_shutdown_keeps_everything() {
    let test = TestApp::spawn();
    let TestApp { app, dir, .. } = test;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(atende_host::server::serve(Arc::new(app), listener, async {
        let _ = stopped.await;
    }));

    let (passed, failed) = atende_e2e::run_all(&atende_e2e::Client::new(&base, "demo"));
    let created = atende_e2e::Client::new(&base, "demo");
    let admin = created.login("admin", atende_e2e::DEMO_PASSWORD);
    let token = admin.body["token"].as_str().unwrap().to_owned();
    let before = created
        .call("GET", "/api/admin/users?limit=200", Some(&token), None)
        .body["items"]
        .as_array()
        .map_or(0, |a| a.len() as i64);

    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();

    assert_eq!(failed, 0, "end-to-end scenarios failed");
    assert_eq!(passed, atende_e2e::SCENARIOS.len());
    // Reopened from the same files: every user created over HTTP is still there.
    let reopened = TestApp::open(dir);
    let admin = reopened.token("admin");
    assert_eq!(reopened.count(&admin, "/api/admin/users"), before);
    assert!(before > 7);
}

/// The concurrency scenario CI runs through two `spin up` instances, here through two local
/// hosts on one data directory: each its own connections and writer, SQLite between them.
#[test]
fn two_servers_on_one_database_store_each_message_once_and_give_each_conversation_one_agent() {
    let test = TestApp::spawn_empty();
    let second = test.open_shared();
    let TestApp { app, dir: _dir, .. } = test;
    let (_one, a) = serve(app);
    let (_two, b) = serve(second);
    let client = atende_e2e::provision(&a, PLATFORM_SECRET).unwrap();
    atende_e2e::two_instances(&client, &b, 20).unwrap();
}

/// A large CSV export over real HTTP: chunked transfer encoding, several chunks (one per
/// `ROWS_PER_CHUNK` rows) read off the socket as a client receives them, and every row there.
#[test]
fn a_large_export_arrives_over_http_in_several_chunks() {
    use crate::channels::{setup, wa_text, whatsapp_post};
    use atende_shared::reports::export::ROWS_PER_CHUNK;
    use std::io::{BufRead, BufReader, Read, Write};
    let test = TestApp::spawn();
    let s = setup(&test, "whatsapp", None);
    let rows = 2 * ROWS_PER_CHUNK + 20;
    for i in 0..rows {
        whatsapp_post(
            &test,
            s.channel,
            &wa_text(&format!("551197{i:07}"), &format!("wamid.http{i}"), "Olá"),
        )
        .assert_status(200);
    }
    let TestApp { app, .. } = test;
    let (_runtime, base) = serve(app);

    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "GET /api/reports/history.csv?from=2026-11-23&to=2026-11-23&include_open=true HTTP/1.1\r\n\
         Host: demo\r\nX-Tenant: demo\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        s.admin
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_ascii_lowercase());
    }
    assert_eq!(head[0], "http/1.1 200 ok");
    assert!(
        head.contains(&"transfer-encoding: chunked".to_owned()),
        "{head:?}"
    );
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim_end(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).unwrap();
        chunk.truncate(size);
        if size == 0 {
            break;
        }
        chunks.push(chunk);
    }
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    let largest = chunks.iter().map(Vec::len).max().unwrap();
    let body = chunks.concat();
    assert!(largest < body.len() / 2, "no chunk holds most of the file");
    assert_eq!(csv::Reader::from_reader(&body[3..]).records().count(), rows);
}
