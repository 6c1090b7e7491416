use crate::helpers::{full_agent, TestApp, PASSWORD};
use serde_json::json;

#[test]
fn an_admin_creates_a_user_and_reads_every_field_back() {
    let app = TestApp::spawn();
    let admin = app.token("admin");

    let created = app.create_user(&admin, full_agent("fernanda"));

    created.assert_status(201);
    let id = created.body["id"].as_i64().unwrap();
    let read = app.get_user(&admin, id);
    read.assert_status(200);
    let u = &read.body;
    assert_eq!(u["username"], "fernanda");
    assert_eq!(u["display_name"], "Fernanda Lima");
    assert_eq!(u["profile"], "agent");
    assert_eq!(u["status"], "active");
    assert_eq!(u["email"], "fernanda@example.com");
    assert_eq!(u["phone"], "+5511987654321");
    assert_eq!(u["birth_date"], "1990-05-17");
    assert_eq!(u["language"], "es");
    assert_eq!(u["must_change_password"], false);
    assert_eq!(u["max_concurrent"], 12);
    assert_eq!(u["priority"], 7);
    assert_eq!(u["department"], "Suporte");
    assert_eq!(u["social_token"], "soc-123");
    assert_eq!(u["integration_key"], "int-456");
    assert_eq!(u["working_hours"][1]["day"], "tue");
    assert_eq!(u["permissions"]["see_group_history"], true);
    assert_eq!(u["permissions"]["see_operation_history"], false);
    assert_eq!(u["permissions"]["confidential_history"], true);
    assert_eq!(u["created_at"], "2026-11-23T15:00:00.000Z");
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    // And the new user can log in with the password the admin set.
    app.token_with("fernanda", "Str0ng#Pass");
}

#[test]
fn new_users_must_change_their_password_unless_told_otherwise() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let r = app.create_user(
        &admin,
        json!({"username": "min", "display_name": "Min", "profile": "agent", "password": "Str0ng#Pass"}),
    );
    r.assert_status(201);
    assert_eq!(r.body["must_change_password"], true);
    assert_eq!(r.body["max_concurrent"], 5);
    assert_eq!(r.body["language"], "pt-BR");
}

#[test]
fn every_invalid_field_is_refused_by_name_and_nothing_is_created() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let cases = [
        ("username", json!("a b")),
        ("username", json!("ab")),
        ("display_name", json!("  ")),
        ("profile", json!("root")),
        ("password", json!("weakpass")),
        ("email", json!("not-an-email")),
        ("phone", json!("12ab")),
        ("birth_date", json!("2030-01-01")),
        ("birth_date", json!("17/05/1990")),
        ("language", json!("fr")),
        ("max_concurrent", json!(81)),
        ("max_concurrent", json!(-1)),
        ("priority", json!(-5)),
        (
            "working_hours",
            json!([{"day": "mon", "start": "18:00", "end": "08:00"}]),
        ),
    ];
    for (field, value) in cases {
        let mut body = full_agent("valid.name");
        body[field] = value.clone();
        let r = app.create_user(&admin, body);
        r.assert_error(422, "validation_failed");
        assert_eq!(r.error_field(), field, "for {field} = {value}: {}", r.body);
    }
    let list = app.list_users(&admin, "?q=valid.name");
    assert_eq!(list.items_len(), 0);
}

#[test]
fn a_taken_username_is_a_conflict() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let r = app.create_user(&admin, full_agent("Agent1"));
    r.assert_error(409, "username_taken");
    assert_eq!(r.error_field(), "username");
}

#[test]
fn updates_change_fields_null_clears_them_and_the_username_never_changes() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let id = app.create_user(&admin, full_agent("edit.me")).body["id"]
        .as_i64()
        .unwrap();

    let r = app.update_user(
        &admin,
        id,
        json!({"display_name": "Fernanda L.", "max_concurrent": 80, "email": null, "profile": "supervisor_agent"}),
    );

    r.assert_status(200);
    assert_eq!(r.body["display_name"], "Fernanda L.");
    assert_eq!(r.body["max_concurrent"], 80);
    assert_eq!(r.body["email"], serde_json::Value::Null);
    assert_eq!(r.body["profile"], "supervisor_agent");
    assert_eq!(r.body["department"], "Suporte", "absent fields stay");

    let rename = app.update_user(&admin, id, json!({"username": "other"}));
    rename.assert_error(422, "validation_failed");
    assert_eq!(rename.error_field(), "username");
    assert_eq!(app.get_user(&admin, id).body["username"], "edit.me");

    let bad = app.update_user(
        &admin,
        id,
        json!({"max_concurrent": 100, "display_name": "X"}),
    );
    bad.assert_error(422, "validation_failed");
    assert_eq!(
        app.get_user(&admin, id).body["display_name"],
        "Fernanda L.",
        "a refused update changes nothing"
    );
}

