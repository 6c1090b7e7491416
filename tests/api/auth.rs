use crate::helpers::{full_agent, TestApp, PASSWORD};
use chrono::Duration;
use serde_json::json;

#[test]
fn demo_admin_logs_in_and_me_returns_the_admin() {
    let app = TestApp::spawn();

    let login = app.login("admin", PASSWORD);

    login.assert_status(200);
    assert_eq!(login.body["must_change_password"], false);
    assert_eq!(login.body["user"]["username"], "admin");
    let token = login.body["token"].as_str().unwrap();
    assert!(token.len() >= 40, "tokens carry 256 bits");
    let me = app.me(token);
    me.assert_status(200);
    assert_eq!(me.body["user"]["username"], "admin");
    assert_eq!(me.body["user"]["profile"], "admin");
    assert_eq!(me.body["tenant"]["slug"], "demo");
    assert!(me.body["user"].get("password_hash").is_none());
}

#[test]
fn usernames_are_case_insensitive_at_login() {
    let app = TestApp::spawn();
    app.login("ADMIN", PASSWORD).assert_status(200);
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::spawn();

    let wrong = app.login("admin", "Wrong#Pass1");
    let unknown = app.login("nobody", PASSWORD);

    wrong.assert_error(401, "invalid_credentials");
    unknown.assert_error(401, "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
}

#[test]
fn requests_without_a_valid_token_are_401() {
    let app = TestApp::spawn();
    app.call("GET", "/api/auth/me", None, None)
        .assert_error(401, "unauthenticated");
    app.me("not-a-token").assert_error(401, "invalid_token");
}

#[test]
fn logout_ends_the_session() {
    let app = TestApp::spawn();
    let token = app.token("agent1");

    app.logout(&token).assert_status(204);

    app.me(&token).assert_error(401, "invalid_token");
}

#[test]
fn sessions_expire_after_their_lifetime() {
    let app = TestApp::spawn();
    let token = app.token("agent1");

    app.clock
        .advance(Duration::hours(12) - Duration::seconds(1));
    app.me(&token).assert_status(200);

    app.clock.advance(Duration::seconds(1));
    app.me(&token).assert_error(401, "session_expired");
}

#[test]
fn must_change_password_blocks_every_other_api_until_changed() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let mut body = full_agent("novato");
    body["must_change_password"] = json!(true);
    body["working_hours"] = json!([]);
    app.create_user(&admin, body).assert_status(201);

    let login = app.login("novato", "Str0ng#Pass");
    login.assert_status(200);
    assert_eq!(login.body["must_change_password"], true);
    let token = login.body["token"].as_str().unwrap().to_owned();

    // `me` works so the console can show the change-password screen; nothing else does.
    app.me(&token).assert_status(200);
    app.list_users(&token, "")
        .assert_error(403, "password_change_required");

    let changed = app.change_password(&token, "Str0ng#Pass", "N3w#Secret");
    changed.assert_status(200);
    assert_eq!(changed.body["must_change_password"], false);
    let new_token = changed.body["token"].as_str().unwrap();
    // The agent now gets the ordinary answer for its profile, not the password block.
    app.list_users(new_token, "").assert_error(403, "forbidden");
    // The session used for the change is replaced by the new one.
    app.me(&token).assert_error(401, "invalid_token");
    app.login("novato", "N3w#Secret").assert_status(200);
    app.login("novato", "Str0ng#Pass")
        .assert_error(401, "invalid_credentials");
}

#[test]
fn a_weak_new_password_is_refused_naming_each_broken_rule() {
    let app = TestApp::spawn();
    let token = app.token("agent1");

    let r = app.change_password(&token, PASSWORD, "short");

    r.assert_error(422, "validation_failed");
    assert_eq!(r.error_field(), "new_password");
    // The demo agent reads Portuguese (their language setting).
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("mais de 7 caracteres"), "{message}");
    assert!(message.contains("maiúscula"), "{message}");
    assert!(message.contains("dígito"), "{message}");
    assert!(message.contains("caractere especial"), "{message}");
    assert!(!message.contains("minúscula"), "{message}");
    // Nothing changed: the old password still works.
    app.login("agent1", PASSWORD).assert_status(200);
}

