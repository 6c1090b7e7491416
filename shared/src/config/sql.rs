//! Every SQL statement that touches the `config_items` table.

use crate::db::{like_pattern, Row};
use crate::enums::Status;
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql, Value};

const COLUMNS: &str = "id, status, ref_id, data, version, created_at, updated_at";

/// One stored configuration item; `data` is its validated JSON document.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub status: Status,
    pub ref_id: Option<i64>,
    pub data: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn decode(row: &Row) -> Result<Stored, DbError> {
    Ok(Stored {
        id: row.i64("id")?,
        status: Status::decode(&row.text("status")?)?,
        ref_id: row.opt_i64("ref_id")?,
        data: row.text("data")?,
        version: row.i64("version")?,
        created_at: row.i64("created_at")?,
        updated_at: row.i64("updated_at")?,
    })
}

fn one(rows: &crate::ports::Rows) -> Result<Option<Stored>, DbError> {
    rows.first().map(|r| decode(&r)).transpose()
}

/// The indexed columns derived from a document.
pub struct Keys<'a> {
    pub name: &'a str,
    pub search: &'a str,
    pub unique_key: Option<&'a str>,
    pub ref_id: Option<i64>,
}

/// `Err(Constraint)` when the unique key is taken: the index decides.
pub fn insert(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    keys: &Keys,
    data: &str,
    now_ms: i64,
) -> Result<Stored, DbError> {
    let rows = db.execute(
        &format!(
            "INSERT INTO config_items (tenant_id, kind, name, search, unique_key, ref_id, data, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ),
        &[
            tenant.into(),
            kind.into(),
            keys.name.into(),
            keys.search.into(),
            keys.unique_key.into(),
            keys.ref_id.into(),
            data.into(),
            now_ms.into(),
            now_ms.into(),
        ],
    )?;
    one(&rows)?.ok_or_else(|| DbError::Other("insert returned nothing".into()))
}

pub fn get(db: &dyn Sql, tenant: TenantId, kind: &str, id: i64) -> Result<Option<Stored>, DbError> {
    one(&db.execute(
        &format!("SELECT {COLUMNS} FROM config_items WHERE tenant_id = ? AND kind = ? AND id = ?"),
        &[tenant.into(), kind.into(), id.into()],
    )?)
}

/// Which row an update writes, and the version it was read at.
pub struct Target<'a> {
    pub tenant: TenantId,
    pub kind: &'a str,
    pub id: i64,
    pub version: i64,
}

/// Compare-and-set on `version`: `None` when someone else changed the item meanwhile.
pub fn update(
    db: &dyn Sql,
    target: &Target,
    keys: &Keys,
    data: &str,
    now_ms: i64,
) -> Result<Option<Stored>, DbError> {
    let Target {
        tenant,
        kind,
        id,
        version,
    } = *target;
    one(&db.execute(
        &format!(
            "UPDATE config_items SET name = ?, search = ?, unique_key = ?, ref_id = ?, data = ?, \
             version = version + 1, updated_at = ? \
             WHERE tenant_id = ? AND kind = ? AND id = ? AND version = ? RETURNING {COLUMNS}"
        ),
        &[
            keys.name.into(),
            keys.search.into(),
            keys.unique_key.into(),
            keys.ref_id.into(),
            data.into(),
            now_ms.into(),
            tenant.into(),
            kind.into(),
            id.into(),
            version.into(),
        ],
    )?)
}

pub fn set_status(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    id: i64,
    status: Status,
    now_ms: i64,
) -> Result<Option<Stored>, DbError> {
    one(&db.execute(
        &format!(
            "UPDATE config_items SET status = ?, version = version + 1, updated_at = ? \
             WHERE tenant_id = ? AND kind = ? AND id = ? RETURNING {COLUMNS}"
        ),
        &[
            status.into(),
            now_ms.into(),
            tenant.into(),
            kind.into(),
            id.into(),
        ],
    )?)
}

pub struct ListQuery<'a> {
    pub q: Option<&'a str>,
    pub status: Option<Status>,
    pub ref_id: Option<i64>,
    /// Only items whose `ref_id` is one of this supervisor's operations.
    pub operations_of: Option<UserId>,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    query: &ListQuery,
) -> Result<Vec<Stored>, DbError> {
    let filter = "tenant_id = ?1 AND kind = ?2 \
        AND (?3 IS NULL OR search LIKE ?3 ESCAPE '\\') \
        AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR ref_id = ?5) \
        AND (?6 IS NULL OR ref_id IN (SELECT operation_id FROM supervisor_operations \
                                      WHERE tenant_id = ?1 AND user_id = ?6))";
    let params = [
        tenant.into(),
        kind.into(),
        query.q.map(|q| like_pattern(&q.to_lowercase())).into(),
        query.status.into(),
        query.ref_id.into(),
        query.operations_of.into(),
    ];
    let mut page = params.to_vec();
    page.extend([query.limit.into(), query.offset.into()]);
    let rows = db.execute(
        &format!(
            "SELECT {COLUMNS} FROM config_items WHERE {filter} \
             ORDER BY name COLLATE NOCASE, id LIMIT ?7 OFFSET ?8"
        ),
        &page,
    )?;
    rows.iter().map(|r| decode(&r)).collect()
}