#[test]
fn an_admin_password_reset_revokes_the_users_sessions() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let agent = app.token("agent2");
    let id = app.user_id(&admin, "agent2");

    app.update_user(&admin, id, json!({"password": "Reset#2026x"}))
        .assert_status(200);

    app.me(&agent).assert_error(401, "session_revoked");
    app.token_with("agent2", "Reset#2026x");
}

#[test]
fn lists_search_filter_and_page_with_a_total() {
    let app = TestApp::spawn();
    let admin = app.token("admin");

    let all = app.list_users(&admin, "?limit=3");
    all.assert_status(200);
    assert_eq!(app.count(&admin, "/api/admin/users"), 7);
    assert_eq!(all.items_len(), 3);
    let next = all.body["next"].as_str().unwrap().to_owned();
    let second = app.list_users(&admin, &format!("?limit=3&cursor={next}"));
    let next = second.body["next"].as_str().unwrap().to_owned();
    let last = app.list_users(&admin, &format!("?limit=3&cursor={next}"));
    assert_eq!(last.items_len(), 1);
    assert!(last.body["next"].is_null(), "the last page has no next");

    let agents = app.list_users(&admin, "?profile=agent");
    assert_eq!(agents.items_len(), 4);
    let search = app.list_users(&admin, "?q=Carla");
    assert_eq!(search.items_len(), 1);
    assert_eq!(search.body["items"][0]["username"], "agent3");
    // LIKE wildcards in the search are literal.
    assert_eq!(app.count(&admin, "/api/admin/users?q=%25"), 0);

    let id = app.user_id(&admin, "agent4");
    app.deactivate_user(&admin, id).assert_status(200);
    assert_eq!(app.count(&admin, "/api/admin/users?status=inactive"), 1);
    assert_eq!(app.count(&admin, "/api/admin/users?status=active"), 6);

    app.list_users(&admin, "?status=gone")
        .assert_error(422, "validation_failed");
    app.list_users(&admin, "?limit=500")
        .assert_error(422, "validation_failed");
    app.list_users(&admin, "?cursor=not-ours")
        .assert_error(422, "validation_failed");
    // The numbered pages of before are refused, not silently read as the first page.
    app.list_users(&admin, "?page=2")
        .assert_error(422, "validation_failed");
}

#[test]
fn agents_cannot_manage_users_and_supervisors_only_read() {
    let app = TestApp::spawn();
    let agent = app.token("agent1");
    let supervisor = app.token("supervisor");
    let admin = app.token("admin");
    let id = app.user_id(&admin, "agent2");

    app.create_user(&agent, full_agent("sneaky"))
        .assert_error(403, "forbidden");
    app.list_users(&agent, "").assert_error(403, "forbidden");
    app.get_user(&agent, id).assert_error(403, "forbidden");

    app.list_users(&supervisor, "").assert_status(200);
    app.get_user(&supervisor, id).assert_status(200);
    app.create_user(&supervisor, full_agent("sneaky"))
        .assert_error(403, "forbidden");
    app.deactivate_user(&supervisor, id)
        .assert_error(403, "forbidden");
    app.update_user(&supervisor, id, json!({"priority": 1}))
        .assert_error(403, "forbidden");
    assert_eq!(app.count(&admin, "/api/admin/users?q=sneaky"), 0);
}

#[test]
fn unknown_ids_are_404_and_an_admin_cannot_deactivate_themselves() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    app.get_user(&admin, 999_999).assert_error(404, "not_found");
    app.call("GET", "/api/admin/users/abc", Some(&admin), None)
        .assert_error(404, "not_found");
    app.update_user(&admin, 999_999, json!({"priority": 1}))
        .assert_error(404, "not_found");
    let me = app.user_id(&admin, "admin");
    app.deactivate_user(&admin, me)
        .assert_error(400, "cannot_deactivate_self");
}

