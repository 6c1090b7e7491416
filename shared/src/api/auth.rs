//! `/api/auth/...`: login, logout, the current user, password change.

use crate::auth::{self, authenticate_allowing_password_change, LoginResult};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::web::{no_content, ok, Request, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    username: String,
    password: String,
}

/// Log in
///
/// A session token for a user of the addressed company. Failed attempts slow further ones
/// down (429 with `Retry-After`); they never lock the account.
#[utoipa::path(post, path = "/api/auth/login", request_body = LoginBody,
    responses((status = 200, description = "Logged in", body = LoginResult)))]
pub fn login(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let body: LoginBody = req.json()?;
    ok(&auth::login(ctx, req, &body.username, &body.password)?)
}

/// Log out
///
/// Ends this session (API tokens are revoked at `/api/admin/tokens`, not logged out).
#[utoipa::path(post, path = "/api/auth/logout",
    responses((status = 204, description = "The session is over")))]
pub fn logout(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    auth::logout(ctx, &principal)?;
    no_content()
}

/// The signed-in user and their company.
#[derive(Serialize, ToSchema)]
pub struct Me<'a> {
    user: &'a crate::user::User,
    tenant: &'a crate::tenant::Tenant,
}

/// Who am I
///
/// The signed-in user (or the API token's user) and their company.
#[utoipa::path(get, path = "/api/auth/me",
    responses((status = 200, description = "The current user", body = Me)))]
pub fn me(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    ok(&Me {
        user: &principal.user,
        tenant: &principal.tenant,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Change my password
///
/// Checks the current password and the policy, revokes every other session and answers a
/// new session for this one.
#[utoipa::path(post, path = "/api/auth/password", request_body = PasswordBody,
    responses((status = 200, description = "Changed; a new session", body = LoginResult)))]
pub fn change_password(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate_allowing_password_change(ctx, req)?;
    let body: PasswordBody = req.json()?;
    ok(&auth::change_password(
        ctx,
        req,
        &principal,
        &body.current_password,
        &body.new_password,
    )?)
}

/// What anyone may change of their own profile.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    display_name: Option<String>,
    /// `pt-BR`, `es` or `en`.
    language: Option<String>,
}

/// Change my profile
///
/// My name and language, validated as an admin's edit would be.
#[utoipa::path(patch, path = "/api/auth/me", request_body = ProfileBody,
    responses((status = 200, description = "The updated user", body = Me)))]
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
