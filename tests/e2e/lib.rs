//! End-to-end scenarios over real HTTP against a base URL: the local host (`atende --demo`)
//! with the demo company's admin, or a bare `spin up` where [`provision`] first creates a
//! company of its own through the platform API. Safe to run repeatedly against one server:
//! every scenario creates its own users, groups and channels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod contract;
pub mod mock_provider;

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub const DEMO_PASSWORD: &str = "Atende#2026";

pub struct Client {
    base: String,
    tenant: String,
    /// The company admin the scenarios act as (the demo's `admin`, or [`provision`]'s).
    admin_username: String,
    admin_password: String,
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
    /// A client of company `tenant` acting as the demo company's admin.
    pub fn new(base: &str, tenant: &str) -> Self {
        Self::with_admin(base, tenant, "admin", DEMO_PASSWORD)
    }

    pub fn with_admin(base: &str, tenant: &str, username: &str, password: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            tenant: tenant.to_owned(),
            admin_username: username.to_owned(),
            admin_password: password.to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(30))
                .build(),
        }
    }

    /// An API call as the console makes it: the company header, a bearer token, JSON.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("x-tenant", self.tenant.as_str())];
        headers.extend(bearer.as_deref().map(|b| ("authorization", b)));
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if !body.is_empty() {
            headers.push(("content-type", "application/json"));
        }
        self.raw(method, path, &headers, body.as_bytes())
    }

    /// A request as a provider or a site's visitor sends it: its own headers and raw body.
    /// The reply's body is its JSON, or its text when it is not JSON.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut req = self
            .agent
            .request(method, &format!("{}{}", self.base, path));
        for (name, value) in headers {
            req = req.set(name, value);
        }
        let result = if body.is_empty() {
            req.call()
        } else {
            req.send_bytes(body)
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// Whether the server answers at all: the scenarios treat a refused connection as a bug
    /// (each would fail with a panic), not as a server that is not running yet.
    pub fn reachable(&self) -> Result<(), String> {
        match self
            .agent
            .get(&format!("{}/api/openapi.json", self.base))
            .call()
        {
            Ok(_) | Err(ureq::Error::Status(..)) => Ok(()),
            Err(e) => Err(format!("{} does not answer: {e}", self.base)),
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

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    pub fn admin_token(&self) -> Result<String, String> {
        self.token(&self.admin_username, &self.admin_password)
    }

    pub fn token(&self, username: &str, password: &str) -> Result<String, String> {
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

/// `prefix` and ten digits from the clock: different on every call of a run and across runs.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{:010}", nanos % 10_000_000_000)
}

/// The last `n` (at most ten) of [`unique`]'s digits, for phone numbers.
fn unique_digits(n: usize) -> String {
    let all = unique("");
    all[all.len().saturating_sub(n)..].to_owned()
}

type Scenario = fn(&Client) -> Result<(), String>;

pub const SCENARIOS: &[(&str, Scenario)] = &[
    (
        "the company admin logs in and me returns the admin",
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
    (
        "a chat-widget visitor and a ready agent talk, the agent closes, and the history exports it as CSV and XLSX, streamed",
        widget_conversation,
    ),
    (
        "a widget visitor is greeted by the menu bot and a click reaches a ready agent",
        widget_menu,
    ),
    (
        "a signed WhatsApp message is stored once; a bad signature is 401",
        whatsapp_webhook,
    ),
    (
        "the tick route refuses a caller without its secret",
        tick_needs_secret,
    ),
];

/// Scenarios that wait for a server's real clock (seconds each): the `e2e` binary runs them
/// after [`SCENARIOS`] against a running server (`atende`, `spin up`); the in-process tests,
/// whose server runs on a manual clock, do not.
pub const REAL_TIME_SCENARIOS: &[(&str, Scenario)] = &[(
    "an offer the agent lets expire is withdrawn by the tick the agent's polling starts",
    offer_expires_while_polling,
)];

/// Scenarios in which the server calls back to this machine: a provider's API stands in on
/// loopback ([`mock_provider`]). The `e2e` binary runs them with `--outbound`, when the server
/// runs on this machine and may call it (under Spin: `SPIN_VARIABLE_EXTRA_OUTBOUND_HOST` set to
/// `http://127.0.0.1:*`, see spin.toml); they wait for the server's real delivery.
pub const OUTBOUND_SCENARIOS: &[(&str, Scenario)] = &[(
    "a WhatsApp customer is greeted by the menu bot, reaches a ready agent, gets the answer (which Meta reports read) and the survey on WhatsApp; the answers land in the survey report and, signed, at the company's webhook",
    whatsapp_customer_served,
)];

fn admin_login_and_me(c: &Client) -> Result<(), String> {
    let token = c.admin_token()?;
    let me = c.call("GET", "/api/auth/me", Some(&token), None);
    expect(me.status == 200, format!("me: {}", me.status))?;
    expect(
        me.body["user"]["username"] == c.admin_username.as_str(),
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
                    "password": "E2e#Pass123", "must_change_password": must_change,
                    "language": "en"}),
        ),
    );
    expect(
        r.status == 201,
        format!("create user: {} {}", r.status, r.body),
    )?;
    Ok((username, r.body["id"].as_i64().unwrap_or(0)))
}

fn wrong_password(c: &Client) -> Result<(), String> {
    let admin = c.admin_token()?;
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
    let admin = c.admin_token()?;
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
    let admin = c.admin_token()?;
    let (username, id) = scratch_user(c, &admin, false)?;
    let found = c.call(
        "GET",
        &format!("/api/admin/users?q={username}"),
        Some(&admin),
        None,
    );
    expect(
        found.body["items"].as_array().map(Vec::len) == Some(1),
        format!("search: {}", found.body),
    )?;
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
    let admin = c.admin_token()?;
    let (username, _) = scratch_user(c, &admin, false)?;
    let agent = c.token(&username, "E2e#Pass123")?;
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
    let r = c.raw(
        "POST",
        "/api/auth/login",
        &[
            ("x-tenant", c.tenant.as_str()),
            ("content-type", "application/json"),
        ],
        b"{\"username\":",
    );
    expect(
        r.status == 400 && r.code() == "malformed_json",
        format!("{} {}", r.status, r.body),
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
    )?;
    // The API reference page, routed to the web component (spin.toml) like the document.
    let reference = c
        .agent
        .get(&format!("{}/api/docs", c.base))
        .call()
        .map_err(|e| e.to_string())?
        .into_string()
        .unwrap_or_default();
    expect(
        reference.contains("/api-docs/docs.js"),
        "the API reference page",
    )
}

const WA_SECRET: &str = "e2e-app-secret";

/// A group of its own with a fresh agent in it, ready, and a channel of `kind` entering it.
struct Desk {
    admin: String,
    agent: String,
    channel: i64,
    group: i64,
}

fn created(r: &Reply, what: &str) -> Result<i64, String> {
    expect(r.status == 201, format!("{what}: {} {}", r.status, r.body))?;
    r.body["id"]
        .as_i64()
        .ok_or_else(|| format!("{what}: no id in {}", r.body))
}

fn desk(c: &Client, kind: &str, credentials: Value) -> Result<Desk, String> {
    desk_with(c, kind, credentials, json!({}))
}

/// [`desk`], the group created with `group_fields` too.
fn desk_with(
    c: &Client,
    kind: &str,
    credentials: Value,
    group_fields: Value,
) -> Result<Desk, String> {
    let admin = c.admin_token()?;
    let name = unique("E2E ");
    let post = |path: &str, body: Value| c.call("POST", path, Some(&admin), Some(body));
    let op = created(
        &post("/api/admin/operations", json!({"name": name})),
        "operation",
    )?;
    let mut group_body = json!({"name": name, "operation_id": op});
    if let (Some(body), Some(extra)) = (group_body.as_object_mut(), group_fields.as_object()) {
        body.extend(extra.clone());
    }
    let group = created(&post("/api/admin/groups", group_body), "group")?;
    let channel = created(
        &post(
            "/api/admin/channels",
            json!({"type": kind, "name": name, "entry_group_id": group, "credentials": credentials}),
        ),
        "channel",
    )?;
    let (username, agent_id) = scratch_user(c, &admin, false)?;
    let members = post(
        &format!("/api/admin/groups/{group}/members"),
        json!({"ids": [agent_id]}),
    );
    expect(members.status == 200, format!("members: {}", members.body))?;
    let agent = c.token(&username, "E2e#Pass123")?;
    let ready = c.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    );
    expect(ready.status == 200, format!("ready: {}", ready.body))?;
    Ok(Desk {
        admin,
        agent,
        channel,
        group,
    })
}

