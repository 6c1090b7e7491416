//! `TestApp`: the whole platform in-process (the local host's `App`, no server), on its own
//! fresh database, with a clock the test moves by hand.

use atende_host::{App, Config};
use atende_shared::ports::{KeyValue, KvError, ManualClock, Variables};
use atende_shared::statements::{CountingSql, Statements};
use atende_shared::Ctx;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tempfile::TempDir;

pub const PASSWORD: &str = "Atende#2026";
pub const PLATFORM_SECRET: &str = "test-platform-secret";

pub struct TestResponse {
    pub status: u16,
    pub body: Value,
    pub headers: http::HeaderMap,
}

impl From<http::Response<Vec<u8>>> for TestResponse {
    fn from(response: http::Response<Vec<u8>>) -> Self {
        TestResponse {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: serde_json::from_slice(response.body()).unwrap_or(Value::Null),
        }
    }
}

impl TestResponse {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error envelope>")
    }
    pub fn error_field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
    #[track_caller]
    /// The items on this page of a list.
    pub fn items_len(&self) -> i64 {
        self.body["items"].as_array().map_or(0, |a| a.len() as i64)
    }
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.error_code(), code, "body: {}", self.body);
        assert!(self.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        self
    }
}

/// Each write a streamed body makes, kept apart: one chunk each.
#[derive(Default)]
pub struct ChunkLog(pub Vec<Vec<u8>>);

impl std::io::Write for ChunkLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.push(bytes.to_vec());
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct TestApp {
    pub app: App,
    pub clock: ManualClock,
    /// The company requests address through `X-Tenant` unless a test says otherwise.
    pub tenant: String,
    pub client_addr: SocketAddr,
    pub dir: TempDir,
}

/// Monday 2026-11-23 12:00 in São Paulo (UTC-3).
pub fn monday_noon() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap()
}

pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub token: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub content_type: Option<&'a str>,
    pub body: Vec<u8>,
}

impl TestApp {
    /// A fresh platform with the demo company.
    pub fn spawn() -> TestApp {
        let app = Self::spawn_empty();
        app.app
            .with_ctx(atende_shared::demo::seed)
            .unwrap()
            .expect("demo seed");
        app
    }

