//! Companies (tenants). Every row, key and query is scoped to one; a request's tenant comes
//! from its host name, else the `X-Tenant` header, else the configured default.

use crate::context::{var, Ctx};
use crate::db::Row;
use crate::enums::{Language, Status};
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use crate::web::Request;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub language: Language,
    pub status: Status,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl Tenant {
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::America__Sao_Paulo)
    }
}

pub fn parse_slug(raw: &str) -> Result<String, String> {
    let slug = raw.trim().to_lowercase();
    let ok = (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug)
    } else {
        Err("must be 2 to 40 lower-case letters, digits or inner hyphens".into())
    }
}

pub fn parse_time_zone(raw: &str) -> Result<String, String> {
    raw.trim()
        .parse::<Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone such as America/Sao_Paulo".into())
}

/// The slug a request addresses (not yet checked to exist).
pub fn requested_slug(ctx: &Ctx, req: &Request) -> Option<String> {
    if let (Some(host), Some(base)) = (req.host(), ctx.var(var::BASE_DOMAIN)) {
        let suffix = format!(".{}", base.trim_start_matches('.').to_ascii_lowercase());
        if let Some(label) = host.strip_suffix(&suffix) {
            if !label.is_empty() && !label.contains('.') {
                return Some(label.to_owned());
            }
        }
    }
    req.header("x-tenant")
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .or_else(|| ctx.var(var::DEFAULT_TENANT))
}

/// How a request names its company, as sent: its host name and its `X-Tenant` header. Two
/// requests named alike address the same company (the one [`requested_slug`] finds from
/// them with the `base_domain` and `default_tenant` variables), so a session remembers how
/// its login was named, and a request named the same way is known to address the session's
/// company without reading those variables: under Spin each read is a host call that hands
/// the request to another runtime thread (`block_in_place`), as dear as a key-value read
/// (docs/decisions/0017).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressing {
    host: Option<String>,
    x_tenant: Option<String>,
}

impl Addressing {
    pub fn of(req: &Request) -> Self {
        Addressing {
            host: req.host(),
            x_tenant: req.header("x-tenant").map(str::to_owned),
        }
    }
}

/// The active tenant a request addresses.
pub fn resolve(ctx: &Ctx, req: &Request) -> AppResult<Tenant> {
    let slug = requested_slug(ctx, req).ok_or_else(|| {
        AppError::bad_request(
            "tenant_required",
            "no company in the host name, no X-Tenant header and no default tenant",
        )
    })?;
    let tenant = by_slug_cached(ctx, &slug)?
        .ok_or_else(|| AppError::not_found(&format!("company '{slug}'")))?;
    admit(req, tenant)
}

/// `tenant`, the company the request addresses (found by [`resolve`], or carried by the
/// request's session): the request speaks its language, and a deactivated one is refused.
pub fn admit(req: &Request, tenant: Tenant) -> AppResult<Tenant> {
    req.set_tenant_language(tenant.language);
    if tenant.status != Status::Active {
        return Err(AppError::forbidden(
            "tenant_inactive",
            "this company is deactivated",
        ));
    }
    Ok(tenant)
}

/// How long a company's row is answered from the key-value store. Companies are created by the
/// platform API and never changed afterwards; only what exists is kept (`cache::rows`).
const CACHED_MS: i64 = 60_000;

/// The company with this slug, from the key-value store when it was read in the last minute:
/// every authenticated request needs it, and under Spin the read would open SQLite.
pub fn by_slug_cached(ctx: &Ctx, slug: &str) -> Result<Option<Tenant>, DbError> {
    let rows = crate::cache::rows(
        ctx.kv,
        &format!("tenant:{slug}"),
        ctx.now_ms(),
        CACHED_MS,
        || sql::select_by_slug(ctx.db, slug),
    )?;
    rows.first().map(|r| sql::decode(&r)).transpose()
}

/// Every SQL statement that touches the `tenants` table.
pub mod sql {
    use super::*;

    const COLUMNS: &str = "id, slug, name, time_zone, language, status, created_at";

    pub(super) fn decode(row: &Row) -> Result<Tenant, DbError> {
        Ok(Tenant {
            id: TenantId(row.i64("id")?),
            slug: row.text("slug")?,
            name: row.text("name")?,
            time_zone: row.text("time_zone")?,
            language: Language::decode(&row.text("language")?)?,
            status: Status::decode(&row.text("status")?)?,
            created_at: ms_to_rfc3339(row.i64("created_at")?),
        })
    }

    pub fn by_slug(db: &dyn Sql, slug: &str) -> Result<Option<Tenant>, DbError> {
        let rows = select_by_slug(db, slug)?;
        rows.first().map(|r| decode(&r)).transpose()
    }

    pub fn select_by_slug(db: &dyn Sql, slug: &str) -> Result<crate::ports::Rows, DbError> {
        db.execute(
            &format!("SELECT {COLUMNS} FROM tenants WHERE slug = ?"),
            &[slug.into()],
        )
    }

    pub fn by_id(db: &dyn Sql, id: TenantId) -> Result<Option<Tenant>, DbError> {
        let rows = db.execute(
            &format!("SELECT {COLUMNS} FROM tenants WHERE id = ?"),
            &[id.into()],
        )?;
        rows.first().map(|r| decode(&r)).transpose()
    }

    pub fn list(db: &dyn Sql) -> Result<Vec<Tenant>, DbError> {
        let rows = db.execute(&format!("SELECT {COLUMNS} FROM tenants ORDER BY slug"), &[])?;
        rows.iter().map(|r| decode(&r)).collect()
    }

    /// A page of the companies, by slug (the platform API's list).
    pub fn page(
        db: &dyn Sql,
        page: crate::web::Page,
    ) -> Result<crate::web::Paged<Tenant>, DbError> {
        let rows = db.execute(
            &format!("SELECT {COLUMNS} FROM tenants ORDER BY slug LIMIT ? OFFSET ?"),
            &[page.fetch().into(), page.offset().into()],
        )?;
        let rows = rows.iter().map(|r| decode(&r)).collect::<Result<_, _>>()?;
        Ok(page.finish(rows))
    }

    /// `None` when the slug is taken: the unique index decides.
    pub fn insert(
        db: &dyn Sql,
        slug: &str,
        name: &str,
        time_zone: &str,
        language: Language,
        now_ms: i64,
    ) -> Result<Option<Tenant>, DbError> {
        let rows = db.execute(
            &format!(
                "INSERT INTO tenants (slug, name, time_zone, language, created_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[
                slug.into(),
                name.into(),
                time_zone.into(),
                language.into(),
                now_ms.into(),
            ],
        )?;
        rows.first().map(|r| decode(&r)).transpose()
    }
}