/// The agent's open conversations.
fn held(c: &Client, agent: &str) -> Result<Vec<Value>, String> {
    let r = c.call("GET", "/api/inbox/conversations", Some(agent), None);
    expect(r.status == 200, format!("my conversations: {}", r.status))?;
    Ok(r.body["items"].as_array().cloned().unwrap_or_default())
}

fn widget_menu(c: &Client) -> Result<(), String> {
    let d = desk(c, "webchat", json!({}))?;
    let l = |t: &str| json!({"pt-BR": t, "es": t, "en": t});
    let name = unique("E2E menu ");
    let post = |path: &str, body: Value| c.call("POST", path, Some(&d.admin), Some(body));
    let op = created(
        &post("/api/admin/operations", json!({"name": name})),
        "operation",
    )?;
    let menu = json!({"greeting": l("Hello!"), "nodes": [{"id": "root", "prompt": l("Choose:"), "options": [
        {"number": 1, "label": l("Sales"), "action": "group", "group_id": d.group}]}]});
    let reception = created(
        &post(
            "/api/admin/groups",
            json!({"name": name, "operation_id": op, "start_bot": "menu", "menu": menu}),
        ),
        "reception group",
    )?;
    let moved = c.call(
        "PATCH",
        &format!("/api/admin/channels/{}", d.channel),
        Some(&d.admin),
        Some(json!({"entry_group_id": reception})),
    );
    expect(moved.status == 200, format!("entry group: {}", moved.body))?;
    let base = format!("/widget/{}", d.channel);
    let session = c.raw(
        "POST",
        &format!("{base}/sessions"),
        &[("content-type", "application/json")],
        json!({"name": "Visitante Menu", "phone": format!("11 9{}", unique_digits(8)), "language": "en"})
            .to_string()
            .as_bytes(),
    );
    expect(session.status == 201, format!("session: {}", session.body))?;
    let bearer = format!("Bearer {}", session.body["token"].as_str().unwrap_or(""));
    let visitor = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    let send = |body: Value| {
        c.raw(
            "POST",
            &format!("{base}/messages"),
            &visitor,
            body.to_string().as_bytes(),
        )
    };
    let hi = send(json!({"text": "Hi", "client_message_id": "menu-1"}));
    expect(hi.status == 201, format!("visitor sends: {}", hi.body))?;
    let polled = c.raw("GET", &format!("{base}/messages"), &visitor[1..], b"");
    let bot = polled.body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "bot").cloned())
        .ok_or_else(|| format!("no bot message in {}", polled.body))?;
    expect(
        bot["body"] == "Hello!\n\nChoose:\n1. Sales"
            && bot["choices"] == json!([{"id": "root:1", "title": "1. Sales"}]),
        format!("the greeting: {bot}"),
    )?;
    expect(
        held(c, &d.agent)?.is_empty(),
        "nobody holds it while the bot talks",
    )?;
    let click =
        send(json!({"text": "1. Sales", "choice": "root:1", "client_message_id": "menu-2"}));
    expect(click.status == 201, format!("click: {}", click.body))?;
    let mine = held(c, &d.agent)?;
    expect(mine.len() == 1, format!("the agent holds {mine:?}"))
}

