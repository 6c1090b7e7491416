//! End-to-end scenarios over real HTTP against a base URL: the local host (`atende --demo`),
//! or `spin up` with the demo company created. Safe to run repeatedly against one server:
//! every scenario creates its own users.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub const DEMO_PASSWORD: &str = "Atende#2026";

pub struct Client {
    base: String,
    tenant: String,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Client {
    pub fn new(base: &str, tenant: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            tenant: tenant.to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(30))
                .build(),
        }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .agent
            .request(method, &format!("{}{}", self.base, path))
            .set("X-Tenant", &self.tenant);
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub fn login(&self, username: &str, password: &str) -> Reply {
        self.call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
    }

    fn token(&self, username: &str, password: &str) -> Result<String, String> {
        let r = self.login(username, password);
        expect(
            r.status == 200,
            format!("login {username}: {} {}", r.status, r.body),
        )?;
        Ok(r.body["token"].as_str().unwrap_or_default().to_owned())
    }
}

fn expect(ok: bool, what: impl Into<String>) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what.into())
    }
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{}", nanos % 10_000_000_000)
}

type Scenario = fn(&Client) -> Result<(), String>;

pub const SCENARIOS: &[(&str, Scenario)] = &[
    (
        "the demo admin logs in and me returns the admin",
        admin_login_and_me,
    ),
    (
        "a wrong password is 401 with the error envelope",
        wrong_password,
    ),
    (
        "a weak new password is refused naming the rule",
        weak_password,
    ),
    (
        "an admin creates, finds and deactivates a user",
        user_lifecycle,
    ),
    ("an agent cannot create users", agent_rbac),
    ("malformed JSON is 400 with the envelope", malformed_json),
    (
        "the start page and the API document are served",
        static_pages,
    ),
];

fn admin_login_and_me(c: &Client) -> Result<(), String> {
    let token = c.token("admin", DEMO_PASSWORD)?;
    let me = c.call("GET", "/api/auth/me", Some(&token), None);
    expect(me.status == 200, format!("me: {}", me.status))?;
    expect(
        me.body["user"]["username"] == "admin",
        format!("me: {}", me.body),
    )?;
    expect(me.body["user"]["profile"] == "admin", "profile is admin")
}

/// A user of its own, so repeated runs never lock a demo user out.
fn scratch_user(c: &Client, admin: &str, must_change: bool) -> Result<(String, i64), String> {
    let username = unique("e2e");
    let r = c.call(
        "POST",
        "/api/admin/users",
        Some(admin),
        Some(
            json!({"username": username, "display_name": "E2E", "profile": "agent",
                    "password": "E2e#Pass123", "must_change_password": must_change}),
        ),
    );
    expect(
        r.status == 201,
        format!("create user: {} {}", r.status, r.body),
    )?;
    Ok((username, r.body["id"].as_i64().unwrap_or(0)))
}

fn wrong_password(c: &Client) -> Result<(), String> {
    let admin = c.token("admin", DEMO_PASSWORD)?;
    let (username, _) = scratch_user(c, &admin, false)?;
    let r = c.login(&username, "Wrong#Pass1");
    expect(r.status == 401, format!("status {}", r.status))?;
    expect(
        r.code() == "invalid_credentials",
        format!("body {}", r.body),
    )?;
    expect(r.body["error"]["message"].is_string(), "message present")
}

