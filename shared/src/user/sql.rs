//! Every SQL statement that touches the `users` table.

use super::hours::WorkingHours;
use super::{NewUser, Permissions, User, UserFields};
use crate::db::{like_pattern, Row};
use crate::enums::{Language, Profile, Status};
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Rows, Sql, Value};
use crate::time::ms_to_rfc3339;
use chrono::NaiveDate;

const COLUMNS: &str = "id, username, display_name, profile, status, email, phone, birth_date, \
    language, must_change_password, max_concurrent, priority, department, social_token, \
    integration_key, working_hours, see_group_history, see_operation_history, \
    confidential_history, created_at, updated_at, password_hash, session_epoch";

/// A user row with what only the server may see.
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub user: User,
    pub password_hash: String,
    pub session_epoch: i64,
}

impl StoredUser {
    pub fn fields(&self) -> UserFields {
        let u = &self.user;
        UserFields {
            display_name: u.display_name.clone(),
            profile: u.profile,
            email: u.email.clone(),
            phone: u.phone.clone(),
            birth_date: u
                .birth_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            language: u.language,
            must_change_password: u.must_change_password,
            max_concurrent: u.max_concurrent,
            priority: u.priority,
            department: u.department.clone(),
            social_token: u.social_token.clone(),
            integration_key: u.integration_key.clone(),
            working_hours: WorkingHours::parse(u.working_hours.clone()).unwrap_or_default(),
            permissions: u.permissions,
        }
    }
}

fn decode(row: &Row) -> Result<StoredUser, DbError> {
    Ok(StoredUser {
        user: User {
            id: UserId(row.i64("id")?),
            username: row.text("username")?,
            display_name: row.text("display_name")?,
            profile: Profile::decode(&row.text("profile")?)?,
            status: Status::decode(&row.text("status")?)?,
            email: row.opt_text("email")?,
            phone: row.opt_text("phone")?,
            birth_date: row.opt_text("birth_date")?,
            language: Language::decode(&row.text("language")?)?,
            must_change_password: row.bool("must_change_password")?,
            max_concurrent: row.i64("max_concurrent")?,
            priority: row.i64("priority")?,
            department: row.opt_text("department")?,
            social_token: row.opt_text("social_token")?,
            integration_key: row.opt_text("integration_key")?,
            working_hours: WorkingHours::from_stored(&row.text("working_hours")?)
                .windows()
                .to_vec(),
            permissions: Permissions {
                see_group_history: row.bool("see_group_history")?,
                see_operation_history: row.bool("see_operation_history")?,
                confidential_history: row.bool("confidential_history")?,
            },
            created_at: ms_to_rfc3339(row.i64("created_at")?),
            updated_at: ms_to_rfc3339(row.i64("updated_at")?),
        },
        password_hash: row.text("password_hash")?,
        session_epoch: row.i64("session_epoch")?,
    })
}

fn one(rows: &crate::ports::Rows) -> Result<Option<StoredUser>, DbError> {
    rows.first().map(|r| decode(&r)).transpose()
}

/// The values of the editable columns, in the order `FIELD_COLUMNS` names them.
const FIELD_COLUMNS: [&str; 15] = [
    "display_name",
    "profile",
    "email",
    "phone",
    "birth_date",
    "language",
    "must_change_password",
    "max_concurrent",
    "priority",
    "department",
    "social_token",
    "integration_key",
    "working_hours",
    "see_group_history",
    "see_operation_history",
];

fn field_values(f: &UserFields) -> Vec<Value> {
    vec![
        f.display_name.clone().into(),
        f.profile.into(),
        f.email.clone().into(),
        f.phone.clone().into(),
        f.birth_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .into(),
        f.language.into(),
        f.must_change_password.into(),
        f.max_concurrent.into(),
        f.priority.into(),
        f.department.clone().into(),
        f.social_token.clone().into(),
        f.integration_key.clone().into(),
        f.working_hours.to_stored().into(),
        f.permissions.see_group_history.into(),
        f.permissions.see_operation_history.into(),
    ]
}

/// Inserts unless the username is taken in the tenant (then `None`): the unique index decides,
/// not a read before the write.
pub fn insert(
    db: &dyn Sql,
    tenant: TenantId,
    user: &NewUser,
    now_ms: i64,
) -> Result<Option<StoredUser>, DbError> {
    let sql = format!(
        "INSERT INTO users (tenant_id, username, password_hash, confidential_history, \
         created_at, updated_at, {}) VALUES (?, ?, ?, ?, ?, ?, {}) \
         ON CONFLICT (tenant_id, username) DO NOTHING RETURNING {COLUMNS}",
        FIELD_COLUMNS.join(", "),
        ["?"; FIELD_COLUMNS.len()].join(", ")
    );
    let mut params: Vec<Value> = vec![
        tenant.into(),
        user.username.clone().into(),
        user.password_hash.clone().into(),
        user.fields.permissions.confidential_history.into(),
        now_ms.into(),
        now_ms.into(),
    ];
    params.extend(field_values(&user.fields));
    one(&db.execute(&sql, &params)?)
}