fn widget_conversation(c: &Client) -> Result<(), String> {
    let d = desk(c, "webchat", json!({}))?;
    let base = format!("/widget/{}", d.channel);
    let json_body = [("content-type", "application/json")];
    let phone = format!("11 9{}", unique_digits(8));
    let session = c.raw(
        "POST",
        &format!("{base}/sessions"),
        &json_body,
        json!({"name": "Visitante E2E", "phone": phone, "language": "en"})
            .to_string()
            .as_bytes(),
    );
    expect(session.status == 201, format!("session: {}", session.body))?;
    let bearer = format!("Bearer {}", session.body["token"].as_str().unwrap_or(""));
    let visitor = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    let sent = c.raw(
        "POST",
        &format!("{base}/messages"),
        &visitor,
        json!({"text": "Olá! Vocês entregam em Campinas?", "client_message_id": "e2e-1"})
            .to_string()
            .as_bytes(),
    );
    expect(sent.status == 201, format!("visitor sends: {}", sent.body))?;

    // Handed out by the visitor's own request: no tick needed.
    let mine = held(c, &d.agent)?;
    expect(mine.len() == 1, format!("the agent holds {mine:?}"))?;
    let protocol = mine[0]["protocol"].as_str().unwrap_or("");
    expect(
        protocol.starts_with("WC") && protocol.len() == 13,
        format!("protocol {protocol}"),
    )?;
    let id = mine[0]["id"].as_i64().unwrap_or(0);
    let answer = c.call(
        "POST",
        &format!("/api/inbox/conversations/{id}/messages"),
        Some(&d.agent),
        Some(json!({"text": "Entregamos sim!"})),
    );
    expect(
        answer.status == 201,
        format!("agent answers: {}", answer.body),
    )?;

    let polled = c.raw("GET", &format!("{base}/messages"), &visitor[1..], b"");
    expect(polled.status == 200, format!("poll: {}", polled.body))?;
    let bodies: Vec<&str> = polled.body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["body"].as_str()).collect())
        .unwrap_or_default();
    expect(
        bodies.len() == 2 && bodies[1].contains("Entregamos sim!"),
        format!("the visitor sees {bodies:?}"),
    )?;

    let closed = c.call(
        "POST",
        &format!("/api/inbox/conversations/{id}/close"),
        Some(&d.agent),
        Some(json!({"comment": "e2e"})),
    );
    expect(closed.status == 200, format!("close: {}", closed.body))?;
    expect(held(c, &d.agent)?.is_empty(), "nothing left open")?;
    let again = c.call(
        "POST",
        &format!("/api/inbox/conversations/{id}/close"),
        Some(&d.admin),
        Some(json!({})),
    );
    expect(
        again.status == 409,
        format!("closing twice: {} {}", again.status, again.body),
    )?;
    exported(c, &d.admin, protocol)
}

