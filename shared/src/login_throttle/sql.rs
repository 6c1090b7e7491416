//! The `login_failures` table: the record of failed logins an admin reads.

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use serde::Serialize;

pub fn record(
    db: &dyn Sql,
    tenant: TenantId,
    username: &str,
    user_id: Option<i64>,
    address: &str,
    reason: &str,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO login_failures (tenant_id, username, user_id, address, reason, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            tenant.into(),
            username.into(),
            user_id.into(),
            address.into(),
            reason.into(),
            now.into(),
        ],
    )?;
    Ok(())
}

crate::enums::stored_enum!(
    /// Why a login failed: a known user's wrong password, or a username nobody has.
    FailureReason {
        WrongPassword = "wrong_password",
        UnknownUser = "unknown_user",
    }
);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedFailure {
    pub id: i64,
    pub username: String,
    #[schema(required = true)]
    pub user_id: Option<i64>,
    pub address: String,
    pub reason: FailureReason,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The company's failed logins, newest first, optionally of one username.
pub fn list(
    db: &dyn Sql,
    tenant: TenantId,
    username: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<LoggedFailure>, DbError> {
    let rows = db.execute(
        "SELECT id, username, user_id, address, reason, created_at FROM login_failures \
         WHERE tenant_id = ?1 AND (?2 IS NULL OR username = ?2) ORDER BY id DESC LIMIT ?3 OFFSET ?4",
        &[tenant.into(), username.into(), limit.into(), offset.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(LoggedFailure {
                id: r.i64("id")?,
                username: r.text("username")?,
                user_id: r.opt_i64("user_id")?,
                address: r.text("address")?,
                reason: FailureReason::decode(&r.text("reason")?)?,
                created_at: ms_to_rfc3339(r.i64("created_at")?),
            })
        })
        .collect()
}
