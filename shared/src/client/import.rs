//! Client CSV imports (seed 002): the rows that are right become clients, the others are kept
//! with the reason so each can be corrected and re-sent; a duplicate is reported, never
//! doubled, and no row is ever half-written.

use super::{identity, new_username, ClientFields, ClientInput, Lookups};
use crate::config::channel::ChannelType;
use crate::context::Ctx;
use crate::db::{transaction, Row};
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub const MAX_ROWS: usize = 5000;

const REQUIRED: &[&str] = &["NETWORK", "COUNTRY CODE", "PHONE NUMBER", "DISPLAY NAME"];
const OPTIONAL: &[&str] = &[
    "CPF/CNPJ",
    "EMAIL",
    "GROUP",
    "AGENT",
    "ATTRIBUTE",
    "ATTRIBUTE'S VALUE",
];

/// A row's cells by (normalised) column name.
pub type Cells = BTreeMap<String, String>;

fn normalise_header(h: &str) -> String {
    h.trim()
        .replace(['’', '`', '´'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub field: String,
    pub reason: String,
}

/// Validates one row into a client, or says which column is wrong and why.
fn check_row(
    cells: &Cells,
    lookups: &Lookups,
    today: chrono::NaiveDate,
) -> Result<ClientFields, Rejection> {
    let cell = |k: &str| cells.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let reject = |field: &str, reason: String| Rejection {
        field: field.into(),
        reason,
    };
    let network = cell("NETWORK").ok_or_else(|| reject("NETWORK", "is required".into()))?;
    let network = ChannelType::parse(&network.to_lowercase()).ok_or_else(|| {
        reject(
            "NETWORK",
            format!("must be one of {}", ChannelType::expected().to_uppercase()),
        )
    })?;
    let cc = cell("COUNTRY CODE").ok_or_else(|| reject("COUNTRY CODE", "is required".into()))?;
    let number =
        cell("PHONE NUMBER").ok_or_else(|| reject("PHONE NUMBER", "is required".into()))?;
    let phone = identity::phone_from_parts(cc, number).map_err(|m| reject("PHONE NUMBER", m))?;
    let name = cell("DISPLAY NAME").ok_or_else(|| reject("DISPLAY NAME", "is required".into()))?;
    let (cpf, cnpj) = match cell("CPF/CNPJ") {
        None => (None, None),
        Some(doc) => match identity::parse_document(doc) {
            Ok(("cpf", d)) => (Some(d), None),
            Ok((_, d)) => (None, Some(d)),
            Err(m) => return Err(reject("CPF/CNPJ", m)),
        },
    };
    let group_id = match cell("GROUP") {
        None => None,
        Some(g) => Some(
            lookups
                .groups
                .iter()
                .find(|(_, n)| *n == g.to_lowercase())
                .map(|(id, _)| *id)
                .ok_or_else(|| reject("GROUP", format!("there is no active group '{g}'")))?,
        ),
    };
    let portfolio_agent_id = match cell("AGENT") {
        None => None,
        Some(a) => Some(
            lookups
                .agents
                .iter()
                .find(|(_, u)| *u == a.to_lowercase())
                .map(|(id, _)| *id)
                .ok_or_else(|| reject("AGENT", format!("there is no active agent '{a}'")))?,
        ),
    };
    let attributes = match (cell("ATTRIBUTE"), cell("ATTRIBUTE'S VALUE")) {
        (None, None) => None,
        (Some(k), Some(v)) => Some(BTreeMap::from([(k.to_lowercase(), v.to_owned())])),
        (Some(_), None) => {
            return Err(reject(
                "ATTRIBUTE'S VALUE",
                "is required with ATTRIBUTE".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(reject(
                "ATTRIBUTE",
                "is required with ATTRIBUTE'S VALUE".into(),
            ))
        }
    };
    let input = ClientInput {
        display_name: Some(name.to_owned()),
        phone: Some(phone),
        email: cell("EMAIL").map(str::to_owned),
        cpf,
        cnpj,
        attributes,
        portfolio_agent_id,
        network: Some(network),
        group_id,
        ..ClientInput::default()
    };
    ClientFields::default()
        .apply(input, lookups, today, false)
        .map_err(|p| {
            let first = p.0.into_iter().next();
            let field = first
                .as_ref()
                .map_or("row".to_owned(), |e| match e.field.as_str() {
                    "display_name" => "DISPLAY NAME".into(),
                    "email" => "EMAIL".into(),
                    "phone" => "PHONE NUMBER".into(),
                    f if f.starts_with("attributes.") => "ATTRIBUTE".into(),
                    f => f.to_uppercase(),
                });
            reject(
                &field,
                first.map_or_else(|| "invalid".into(), |e| e.message.english()),
            )
        })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    pub id: i64,
    pub line: i64,
    #[schema(value_type = crate::user::import::RowStatus)]
    pub status: String,
    #[schema(required = true)]
    pub field: Option<String>,
    #[schema(required = true)]
    pub reason: Option<String>,
    #[schema(required = true)]
    pub client_id: Option<i64>,
    /// The row's cells by column name.
    #[schema(inline)]
    pub cells: Cells,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub id: i64,
    pub total: i64,
    pub created: i64,
    pub rejected: i64,
    pub created_by: UserId,
    #[schema(format = DateTime)]
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ClientImportReport)]
pub struct ImportReport {
    #[serde(flatten)]
    pub summary: ImportSummary,
    /// Every rejected row with its reason (at most 500 here; page the rest).
    pub rejected_rows: Vec<ImportRow>,
}

fn read_csv(text: &str) -> AppResult<Vec<(i64, Cells)>> {
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
    let known: Vec<&str> = REQUIRED.iter().chain(OPTIONAL).copied().collect();
    if let Some(unknown) = headers.iter().find(|h| !known.contains(&h.as_str())) {
        return Err(AppError::invalid(
            "file",
            format!(
                "unknown column '{unknown}'; columns are: {}",
                known.join(", ")
            ),
        ));
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !headers.iter().any(|h| h == *r)) {
        return Err(AppError::invalid(
            "file",
            format!("the column '{missing}' is required"),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            AppError::bad_request(
                "malformed_csv",
                crate::errors::Text::new("line {line} cannot be read: {detail}")
                    .with("line", line)
                    .with("detail", e),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line()) as i64;
        let cells: Cells = headers
            .iter()
            .cloned()
            .zip(record.iter().map(|v| v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(AppError::invalid(
                "file",
                format!("at most {MAX_ROWS} rows per import"),
            ));
        }
        rows.push((line, cells));
    }
    if rows.is_empty() {
        return Err(AppError::invalid("file", "the file has no rows"));
    }
    Ok(rows)
}

struct Outcome {
    line: i64,
    cells: Cells,
    result: Result<i64, Rejection>,
}

pub fn import(ctx: &Ctx, tenant: TenantId, by: UserId, text: &str) -> AppResult<ImportReport> {
    let rows = read_csv(text)?;
    let lookups = Lookups::load(ctx, tenant)?;
    let today = ctx.clock.now().date_naive();

    let checked: Vec<(i64, Cells, Result<ClientFields, Rejection>)> = rows
        .into_iter()
        .map(|(line, cells)| {
            let r = check_row(&cells, &lookups, today);
            (line, cells, r)
        })
        .collect();
    let phones: Vec<String> = checked
        .iter()
        .filter_map(|(_, _, r)| r.as_ref().ok().and_then(|f| f.phone.clone()))
        .collect();
    let existing = super::sql::existing_phones(ctx.db, tenant, &phones)?;

    let mut first_line: HashMap<String, i64> = HashMap::new();
    let mut to_create: Vec<(String, ClientFields)> = Vec::new();
    let mut pending: Vec<(i64, Cells, Result<String, Rejection>)> = Vec::new();
    for (line, cells, result) in checked {
        let result = result.and_then(|fields| {
            let phone = fields.phone.clone().unwrap_or_default();
            if let Some(first) = first_line.get(&phone) {
                return Err(Rejection {
                    field: "PHONE NUMBER".into(),
                    reason: format!("duplicate of line {first} in this file"),
                });
            }
            first_line.insert(phone.clone(), line);
            if existing.contains(&phone) {
                return Err(Rejection {
                    field: "PHONE NUMBER".into(),
                    reason: format!("a client with the phone {phone} already exists"),
                });
            }
            let username = new_username(ctx);
            to_create.push((username.clone(), fields));
            Ok(username)
        });
        pending.push((line, cells, result));
    }

    let now = ctx.now_ms();
    let import_id = transaction(ctx.db, || {
        let created = super::sql::insert_many(ctx.db, tenant, &to_create, now)?;
        let outcomes: Vec<Outcome> = pending
            .into_iter()
            .map(|(line, cells, result)| {
                let result = result.and_then(|username| {
                    created
                        .iter()
                        .find(|(u, _)| *u == username)
                        .map(|(_, id)| *id)
                        .ok_or_else(|| Rejection {
                            field: "PHONE NUMBER".into(),
                            reason: "a client with this phone was created meanwhile".into(),
                        })
                });
                Outcome {
                    line,
                    cells,
                    result,
                }
            })
            .collect();
        let import_id = sql::insert_import(ctx.db, tenant, by, outcomes.len() as i64, now)?;
        sql::insert_rows(ctx.db, tenant, import_id, &outcomes, now)?;
        Ok(import_id)
    })?;
    report(ctx, tenant, import_id)
}

pub fn report(ctx: &Ctx, tenant: TenantId, import_id: i64) -> AppResult<ImportReport> {
    let summary =
        sql::summary(ctx.db, tenant, import_id)?.ok_or_else(|| AppError::not_found("import"))?;
    let rejected_rows = sql::rows(ctx.db, tenant, import_id, Some("rejected"), 0, 500)?;
    Ok(ImportReport {
        summary,
        rejected_rows,
    })
}

/// The corrections a user sends for a rejected row: cells by CSV column name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The corrected cells by column name.
    #[schema(inline)]
    pub cells: Cells,
}

/// Re-sends one rejected row with its corrected cells: created once, or rejected again with
/// the new reason.
pub fn resend(
    ctx: &Ctx,
    tenant: TenantId,
    import_id: i64,
    row_id: i64,
    correction: Correction,
) -> AppResult<ImportRow> {
    let row = sql::row(ctx.db, tenant, import_id, row_id)?
        .ok_or_else(|| AppError::not_found("import row"))?;
    if row.status == "created" {
        return Err(AppError::conflict(
            "already_created",
            "row",
            "this row already created its client",
        ));
    }
    let mut cells = row.cells.clone();
    for (k, v) in correction.cells {
        let key = normalise_header(&k);
        if !REQUIRED.contains(&key.as_str()) && !OPTIONAL.contains(&key.as_str()) {
            return Err(AppError::invalid(
                "cells",
                crate::errors::Text::new("unknown column '{column}'").with("column", k),
            ));
        }
        if v.trim().is_empty() {
            cells.remove(&key);
        } else {
            cells.insert(key, v.trim().to_owned());
        }
    }
    let lookups = Lookups::load(ctx, tenant)?;
    let now = ctx.now_ms();
    transaction(ctx.db, || {
        let result = match check_row(&cells, &lookups, ctx.clock.now().date_naive()) {
            Err(r) => Err(r),
            Ok(fields) => {
                let username = new_username(ctx);
                match super::sql::insert(ctx.db, tenant, &username, &fields, now)? {
                    Some(client) => Ok(client.id),
                    None => Err(Rejection {
                        field: "PHONE NUMBER".into(),
                        reason: format!(
                            "a client with the phone {} already exists",
                            fields.phone.unwrap_or_default()
                        ),
                    }),
                }
            }
        };
        sql::update_row(ctx.db, tenant, row_id, &cells, &result, now)?;
        sql::row(ctx.db, tenant, import_id, row_id)?
            .ok_or_else(|| AppError::not_found("import row"))
    })
}

/// Every SQL statement on `client_imports` and `client_import_rows`.
pub mod sql {
    use super::*;

    pub fn insert_import(
        db: &dyn Sql,
        tenant: TenantId,
        by: UserId,
        rows: i64,
        now: i64,
    ) -> Result<i64, DbError> {
        let r = db.execute(
            "INSERT INTO client_imports (tenant_id, created_by, file_rows, created_at) VALUES (?, ?, ?, ?) RETURNING id",
            &[tenant.into(), by.into(), rows.into(), now.into()],
        )?;
        r.first()
            .map(|r| r.i64("id"))
            .transpose()?
            .ok_or_else(|| DbError::Other("no import id".into()))
    }

    /// Every row of an import in one statement.
    pub(super) fn insert_rows(
        db: &dyn Sql,
        tenant: TenantId,
        import: i64,
        outcomes: &[Outcome],
        now: i64,
    ) -> Result<(), DbError> {
        let json: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                let (status, field, reason, client) = match &o.result {
                    Ok(id) => ("created", None, None, Some(*id)),
                    Err(r) => (
                        "rejected",
                        Some(r.field.clone()),
                        Some(r.reason.clone()),
                        None,
                    ),
                };
                serde_json::json!([
                    o.line,
                    serde_json::to_string(&o.cells).unwrap_or_default(),
                    status,
                    field,
                    reason,
                    client
                ])
            })
            .collect();
        db.execute(
            "INSERT INTO client_import_rows (tenant_id, import_id, updated_at, line, cells, status, field, reason, client_id) \
             SELECT ?, ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
                    json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]') \
             FROM json_each(?)",
            &[tenant.into(), import.into(), now.into(), serde_json::Value::Array(json).to_string().into()],
        )?;
        Ok(())
    }

    pub fn summary(
        db: &dyn Sql,
        tenant: TenantId,
        import: i64,
    ) -> Result<Option<ImportSummary>, DbError> {
        let rows = db.execute(
            "SELECT i.id, i.created_by, i.created_at, COUNT(r.id) AS total, \
                    COALESCE(SUM(r.status = 'created'), 0) AS created, \
                    COALESCE(SUM(r.status = 'rejected'), 0) AS rejected \
             FROM client_imports i LEFT JOIN client_import_rows r ON r.tenant_id = i.tenant_id AND r.import_id = i.id \
             WHERE i.tenant_id = ? AND i.id = ? GROUP BY i.id",
            &[tenant.into(), import.into()],
        )?;
        rows.first()
            .map(|r| {
                Ok(ImportSummary {
                    id: r.i64("id")?,
                    total: r.i64("total")?,
                    created: r.i64("created")?,
                    rejected: r.i64("rejected")?,
                    created_by: UserId(r.i64("created_by")?),
                    created_at: ms_to_rfc3339(r.i64("created_at")?),
                })
            })
            .transpose()
    }

    const ROW_COLUMNS: &str = "id, line, status, field, reason, client_id, cells, updated_at";

    fn decode(r: &Row) -> Result<ImportRow, DbError> {
        Ok(ImportRow {
            id: r.i64("id")?,
            line: r.i64("line")?,
            status: r.text("status")?,
            field: r.opt_text("field")?,
            reason: r.opt_text("reason")?,
            client_id: r.opt_i64("client_id")?,
            cells: serde_json::from_str(&r.text("cells")?).unwrap_or_default(),
            updated_at: ms_to_rfc3339(r.i64("updated_at")?),
        })
    }

    pub fn rows(
        db: &dyn Sql,
        tenant: TenantId,
        import: i64,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ImportRow>, DbError> {
        let filter = "tenant_id = ?1 AND import_id = ?2 AND (?3 IS NULL OR status = ?3)";
        let params = [tenant.into(), import.into(), status.into()];
        let mut page = params.to_vec();
        page.extend([limit.into(), offset.into()]);
        let rows = db.execute(
            &format!("SELECT {ROW_COLUMNS} FROM client_import_rows WHERE {filter} ORDER BY line LIMIT ?4 OFFSET ?5"),
            &page,
        )?;
        rows.iter().map(|r| decode(&r)).collect()
    }

    pub fn row(
        db: &dyn Sql,
        tenant: TenantId,
        import: i64,
        id: i64,
    ) -> Result<Option<ImportRow>, DbError> {
        let rows = db.execute(
            &format!("SELECT {ROW_COLUMNS} FROM client_import_rows WHERE tenant_id = ? AND import_id = ? AND id = ?"),
            &[tenant.into(), import.into(), id.into()],
        )?;
        rows.first().map(|r| decode(&r)).transpose()
    }

    pub(super) fn update_row(
        db: &dyn Sql,
        tenant: TenantId,
        id: i64,
        cells: &Cells,
        result: &Result<i64, Rejection>,
        now: i64,
    ) -> Result<(), DbError> {
        let (status, field, reason, client) = match result {
            Ok(cid) => ("created", None, None, Some(*cid)),
            Err(r) => (
                "rejected",
                Some(r.field.clone()),
                Some(r.reason.clone()),
                None,
            ),
        };
        db.execute(
            "UPDATE client_import_rows SET cells = ?, status = ?, field = ?, reason = ?, client_id = ?, updated_at = ? \
             WHERE tenant_id = ? AND id = ? AND status = 'rejected'",
            &[
                serde_json::to_string(cells).unwrap_or_default().into(),
                status.into(),
                field.into(),
                reason.into(),
                client.into(),
                now.into(),
                tenant.into(),
                id.into(),
            ],
        )?;
        Ok(())
    }
}