/// The history's CSV and XLSX of one closed conversation, as a browser downloads them: both
/// sent with chunked transfer encoding (the exports stream), the CSV holding its row.
fn exported(c: &Client, admin: &str, protocol: &str) -> Result<(), String> {
    let download = |ext: &str| -> Result<(String, String, Vec<u8>), String> {
        let response = c
            .agent
            .get(&format!(
                "{}/api/reports/history.{ext}?protocol={protocol}",
                c.base
            ))
            .set("x-tenant", &c.tenant)
            .set("authorization", &format!("Bearer {admin}"))
            .call()
            .map_err(|e| format!("history.{ext}: {e}"))?;
        let encoding = response
            .header("transfer-encoding")
            .unwrap_or("")
            .to_owned();
        let kind = response.header("content-type").unwrap_or("").to_owned();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
            .map_err(|e| format!("reading history.{ext}: {e}"))?;
        Ok((encoding, kind, body))
    };
    let (encoding, kind, csv) = download("csv")?;
    expect(
        encoding == "chunked",
        format!("CSV transfer-encoding {encoding:?}"),
    )?;
    expect(
        kind.starts_with("text/csv"),
        format!("CSV content type {kind}"),
    )?;
    let text = String::from_utf8_lossy(&csv);
    let lines: Vec<&str> = text.lines().collect();
    expect(
        lines.len() == 2
            && lines[0].starts_with("\u{feff}Protocol")
            && lines[1].starts_with(protocol),
        format!("the CSV: {text}"),
    )?;
    let (encoding, _, xlsx) = download("xlsx")?;
    expect(
        encoding == "chunked",
        format!("XLSX transfer-encoding {encoding:?}"),
    )?;
    expect(
        xlsx.starts_with(b"PK") && xlsx.len() > 1000,
        format!("the XLSX is a zip of {} bytes", xlsx.len()),
    )
}

/// A WhatsApp webhook `body` as Meta posts it: signed with `secret`.
fn signed_whatsapp(c: &Client, hook: &str, body: &str, secret: &str) -> Reply {
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(secret, body.as_bytes())
    );
    c.raw(
        "POST",
        hook,
        &[
            ("content-type", "application/json"),
            ("x-hub-signature-256", signature.as_str()),
        ],
        body.as_bytes(),
    )
}

fn whatsapp_webhook(c: &Client) -> Result<(), String> {
    // The number's id is unique among a company's channels, and each run makes a channel.
    let number = unique("");
    let d = desk(
        c,
        "whatsapp",
        json!({"phone_number_id": number, "access_token": "t", "app_secret": WA_SECRET,
               "verify_token": "e2e-verify", "api_base_url": "http://127.0.0.1:9"}),
    )?;
    let hook = format!("/hooks/whatsapp/{}", d.channel);
    let handshake = c.raw(
        "GET",
        &format!("{hook}?hub.mode=subscribe&hub.verify_token=e2e-verify&hub.challenge=4242"),
        &[],
        b"",
    );
    expect(
        handshake.status == 200 && handshake.body == json!(4242),
        format!("handshake: {} {}", handshake.status, handshake.body),
    )?;

    let from = format!("55119{}", unique_digits(8));
    let message = |id: &str| {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
            "contacts": [{"profile": {"name": "Maria E2E"}, "wa_id": from}],
            "messages": [{"from": from, "id": id, "timestamp": "1763900000", "type": "text", "text": {"body": "oi"}}]
        }}]}]})
        .to_string()
    };
    let post = |body: &str, secret: &str| signed_whatsapp(c, &hook, body, secret);
    let wamid = unique("wamid.e2e");
    let first = post(&message(&wamid), WA_SECRET);
    expect(
        first.status == 200 && first.body["messages"] == 1,
        format!("first delivery: {} {}", first.status, first.body),
    )?;
    let repeat = post(&message(&wamid), WA_SECRET);
    expect(
        repeat.status == 200 && repeat.body["duplicates"] == 1,
        format!("repeat: {} {}", repeat.status, repeat.body),
    )?;
    let forged = post(&message(&unique("wamid.forged")), "not-the-secret");
    expect(
        forged.status == 401 && forged.body["error"]["code"] == "bad_signature",
        format!("forged: {} {}", forged.status, forged.body),
    )?;

    let mine = held(c, &d.agent)?;
    expect(mine.len() == 1, format!("the agent holds {mine:?}"))?;
    let id = mine[0]["id"].as_i64().unwrap_or(0);
    let messages = c.call(
        "GET",
        &format!("/api/inbox/conversations/{id}/messages"),
        Some(&d.agent),
        None,
    );
    let items = messages.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    expect(
        items.len() == 1 && items[0]["body"] == "oi",
        format!("stored once, the forged one not at all: {}", messages.body),
    )
}

