//! Every SQL statement that touches the `clients` table (and the lookups client validation
//! needs, read in one go).

use super::{Client, ClientFields, Lookups};
use crate::config::channel::ChannelType;
use crate::config::client_attribute::ClientAttributeDoc;
use crate::db::{like_pattern, Row};
use crate::enums::Status;
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Rows, Sql, Value};
use crate::time::ms_to_rfc3339;

const COLUMNS: &str = "id, username, display_name, phone, email, birth_date, \
    show_name_in_greeting, document_type, document, priority, attributes, portfolio_agent_id, \
    network, group_id, status, created_at, updated_at";

fn decode(r: &Row) -> Result<Client, DbError> {
    let doc_type = r.opt_text("document_type")?;
    let doc = r.opt_text("document")?;
    Ok(Client {
        id: r.i64("id")?,
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        phone: r.opt_text("phone")?,
        email: r.opt_text("email")?,
        birth_date: r.opt_text("birth_date")?,
        show_name_in_greeting: r.bool("show_name_in_greeting")?,
        cpf: doc.clone().filter(|_| doc_type.as_deref() == Some("cpf")),
        cnpj: doc.filter(|_| doc_type.as_deref() == Some("cnpj")),
        priority: r.i64("priority")?,
        attributes: serde_json::from_str(&r.text("attributes")?).unwrap_or_default(),
        portfolio_agent_id: r.opt_i64("portfolio_agent_id")?.map(UserId),
        network: r
            .opt_text("network")?
            .map(|n| ChannelType::decode(&n))
            .transpose()?,
        group_id: r.opt_i64("group_id")?,
        status: Status::decode(&r.text("status")?)?,
        created_at: ms_to_rfc3339(r.i64("created_at")?),
        updated_at: ms_to_rfc3339(r.i64("updated_at")?),
    })
}

fn one(rows: &Rows) -> Result<Option<Client>, DbError> {
    rows.first().map(|r| decode(&r)).transpose()
}

pub fn fields_of(c: &Client) -> ClientFields {
    ClientFields {
        display_name: c.display_name.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        birth_date: c.birth_date.clone(),
        show_name_in_greeting: c.show_name_in_greeting,
        document: c
            .cpf
            .clone()
            .map(|d| ("cpf", d))
            .or_else(|| c.cnpj.clone().map(|d| ("cnpj", d))),
        priority: c.priority,
        attributes: c.attributes.clone(),
        portfolio_agent_id: c.portfolio_agent_id.map(|u| u.0),
        network: c.network,
        group_id: c.group_id,
    }
}

/// The values of the field columns, in the order of [`FIELD_COLUMNS`].
const FIELD_COLUMNS: &str = "display_name, phone, email, birth_date, show_name_in_greeting, \
    document_type, document, priority, attributes, portfolio_agent_id, network, group_id, search";

fn field_values(f: &ClientFields, username: &str) -> Vec<Value> {
    vec![
        f.display_name.clone().into(),
        f.phone.clone().into(),
        f.email.clone().into(),
        f.birth_date.clone().into(),
        f.show_name_in_greeting.into(),
        f.document.as_ref().map(|(t, _)| *t).into(),
        f.document.as_ref().map(|(_, d)| d.clone()).into(),
        f.priority.into(),
        serde_json::to_string(&f.attributes)
            .unwrap_or_else(|_| "{}".into())
            .into(),
        f.portfolio_agent_id.into(),
        f.network.into(),
        f.group_id.into(),
        f.search(username).into(),
    ]
}

/// `None` when the phone is taken: the unique index decides.
pub fn insert(
    db: &dyn Sql,
    tenant: TenantId,
    username: &str,
    f: &ClientFields,
    now_ms: i64,
) -> Result<Option<Client>, DbError> {
    insert_unless_known(db, tenant, username, f, None, now_ms)
}

/// [`insert`] for a customer writing for the first time: nothing when the identity
/// (`channel_type`, `external_id`) already names a client, so the sender's absence is checked
/// in the write itself and needs no read under the write lock.
pub fn insert_for_new_identity(
    db: &dyn Sql,
    tenant: TenantId,
    username: &str,
    f: &ClientFields,
    identity: (&str, &str),
    now_ms: i64,
) -> Result<Option<Client>, DbError> {
    insert_unless_known(db, tenant, username, f, Some(identity), now_ms)
}