    /// A fresh platform with no company at all.
    pub fn spawn_empty() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        Self::open(dir)
    }

    /// A second `App` on this one's data directory and clock (the local host's half of the
    /// two-instances scenario): the same files, its own connections and writer.
    pub fn open_shared(&self) -> App {
        App::open(Self::config(self.dir.path()), Arc::new(self.clock.clone())).unwrap()
    }

    fn config(dir: &std::path::Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            web_root: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web")),
            variables: HashMap::from([
                ("platform_secret".to_owned(), PLATFORM_SECRET.to_owned()),
                ("base_domain".to_owned(), "atende.test".to_owned()),
                ("default_tenant".to_owned(), "demo".to_owned()),
                ("session_ttl_minutes".to_owned(), "720".to_owned()),
            ]),
        }
    }

    pub fn open(dir: TempDir) -> TestApp {
        let clock = ManualClock::at(monday_noon());
        let app = App::open(Self::config(dir.path()), Arc::new(clock.clone())).unwrap();
        // Every request's first query runs as under Spin, carrying the schema's check.
        app.check_schema_per_request(true);
        TestApp {
            app,
            clock,
            tenant: "demo".into(),
            client_addr: "10.1.1.1:5000".parse().unwrap(),
            dir,
        }
    }

    pub fn send(&self, r: Request) -> TestResponse {
        let request = self.request(r);
        let (method, uri) = (request.method().to_string(), request.uri().to_string());
        let response = self.app.handle(request, Some(self.client_addr));
        crate::contract::check(&method, &uri, &response);
        TestResponse::from(response)
    }

    /// The raw response to a request built by hand (a download's bytes), checked against the
    /// API contract like every other.
    pub fn handle(
        &self,
        request: http::Request<Vec<u8>>,
        client_addr: Option<SocketAddr>,
    ) -> http::Response<Vec<u8>> {
        let (method, uri) = (request.method().to_string(), request.uri().to_string());
        let response = self.app.handle(request, client_addr);
        crate::contract::check(&method, &uri, &response);
        response
    }

    /// A GET answered as the local host's server answers a connection: the response (a
    /// streamed one with an empty body) and each chunk of the body as it was sent.
    pub fn get_chunks(&self, token: &str, path: &str) -> (http::Response<Vec<u8>>, Vec<Vec<u8>>) {
        let request = self.request(Request {
            method: "GET",
            path,
            token: Some(token),
            headers: Vec::new(),
            content_type: None,
            body: Vec::new(),
        });
        let mut head = None;
        let mut chunks = ChunkLog::default();
        self.app
            .handle_streaming(request, Some(self.client_addr), |response, _| {
                head = Some(response);
                &mut chunks
            })
            .unwrap();
        (head.unwrap(), chunks.0)
    }

    /// [`TestApp::send`], counting the statements the request runs through the `Sql` port.
    pub fn send_counted(&self, r: Request) -> (TestResponse, Statements) {
        let request = self.request(r);
        let (method, uri) = (request.method().to_string(), request.uri().to_string());
        self.app
            .with_ctx(|ctx| {
                let counting = CountingSql::new(ctx.db);
                let counted = Ctx {
                    db: &counting,
                    ..*ctx
                };
                let response = self
                    .app
                    .handle_in(&counted, request, Some(self.client_addr));
                crate::contract::check(&method, &uri, &response);
                (TestResponse::from(response), counting.take())
            })
            .unwrap()
    }

    /// [`TestApp::send_counted`], counting beneath the schema's check a Spin request's
    /// connection makes (`migrate::first_statement`): the statements Spin runs.
    pub fn send_counted_under_spin_check(&self, r: Request) -> (TestResponse, Statements) {
        let request = self.request(r);
        let (method, uri) = (request.method().to_string(), request.uri().to_string());
        self.app.check_schema_per_request(false);
        let served = self.app.with_ctx(|ctx| {
            let counting = CountingSql::new(ctx.db);
            let checked = atende_shared::migrate::CheckedOnFirstStatement::new(&counting);
            let spin = Ctx {
                db: &checked,
                ..*ctx
            };
            let response = self.app.handle_in(&spin, request, Some(self.client_addr));
            crate::contract::check(&method, &uri, &response);
            (TestResponse::from(response), counting.take())
        });
        self.app.check_schema_per_request(true);
        served.unwrap()
    }

    /// [`TestApp::call`], listing the key-value calls the request makes (`get k`,
    /// `get_many k1 k2`, `set k`, `delete k`) and the variables it reads (`var name`): under
    /// Spin each is a host call that hands the request to another runtime thread.
    pub fn call_listing_host_calls(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> (TestResponse, Vec<String>) {
        let request = self.request(Request {
            method,
            path,
            token,
            headers: Vec::new(),
            content_type: None,
            body: Vec::new(),
        });
        self.app
            .with_ctx(|ctx| {
                let calls = std::cell::RefCell::new(Vec::new());
                let kv = ListingKv(ctx.kv, &calls);
                let vars = ListingVars(ctx.vars, &calls);
                let listed = Ctx {
                    kv: &kv,
                    vars: &vars,
                    ..*ctx
                };
                let response = self.app.handle_in(&listed, request, Some(self.client_addr));
                (TestResponse::from(response), calls.take())
            })
            .unwrap()
    }

    /// [`TestApp::call`], counting the statements the request runs.
    pub fn call_counted(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (TestResponse, Statements) {
        self.send_counted(Request {
            method,
            path,
            token,
            headers: Vec::new(),
            content_type: body.as_ref().map(|_| "application/json"),
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        })
    }

    pub fn request(&self, r: Request) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(r.method)
            .uri(r.path)
            .header("x-tenant", &self.tenant);
        if let Some(token) = r.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(ct) = r.content_type {
            builder = builder.header("content-type", ct);
        }
        for (k, v) in r.headers {
            builder = builder.header(k, v);
        }
        builder.body(r.body).unwrap()
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        self.send(Request {
            method,
            path,
            token,
            headers: Vec::new(),
            content_type: body.as_ref().map(|_| "application/json"),
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        })
    }

    pub fn login(&self, username: &str, password: &str) -> TestResponse {
        self.call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
    }

    /// Logs in with the demo password and returns the token.
    #[track_caller]
    pub fn token(&self, username: &str) -> String {
        let r = self.login(username, PASSWORD);
        r.assert_status(200);
        r.body["token"].as_str().unwrap().to_owned()
    }

    pub fn me(&self, token: &str) -> TestResponse {
        self.call("GET", "/api/auth/me", Some(token), None)
    }

    pub fn logout(&self, token: &str) -> TestResponse {
        self.call("POST", "/api/auth/logout", Some(token), None)
    }

    pub fn change_password(&self, token: &str, current: &str, new: &str) -> TestResponse {
        self.call(
            "POST",
            "/api/auth/password",
            Some(token),
            Some(json!({"current_password": current, "new_password": new})),
        )
    }

    pub fn create_user(&self, token: &str, body: Value) -> TestResponse {
        self.call("POST", "/api/admin/users", Some(token), Some(body))
    }

    pub fn get_user(&self, token: &str, id: i64) -> TestResponse {
        self.call("GET", &format!("/api/admin/users/{id}"), Some(token), None)
    }

    pub fn update_user(&self, token: &str, id: i64, body: Value) -> TestResponse {
        self.call(
            "PATCH",
            &format!("/api/admin/users/{id}"),
            Some(token),
            Some(body),
        )
    }

    pub fn list_users(&self, token: &str, query: &str) -> TestResponse {
        self.call(
            "GET",
            &format!("/api/admin/users{query}"),
            Some(token),
            None,
        )
    }

    pub fn deactivate_user(&self, token: &str, id: i64) -> TestResponse {
        self.call(
            "POST",
            &format!("/api/admin/users/{id}/deactivate"),
            Some(token),
            None,
        )
    }

    pub fn activate_user(&self, token: &str, id: i64) -> TestResponse {
        self.call(
            "POST",
            &format!("/api/admin/users/{id}/activate"),
            Some(token),
            None,
        )
    }

    pub fn import_users(&self, token: &str, csv: &str) -> TestResponse {
        self.send(Request {
            method: "POST",
            path: "/api/admin/users/import",
            token: Some(token),
            headers: Vec::new(),
            content_type: Some("text/csv"),
            body: csv.as_bytes().to_vec(),
        })
    }

    pub fn create_tenant(&self, secret: Option<&str>, body: Value) -> TestResponse {
        self.call("POST", "/api/platform/tenants", secret, Some(body))
    }

    /// The id of a user of the current tenant, by username (through the API, as admin).
    pub fn user_id(&self, admin_token: &str, username: &str) -> i64 {
        let r = self.list_users(admin_token, &format!("?q={username}"));
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == username)
            .and_then(|u| u["id"].as_i64())
            .unwrap()
    }
}