/// What a WhatsApp message sent through the Cloud API shows the customer: a text's body, or an
/// interactive message's text and its buttons' titles.
fn shown(sent: &Value) -> String {
    let interactive = &sent["interactive"];
    if interactive.is_null() {
        return sent["text"]["body"].as_str().unwrap_or("").to_owned();
    }
    let buttons: Vec<&str> = interactive["action"]["buttons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["reply"]["title"].as_str())
        .collect();
    format!(
        "{} [{}]",
        interactive["body"]["text"].as_str().unwrap_or(""),
        buttons.join(" | ")
    )
}

/// Waits (30 s at most) until the provider has received, after the first `seen` requests, a
/// message that shows `wanted`, while the agent polls as the console does — which is what runs
/// the scheduled delivery under a `spin up` with no scheduler (the feed component asks the
/// routing component for the tick when it is 5 s overdue). Returns how many requests the
/// provider had received up to that message.
fn wait_sent(
    c: &Client,
    agent: &str,
    mock: &mock_provider::MockProvider,
    seen: usize,
    wanted: &str,
) -> Result<usize, String> {
    wait_for(c, agent, mock, wanted, |received| {
        received
            .iter()
            .skip(seen)
            .position(|r| shown(&r.body).contains(wanted))
            .map(|at| seen + at + 1)
    })
}

/// [`wait_sent`] for any request: `found` looks at everything received so far.
fn wait_for<T>(
    c: &Client,
    agent: &str,
    mock: &mock_provider::MockProvider,
    what: &str,
    found: impl Fn(&[mock_provider::Received]) -> Option<T>,
) -> Result<T, String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let received = mock.received();
        if let Some(answer) = found(&received) {
            return Ok(answer);
        }
        if std::time::Instant::now() > deadline {
            let shown: Vec<String> = received.iter().map(|r| shown(&r.body)).collect();
            return Err(format!(
                "the stand-in never received {what:?} within 30 s (it received {shown:?}; \
                 under Spin, is SPIN_VARIABLE_EXTRA_OUTBOUND_HOST=http://127.0.0.1:* set?)"
            ));
        }
        let polled = c.call("GET", "/api/inbox/events?after=0", Some(agent), None);
        expect(polled.status == 200, format!("poll: {}", polled.status))?;
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

fn whatsapp_customer_served(c: &Client) -> Result<(), String> {
    let mock = mock_provider::MockProvider::start()?;
    let admin = c.admin_token()?;
    let post = |path: &str, body: Value| c.call("POST", path, Some(&admin), Some(body));
    let l = |t: &str| json!({"pt-BR": t, "es": t, "en": t});
    let survey = created(
        &post(
            "/api/admin/surveys",
            json!({"name": unique("E2E survey "), "sent_by": ["agent"], "questions": [
                {"type": "nps", "text": l("From 0 to 10?")},
                {"type": "csat", "text": l("How was it?"), "options": [l("Good"), l("Bad")]}]}),
        ),
        "survey",
    )?;
    let number = unique("");
    let d = desk_with(
        c,
        "whatsapp",
        json!({"phone_number_id": number, "access_token": "e2e-token", "app_secret": WA_SECRET,
               "verify_token": "e2e-verify", "api_base_url": mock.base_url}),
        json!({"survey_id": survey, "closing_notice": {"message": l("E2E closed: {protocol}")}}),
    )?;
    // The company's own system hears of each survey answer.
    let webhook_secret = "e2e-webhook-secret-0123456789";
    let webhook = created(
        &post(
            "/api/admin/webhooks",
            json!({"name": unique("E2E hook "), "url": format!("{}/atende-events", mock.base_url),
                   "events": ["survey.answered"], "secret": webhook_secret}),
        ),
        "webhook",
    )?;
    let name = unique("E2E reception ");
    let op = created(
        &post("/api/admin/operations", json!({"name": name})),
        "operation",
    )?;
    let menu = json!({"greeting": l("Welcome!"), "nodes": [{"id": "root", "prompt": l("Choose:"), "options": [
        {"number": 1, "label": l("Support"), "action": "group", "group_id": d.group}]}]});
    let reception = created(
        &post(
            "/api/admin/groups",
            json!({"name": name, "operation_id": op, "start_bot": "menu", "menu": menu}),
        ),
        "reception group",
    )?;
    let moved = c.call(
        "PATCH",
        &format!("/api/admin/channels/{}", d.channel),
        Some(&admin),
        Some(json!({"entry_group_id": reception})),
    );
    expect(moved.status == 200, format!("entry group: {}", moved.body))?;

    let from = format!("55119{}", unique_digits(8));
    let hook = format!("/hooks/whatsapp/{}", d.channel);
    let customer = |id: &str, message: Value| {
        let mut message = message;
        message["from"] = json!(from);
        message["id"] = json!(id);
        message["timestamp"] = json!("1763900000");
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
            "contacts": [{"profile": {"name": "Cliente E2E"}, "wa_id": from}],
            "messages": [message]}}]}]})
        .to_string();
        let r = signed_whatsapp(c, &hook, &body, WA_SECRET);
        expect(
            r.status == 200 && r.body["messages"] == 1,
            format!("{id}: {} {}", r.status, r.body),
        )
    };
    let text = |t: &str| json!({"type": "text", "text": {"body": t}});
    let button = |id: &str, title: &str| json!({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": id, "title": title}}});

    customer(&unique("wamid.e2e"), text("Olá"))?;
    let seen = wait_sent(c, &d.agent, &mock, 0, "Welcome!")?;
    let greeting = &mock.received()[seen - 1];
    expect(
        greeting.path == format!("/{number}/messages")
            && greeting.authorization == "Bearer e2e-token"
            && greeting.body["to"] == json!(from),
        format!("the greeting's request: {greeting:?}"),
    )?;
    // With its length, not chunked: receivers that read only `content-length` see the body.
    expect(
        greeting.content_length == Some(greeting.raw.len()),
        format!("the greeting's content-length: {greeting:?}"),
    )?;
    expect(
        shown(&greeting.body) == "Welcome!\n\nChoose: [1. Support]",
        format!("the greeting: {}", shown(&greeting.body)),
    )?;
    customer(&unique("wamid.e2e"), button("root:1", "1. Support"))?;
    let mine = held(c, &d.agent)?;
    expect(mine.len() == 1, format!("the agent holds {mine:?}"))?;
    let id = mine[0]["id"].as_i64().unwrap_or(0);
    let answer = c.call(
        "POST",
        &format!("/api/inbox/conversations/{id}/messages"),
        Some(&d.agent),
        Some(json!({"text": "How can I help?"})),
    );
    expect(answer.status == 201, format!("answer: {}", answer.body))?;
    let seen = wait_sent(c, &d.agent, &mock, seen, "How can I help?")?;
    // Meta reports the answer delivered, then read: the agent sees it on the message.
    let sent_id = mock.received()[seen - 1].answered_id.clone();
    for status in ["delivered", "read"] {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
            "statuses": [{"id": sent_id, "status": status, "timestamp": "1763900100", "recipient_id": from}]}}]}]})
        .to_string();
        let r = signed_whatsapp(c, &hook, &body, WA_SECRET);
        expect(
            r.status == 200 && r.body["statuses"] == 1,
            format!("status {status}: {} {}", r.status, r.body),
        )?;
    }
    let messages = c.call(
        "GET",
        &format!("/api/inbox/conversations/{id}/messages"),
        Some(&d.agent),
        None,
    );
    let answered = messages.body["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|m| m["body"] == "How can I help?")
                .cloned()
        })
        .unwrap_or_default();
    expect(
        answered["delivery"] == "read",
        format!("the answer's delivery: {answered}"),
    )?;
    let closed = c.call(
        "POST",
        &format!("/api/inbox/conversations/{id}/close"),
        Some(&d.agent),
        Some(json!({})),
    );
    expect(closed.status == 200, format!("close: {}", closed.body))?;

    // The customer is told, with the protocol, and then asked the survey.
    let seen = wait_sent(c, &d.agent, &mock, seen, "E2E closed: WA")?;
    let seen = wait_sent(c, &d.agent, &mock, seen, "From 0 to 10?")?;
    customer(&unique("wamid.e2e"), text("9"))?;
    let seen = wait_sent(c, &d.agent, &mock, seen, "How was it?")?;
    let csat = shown(&mock.received()[seen - 1].body);
    expect(
        csat.ends_with("[1. Good | 2. Bad]"),
        format!("the CSAT question's buttons: {csat}"),
    )?;
    customer(&unique("wamid.e2e"), button("q1:1", "1. Good"))?;
    let event = wait_for(
        c,
        &d.agent,
        &mock,
        "the survey.answered webhook",
        |received| {
            received
                .iter()
                .filter(|r| r.path == "/atende-events" && r.body["event"] == "survey.answered")
                .find(|r| r.body.to_string().contains("\"type\":\"csat\""))
                .cloned()
        },
    );
    // Left active, the webhook would keep calling this run's stand-in after it is gone.
    let deactivated = c.call(
        "POST",
        &format!("/api/admin/webhooks/{webhook}/deactivate"),
        Some(&admin),
        None,
    );
    expect(
        deactivated.status == 200,
        format!("deactivate the webhook: {}", deactivated.body),
    )?;
    let event = event?;
    let signature = format!(
        "sha256={}",
        atende_shared::providers::hmac_sha256_hex(webhook_secret, &event.raw)
    );
    expect(
        event.signature == signature && event.content_length == Some(event.raw.len()),
        format!("the webhook's signature and length: {event:?}"),
    )?;
    let report = c.call(
        "GET",
        &format!("/api/reports/surveys?group_id={}", d.group),
        Some(&admin),
        None,
    );
    expect(
        report.status == 200
            && report.body["nps"]["answers"] == 1
            && report.body["nps"]["promoters"] == 1
            && report.body["csat"]["answers"] == 1
            && report.body["csat"]["satisfied"] == 1,
        format!("the survey report: {} {}", report.status, report.body),
    )?;
    expect(
        held(c, &d.agent)?.is_empty(),
        "the survey's answers opened no conversation",
    )
}