fn insert_unless_known(
    db: &dyn Sql,
    tenant: TenantId,
    username: &str,
    f: &ClientFields,
    identity: Option<(&str, &str)>,
    now_ms: i64,
) -> Result<Option<Client>, DbError> {
    let mut params: Vec<Value> = vec![tenant.into(), username.into(), now_ms.into(), now_ms.into()];
    params.extend(field_values(f, username));
    // `WHERE` also keeps SQLite from reading `ON CONFLICT` as part of the `SELECT`.
    let guard = match identity {
        Some((channel_type, external_id)) => {
            params.extend([channel_type.into(), external_id.into()]);
            "WHERE NOT EXISTS (SELECT 1 FROM client_identities \
             WHERE tenant_id = ?1 AND channel_type = ?18 AND external_id = ?19)"
        }
        None => "WHERE true",
    };
    let placeholders = ["?"; 13].join(", ");
    one(&db.execute(
        &format!(
            "INSERT INTO clients (tenant_id, username, created_at, updated_at, {FIELD_COLUMNS}) \
             SELECT ?, ?, ?, ?, {placeholders} {guard} \
             ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        ),
        &params,
    )?)
}

/// Inserts many clients in one statement; returns (username, id) of those created (a row
/// whose phone is taken is skipped by the unique index).
pub fn insert_many(
    db: &dyn Sql,
    tenant: TenantId,
    clients: &[(String, ClientFields)],
    now_ms: i64,
) -> Result<Vec<(String, i64)>, DbError> {
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Vec<Value>> = clients
        .iter()
        .map(|(u, f)| {
            let mut v = vec![Value::Text(u.clone())];
            v.extend(field_values(f, u));
            v
        })
        .collect();
    let json: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|values| {
            serde_json::Value::Array(
                values
                    .into_iter()
                    .map(|v| match v {
                        Value::Null => serde_json::Value::Null,
                        Value::Integer(i) => i.into(),
                        Value::Real(f) => f.into(),
                        Value::Text(s) => s.into(),
                        Value::Blob(_) => serde_json::Value::Null,
                    })
                    .collect(),
            )
        })
        .collect();
    let columns: Vec<String> = (0..14)
        .map(|i| format!("json_extract(value, '$[{i}]')"))
        .collect();
    let result = db.execute(
        &format!(
            "INSERT INTO clients (tenant_id, created_at, updated_at, username, {FIELD_COLUMNS}) \
             SELECT ?, ?, ?, {} FROM json_each(?) WHERE true \
             ON CONFLICT DO NOTHING RETURNING username, id",
            columns.join(", ")
        ),
        &[
            tenant.into(),
            now_ms.into(),
            now_ms.into(),
            serde_json::Value::Array(json).to_string().into(),
        ],
    )?;
    result
        .iter()
        .map(|r| Ok((r.text("username")?, r.i64("id")?)))
        .collect()
}

pub fn get(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<Client>, DbError> {
    one(&db.execute(
        &format!("SELECT {COLUMNS} FROM clients WHERE tenant_id = ? AND id = ?"),
        &[tenant.into(), id.into()],
    )?)
}

pub fn update(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    username: &str,
    f: &ClientFields,
    now_ms: i64,
) -> Result<Option<Client>, DbError> {
    let sets: Vec<String> = FIELD_COLUMNS
        .split(", ")
        .map(|c| format!("{c} = ?"))
        .collect();
    let mut params = field_values(f, username);
    params.extend([now_ms.into(), tenant.into(), id.into()]);
    one(&db.execute(
        &format!(
            "UPDATE clients SET {}, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING {COLUMNS}",
            sets.join(", ")
        ),
        &params,
    )?)
}

pub fn set_status(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    status: Status,
    now_ms: i64,
) -> Result<Option<Client>, DbError> {
    one(&db.execute(
        &format!(
            "UPDATE clients SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING {COLUMNS}"
        ),
        &[status.into(), now_ms.into(), tenant.into(), id.into()],
    )?)
}

pub fn list(
    db: &dyn Sql,
    tenant: TenantId,
    q: Option<&str>,
    status: Option<Status>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Client>, DbError> {
    let filter = "tenant_id = ?1 AND (?2 IS NULL OR search LIKE ?2 ESCAPE '\\') \
                  AND (?3 IS NULL OR status = ?3)";
    let params = [
        tenant.into(),
        q.map(|q| like_pattern(&q.to_lowercase())).into(),
        status.into(),
    ];
    let mut page = params.to_vec();
    page.extend([limit.into(), offset.into()]);
    let rows = db.execute(
        &format!(
            "SELECT {COLUMNS} FROM clients WHERE {filter} \
             ORDER BY display_name COLLATE NOCASE, id LIMIT ?4 OFFSET ?5"
        ),
        &page,
    )?;
    rows.iter().map(|r| decode(&r)).collect()
}

/// Which of `phones` already belong to a client, in one statement.
pub fn existing_phones(
    db: &dyn Sql,
    tenant: TenantId,
    phones: &[String],
) -> Result<Vec<String>, DbError> {
    let rows = db.execute(
        "SELECT phone FROM clients WHERE tenant_id = ? AND phone IN (SELECT value FROM json_each(?))",
        &[tenant.into(), serde_json::to_string(phones).unwrap_or_default().into()],
    )?;
    rows.iter().map(|r| r.text("phone")).collect()
}

/// Active attribute definitions, answering users and active groups, in one statement.
pub fn lookups(db: &dyn Sql, tenant: TenantId) -> Result<Lookups, DbError> {
    let rows = db.execute(
        "SELECT 'attribute' AS what, id, data AS value FROM config_items \
           WHERE tenant_id = ?1 AND kind = 'client_attribute' AND status = 'active' \
         UNION ALL SELECT 'group', id, lower(name) FROM config_items \
           WHERE tenant_id = ?1 AND kind = 'group' AND status = 'active' \
         UNION ALL SELECT 'agent', id, username FROM users \
           WHERE tenant_id = ?1 AND status = 'active' AND profile IN ('agent', 'supervisor_agent')",
        &[tenant.into()],
    )?;
    let mut out = Lookups {
        attributes: Vec::new(),
        agents: Vec::new(),
        groups: Vec::new(),
    };
    for r in rows.iter() {
        let (id, value) = (r.i64("id")?, r.text("value")?);
        match r.text("what")?.as_str() {
            "attribute" => {
                if let Ok(doc) = serde_json::from_str::<ClientAttributeDoc>(&value) {
                    out.attributes.push(doc);
                }
            }
            "group" => out.groups.push((id, value)),
            _ => out.agents.push((id, value)),
        }
    }
    Ok(out)
}