#[test]
fn password_change_needs_the_current_password() {
    let app = TestApp::spawn();
    let token = app.token("agent1");
    let r = app.change_password(&token, "Wrong#Pass1", "N3w#Secret");
    r.assert_error(422, "validation_failed");
    assert_eq!(r.error_field(), "current_password");
    app.change_password(&token, PASSWORD, PASSWORD)
        .assert_error(422, "validation_failed");
}

#[test]
fn working_hours_are_enforced_at_login_and_on_every_request() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let mut body = full_agent("turno");
    // Monday 08:00–13:00 in São Paulo; the test clock starts Monday 12:00 there.
    body["working_hours"] = json!([{"day": "mon", "start": "08:00", "end": "13:00"}]);
    app.create_user(&admin, body).assert_status(201);

    let token = app.token_with("turno", "Str0ng#Pass");
    app.clock.advance(Duration::minutes(59));
    app.me(&token).assert_status(200);
    // The poll (the feed component, which reads the zone's offsets from the session).
    app.get(&token, "/api/inbox/events?after=0")
        .assert_status(200);

    app.clock.advance(Duration::minutes(1));
    app.me(&token).assert_error(403, "outside_working_hours");
    app.get(&token, "/api/inbox/events?after=0")
        .assert_error(403, "outside_working_hours");
    app.login("turno", "Str0ng#Pass")
        .assert_error(403, "outside_working_hours");

    // Next Monday at 08:00 it works again.
    app.clock.advance(Duration::days(7) - Duration::hours(5));
    app.login("turno", "Str0ng#Pass").assert_status(200);
}