fn weak_password(c: &Client) -> Result<(), String> {
    let admin = c.token("admin", DEMO_PASSWORD)?;
    let (username, _) = scratch_user(c, &admin, true)?;
    let login = c.login(&username, "E2e#Pass123");
    expect(
        login.body["must_change_password"] == true,
        "must change at first login",
    )?;
    let token = login.body["token"].as_str().unwrap_or_default().to_owned();
    let blocked = c.call("GET", "/api/admin/users", Some(&token), None);
    expect(
        blocked.code() == "password_change_required",
        format!("{}", blocked.body),
    )?;
    let weak = c.call(
        "POST",
        "/api/auth/password",
        Some(&token),
        Some(json!({"current_password": "E2e#Pass123", "new_password": "alllowercase"})),
    );
    expect(weak.status == 422, format!("weak: {}", weak.status))?;
    let message = weak.body["error"]["message"].as_str().unwrap_or("");
    expect(
        message.contains("upper-case"),
        format!("names the rule: {message}"),
    )?;
    let good = c.call(
        "POST",
        "/api/auth/password",
        Some(&token),
        Some(json!({"current_password": "E2e#Pass123", "new_password": "Better#Pass9"})),
    );
    expect(
        good.status == 200,
        format!("change: {} {}", good.status, good.body),
    )
}

fn user_lifecycle(c: &Client) -> Result<(), String> {
    let admin = c.token("admin", DEMO_PASSWORD)?;
    let (username, id) = scratch_user(c, &admin, false)?;
    let found = c.call(
        "GET",
        &format!("/api/admin/users?q={username}"),
        Some(&admin),
        None,
    );
    expect(found.body["total"] == 1, format!("search: {}", found.body))?;
    let agent = c.token(&username, "E2e#Pass123")?;
    let off = c.call(
        "POST",
        &format!("/api/admin/users/{id}/deactivate"),
        Some(&admin),
        None,
    );
    expect(
        off.body["status"] == "inactive",
        format!("deactivate: {}", off.body),
    )?;
    let me = c.call("GET", "/api/auth/me", Some(&agent), None);
    expect(me.status == 401, format!("revoked session: {}", me.status))?;
    let login = c.login(&username, "E2e#Pass123");
    expect(
        login.code() == "user_inactive",
        format!("login: {}", login.body),
    )
}

fn agent_rbac(c: &Client) -> Result<(), String> {
    let agent = c.token("agent1", DEMO_PASSWORD)?;
    let r = c.call(
        "POST",
        "/api/admin/users",
        Some(&agent),
        Some(json!({"username": unique("x"), "display_name": "X", "profile": "admin", "password": "Str0ng#Pass"})),
    );
    expect(
        r.status == 403 && r.code() == "forbidden",
        format!("{} {}", r.status, r.body),
    )
}

fn malformed_json(c: &Client) -> Result<(), String> {
    let r = c
        .agent
        .post(&format!("{}/api/auth/login", c.base))
        .set("X-Tenant", &c.tenant)
        .set("Content-Type", "application/json")
        .send_string("{\"username\":");
    let response = match r {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e.to_string()),
    };
    let status = response.status();
    let body: Value =
        serde_json::from_str(&response.into_string().unwrap_or_default()).unwrap_or(Value::Null);
    expect(
        status == 400 && body["error"]["code"] == "malformed_json",
        format!("{status} {body}"),
    )
}

fn static_pages(c: &Client) -> Result<(), String> {
    let page = c
        .agent
        .get(&format!("{}/", c.base))
        .call()
        .map_err(|e| e.to_string())?;
    let html = page.into_string().unwrap_or_default();
    expect(html.contains("<h1>Atende</h1>"), "start page")?;
    let doc = c.call("GET", "/api/openapi.json", None, None);
    expect(
        doc.body["info"]["title"] == "Atende API",
        "openapi document",
    )
}

/// Runs every scenario; returns (passed, failed) and prints one line each.
pub fn run_all(base: &str, tenant: &str) -> (usize, usize) {
    let client = Client::new(base, tenant);
    let (mut passed, mut failed) = (0, 0);
    for (name, scenario) in SCENARIOS {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&client))) {
            Ok(Ok(())) => {
                passed += 1;
                println!("ok      {name}");
            }
            Ok(Err(why)) => {
                failed += 1;
                println!("FAILED  {name}: {why}");
            }
            Err(_) => {
                failed += 1;
                println!("FAILED  {name}: panicked");
            }
        }
    }
    (passed, failed)
}
