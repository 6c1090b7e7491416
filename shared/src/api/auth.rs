//! `/api/auth/...`: login, logout, the current user, password change.

use crate::auth::{self, authenticate_allowing_password_change};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::web::{no_content, ok, Request, Response};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

pub fn login(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let body: LoginBody = req.json()?;
    ok(&auth::login(ctx, req, &body.username, &body.password)?)
}

pub fn logout(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    auth::logout(ctx, &principal)?;
    no_content()
}

#[derive(Serialize)]
struct Me<'a> {
    user: &'a crate::user::User,
    tenant: &'a crate::tenant::Tenant,
}

pub fn me(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    ok(&Me {
        user: &principal.user,
        tenant: &principal.tenant,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

pub fn change_password(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    let body: PasswordBody = req.json()?;
    ok(&auth::change_password(
        ctx,
        &principal,
        &body.current_password,
        &body.new_password,
    )?)
}

/// What anyone may change of their own profile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    display_name: Option<String>,
    language: Option<String>,
}

/// `PATCH /api/auth/me`: my name and language, validated as an admin's edit would be.
pub fn update_me(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = auth::authenticate(ctx, req)?;
    let body: ProfileBody = req.json()?;
    let user = crate::user::service::update(
        ctx,
        principal.tenant_id(),
        principal.user_id(),
        crate::user::UpdateUser {
            display_name: body.display_name,
            language: body.language,
            ..Default::default()
        },
    )?;
    ok(&Me {
        user: &user,
        tenant: &principal.tenant,
    })
}
