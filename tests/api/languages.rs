//! Error messages are for people: the `code` stays English, the `message` is in the signed-in
//! user's language, else the one `Accept-Language` asks for, else the company's.

use crate::helpers::{Request, TestApp};
use crate::inbox::{mine, queue};
use serde_json::{json, Value};

const LANGUAGES: [(&str, &str); 3] = [
    ("pt-BR", "pt-BR,pt;q=0.9"),
    ("es", "es-AR,es;q=0.9"),
    ("en", "en-US,en;q=0.9"),
];

fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    language: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send(Request {
        method,
        path,
        token,
        headers: language
            .map(|l| vec![("accept-language", l.to_owned())])
            .unwrap_or_default(),
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
    })
}

/// A login attempt, signed out, with the browser asking for `accept_language`.
fn login(
    app: &TestApp,
    accept_language: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    send(app, "POST", "/api/auth/login", None, accept_language, body)
}

fn message(r: &crate::helpers::TestResponse) -> String {
    r.body["error"]["message"].as_str().unwrap_or("").to_owned()
}

#[test]
fn a_failed_login_is_said_in_the_language_the_browser_asks_for() {
    let app = TestApp::spawn();
    let expected = [
        ("pt-BR", "Usuário ou senha incorretos."),
        ("es", "Usuario o contraseña incorrectos."),
        ("en", "wrong username or password"),
    ];
    for ((language, header), (_, text)) in LANGUAGES.iter().zip(expected) {
        let r = login(
            &app,
            Some(header),
            json!({"username": "admin", "password": "nope"}),
        );
        r.assert_error(401, "invalid_credentials");
        assert_eq!(message(&r), text, "{language}");
    }
    // No header: the company's language (the demo company's is pt-BR).
    let r = login(&app, None, json!({"username": "admin", "password": "nope"}));
    assert_eq!(message(&r), "Usuário ou senha incorretos.");
}

#[test]
fn throttling_and_unknown_routes_are_said_in_the_language_asked_for() {
    let app = TestApp::spawn();
    for _ in 0..6 {
        login(
            &app,
            Some("es"),
            json!({"username": "agent1", "password": "nope"}),
        );
    }
    let r = login(
        &app,
        Some("es"),
        json!({"username": "agent1", "password": "nope"}),
    );
    r.assert_error(429, "too_many_attempts");
    let seconds = r.headers["retry-after"].to_str().unwrap().to_owned();
    assert_eq!(
        message(&r),
        format!("Demasiados intentos fallidos; inténtelo de nuevo en {seconds} segundos.")
    );
    let r = send(&app, "GET", "/api/nothing", None, Some("pt-BR"), json!({}));
    r.assert_error(404, "route_not_found");
    assert_eq!(message(&r), "Não há rota para /api/nothing.");
}

#[test]
fn validation_is_said_in_the_language_asked_for_and_keeps_the_field() {
    let app = TestApp::spawn();
    let expected = [
        (
            "pt-BR",
            "O corpo da requisição não tem os campos esperados: missing field `password`",
        ),
        (
            "es",
            "El cuerpo de la solicitud no tiene los campos esperados: missing field `password`",
        ),
        (
            "en",
            "the body does not have the expected fields: missing field `password`",
        ),
    ];
    for ((language, header), (_, text)) in LANGUAGES.iter().zip(expected) {
        let r = login(&app, Some(header), json!({"username": "admin"}));
        r.assert_error(422, "validation_failed");
        assert!(message(&r).starts_with(text), "{language}: {}", message(&r));
        assert_eq!(r.error_field(), "password");
    }
}