/// Status of each of `ids` that exists as `kind` in the tenant, in one statement.
pub fn statuses(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    ids: &[i64],
) -> Result<Vec<(i64, Status)>, DbError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows = db.execute(
        "SELECT id, status FROM config_items WHERE tenant_id = ? AND kind = ? \
         AND id IN (SELECT value FROM json_each(?))",
        &[tenant.into(), kind.into(), list.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.i64("id")?, Status::decode(&r.text("status")?)?)))
        .collect()
}

/// Every item of a kind (small kinds only: groups for the parent-cycle check).
pub fn all(db: &dyn Sql, tenant: TenantId, kind: &str) -> Result<Vec<Stored>, DbError> {
    let rows = db.execute(
        &format!("SELECT {COLUMNS} FROM config_items WHERE tenant_id = ? AND kind = ?"),
        &[tenant.into(), kind.into()],
    )?;
    rows.iter().map(|r| decode(&r)).collect()
}

/// Sets `$.<field>` to null (and `$.<flag>` to false) in every item of `kind` that points at
/// `id`: deactivating a survey unlinks it from every group, in one statement.
pub fn unlink(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    field: &str,
    flag: &str,
    id: i64,
    now_ms: i64,
) -> Result<(), DbError> {
    let path = format!("$.{field}");
    let flag_path = format!("$.{flag}");
    db.execute(
        "UPDATE config_items SET data = json_set(data, ?, NULL, ?, json('false')), \
         version = version + 1, updated_at = ? \
         WHERE tenant_id = ? AND kind = ? AND json_extract(data, ?) = ?",
        &[
            Value::Text(path.clone()),
            flag_path.into(),
            now_ms.into(),
            tenant.into(),
            kind.into(),
            path.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// What still sends conversations to group `group`, as (kind, id, name): active channels that
/// enter there and active groups whose bot-inactivity rule moves conversations there.
pub fn feeding_group(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
) -> Result<Vec<(String, i64, String)>, DbError> {
    let rows = db.execute(
        "SELECT kind, id, name FROM config_items \
         WHERE tenant_id = ?1 AND kind = 'channel' AND ref_id = ?2 AND status = 'active' \
         UNION ALL \
         SELECT kind, id, name FROM config_items \
         WHERE tenant_id = ?1 AND kind = 'group' AND status = 'active' \
           AND json_extract(data, '$.bot_inactivity.group_id') = ?2 \
         UNION ALL \
         SELECT 'menu' AS kind, g.id, g.name FROM config_items g \
         WHERE g.tenant_id = ?1 AND g.kind = 'group' AND g.status = 'active' \
           AND (json_extract(g.data, '$.menu.fallback_group_id') = ?2 \
             OR EXISTS (SELECT 1 FROM json_each(g.data, '$.menu.nodes') n, json_each(n.value, '$.options') o \
                        WHERE json_extract(o.value, '$.group_id') = ?2)) \
         ORDER BY kind, id",
        &[tenant.into(), group.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.text("kind")?, r.i64("id")?, r.text("name")?)))
        .collect()
}

/// An item found by id alone, with its tenant: inbound webhooks address a channel by id.
pub fn get_any_tenant(
    db: &dyn Sql,
    kind: &str,
    id: i64,
) -> Result<Option<(TenantId, Stored)>, DbError> {
    let rows = db.execute(
        &format!("SELECT tenant_id, {COLUMNS} FROM config_items WHERE kind = ? AND id = ?"),
        &[kind.into(), id.into()],
    )?;
    decode_any_tenant(&rows)
}

/// [`get_any_tenant`]'s answer from rows with its columns (`tenant_id` and [`COLUMNS`]), as
/// a statement that reads more beside the item answers them.
pub fn decode_any_tenant(rows: &crate::ports::Rows) -> Result<Option<(TenantId, Stored)>, DbError> {
    rows.first()
        .map(|r| Ok((TenantId(r.i64("tenant_id")?), decode(&r)?)))
        .transpose()
}

/// A group's document with its business hours' document (if any, and active), in one statement.
pub fn group_with_hours(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
) -> Result<Option<(String, Option<String>)>, DbError> {
    let rows = db.execute(
        "SELECT g.data AS group_data, h.data AS hours_data FROM config_items g \
         LEFT JOIN config_items h ON h.tenant_id = g.tenant_id AND h.kind = 'business_hours' \
              AND h.status = 'active' AND h.id = json_extract(g.data, '$.business_hours_id') \
         WHERE g.tenant_id = ? AND g.kind = 'group' AND g.id = ?",
        &[tenant.into(), group.into()],
    )?;
    rows.first()
        .map(|r| Ok((r.text("group_data")?, r.opt_text("hours_data")?)))
        .transpose()
}

/// A group's document and its active business hours, and every event the tenant's active
/// webhooks subscribe to, over `?1` (the tenant) and `?2` (the group): one row, whose group
/// columns are NULL for a group that does not exist.
pub const GROUP_WITH_HOURS_AND_SUBSCRIPTIONS: &str =
    "SELECT g.data AS group_data, h.data AS hours_data, \
        (SELECT json_group_array(DISTINCT e.value) \
         FROM config_items w, json_each(json_extract(w.data, '$.events')) e \
         WHERE w.tenant_id = ?1 AND w.kind = 'webhook' AND w.status = 'active') AS events \
 FROM (SELECT 1) \
 LEFT JOIN config_items g ON g.tenant_id = ?1 AND g.kind = 'group' AND g.id = ?2 \
 LEFT JOIN config_items h ON h.tenant_id = g.tenant_id AND h.kind = 'business_hours' \
      AND h.status = 'active' AND h.id = json_extract(g.data, '$.business_hours_id')";

/// A group (with its business hours, if any) and the events anyone subscribes to.
pub type GroupAndSubscriptions = (Option<(String, Option<String>)>, Vec<String>);

/// A row of [`GROUP_WITH_HOURS_AND_SUBSCRIPTIONS`].
pub fn decode_group_with_hours_and_subscriptions(
    r: &crate::db::Row,
) -> Result<GroupAndSubscriptions, DbError> {
    let group = r
        .opt_text("group_data")?
        .map(|data| Ok::<_, DbError>((data, r.opt_text("hours_data")?)))
        .transpose()?;
    let events = serde_json::from_str::<Vec<String>>(&r.text("events")?)
        .map_err(|e| DbError::from_message(format!("subscribed events: {e}")))?;
    Ok((group, events))
}

/// [`group_with_hours`] (`None` for a group that does not exist), and in the same read every
/// event the tenant's active webhooks subscribe to: what a first message needs to know before
/// it takes the write lock.
pub fn group_with_hours_and_subscriptions(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
) -> Result<GroupAndSubscriptions, DbError> {
    let rows = db.execute(
        GROUP_WITH_HOURS_AND_SUBSCRIPTIONS,
        &[tenant.into(), group.into()],
    )?;
    match rows.first() {
        Some(r) => decode_group_with_hours_and_subscriptions(&r),
        None => Ok((None, Vec::new())),
    }
}

/// FAQ articles customers may see (active, visible), matching `q`, in one statement.
/// An FAQ article a customer may read.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicArticle {
    pub id: i64,
    pub title: String,
    pub body: String,
}

pub fn public_articles(
    db: &dyn Sql,
    tenant: TenantId,
    q: Option<&str>,
    language: crate::enums::Language,
) -> Result<Vec<PublicArticle>, DbError> {
    let rows = db.execute(
        "SELECT id, data FROM config_items WHERE tenant_id = ?1 AND kind = 'article' AND status = 'active' \
         AND json_extract(data, '$.visible_to_customers') = 1 \
         AND (?2 IS NULL OR search LIKE ?2 ESCAPE '\\') ORDER BY name COLLATE NOCASE LIMIT 20",
        &[
            tenant.into(),
            q.map(|q| like_pattern(&q.to_lowercase())).into(),
        ],
    )?;
    rows.iter()
        .map(|r| {
            let doc: crate::config::article::ArticleDoc = serde_json::from_str(&r.text("data")?)
                .map_err(|e| DbError::Decode {
                    column: "data".into(),
                    reason: e.to_string(),
                })?;
            let (title, body) = doc.in_language(language);
            Ok(PublicArticle {
                id: r.i64("id")?,
                title: title.to_owned(),
                body: body.to_owned(),
            })
        })
        .collect()
}

/// The item of a kind holding a unique key (a WhatsApp number's channel), any status.
pub fn by_unique_key(
    db: &dyn Sql,
    tenant: TenantId,
    kind: &str,
    unique_key: &str,
) -> Result<Option<Stored>, DbError> {
    one(&db.execute(
        &format!(
            "SELECT {COLUMNS} FROM config_items WHERE tenant_id = ? AND kind = ? AND unique_key = ?"
        ),
        &[tenant.into(), kind.into(), unique_key.into()],
    )?)
}
