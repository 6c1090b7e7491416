//! Clients: validation of Brazilian phones, CPF/CNPJ and attributes; the CSV import job.

use crate::helpers::{TestApp, PLATFORM_SECRET};
use serde_json::{json, Value};

/// A valid CPF built from nine digits (the check digits computed as the Receita does).
fn cpf(base: u64) -> String {
    let mut d: Vec<u32> = format!("{:09}", base % 1_000_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    for len in [9, 10] {
        let sum: u32 = d
            .iter()
            .take(len)
            .enumerate()
            .map(|(i, x)| x * (len as u32 + 1 - i as u32))
            .sum();
        let r = sum % 11;
        d.push(if r < 2 { 0 } else { 11 - r });
    }
    d.iter().map(|x| x.to_string()).collect()
}

fn with_attribute_and_group(app: &TestApp, admin: &str) -> i64 {
    app.make(
        admin,
        "client-attributes",
        json!({"name": "plano", "label": "Plano"}),
    );
    app.make(
        admin,
        "client-attributes",
        json!({"name": "limite", "label": "Limite", "value_type": "number"}),
    );
    let (_, group) = app.operation_and_group(admin, "Vendas");
    group
}

#[test]
fn a_client_is_created_with_every_field_and_read_back() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let group = with_attribute_and_group(&app, &admin);
    let agent = app.user_id(&admin, "agent1");

    let created = app.post(&admin, "/api/admin/clients", json!({
        "display_name": "Maria Souza", "phone": "(11) 98765-4321", "email": "Maria@Example.com",
        "birth_date": "1985-02-10", "show_name_in_greeting": true, "cpf": "529.982.247-25", "priority": 3,
        "attributes": {"plano": "Gold", "limite": "1500,50"}, "portfolio_agent_id": agent,
        "network": "whatsapp", "group_id": group
    }));

    created.assert_status(201);
    let id = created.body["id"].as_i64().unwrap();
    let c = app.get(&admin, &format!("/api/admin/clients/{id}")).body;
    assert!(
        c["username"].as_str().unwrap().starts_with("cli-"),
        "generated username"
    );
    assert_eq!(c["phone"], "+5511987654321");
    assert_eq!(c["email"], "maria@example.com");
    assert_eq!(c["birth_date"], "1985-02-10");
    assert_eq!(c["show_name_in_greeting"], true);
    assert_eq!(c["cpf"], "52998224725");
    assert_eq!(c["cnpj"], Value::Null);
    assert_eq!(c["priority"], 3);
    assert_eq!(c["attributes"]["plano"], "Gold");
    assert_eq!(c["attributes"]["limite"], "1500.5");
    assert_eq!(c["portfolio_agent_id"], agent);
    assert_eq!(c["network"], "whatsapp");
    assert_eq!(c["group_id"], group);
    assert_eq!(c["status"], "active");

    let updated = app.patch(
        &admin,
        &format!("/api/admin/clients/{id}"),
        json!({"display_name": "Maria S.", "cpf": "", "cnpj": "11.222.333/0001-81"}),
    );
    updated.assert_status(200);
    assert_eq!(updated.body["cnpj"], "11222333000181");
    assert_eq!(updated.body["cpf"], Value::Null);
    assert_eq!(
        updated.body["username"], c["username"],
        "the username never changes"
    );
    let search = app.get(&admin, "/api/admin/clients?q=maria");
    assert_eq!(search.items_len(), 1);
    assert_eq!(app.count(&admin, "/api/admin/clients?q=98765"), 1);
    let off = app.post(
        &admin,
        &format!("/api/admin/clients/{id}/deactivate"),
        json!({}),
    );
    assert_eq!(off.body["status"], "inactive");
    assert_eq!(app.count(&admin, "/api/admin/clients?status=inactive"), 1);
    let on = app.post(
        &admin,
        &format!("/api/admin/clients/{id}/activate"),
        json!({}),
    );
    on.assert_status(200);
    assert_eq!(on.body["status"], "active");
    assert_eq!(app.count(&admin, "/api/admin/clients?status=inactive"), 0);
    // Agents read clients (customer panel) but do not change them.
    let agent_token = app.token("agent1");
    app.get(&agent_token, &format!("/api/admin/clients/{id}"))
        .assert_status(200);
    app.patch(
        &agent_token,
        &format!("/api/admin/clients/{id}"),
        json!({"priority": 1}),
    )
    .assert_error(403, "forbidden");
}