/// Signed in, without `Accept-Language` (a script), the user's own setting decides; a language
/// the client states (the console sends the one it shows) wins over it.
#[test]
fn a_signed_in_user_reads_validation_in_their_own_language() {
    let app = TestApp::spawn();
    let admin = app.token("admin");
    let expected = [
        ("pt-BR", "name: é obrigatório"),
        ("es", "name: es obligatorio"),
        ("en", "name: is required"),
    ];
    for (language, text) in expected {
        let id = app.user_id(&admin, "admin");
        app.update_user(&admin, id, json!({"language": language}))
            .assert_status(200);
        let r = send(
            &app,
            "POST",
            "/api/admin/tags",
            Some(&admin),
            Some("de, fr;q=0.5"),
            json!({"name": " "}),
        );
        r.assert_error(422, "validation_failed");
        assert_eq!(message(&r), text, "{language}");
        assert_eq!(r.body["error"]["details"][0]["field"], "name");
        let long = send(
            &app,
            "POST",
            "/api/admin/tags",
            Some(&admin),
            None,
            json!({"name": "x".repeat(500)}),
        );
        long.assert_error(422, "validation_failed");
        let said = message(&long);
        let max = match language {
            "pt-BR" => said.contains("deve ter no máximo"),
            "es" => said.contains("debe tener como máximo"),
            _ => said.contains("must be at most"),
        };
        assert!(max, "{language}: {said}");
        let stated = send(
            &app,
            "POST",
            "/api/admin/tags",
            Some(&admin),
            Some("es-MX"),
            json!({"name": " "}),
        );
        assert_eq!(message(&stated), "name: es obligatorio", "{language}");
    }
}

#[test]
fn a_paused_agent_is_asked_to_resume_in_their_own_language() {
    let app = TestApp::spawn();
    let s = queue(&app, None, &["5511911110001"]);
    app.make(&s.admin, "pause-reasons", json!({"name": "Reunião"}));
    let agent_id = app.user_id(&s.admin, "agent1");
    let agent = app.token("agent1");
    let status = |body: Value| {
        app.call("PUT", "/api/inbox/status", Some(&agent), Some(body))
            .assert_status(200);
    };
    status(json!({"status": "ready"}));
    let id = mine(&app, &agent)[0];
    let path = format!("/api/inbox/conversations/{id}/messages");
    status(json!({"status": "paused", "reason": "Reunião"}));
    for (language, text) in [
        ("pt-BR", "Você está em pausa! Deseja retomar?"),
        ("es", "¡Está en pausa! ¿Desea reanudar?"),
        ("en", "You are paused! Do you want to resume?"),
    ] {
        app.update_user(&s.admin, agent_id, json!({"language": language}))
            .assert_status(200);
        let paused = send(
            &app,
            "POST",
            &path,
            Some(&agent),
            None,
            json!({"text": "oi"}),
        );
        paused.assert_error(409, "agent_paused");
        assert_eq!(message(&paused), text, "{language}");
    }
}

/// Every code a handler can answer (read from the sources) has its words in the three
/// languages in the catalog.
#[test]
fn every_code_in_the_sources_has_its_message_in_the_three_languages() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut files = Vec::new();
    let mut dirs = vec![
        std::path::PathBuf::from(format!("{root}/shared/src")),
        std::path::PathBuf::from(format!("{root}/components")),
        std::path::PathBuf::from(format!("{root}/host/src")),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut codes = std::collections::BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for call in [
            "bad_request(",
            "unauthorized(",
            "forbidden(",
            "conflict(",
            "ApiError::new(",
            "ApiError::says(",
        ] {
            for (at, _) in text.match_indices(call) {
                // The code is the first string literal of the call (after a status, if any).
                let rest = &text[at + call.len()..];
                let before_quote = rest.split('"').next().unwrap_or("");
                if before_quote.contains(')') || before_quote.contains(';') {
                    continue;
                }
                if let Some(code) = rest.split('"').nth(1) {
                    if !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    {
                        codes.insert(code.to_owned());
                    }
                }
            }
        }
    }
    // The lifecycle's refusals name their codes in a match.
    codes.extend(
        [
            "already_closed",
            "offer_gone",
            "invalid_state",
            "not_found",
            "validation_failed",
            "internal",
        ]
        .map(str::to_owned),
    );
    assert!(codes.len() > 50, "the scan found only {codes:?}");
    let mut missing = Vec::new();
    for code in &codes {
        for language in atende_shared::enums::Language::ALL {
            match atende_shared::errors::messages::code_says(code, *language) {
                Some(text) if !text.trim().is_empty() => {}
                _ => missing.push(format!("{code} ({})", language.as_str())),
            }
        }
    }
    assert!(missing.is_empty(), "codes without their words: {missing:?}");
}
