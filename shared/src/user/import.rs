//! Bulk creation of users from a CSV spreadsheet, with a per-row report: good rows are
//! created, bad rows say why, and no row is ever half-written.

use super::sql;
use super::{CreateUser, NewUser};
use crate::context::Ctx;
use crate::db::transaction;
use crate::errors::{AppError, AppResult, FieldError};
use crate::ids::{TenantId, UserId};
use crate::password;
use serde::Serialize;
use std::collections::HashMap;

/// Hashing is deliberately slow, so one import is bounded.
pub const MAX_ROWS: usize = 500;

const COLUMNS: &[&str] = &[
    "username",
    "display_name",
    "profile",
    "password",
    "email",
    "phone",
    "birth_date",
    "language",
    "must_change_password",
    "max_concurrent",
    "priority",
    "department",
];
const REQUIRED: &[&str] = &["username", "display_name", "profile", "password"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowReport {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    pub username: String,
    pub status: RowStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, PartialEq, Eq, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Created,
    Rejected,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UserImportReport)]
pub struct ImportReport {
    pub total: usize,
    pub created: usize,
    pub rejected: usize,
    pub rows: Vec<RowReport>,
}

fn normalise_header(h: &str) -> String {
    h.trim().to_lowercase().replace([' ', '-'], "_")
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "sim" | "s" | "si" | "sí" => Ok(true),
        "0" | "false" | "no" | "n" | "não" | "nao" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

fn parse_int(v: &str) -> Result<i64, String> {
    v.trim()
        .parse()
        .map_err(|_| "must be a whole number".into())
}

struct Candidate {
    line: u64,
    username: String,
    input: Result<CreateUser, Vec<FieldError>>,
}

fn read_rows(text: &str) -> AppResult<Vec<Candidate>> {
    let mut reader = crate::web::csv_reader(text);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            AppError::bad_request(
                "malformed_csv",
                crate::errors::Text::new("cannot read the header: {detail}").with("detail", e),
            )
        })?
        .iter()
        .map(normalise_header)
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(AppError::invalid(
            "file",
            format!(
                "unknown column '{unknown}'; columns are: {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !headers.iter().any(|h| h == *r)) {
        return Err(AppError::invalid(
            "file",
            format!("the column '{missing}' is required"),
        ));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        if out.len() >= MAX_ROWS {
            return Err(AppError::invalid(
                "file",
                format!("at most {MAX_ROWS} rows per import; split the file"),
            ));
        }
        let (line, input, username) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let cells: HashMap<&str, &str> = headers
                    .iter()
                    .map(String::as_str)
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                if cells.is_empty() {
                    continue;
                }
                let username = cells.get("username").copied().unwrap_or("").to_lowercase();
                (line, row_input(&cells), username)
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let error = FieldError {
                    field: "row".into(),
                    message: format!("unreadable CSV: {e}").into(),
                };
                (line, Err(vec![error]), String::new())
            }
        };
        out.push(Candidate {
            line,
            username,
            input,
        });
    }
    Ok(out)
}

fn row_input(cells: &HashMap<&str, &str>) -> Result<CreateUser, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = |name: &str| cells.get(name).map(|v| (*v).to_owned());
    let mut typed = |name: &str, parse: fn(&str) -> Result<i64, String>| {
        cells.get(name).and_then(|v| match parse(v) {
            Ok(n) => Some(n),
            Err(message) => {
                errors.push(FieldError {
                    field: name.into(),
                    message: message.into(),
                });
                None
            }
        })
    };
    let max_concurrent = typed("max_concurrent", parse_int);
    let priority = typed("priority", parse_int);
    let must_change_password = match cells.get("must_change_password").map(|v| parse_bool(v)) {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(message)) => {
            errors.push(FieldError {
                field: "must_change_password".into(),
                message: message.into(),
            });
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CreateUser {
        username: text("username").unwrap_or_default(),
        display_name: text("display_name").unwrap_or_default(),
        profile: text("profile").unwrap_or_default(),
        password: text("password").unwrap_or_default(),
        email: text("email"),
        phone: text("phone"),
        birth_date: text("birth_date"),
        language: text("language"),
        must_change_password,
        max_concurrent,
        priority,
        department: text("department"),
        ..CreateUser::default()
    })
}

fn rejected(line: u64, username: String, errors: Vec<FieldError>) -> RowReport {
    RowReport {
        line,
        username,
        status: RowStatus::Rejected,
        id: None,
        errors,
    }
}

fn taken(field: &str, message: String) -> Vec<FieldError> {
    vec![FieldError {
        field: field.into(),
        message: message.into(),
    }]
}

pub fn import(ctx: &Ctx, tenant: TenantId, text: &str) -> AppResult<ImportReport> {
    let candidates = read_rows(text)?;
    let today = super::service::today(ctx);
    let usernames: Vec<String> = candidates.iter().map(|c| c.username.clone()).collect();
    let existing = sql::existing_usernames(ctx.db, tenant, &usernames)?;

    let mut reports: Vec<RowReport> = Vec::with_capacity(candidates.len());
    let mut good: Vec<(usize, NewUser)> = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for c in candidates {
        let validated = c.input.and_then(|input| input.validate(today));
        let (username, password, fields) = match validated {
            Ok(v) => v,
            Err(errors) => {
                reports.push(rejected(c.line, c.username, errors));
                continue;
            }
        };
        if let Some(line) = first_line.get(&username) {
            let message = format!("duplicate of line {line} in this file");
            reports.push(rejected(c.line, username, taken("username", message)));
            continue;
        }
        first_line.insert(username.clone(), c.line);
        if existing.contains(&username) {
            let message = format!("the username '{username}' is already in use");
            reports.push(rejected(c.line, username, taken("username", message)));
            continue;
        }
        let password_hash = password::hash(&password, &ctx.random_bytes::<16>())?;
        good.push((
            reports.len(),
            NewUser {
                username: username.clone(),
                password_hash,
                fields,
            },
        ));
        reports.push(RowReport {
            line: c.line,
            username,
            status: RowStatus::Created,
            id: None,
            errors: Vec::new(),
        });
    }

    // All good rows in one transaction: either each is written whole or the import fails.
    let now = ctx.now_ms();
    transaction(ctx.db, || {
        for (index, user) in &good {
            let inserted = sql::insert(ctx.db, tenant, user, now)?;
            if let Some(report) = reports.get_mut(*index) {
                match inserted {
                    Some(stored) => report.id = Some(stored.user.id),
                    // Someone created the same username between our check and this insert.
                    None => {
                        report.status = RowStatus::Rejected;
                        report.errors = taken(
                            "username",
                            format!("the username '{}' is already in use", user.username),
                        );
                    }
                }
            }
        }
        Ok(())
    })?;
    let created = reports
        .iter()
        .filter(|r| r.status == RowStatus::Created)
        .count();
    Ok(ImportReport {
        total: reports.len(),
        created,
        rejected: reports.len() - created,
        rows: reports,
    })
}
