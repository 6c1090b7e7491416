//! Configuration resources (SPEC §2): one engine for list / create / read / update /
//! activate / deactivate, and one module per resource for what is particular to it — its
//! document, its validation, what it hides.
//!
//! Each item is a row of `config_items`: its validated JSON document plus the indexed columns
//! derived from it (name, search text, unique key, parent). Updates are JSON merge patches
//! applied to the stored document, re-validated whole, and written with a compare-and-set on
//! the row's version, so two admins editing at once never lose an edit silently.

pub mod article;
pub mod business_hours;
pub mod channel;
pub mod classification;
pub mod client_attribute;
pub mod group;
pub mod members;
pub mod occurrence_type;
pub mod operation;
pub mod pause_reason;
pub mod quick_reply;
pub mod sql;
pub mod survey;
pub mod tag;
pub mod webhook;

use crate::auth::{Principal, READERS};
use crate::context::Ctx;
use crate::db::transaction;
use crate::enums::{Profile, Status};
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::ports::DbError;
use crate::time::ms_to_rfc3339;
use crate::web::Paged;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sql::{Keys, Stored};

/// The indexed columns a resource derives from its document.
#[derive(Debug, Default)]
pub struct Prepared {
    pub name: String,
    /// Lower-cased text the `q` filter searches.
    pub search: String,
    /// (field, key): unique per tenant and kind; the field is named in the 409.
    pub unique: Option<(&'static str, String)>,
    /// The item this one belongs to (a group's operation, a quick reply's group).
    pub ref_id: Option<i64>,
}

impl Prepared {
    pub fn named(name: &str) -> Self {
        Prepared {
            name: name.to_owned(),
            search: name.to_lowercase(),
            unique: Some(("name", name.to_lowercase())),
            ref_id: None,
        }
    }
}

pub trait Resource: 'static {
    /// Stored kind, e.g. "group".
    const KIND: &'static str;
    /// Query parameter that filters lists by parent (`ref_id`), e.g. "operation_id".
    const REF_PARAM: Option<&'static str> = None;
    /// Who may read (writes are admins only).
    const READ: &'static [Profile] = READERS;
    /// Supervisors read only the items of their operations (`ref_id` is the operation).
    const OPERATION_SCOPED: bool = false;
    /// Whether `prepare` names a unique key (a create or an update may then answer 409
    /// `already_exists`).
    const UNIQUE: bool = true;
    /// The codes activating an item may answer beyond the shared ones (`on_activate`).
    const ACTIVATE_ERRORS: crate::openapi::Errors = &[];
    /// The codes deactivating an item may answer beyond the shared ones (`on_deactivate`).
    const DEACTIVATE_ERRORS: crate::openapi::Errors = &[];

    type Doc: Serialize + DeserializeOwned + Clone + utoipa::ToSchema;

    /// Normalises and validates a document (all problems at once, as a 422). `previous` is
    /// the stored document on update.
    fn prepare(
        ctx: &Ctx,
        tenant: TenantId,
        id: Option<i64>,
        previous: Option<&Self::Doc>,
        doc: &mut Self::Doc,
    ) -> AppResult<Prepared>;

    /// The document as APIs show it (secrets masked).
    fn present(doc: &Self::Doc) -> Self::Doc {
        doc.clone()
    }

    /// Called in the deactivation's transaction (a survey unlinks itself from groups); an
    /// error refuses the deactivation.
    fn on_deactivate(_ctx: &Ctx, _tenant: TenantId, _id: i64) -> AppResult<()> {
        Ok(())
    }

    /// Called in the activation's transaction with the activated item; an error refuses it.
    fn on_activate(_ctx: &Ctx, _tenant: TenantId, _doc: &Self::Doc) -> AppResult<()> {
        Ok(())
    }
}

/// An item as every API shows it: its id, status and times around its document's fields.
#[derive(Debug, Serialize)]
pub struct Item<D> {
    pub id: i64,
    pub status: Status,
    #[serde(flatten)]
    pub doc: D,
    pub created_at: String,
    pub updated_at: String,
}