/// A valid new agent body with every field set.
pub fn full_agent(username: &str) -> Value {
    json!({
        "username": username,
        "display_name": "Fernanda Lima",
        "profile": "agent",
        "password": "Str0ng#Pass",
        "email": "Fernanda@Example.com",
        "phone": "+55 (11) 98765-4321",
        "birth_date": "1990-05-17",
        "language": "es",
        "must_change_password": false,
        "max_concurrent": 12,
        "priority": 7,
        "department": "Suporte",
        "social_token": "soc-123",
        "integration_key": "int-456",
        "working_hours": [
            {"day": "mon", "start": "08:00", "end": "18:00"},
            {"day": "tue", "start": "08:00", "end": "18:00"}
        ],
        "permissions": {
            "see_group_history": true,
            "see_operation_history": false,
            "confidential_history": true
        }
    })
}

impl TestApp {
    pub fn post(&self, token: &str, path: &str, body: Value) -> TestResponse {
        self.call("POST", path, Some(token), Some(body))
    }
    pub fn patch(&self, token: &str, path: &str, body: Value) -> TestResponse {
        self.call("PATCH", path, Some(token), Some(body))
    }
    pub fn get(&self, token: &str, path: &str) -> TestResponse {
        self.call("GET", path, Some(token), None)
    }

    /// How many items a list has in all, following its `next` cursors page by page.
    #[track_caller]
    pub fn count(&self, token: &str, path: &str) -> i64 {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{joiner}limit=200");
        let mut n = 0;
        loop {
            let page = self.get(token, &url);
            page.assert_status(200);
            n += page.items_len();
            match page.body["next"].as_str() {
                Some(next) => url = format!("{path}{joiner}limit=200&cursor={next}"),
                None => return n,
            }
        }
    }

    /// Creates a configuration item and returns its id.
    #[track_caller]
    pub fn make(&self, token: &str, resource: &str, body: Value) -> i64 {
        let r = self.post(token, &format!("/api/admin/{resource}"), body);
        r.assert_status(201);
        r.body["id"].as_i64().unwrap()
    }

    /// An operation and a group in it; returns (operation, group).
    pub fn operation_and_group(&self, admin: &str, name: &str) -> (i64, i64) {
        let op = self.make(admin, "operations", json!({"name": format!("Op {name}")}));
        let group = self.make(admin, "groups", json!({"name": name, "operation_id": op}));
        (op, group)
    }
}

pub fn localized(text: &str) -> Value {
    json!({"pt-BR": format!("{text} (pt)"), "es": format!("{text} (es)"), "en": format!("{text} (en)")})
}

/// A key-value store that lists the calls made to it.
struct ListingKv<'a>(&'a dyn KeyValue, &'a std::cell::RefCell<Vec<String>>);

struct ListingVars<'a>(&'a dyn Variables, &'a std::cell::RefCell<Vec<String>>);

impl Variables for ListingVars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.1.borrow_mut().push(format!("var {name}"));
        self.0.get(name)
    }
}

impl KeyValue for ListingKv<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.1.borrow_mut().push(format!("get {key}"));
        self.0.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.1.borrow_mut().push(format!("set {key}"));
        self.0.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.1.borrow_mut().push(format!("delete {key}"));
        self.0.delete(key)
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.1
            .borrow_mut()
            .push(format!("get_many {}", keys.join(" ")));
        self.0.get_many(keys)
    }
}