pub fn get(db: &dyn Sql, tenant: TenantId, id: UserId) -> Result<Option<StoredUser>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = ? AND id = ?");
    one(&db.execute(&sql, &[tenant.into(), id.into()])?)
}

/// The user as a session check needs it, without the password's hash (empty here): these rows
/// are kept in the key-value store (`auth`, `cache`), which must never hold a hash.
pub fn for_session(db: &dyn Sql, tenant: TenantId, id: UserId) -> Result<Rows, DbError> {
    let columns = COLUMNS.replace("password_hash", "'' AS password_hash");
    db.execute(
        &format!("SELECT {columns} FROM users WHERE tenant_id = ? AND id = ?"),
        &[tenant.into(), id.into()],
    )
}

/// The user of rows [`for_session`] read.
pub fn decode_first(rows: &Rows) -> Result<Option<StoredUser>, DbError> {
    one(rows)
}

pub fn find_by_username(
    db: &dyn Sql,
    tenant: TenantId,
    username: &str,
) -> Result<Option<StoredUser>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = ? AND username = ?");
    one(&db.execute(&sql, &[tenant.into(), username.into()])?)
}

/// Which of `usernames` already exist in the tenant, in one statement.
pub fn existing_usernames(
    db: &dyn Sql,
    tenant: TenantId,
    usernames: &[String],
) -> Result<Vec<String>, DbError> {
    let list = serde_json::to_string(usernames).unwrap_or_else(|_| "[]".into());
    let rows = db.execute(
        "SELECT username FROM users WHERE tenant_id = ? \
         AND username IN (SELECT value FROM json_each(?))",
        &[tenant.into(), list.into()],
    )?;
    rows.iter().map(|r| r.text("username")).collect()
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub q: Option<String>,
    pub status: Option<Status>,
    pub profile: Option<Profile>,
}

pub fn list(
    db: &dyn Sql,
    tenant: TenantId,
    filter: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    // Unset filters are NULL and match everything, so one statement text serves all calls.
    let where_clause = "tenant_id = ?1 \
        AND (?2 IS NULL OR username LIKE ?2 ESCAPE '\\' OR display_name LIKE ?2 ESCAPE '\\' \
             OR email LIKE ?2 ESCAPE '\\') \
        AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR profile = ?4)";
    let params = [
        tenant.into(),
        filter.q.as_deref().map(like_pattern).into(),
        filter.status.into(),
        filter.profile.into(),
    ];
    let mut page_params = params.to_vec();
    page_params.extend([offset.into(), limit.into()]);
    let rows = db.execute(
        &format!(
            "SELECT {COLUMNS} FROM users WHERE {where_clause} \
             ORDER BY display_name COLLATE NOCASE, id LIMIT ?6 OFFSET ?5"
        ),
        &page_params,
    )?;
    rows.iter().map(|r| decode(&r).map(|s| s.user)).collect()
}

/// Writes every editable field; a new password hash also revokes the user's sessions.
pub fn update(
    db: &dyn Sql,
    tenant: TenantId,
    id: UserId,
    fields: &UserFields,
    new_password_hash: Option<&str>,
    now_ms: i64,
) -> Result<Option<StoredUser>, DbError> {
    let sets: Vec<String> = FIELD_COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
    let sql = format!(
        "UPDATE users SET {}, confidential_history = ?, updated_at = ?, \
         password_hash = COALESCE(?, password_hash), \
         session_epoch = session_epoch + (? IS NOT NULL) \
         WHERE tenant_id = ? AND id = ? RETURNING {COLUMNS}",
        sets.join(", ")
    );
    let mut params = field_values(fields);
    params.extend([
        fields.permissions.confidential_history.into(),
        now_ms.into(),
        new_password_hash.into(),
        new_password_hash.into(),
        tenant.into(),
        id.into(),
    ]);
    one(&db.execute(&sql, &params)?)
}

/// Activates or deactivates; deactivation bumps the epoch so every session dies at once.
pub fn set_status(
    db: &dyn Sql,
    tenant: TenantId,
    id: UserId,
    status: Status,
    now_ms: i64,
) -> Result<Option<StoredUser>, DbError> {
    let sql = format!(
        "UPDATE users SET status = ?1, updated_at = ?2, \
         session_epoch = session_epoch + (CASE WHEN ?1 = 'inactive' AND status = 'active' \
                                           THEN 1 ELSE 0 END) \
         WHERE tenant_id = ?3 AND id = ?4 RETURNING {COLUMNS}"
    );
    one(&db.execute(
        &sql,
        &[status.into(), now_ms.into(), tenant.into(), id.into()],
    )?)
}

/// The owner's own change: clears "must change", revokes other sessions; returns the epoch.
pub fn change_own_password(
    db: &dyn Sql,
    tenant: TenantId,
    id: UserId,
    hash: &str,
    now_ms: i64,
) -> Result<Option<i64>, DbError> {
    let rows = db.execute(
        "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ?, \
         session_epoch = session_epoch + 1 WHERE tenant_id = ? AND id = ? \
         RETURNING session_epoch",
        &[hash.into(), now_ms.into(), tenant.into(), id.into()],
    )?;
    rows.first().map(|r| r.i64("session_epoch")).transpose()
}