/// Timers run with no scheduler while an agent polls: under a bare `spin up` (no cron
/// component) only the agent's `GET /api/inbox/events` asks for the tick, which the feed
/// component has the routing component run after answering (docs/decisions/0017).
fn offer_expires_while_polling(c: &Client) -> Result<(), String> {
    let Desk { agent, channel, .. } = desk_with(
        c,
        "webchat",
        json!({}),
        json!({"offer_mode": "accept_reject", "offer_timeout_seconds": 5}),
    )?;

    let base = format!("/widget/{channel}");
    let session = c.raw(
        "POST",
        &format!("{base}/sessions"),
        &[("content-type", "application/json")],
        json!({"name": "Visitante E2E", "phone": format!("11 9{}", unique_digits(8))})
            .to_string()
            .as_bytes(),
    );
    expect(session.status == 201, format!("session: {}", session.body))?;
    let bearer = format!("Bearer {}", session.body["token"].as_str().unwrap_or(""));
    let sent = c.raw(
        "POST",
        &format!("{base}/messages"),
        &[
            ("content-type", "application/json"),
            ("authorization", bearer.as_str()),
        ],
        json!({"text": "Alguém aí?", "client_message_id": "e2e-offer-1"})
            .to_string()
            .as_bytes(),
    );
    expect(sent.status == 201, format!("visitor sends: {}", sent.body))?;
    let offers = c.call("GET", "/api/inbox/offers", Some(&agent), None);
    let offered = offers.body["items"].as_array().map_or(0, Vec::len);
    expect(
        offered == 1,
        format!("the agent is offered it: {}", offers.body),
    )?;

    // The agent neither accepts nor rejects, and polls as the console does, once a second.
    let mut cursor = 0;
    for _ in 0..30 {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let r = c.call(
            "GET",
            &format!("/api/inbox/events?after={cursor}"),
            Some(&agent),
            None,
        );
        expect(r.status == 200, format!("poll: {} {}", r.status, r.body))?;
        cursor = r.body["cursor"].as_i64().unwrap_or(cursor);
        let withdrawn = r.body["events"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e["kind"] == "offer_withdrawn"));
        if withdrawn {
            return Ok(());
        }
    }
    Err("no offer_withdrawn within 30 s of polling".into())
}