fn retry_after(r: &crate::helpers::TestResponse) -> i64 {
    r.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[test]
fn failures_at_one_account_from_one_address_bring_growing_delays_not_a_lock() {
    let app = TestApp::spawn();
    for _ in 0..5 {
        app.login("agent1", "Wrong#Pass1")
            .assert_error(401, "invalid_credentials");
    }
    // Before the delay has passed, even the right password is not checked.
    let limited = app.login("agent1", PASSWORD);
    limited.assert_error(429, "too_many_attempts");
    assert_eq!(retry_after(&limited), 1);
    // Each further failure doubles the wait.
    let mut expected = 1;
    for _ in 0..4 {
        app.clock.advance(Duration::seconds(expected));
        app.login("agent1", "Wrong#Pass1")
            .assert_error(401, "invalid_credentials");
        expected *= 2;
        assert_eq!(retry_after(&app.login("agent1", PASSWORD)), expected);
    }
    // Other users are not affected.
    app.login("agent2", PASSWORD).assert_status(200);
    // Once the wait is over, the right password works.
    app.clock.advance(Duration::seconds(expected));
    app.login("agent1", PASSWORD).assert_status(200);
}

#[test]
fn failed_logins_are_slowed_per_client_address() {
    let mut app = TestApp::spawn();
    for i in 0..20 {
        app.login(&format!("guess{i}"), "Wrong#Pass1")
            .assert_error(401, "invalid_credentials");
    }

    app.login("agent1", PASSWORD)
        .assert_error(429, "too_many_attempts");

    app.client_addr = "10.9.9.9:4000".parse().unwrap();
    app.login("agent1", PASSWORD).assert_status(200);
}

#[test]
fn an_attackers_failures_do_not_stop_the_agent_logging_in_from_another_address() {
    let mut app = TestApp::spawn();
    let desk: std::net::SocketAddr = "10.1.1.1:5000".parse().unwrap();
    app.client_addr = desk;
    app.login("agent1", PASSWORD).assert_status(200);

    // One attacker, patient enough to wait out every delay.
    app.client_addr = "203.0.113.7:4444".parse().unwrap();
    let mut wait = 0;
    for _ in 0..12 {
        app.clock.advance(Duration::seconds(wait));
        app.login("agent1", "Guess#1234")
            .assert_error(401, "invalid_credentials");
        let next = app.login("agent1", "Guess#1234");
        wait = if next.status == 429 {
            retry_after(&next)
        } else {
            0
        };
    }
    assert!(wait >= 64, "the attacker is slowed down: {wait} s");
    app.client_addr = desk;
    app.login("agent1", PASSWORD).assert_status(200);

    // Many attackers, one try each (after the counters forgot the first one): the account is
    // slowed down, for addresses it has not logged in from only.
    app.clock.advance(Duration::minutes(16));
    let mut refused = 0;
    for n in 0..30 {
        app.client_addr = format!("198.51.100.{n}:5000").parse().unwrap();
        let r = app.login("agent1", "Guess#1234");
        assert!(matches!(r.status, 401 | 429), "{}", r.body);
        refused += usize::from(r.status == 429);
    }
    assert_eq!(refused, 10, "delays start after 20 failures");
    app.client_addr = "192.0.2.50:5000".parse().unwrap();
    let stranger = app.login("agent1", PASSWORD);
    stranger.assert_error(429, "too_many_attempts");
    app.client_addr = desk;
    app.login("agent1", PASSWORD).assert_status(200);
    // A delay, not a lock: the new address gets in once it has passed.
    app.clock.advance(Duration::seconds(retry_after(&stranger)));
    app.client_addr = "192.0.2.50:5000".parse().unwrap();
    app.login("agent1", PASSWORD).assert_status(200);
}

#[test]
fn the_admin_reads_the_failed_logins() {
    let mut app = TestApp::spawn();
    let admin = app.token("admin");
    app.client_addr = "203.0.113.7:4444".parse().unwrap();
    for _ in 0..5 {
        app.login("agent1", "Wrong#Pass1");
    }
    app.login("agent1", PASSWORD)
        .assert_error(429, "too_many_attempts");
    app.login("nobody", "Wrong#Pass1");

    let all = app.get(&admin, "/api/admin/login-failures");
    all.assert_status(200);
    // The attempt refused by the delay (429) is no failure of its own.
    assert_eq!(all.items_len(), 6);
    assert_eq!(all.body["next"], serde_json::Value::Null);
    let newest = &all.body["items"][0];
    assert_eq!(newest["username"], "nobody");
    assert_eq!(newest["reason"], "unknown_user");
    assert_eq!(newest["address"], "203.0.113.7");
    let agent = app.get(&admin, "/api/admin/login-failures?username=AGENT1&limit=2");
    assert_eq!(
        app.count(&admin, "/api/admin/login-failures?username=AGENT1"),
        5
    );
    assert_eq!(agent.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(agent.body["items"][0]["reason"], "wrong_password");
    assert!(agent.body["items"][0]["user_id"].as_i64().is_some());

    app.client_addr = "10.1.1.1:5000".parse().unwrap();
    let supervisor = app.token("supervisor");
    app.get(&supervisor, "/api/admin/login-failures")
        .assert_error(403, "forbidden");
}

#[test]
fn a_deactivated_user_cannot_log_in_and_loses_every_session() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let first = app.token("agent3");
    let second = app.token("agent3");
    let id = app.user_id(&admin, "agent3");

    app.deactivate_user(&admin, id).assert_status(200);

    app.me(&first).assert_error(401, "session_revoked");
    app.me(&second).assert_error(401, "session_revoked");
    app.login("agent3", PASSWORD)
        .assert_error(403, "user_inactive");

    app.activate_user(&admin, id).assert_status(200);
    app.login("agent3", PASSWORD).assert_status(200);
    // Old sessions stay dead after reactivation (the revoked key was already removed).
    app.me(&first).assert_error(401, "invalid_token");
}

impl TestApp {
    #[track_caller]
    pub fn token_with(&self, username: &str, password: &str) -> String {
        let r = self.login(username, password);
        r.assert_status(200);
        r.body["token"].as_str().unwrap().to_owned()
    }
}

#[test]
fn a_password_change_revokes_the_users_other_sessions() {
    let app = TestApp::spawn();
    let laptop = app.token("agent4");
    let phone = app.token("agent4");

    let changed = app.change_password(&laptop, PASSWORD, "N3w#Secret");

    changed.assert_status(200);
    app.me(&phone).assert_error(401, "session_revoked");
    app.me(changed.body["token"].as_str().unwrap())
        .assert_status(200);
}
