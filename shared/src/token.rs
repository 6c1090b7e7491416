//! API tokens for bots and integrations: shown once at creation, stored as a SHA-256 hash,
//! revocable. A token acts as the admin who created it, only where its scopes reach (`scope`).

use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;
use crate::validate::{required_text, Problems};
use crate::web::{Page, Paged};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Every token starts with this, so logs and secret scanners recognise one.
pub const PREFIX: &str = "atk_";

/// What a token may be given; `scope` says which routes each covers.
pub const SCOPES: &[&str] = crate::scope::ALL;

crate::enums::stored_enum!(
    /// A revoked token authenticates nothing.
    TokenStatus {
        Active = "active",
        Revoked = "revoked",
    }
);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The first characters, to recognise it in a list.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub status: TokenStatus,
    pub created_by: UserId,
    #[schema(format = DateTime, required = true)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub revoked_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// The secret, shown this once.
    pub secret: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<String>,
}

pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const COLUMNS: &str =
    "id, name, prefix, scopes, status, created_by, last_used_at, created_at, revoked_at";

fn decode(r: &crate::db::Row) -> Result<Token, DbError> {
    Ok(Token {
        id: r.i64("id")?,
        name: r.text("name")?,
        prefix: r.text("prefix")?,
        scopes: serde_json::from_str(&r.text("scopes")?).unwrap_or_default(),
        status: TokenStatus::decode(&r.text("status")?)?,
        created_by: UserId(r.i64("created_by")?),
        last_used_at: r.opt_i64("last_used_at")?.map(ms_to_rfc3339),
        created_at: ms_to_rfc3339(r.i64("created_at")?),
        revoked_at: r.opt_i64("revoked_at")?.map(ms_to_rfc3339),
    })
}

pub fn create(ctx: &Ctx, tenant: TenantId, by: UserId, input: NewToken) -> AppResult<CreatedToken> {
    let mut p = Problems::default();
    let name = p
        .check("name", required_text(&input.name, 120))
        .unwrap_or_default();
    let mut scopes: Vec<String> = Vec::new();
    if input.scopes.is_empty() {
        p.add(
            "scopes",
            crate::errors::Text::new("at least one of {values}").with("values", SCOPES.join(", ")),
        );
    }
    for s in input.scopes {
        if !SCOPES.contains(&s.as_str()) {
            p.add(
                "scopes",
                format!("unknown scope '{s}'; scopes are {}", SCOPES.join(", ")),
            );
        } else if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    p.into_result()?;
    let secret = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ctx.random_bytes::<32>())
    );
    let prefix: String = secret.chars().take(PREFIX.len() + 6).collect();
    let rows = ctx.db.execute(
        &format!(
            "INSERT INTO api_tokens (tenant_id, name, token_hash, prefix, scopes, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ),
        &[
            tenant.into(),
            name.into(),
            hash(&secret).into(),
            prefix.into(),
            serde_json::to_string(&scopes).unwrap_or_default().into(),
            by.into(),
            ctx.now_ms().into(),
        ],
    )?;
    let token = rows
        .first()
        .map(|r| decode(&r))
        .transpose()?
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("token insert returned nothing")))?;
    Ok(CreatedToken { token, secret })
}

/// The company's tokens, newest first, a page at a time.
pub fn list(db: &dyn Sql, tenant: TenantId, page: Page) -> AppResult<Paged<Token>> {
    let rows = db.execute(
        &format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE tenant_id = ? ORDER BY id DESC \
             LIMIT ? OFFSET ?"
        ),
        &[tenant.into(), page.fetch().into(), page.offset().into()],
    )?;
    let rows = rows.iter().map(|r| decode(&r)).collect::<Result<_, _>>()?;
    Ok(page.finish(rows))
}

pub fn get(db: &dyn Sql, tenant: TenantId, id: i64) -> AppResult<Token> {
    let rows = db.execute(
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE tenant_id = ? AND id = ?"),
        &[tenant.into(), id.into()],
    )?;
    rows.first()
        .map(|r| decode(&r))
        .transpose()?
        .ok_or_else(|| AppError::not_found("token"))
}

/// Revokes for good; revoking twice is harmless.
pub fn revoke(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<Token> {
    ctx.db.execute(
        "UPDATE api_tokens SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?) \
         WHERE tenant_id = ? AND id = ?",
        &[ctx.now_ms().into(), tenant.into(), id.into()],
    )?;
    get(ctx.db, tenant, id)
}

/// The active token with this secret in the tenant, marking it used — one statement.
pub fn use_token(ctx: &Ctx, tenant: TenantId, secret: &str) -> AppResult<Option<Token>> {
    let rows = ctx.db.execute(
        &format!(
            "UPDATE api_tokens SET last_used_at = ? WHERE tenant_id = ? AND token_hash = ? \
             AND status = 'active' RETURNING {COLUMNS}"
        ),
        &[ctx.now_ms().into(), tenant.into(), hash(secret).into()],
    )?;
    Ok(rows.first().map(|r| decode(&r)).transpose()?)
}
