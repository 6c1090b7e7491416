//! Creating companies: the tenant row and its first admin, together or not at all.

use crate::context::Ctx;
use crate::db::transaction;
use crate::enums::Language;
use crate::errors::{AppError, AppResult};
use crate::password;
use crate::tenant::{self, Tenant};
use crate::user::{self, CreateUser, NewUser, Problems, User};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub time_zone: Option<String>,
    pub language: Option<Language>,
    pub admin: NewAdmin,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub email: Option<String>,
    /// Defaults to false: the operator hands the password over and the admin keeps it.
    pub must_change_password: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedTenant {
    pub tenant: Tenant,
    pub admin: User,
}

pub fn create_tenant(ctx: &Ctx, input: NewTenant) -> AppResult<CreatedTenant> {
    let mut p = Problems::default();
    let slug = p.check("slug", tenant::parse_slug(&input.slug));
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        p.add("name", "is required, at most 120 characters");
    }
    let zone = p.check(
        "time_zone",
        tenant::parse_time_zone(input.time_zone.as_deref().unwrap_or("America/Sao_Paulo")),
    );
    let language = input.language.unwrap_or(Language::PtBr);
    let admin = CreateUser {
        username: input.admin.username,
        display_name: input.admin.display_name,
        profile: "admin".into(),
        password: input.admin.password,
        email: input.admin.email,
        language: Some(language.as_str().to_owned()),
        must_change_password: Some(input.admin.must_change_password.unwrap_or(false)),
        ..CreateUser::default()
    };
    let validated = admin.validate(user::service::today(ctx));
    if let Err(errors) = &validated {
        for e in errors {
            p.add(&format!("admin.{}", e.field), e.message.clone());
        }
    }
    p.into_result()?;
    let (Some(slug), Some(zone), Ok((username, password, fields))) = (slug, zone, validated) else {
        return Err(AppError::invalid("body", "invalid tenant"));
    };
    let password_hash = password::hash(&password, &ctx.random_bytes::<16>())?;
    let now = ctx.now_ms();
    transaction(ctx.db, || {
        let tenant =
            tenant::sql::insert(ctx.db, &slug, &name, &zone, language, now)?.ok_or_else(|| {
                AppError::conflict(
                    "tenant_exists",
                    "slug",
                    crate::errors::Text::new("the company '{slug}' exists").with("slug", &slug),
                )
            })?;
        let new = NewUser {
            username,
            password_hash,
            fields,
        };
        let admin = user::sql::insert(ctx.db, tenant.id, &new, now)?
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a new tenant has no users")))?;
        Ok(CreatedTenant {
            tenant,
            admin: admin.user,
        })
    })
}