#[test]
fn client_validation_names_each_field() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    with_attribute_and_group(&app, &admin);
    let supervisor = app.user_id(&admin, "supervisor");
    let cases = [
        (
            json!({"display_name": "A", "phone": "11 88765-4321"}),
            "phone",
        ),
        (
            json!({"display_name": "A", "phone": "11 9876-5432"}),
            "phone",
        ),
        (json!({"display_name": "A", "phone": "+1 123"}), "phone"),
        (json!({"display_name": "A"}), "phone"),
        (
            json!({"display_name": "", "phone": "11987654321"}),
            "display_name",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "cpf": "529.982.247-24"}),
            "cpf",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "cnpj": "11.222.333/0001-82"}),
            "cnpj",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "cpf": "52998224725", "cnpj": "11222333000181"}),
            "cnpj",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "attributes": {"shoe": "42"}}),
            "attributes.shoe",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "attributes": {"limite": "lots"}}),
            "attributes.limite",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "portfolio_agent_id": supervisor}),
            "portfolio_agent_id",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "email": "nope"}),
            "email",
        ),
        (
            json!({"display_name": "A", "phone": "11987654321", "priority": 101}),
            "priority",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&admin, "/api/admin/clients", body.clone());
        r.assert_error(422, "validation_failed");
        assert_eq!(r.error_field(), field, "{body}: {}", r.body);
    }
    assert_eq!(app.count(&admin, "/api/admin/clients"), 0);
    app.post(
        &admin,
        "/api/admin/clients",
        json!({"display_name": "Intl", "phone": "+1 415 555 2671"}),
    )
    .assert_status(201);
    let dup = app.post(
        &admin,
        "/api/admin/clients",
        json!({"display_name": "Again", "phone": "+14155552671"}),
    );
    dup.assert_error(409, "phone_taken");
}

#[test]
fn clients_of_another_tenant_are_not_found() {
    let mut app = TestApp::spawn();
    let admin = app.token("admin");
    let id = app
        .post(
            &admin,
            "/api/admin/clients",
            json!({"display_name": "Mine", "phone": "11987654321"}),
        )
        .body["id"]
        .as_i64()
        .unwrap();
    app.create_tenant(
        Some(PLATFORM_SECRET),
        json!({"slug": "rival", "name": "Rival",
        "admin": {"username": "boss", "display_name": "Boss", "password": "Rival#Admin1"}}),
    )
    .assert_status(201);
    app.tenant = "rival".into();
    let boss = app.token_with("boss", "Rival#Admin1");
    app.get(&boss, &format!("/api/admin/clients/{id}"))
        .assert_error(404, "not_found");
    // The same phone is a different client in another company.
    app.post(
        &boss,
        "/api/admin/clients",
        json!({"display_name": "Theirs", "phone": "11987654321"}),
    )
    .assert_status(201);
}

/// The file: 2,000 rows, `;`-separated with a BOM; every 10th+3 row has a bad phone, every
/// 10th+7 a bad CPF, every 50th+11 repeats the previous row's phone, every 100th+55 has a
/// CNPJ, every 20th has a group and an attribute.
fn big_file() -> (String, usize, usize, usize) {
    let mut csv = String::from("\u{feff}NETWORK;COUNTRY CODE;PHONE NUMBER;DISPLAY NAME;CPF/CNPJ;EMAIL;GROUP;AGENT;ATTRIBUTE;ATTRIBUTE’S VALUE\n");
    let (mut bad_phones, mut bad_docs, mut duplicates) = (0, 0, 0);
    for i in 0..2000u64 {
        let mut phone = format!("119{:08}", 10_000_000 + i);
        let mut doc = cpf(100_000_000 + i * 7);
        if i % 10 == 3 {
            phone = format!("118{:07}", i);
            bad_phones += 1;
        } else if i % 10 == 7 {
            let last = doc.pop().unwrap().to_digit(10).unwrap();
            doc.push(char::from_digit((last + 1) % 10, 10).unwrap());
            bad_docs += 1;
        } else if i % 50 == 11 {
            phone = format!("119{:08}", 10_000_000 + i - 1);
            duplicates += 1;
        }
        if i % 100 == 55 {
            doc = "11.222.333/0001-81".into();
        }
        let (group, attr, value) = if i % 20 == 0 {
            ("vendas", "plano", "Gold")
        } else {
            ("", "", "")
        };
        csv.push_str(&format!(
            "whatsapp;55;{phone};Cliente {i};{doc};c{i}@example.com;{group};;{attr};{value}\n"
        ));
    }
    (csv, bad_phones, bad_docs, duplicates)
}