#[test]
fn csv_import_creates_good_rows_and_reports_each_bad_one() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let csv = "\u{feff}username;display_name;profile;password;email;max_concurrent;must_change_password\n\
        maria;Maria Souza;agent;Str0ng#Pass;maria@x.com;3;false\n\
        joao;João Lima;supervisor;Str0ng#Pass;;;no\n\
        weak;Weak Pw;agent;password;;;\n\
        agent1;Duplicate Of Demo;agent;Str0ng#Pass;;;\n\
        maria;Maria Again;agent;Str0ng#Pass;;;\n\
        bad.profile;Bad Profile;boss;Str0ng#Pass;;;\n\
        toomany;Too Many;agent;Str0ng#Pass;;99;\n\
        notnum;Not A Number;agent;Str0ng#Pass;;many;\n";

    let r = app.import_users(&admin, csv);

    r.assert_status(200);
    assert_eq!(r.body["total"], 8);
    assert_eq!(r.body["created"], 2);
    assert_eq!(r.body["rejected"], 6);
    let rows = r.body["rows"].as_array().unwrap();
    let row = |line: u64| rows.iter().find(|r| r["line"] == line).unwrap();
    assert_eq!(row(2)["status"], "created");
    assert_eq!(row(3)["status"], "created");
    let reason = |line: u64| {
        let e = &row(line)["errors"][0];
        format!(
            "{}: {}",
            e["field"].as_str().unwrap(),
            e["message"].as_str().unwrap()
        )
    };
    assert!(reason(4).starts_with("password:"), "{}", reason(4));
    assert!(reason(5).contains("already in use"), "{}", reason(5));
    assert!(reason(6).contains("duplicate of line 2"), "{}", reason(6));
    assert!(reason(7).starts_with("profile:"), "{}", reason(7));
    assert!(reason(8).starts_with("max_concurrent:"), "{}", reason(8));
    assert!(reason(9).starts_with("max_concurrent:"), "{}", reason(9));

    // Good rows are whole users who can log in; bad rows created nothing.
    let maria = app.token_with("maria", "Str0ng#Pass");
    assert_eq!(app.me(&maria).body["user"]["max_concurrent"], 3);
    assert_eq!(app.count(&admin, "/api/admin/users"), 9);

    // The bad rows, corrected and re-sent, are created once; a repeat does not double them.
    let fixed = "username,display_name,profile,password\nweak,Weak Pw,agent,Str0ng#Pass1\n";
    assert_eq!(app.import_users(&admin, fixed).body["created"], 1);
    let again = app.import_users(&admin, fixed);
    assert_eq!(again.body["created"], 0);
    assert_eq!(again.body["rejected"], 1);
    assert_eq!(app.count(&admin, "/api/admin/users"), 10);
}

#[test]
fn csv_import_refuses_files_it_cannot_read() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let unknown = app.import_users(&admin, "username,display_name,profile,password,shoe_size\n");
    unknown.assert_error(422, "validation_failed");
    assert!(unknown.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("shoe_size"));
    let missing = app.import_users(&admin, "username,display_name\nx,y\n");
    missing.assert_error(422, "validation_failed");
    let json_body = app.call(
        "POST",
        "/api/admin/users/import",
        Some(&admin),
        Some(json!({})),
    );
    json_body.assert_error(415, "unsupported_media_type");
    app.import_users(&app.token("agent1"), "username\n")
        .assert_error(403, "forbidden");
    assert_eq!(app.count(&admin, "/api/admin/users"), 7);
}

#[test]
fn demo_users_have_every_profile() {
    let app = TestApp::spawn();
    for (user, profile) in [
        ("admin", "admin"),
        ("supervisor", "supervisor"),
        ("supagent", "supervisor_agent"),
        ("agent4", "agent"),
    ] {
        let token = app.token(user);
        assert_eq!(app.me(&token).body["user"]["profile"], profile);
    }
    assert_eq!(PASSWORD, "Atende#2026");
}
