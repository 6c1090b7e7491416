//! Group members (the agents who answer a group's queue) and supervisors' operations: the
//! two many-to-many links of the configuration, with every SQL statement on their tables.

use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::validate::Problems;
use serde::{Deserialize, Serialize};

/// Body of the link/unlink calls: some ids, or all.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub all: bool,
}

impl Selection {
    pub fn check(&self) -> AppResult<()> {
        match (self.all, self.ids.is_empty()) {
            (true, false) => Err(AppError::invalid("ids", "send ids or all, not both")),
            (false, true) => Err(AppError::invalid(
                "ids",
                "name at least one id, or send all: true",
            )),
            _ if self.ids.len() > 1000 => Err(AppError::invalid("ids", "at most 1000 ids")),
            _ => Ok(()),
        }
    }
    fn ids_json(&self) -> String {
        serde_json::to_string(&self.ids).unwrap_or_else(|_| "[]".into())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = crate::enums::Profile)]
    pub profile: String,
    pub status: Status,
}

/// Profiles that can be members of a group.
const ANSWERING: &str = "('agent', 'supervisor_agent')";

pub fn members(db: &dyn Sql, tenant: TenantId, group: i64) -> Result<Vec<Member>, DbError> {
    let rows = db.execute(
        "SELECT u.id, u.username, u.display_name, u.profile, u.status \
         FROM group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
         WHERE m.tenant_id = ? AND m.group_id = ? ORDER BY u.display_name COLLATE NOCASE",
        &[tenant.into(), group.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                id: UserId(r.i64("id")?),
                username: r.text("username")?,
                display_name: r.text("display_name")?,
                profile: r.text("profile")?,
                status: Status::decode(&r.text("status")?)?,
            })
        })
        .collect()
}

/// Adds the selected users (or every active answering user); refuses, naming them, ids that
/// are not active agents or supervisor-agents of the tenant.
pub fn add_members(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    selection: &Selection,
    now_ms: i64,
) -> AppResult<()> {
    if !selection.all {
        let rows = db.execute(
            &format!(
                "SELECT id FROM users WHERE tenant_id = ? AND status = 'active' \
                 AND profile IN {ANSWERING} AND id IN (SELECT value FROM json_each(?))"
            ),
            &[tenant.into(), selection.ids_json().into()],
        )?;
        let valid: Vec<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_, _>>()?;
        let mut p = Problems::default();
        for id in selection.ids.iter().filter(|id| !valid.contains(id)) {
            p.add(
                "ids",
                format!("user {id} is not an active agent or supervisor-agent here"),
            );
        }
        p.into_result()?;
    }
    db.execute(
        &format!(
            "INSERT INTO group_members (tenant_id, group_id, user_id, created_at) \
             SELECT tenant_id, ?2, id, ?3 FROM users WHERE tenant_id = ?1 AND status = 'active' \
             AND profile IN {ANSWERING} \
             AND (?4 OR id IN (SELECT value FROM json_each(?5))) \
             ON CONFLICT DO NOTHING"
        ),
        &[
            tenant.into(),
            group.into(),
            now_ms.into(),
            selection.all.into(),
            selection.ids_json().into(),
        ],
    )?;
    Ok(())
}

pub fn remove_members(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    selection: &Selection,
) -> AppResult<()> {
    db.execute(
        "DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? \
         AND (? OR user_id IN (SELECT value FROM json_each(?)))",
        &[
            tenant.into(),
            group.into(),
            selection.all.into(),
            selection.ids_json().into(),
        ],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkedOperation {
    pub id: i64,
    pub name: String,
    pub status: Status,
}

pub fn operations_of(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<LinkedOperation>, DbError> {
    let rows = db.execute(
        "SELECT c.id, c.name, c.status FROM supervisor_operations s \
         JOIN config_items c ON c.tenant_id = s.tenant_id AND c.id = s.operation_id \
         WHERE s.tenant_id = ? AND s.user_id = ? ORDER BY c.name COLLATE NOCASE",
        &[tenant.into(), user.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(LinkedOperation {
                id: r.i64("id")?,
                name: r.text("name")?,
                status: Status::decode(&r.text("status")?)?,
            })
        })
        .collect()
}

pub fn link_operations(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    selection: &Selection,
) -> AppResult<()> {
    if !selection.all {
        let found = super::sql::statuses(db, tenant, "operation", &selection.ids)?;
        let mut p = Problems::default();
        for id in &selection.ids {
            match found.iter().find(|(f, _)| f == id) {
                None => p.add(
                    "ids",
                    crate::errors::messages::reason::missing("operation", id),
                ),
                Some((_, Status::Inactive)) => p.add(
                    "ids",
                    crate::errors::messages::reason::deactivated("operation", id),
                ),
                _ => {}
            }
        }
        p.into_result()?;
    }
    db.execute(
        "INSERT INTO supervisor_operations (tenant_id, user_id, operation_id) \
         SELECT tenant_id, ?2, id FROM config_items WHERE tenant_id = ?1 AND kind = 'operation' \
         AND status = 'active' AND (?3 OR id IN (SELECT value FROM json_each(?4))) \
         ON CONFLICT DO NOTHING",
        &[
            tenant.into(),
            user.into(),
            selection.all.into(),
            selection.ids_json().into(),
        ],
    )?;
    Ok(())
}

pub fn unlink_operations(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    selection: &Selection,
) -> AppResult<()> {
    db.execute(
        "DELETE FROM supervisor_operations WHERE tenant_id = ? AND user_id = ? \
         AND (? OR operation_id IN (SELECT value FROM json_each(?)))",
        &[
            tenant.into(),
            user.into(),
            selection.all.into(),
            selection.ids_json().into(),
        ],
    )?;
    Ok(())
}

/// Whether a supervisor oversees `operation`.
pub fn supervises(
    db: &dyn Sql,
    tenant: TenantId,
    user: UserId,
    operation: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 AS yes FROM supervisor_operations WHERE tenant_id = ? AND user_id = ? AND operation_id = ?",
        &[tenant.into(), user.into(), operation.into()],
    )?;
    Ok(!rows.is_empty())
}