/// With `tick_secret` set a caller without it is 401; unset, the route is off (403).
fn tick_needs_secret(c: &Client) -> Result<(), String> {
    for auth in [None, Some("Bearer not-the-secret")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let r = c.raw("POST", "/internal/tick", &headers, b"");
        let code = r.body["error"]["code"].as_str().unwrap_or("");
        expect(
            (r.status == 401 && !code.is_empty()) || (r.status == 403 && code == "tick_disabled"),
            format!("{auth:?}: {} {}", r.status, r.body),
        )?;
    }
    Ok(())
}

/// Creates a company of its own through the platform API (`POST /api/platform/tenants` with
/// the platform secret) and returns a client acting as its first admin.
pub fn provision(base: &str, platform_secret: &str) -> Result<Client, String> {
    let slug = unique("e2e-");
    let password = "E2e#Admin123";
    let probe = Client::with_admin(base, &slug, "boss", password);
    let bearer = format!("Bearer {platform_secret}");
    let body = json!({"slug": slug, "name": format!("E2E {slug}"), "language": "en",
                      "admin": {"username": "boss", "display_name": "E2E Admin", "password": password}});
    let r = probe.raw(
        "POST",
        "/api/platform/tenants",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    );
    expect(
        r.status == 201,
        format!("create company {slug}: {} {}", r.status, r.body),
    )?;
    Ok(probe)
}

/// Runs every scenario of [`SCENARIOS`] as `client`; returns (passed, failed) and prints one
/// line each.
pub fn run_all(client: &Client) -> (usize, usize) {
    run(client, SCENARIOS)
}