/// An item's schema is its document's with the item's own fields beside them, in one object
/// (an `allOf` could not keep the document's `additionalProperties: false`), named for the
/// resource: `TagDoc` is read and written as `Tag`.
impl<D: utoipa::ToSchema> utoipa::PartialSchema for Item<D> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
        };
        use utoipa::openapi::RefOr;
        let integer = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
        let time = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        };
        let mut item = match D::schema() {
            RefOr::T(Schema::Object(doc)) => doc,
            _ => Object::new(),
        };
        let fields: [(&str, RefOr<Schema>); 4] = [
            ("id", integer.into()),
            ("status", <Status as utoipa::PartialSchema>::schema()),
            ("created_at", time().into()),
            ("updated_at", time().into()),
        ];
        for (name, schema) in fields {
            item.properties.insert(name.to_owned(), schema);
            if !item.required.iter().any(|r| r == name) {
                item.required.push(name.to_owned());
            }
        }
        item.description = None;
        RefOr::T(Schema::Object(item))
    }
}

impl<D: utoipa::ToSchema> utoipa::ToSchema for Item<D> {
    fn name() -> std::borrow::Cow<'static, str> {
        let doc = D::name();
        match doc.strip_suffix("Doc") {
            Some(resource) => resource.to_owned().into(),
            None => format!("{doc}Item").into(),
        }
    }
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        D::schemas(schemas);
    }
}

pub fn present<R: Resource>(stored: &Stored) -> AppResult<Item<R::Doc>> {
    let doc: R::Doc = decode::<R>(stored)?;
    Ok(Item {
        id: stored.id,
        status: stored.status,
        doc: R::present(&doc),
        created_at: ms_to_rfc3339(stored.created_at),
        updated_at: ms_to_rfc3339(stored.updated_at),
    })
}

pub fn decode<R: Resource>(stored: &Stored) -> AppResult<R::Doc> {
    serde_json::from_str(&stored.data).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!(
            "{} {} has a bad document: {e}",
            R::KIND,
            stored.id
        ))
    })
}

fn unique_conflict(e: DbError, prepared: &Prepared, kind: &str) -> AppError {
    match (e, &prepared.unique) {
        (DbError::Constraint(_), Some((field, key))) => AppError::conflict(
            "already_exists",
            field,
            crate::errors::Text::new("another {what} already has {field} '{key}'")
                .with("what", kind)
                .with("field", field)
                .with("key", key),
        ),
        (other, _) => other.into(),
    }
}

fn keys(p: &Prepared) -> Keys<'_> {
    Keys {
        name: &p.name,
        search: &p.search,
        unique_key: p.unique.as_ref().map(|(_, k)| k.as_str()),
        ref_id: p.ref_id,
    }
}

fn parse_doc<R: Resource>(value: Value) -> AppResult<R::Doc> {
    serde_json::from_value(value).map_err(crate::web::json_error)
}

pub fn create<R: Resource>(ctx: &Ctx, tenant: TenantId, body: Value) -> AppResult<Stored> {
    let mut doc = parse_doc::<R>(body)?;
    let prepared = R::prepare(ctx, tenant, None, None, &mut doc)?;
    let data = serde_json::to_string(&doc).map_err(|e| AppError::Unexpected(e.into()))?;
    sql::insert(
        ctx.db,
        tenant,
        R::KIND,
        &keys(&prepared),
        &data,
        ctx.now_ms(),
    )
    .map_err(|e| unique_conflict(e, &prepared, R::KIND))
}