#[test]
fn a_2000_row_import_creates_the_good_rows_and_explains_every_bad_one() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    with_attribute_and_group(&app, &admin);
    // Row 0's phone is already a client.
    app.post(
        &admin,
        "/api/admin/clients",
        json!({"display_name": "Existing", "phone": "11910000000"}),
    )
    .assert_status(201);
    let (csv, bad_phones, bad_docs, duplicates) = big_file();
    let path = app.dir.path().join("clients.csv");
    std::fs::write(&path, &csv).unwrap();

    let r = app.send(crate::helpers::Request {
        method: "POST",
        path: "/api/admin/clients/imports",
        token: Some(&admin),
        headers: Vec::new(),
        content_type: Some("text/csv; charset=utf-8"),
        body: std::fs::read(&path).unwrap(),
    });

    r.assert_status(201);
    let rejected = bad_phones + bad_docs + duplicates + 1;
    assert_eq!(r.body["total"], 2000);
    assert_eq!(r.body["rejected"], rejected as i64);
    assert_eq!(r.body["created"], (2000 - rejected) as i64);
    let import = r.body["id"].as_i64().unwrap();
    let rows = r.body["rejected_rows"].as_array().unwrap();
    assert_eq!(rows.len(), rejected);
    let reasons = |field: &str, needle: &str| {
        rows.iter()
            .filter(|row| row["field"] == field && row["reason"].as_str().unwrap().contains(needle))
            .count()
    };
    assert_eq!(
        reasons("PHONE NUMBER", "mobile") + reasons("PHONE NUMBER", "fixed-line"),
        bad_phones
    );
    assert_eq!(reasons("CPF/CNPJ", "check digits"), bad_docs);
    assert_eq!(reasons("PHONE NUMBER", "duplicate of line"), duplicates);
    assert_eq!(reasons("PHONE NUMBER", "already exists"), 1);
    assert_eq!(
        rows[0]["line"], 2,
        "line numbers count the header as line 1"
    );
    assert_eq!(
        app.count(&admin, "/api/admin/clients"),
        (2000 - rejected + 1) as i64
    );
    // Group and attribute columns landed on the client.
    let twenty = app.get(&admin, "/api/admin/clients?q=cliente%2020").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["display_name"] == "Cliente 20")
        .cloned()
        .unwrap();
    assert_eq!(twenty["attributes"]["plano"], "Gold");
    assert!(twenty["group_id"].is_i64());
    assert_eq!(
        app.count(
            &admin,
            &format!("/api/admin/clients/imports/{import}/rows?status=created")
        ),
        (2000 - rejected) as i64
    );

    // A bad row, corrected and re-sent, is created once.
    let bad = rows
        .iter()
        .find(|row| {
            row["field"] == "PHONE NUMBER" && row["reason"].as_str().unwrap().contains("fixed-line")
        })
        .unwrap();
    let resend = format!(
        "/api/admin/clients/imports/{import}/rows/{}/resend",
        bad["id"]
    );
    let fixed = app.post(
        &admin,
        &resend,
        json!({"cells": {"PHONE NUMBER": "21 99999-0000"}}),
    );
    fixed.assert_status(200);
    assert_eq!(fixed.body["status"], "created");
    assert!(fixed.body["client_id"].is_i64());
    app.post(&admin, &resend, json!({"cells": {}}))
        .assert_error(409, "already_created");
    // A duplicate re-sent unchanged stays rejected, with its reason.
    let dup = rows
        .iter()
        .find(|row| row["reason"].as_str().unwrap().contains("duplicate"))
        .unwrap();
    let again = app.post(
        &admin,
        &format!(
            "/api/admin/clients/imports/{import}/rows/{}/resend",
            dup["id"]
        ),
        json!({"cells": {}}),
    );
    assert_eq!(again.body["status"], "rejected");
    assert!(again.body["reason"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    let summary = app
        .get(&admin, &format!("/api/admin/clients/imports/{import}"))
        .body;
    assert_eq!(summary["created"], (2000 - rejected + 1) as i64);

    // The same file again doubles nothing.
    let second = app.send(crate::helpers::Request {
        method: "POST",
        path: "/api/admin/clients/imports",
        token: Some(&admin),
        headers: Vec::new(),
        content_type: Some("text/csv"),
        body: csv.into_bytes(),
    });
    assert_eq!(second.body["created"], 0);
    assert_eq!(
        app.count(&admin, "/api/admin/clients"),
        (2000 - rejected + 2) as i64
    );
}

#[test]
fn imports_refuse_unreadable_files_whole() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let send = |csv: &str| {
        app.send(crate::helpers::Request {
            method: "POST",
            path: "/api/admin/clients/imports",
            token: Some(&admin),
            headers: Vec::new(),
            content_type: Some("text/csv"),
            body: csv.as_bytes().to_vec(),
        })
    };
    send("NETWORK,PHONE NUMBER,DISPLAY NAME\nwhatsapp,11987654321,A\n")
        .assert_error(422, "validation_failed");
    send("NETWORK,COUNTRY CODE,PHONE NUMBER,DISPLAY NAME,SHOE SIZE\n")
        .assert_error(422, "validation_failed");
    send("NETWORK,COUNTRY CODE,PHONE NUMBER,DISPLAY NAME\n").assert_error(422, "validation_failed");
    let ok = send(
        "network,country code,phone number,display name\nWhatsApp,55,11987654321,Comma Separated\n",
    );
    ok.assert_status(201);
    assert_eq!(ok.body["created"], 1);
}