/// Runs `scenarios` as `client`; returns (passed, failed) and prints one line each.
pub fn run(client: &Client, scenarios: &[(&str, Scenario)]) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for (name, scenario) in scenarios {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(client))) {
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

/// Two servers on one database (two `spin up` instances on one SQLite file and one Redis):
/// `customers` WhatsApp customers write twice each, every delivery sent to both instances at
/// once (a provider's retry reaching the other replica), from 8 concurrent senders, while
/// agents logged in on either instance take the conversations. Afterwards no conversation is
/// held by two agents, none is lost or left waiting, and each holds exactly its two messages.
pub fn two_instances(a: &Client, b_base: &str, customers: usize) -> Result<(), String> {
    let b = Client::with_admin(b_base, &a.tenant, &a.admin_username, &a.admin_password);
    let admin = a.admin_token()?;
    let name = unique("Two ");
    let post = |path: &str, body: Value| a.call("POST", path, Some(&admin), Some(body));
    let op = created(
        &post("/api/admin/operations", json!({"name": name})),
        "operation",
    )?;
    let group = created(
        &post(
            "/api/admin/groups",
            json!({"name": name, "operation_id": op}),
        ),
        "group",
    )?;
    let number = unique("");
    let channel = created(
        &post(
            "/api/admin/channels",
            json!({"type": "whatsapp", "name": name, "entry_group_id": group,
                   "credentials": {"phone_number_id": number, "access_token": "t", "app_secret": WA_SECRET,
                                   "verify_token": "v", "api_base_url": "http://127.0.0.1:9"}}),
        ),
        "channel",
    )?;
    // Four agents with room for everyone, two logged in on each instance.
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for i in 0..4 {
        let username = unique("two");
        let r = post(
            "/api/admin/users",
            json!({"username": username, "display_name": format!("Two {i}"), "profile": "agent",
                   "password": "E2e#Pass123", "must_change_password": false,
                   "max_concurrent": customers.div_ceil(4) + 1}),
        );
        ids.push(created(&r, "agent")?);
        let on = if i % 2 == 0 { a } else { &b };
        agents.push((on, on.token(&username, "E2e#Pass123")?));
    }
    let members = post(
        &format!("/api/admin/groups/{group}/members"),
        json!({"ids": ids}),
    );
    expect(members.status == 200, format!("members: {}", members.body))?;
    for (on, token) in &agents {
        let r = on.call(
            "PUT",
            "/api/inbox/status",
            Some(token),
            Some(json!({"status": "ready"})),
        );
        expect(r.status == 200, format!("ready: {}", r.body))?;
    }

    let prefix = format!("55119{}", unique_digits(4));
    let hook = format!("/hooks/whatsapp/{channel}");
    let deliveries: Vec<(String, String)> = (0..2)
        .flat_map(|round| {
            let prefix = prefix.clone();
            (0..customers).map(move |c| {
                (
                    format!("{prefix}{c:04}"),
                    format!("wamid.two.{prefix}.{c}.{round}"),
                )
            })
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // A customer's second message may overtake the first: both must be kept.
                let Some((from, id)) = deliveries.get(n) else {
                    break;
                };
                let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                    "messaging_product": "whatsapp", "metadata": {"phone_number_id": number},
                    "contacts": [{"profile": {"name": "Cliente"}, "wa_id": from}],
                    "messages": [{"from": from, "id": id, "timestamp": "1763900000", "type": "text", "text": {"body": id}}]
                }}]}]})
                .to_string();
                let signature = format!(
                    "sha256={}",
                    atende_shared::providers::hmac_sha256_hex(WA_SECRET, body.as_bytes())
                );
                let headers = [
                    ("content-type", "application/json"),
                    ("x-hub-signature-256", signature.as_str()),
                ];
                // Both instances at once, as a retry reaching the other replica would.
                let replies = std::thread::scope(|t| {
                    let other = t.spawn(|| b.raw("POST", &hook, &headers, body.as_bytes()));
                    let here = a.raw("POST", &hook, &headers, body.as_bytes());
                    [Some(here), other.join().ok()]
                });
                let stored: Vec<(u16, i64)> = replies
                    .iter()
                    .flatten()
                    .map(|r| (r.status, r.body["messages"].as_i64().unwrap_or(0)))
                    .collect();
                let ok = stored.len() == 2
                    && stored.iter().all(|(s, _)| *s == 200)
                    && stored.iter().map(|(_, m)| m).sum::<i64>() == 1;
                if !ok {
                    if let Ok(mut f) = failures.lock() {
                        f.push(format!("{id}: {stored:?}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    expect(
        failures.is_empty(),
        format!(
            "deliveries not stored exactly once (status, stored): {:?}",
            &failures[..failures.len().min(5)]
        ),
    )?;

    let mut holders: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (on, token) in &agents {
        for conversation in held(on, token)? {
            *holders
                .entry(conversation["id"].as_i64().unwrap_or(0))
                .or_default() += 1;
        }
    }
    let doubles: Vec<_> = holders.iter().filter(|(_, n)| **n > 1).collect();
    expect(
        doubles.is_empty(),
        format!("held by two agents: {doubles:?}"),
    )?;
    expect(
        holders.len() == customers,
        format!("{} of {customers} conversations assigned", holders.len()),
    )?;
    for (on, token) in &agents {
        for conversation in held(on, token)? {
            let id = conversation["id"].as_i64().unwrap_or(0);
            let m = on.call(
                "GET",
                &format!("/api/inbox/conversations/{id}/messages"),
                Some(token),
                None,
            );
            let n = m.body["items"].as_array().map_or(0, Vec::len);
            expect(n == 2, format!("conversation {id} holds {n} messages"))?;
        }
    }
    Ok(())
}