pub fn get<R: Resource>(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<Stored> {
    sql::get(ctx.db, tenant, R::KIND, id)?.ok_or_else(|| AppError::not_found(R::KIND))
}

/// RFC 7386 merge patch: objects merge key by key, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(key);
                } else {
                    merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// Fields every item shows but no patch may set; a client may send them back unchanged.
pub const META: [&str; 4] = ["id", "status", "created_at", "updated_at"];

/// Applies `change` to the stored document and writes it if nobody changed the item in
/// between; retries on a concurrent edit, and answers 409 `edit_conflict` if it never settles.
pub fn modify<R: Resource>(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    mut change: impl FnMut(&R::Doc) -> AppResult<R::Doc>,
) -> AppResult<Stored> {
    // Each retry re-reads the item; under heavy contention a few rounds settle it.
    for _ in 0..10 {
        let stored = get::<R>(ctx, tenant, id)?;
        let previous = decode::<R>(&stored)?;
        let mut doc = change(&previous)?;
        let prepared = R::prepare(ctx, tenant, Some(id), Some(&previous), &mut doc)?;
        let data = serde_json::to_string(&doc).map_err(|e| AppError::Unexpected(e.into()))?;
        let target = sql::Target {
            tenant,
            kind: R::KIND,
            id,
            version: stored.version,
        };
        let written = sql::update(ctx.db, &target, &keys(&prepared), &data, ctx.now_ms())
            .map_err(|e| unique_conflict(e, &prepared, R::KIND))?;
        if let Some(updated) = written {
            return Ok(updated);
        }
    }
    Err(AppError::conflict(
        "edit_conflict",
        "id",
        "the item kept changing while this edit was applied; reload and retry",
    ))
}

/// `PATCH`: a merge patch over the stored document.
pub fn update<R: Resource>(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    patch: Value,
) -> AppResult<Stored> {
    let Value::Object(mut patch) = patch else {
        return Err(AppError::invalid("body", "must be a JSON object"));
    };
    for meta in META {
        patch.remove(meta);
    }
    let patch = Value::Object(patch);
    modify::<R>(ctx, tenant, id, |previous| {
        let mut value =
            serde_json::to_value(previous).map_err(|e| AppError::Unexpected(e.into()))?;
        merge_patch(&mut value, &patch);
        parse_doc::<R>(value)
    })
}

pub fn set_status<R: Resource>(
    ctx: &Ctx,
    tenant: TenantId,
    id: i64,
    status: Status,
) -> AppResult<Stored> {
    transaction(ctx.db, || {
        let stored = sql::set_status(ctx.db, tenant, R::KIND, id, status, ctx.now_ms())?
            .ok_or_else(|| AppError::not_found(R::KIND))?;
        match status {
            Status::Inactive => R::on_deactivate(ctx, tenant, id)?,
            Status::Active => R::on_activate(ctx, tenant, &decode::<R>(&stored)?)?,
        }
        Ok(stored)
    })
}

pub fn list<R: Resource>(
    ctx: &Ctx,
    principal: &Principal,
    query: &crate::web::Query,
) -> AppResult<Paged<Item<R::Doc>>> {
    let page = crate::web::Page::from_query(query)?;
    let status = query.status()?;
    let ref_id = match R::REF_PARAM {
        Some(param) => query.parse::<i64>(param)?,
        None => None,
    };
    let operations_of = (R::OPERATION_SCOPED
        && matches!(
            principal.profile(),
            Profile::Supervisor | Profile::SupervisorAgent
        ))
    .then(|| principal.user_id());
    let rows = sql::list(
        ctx.db,
        principal.tenant_id(),
        R::KIND,
        &sql::ListQuery {
            q: query.get("q"),
            status,
            ref_id,
            operations_of,
            offset: page.offset(),
            limit: page.fetch(),
        },
    )?;
    let rows = rows.iter().map(present::<R>).collect::<AppResult<_>>()?;
    Ok(page.finish(rows))
}

/// 409 `group_inactive` unless `group` is an active group: what sends conversations somewhere
/// is activated only once that place takes them.
pub fn require_active_group(ctx: &Ctx, tenant: TenantId, field: &str, group: i64) -> AppResult<()> {
    match sql::statuses(ctx.db, tenant, "group", &[group])?.first() {
        Some((_, Status::Active)) => Ok(()),
        _ => Err(AppError::conflict(
            "group_inactive",
            field,
            crate::errors::Text::new(
                "group {group} is not active; activate it or choose another group first",
            )
            .with("group", group),
        )),
    }
}

/// Checks that each id names an item of `kind` in the tenant; a new link (one not in
/// `already`) must be active. Ids of another tenant simply do not exist here.
pub fn check_refs(
    ctx: &Ctx,
    tenant: TenantId,
    p: &mut crate::validate::Problems,
    field: &str,
    kind: &str,
    ids: &[i64],
    already: &[i64],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = sql::statuses(ctx.db, tenant, kind, ids)?;
    for id in ids {
        match found.iter().find(|(f, _)| f == id) {
            None => p.add(field, crate::errors::messages::reason::missing(kind, id)),
            Some((_, Status::Inactive)) if !already.contains(id) => p.add(
                field,
                crate::errors::messages::reason::deactivated(kind, id),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}