#[test]
fn a_customer_known_by_a_channel_identity_is_edited_without_a_phone_or_e_mail() {
    use crate::channels::{count, setup, telegram_post, tg_update, TG_SECRET};
    let app = TestApp::spawn();
    let s = setup(&app, "telegram", None);
    s.join(&app, "agent1");
    telegram_post(
        &app,
        s.channel,
        TG_SECRET,
        &tg_update(1, json!({"message_id": 1, "text": "oi"})),
    )
    .assert_status(200);
    let client = count(&app, "SELECT client_id FROM conversations");
    let agent = app.token("agent1");
    app.call(
        "PUT",
        "/api/inbox/status",
        Some(&agent),
        Some(json!({"status": "ready"})),
    )
    .assert_status(200);

    let by_admin = app.patch(
        &s.admin,
        &format!("/api/admin/clients/{client}"),
        json!({"display_name": "João Lima (Telegram)"}),
    );
    let by_agent = app.patch(
        &agent,
        &format!("/api/inbox/clients/{client}"),
        json!({"display_name": "João Lima", "priority": 5}),
    );

    by_admin.assert_status(200);
    assert_eq!(by_admin.body["display_name"], "João Lima (Telegram)");
    assert_eq!(by_admin.body["phone"], Value::Null);
    assert_eq!(by_admin.body["email"], Value::Null);
    by_agent.assert_status(200);
    assert_eq!(
        app.get(&s.admin, &format!("/api/admin/clients/{client}"))
            .body["display_name"],
        "João Lima"
    );

    // A client nobody can reach still needs a phone or an e-mail.
    let created = app.post(
        &s.admin,
        "/api/admin/clients",
        json!({"display_name": "Só fone", "phone": "11 98888-1111"}),
    );
    created.assert_status(201);
    let refused = app.patch(
        &s.admin,
        &format!("/api/admin/clients/{}", created.body["id"]),
        json!({"phone": ""}),
    );
    refused.assert_error(422, "validation_failed");
    assert_eq!(refused.error_field(), "phone");
    app.post(
        &s.admin,
        "/api/admin/clients",
        json!({"display_name": "Ninguém"}),
    )
    .assert_error(422, "validation_failed");
}
