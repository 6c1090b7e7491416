//! Use cases on users: create, update, activate/deactivate.

use super::sql::{self, StoredUser};
use super::{CreateUser, NewUser, UpdateUser, User};
use crate::context::Ctx;
use crate::enums::Status;
use crate::errors::{AppError, AppResult};
use crate::ids::{TenantId, UserId};
use crate::password;

pub fn today(ctx: &Ctx) -> chrono::NaiveDate {
    ctx.clock.now().date_naive()
}

/// Validates, hashes and inserts; a taken username is a 409 naming the field.
pub fn create(ctx: &Ctx, tenant: TenantId, input: CreateUser) -> AppResult<User> {
    let (username, password, fields) = input
        .validate(today(ctx))
        .map_err(AppError::invalid_fields)?;
    let password_hash = password::hash(&password, &ctx.random_bytes::<16>())?;
    let new = NewUser {
        username,
        password_hash,
        fields,
    };
    sql::insert(ctx.db, tenant, &new, ctx.now_ms())?
        .map(|s| s.user)
        .ok_or_else(|| {
            AppError::conflict(
                "username_taken",
                "username",
                crate::errors::Text::new("the username '{username}' is already in use")
                    .with("username", &new.username),
            )
        })
}

pub fn get(ctx: &Ctx, tenant: TenantId, id: UserId) -> AppResult<StoredUser> {
    sql::get(ctx.db, tenant, id)?.ok_or_else(|| AppError::not_found("user"))
}

pub fn update(ctx: &Ctx, tenant: TenantId, id: UserId, patch: UpdateUser) -> AppResult<User> {
    let current = get(ctx, tenant, id)?;
    let (fields, new_password) = patch.apply(current.fields(), today(ctx))?;
    let hash = new_password
        .map(|p| password::hash(&p, &ctx.random_bytes::<16>()))
        .transpose()?;
    let updated = sql::update(ctx.db, tenant, id, &fields, hash.as_deref(), ctx.now_ms())?;
    crate::auth::forget_user(ctx, tenant, id);
    updated
        .map(|s| s.user)
        .ok_or_else(|| AppError::not_found("user"))
}

/// Nothing is deleted: a user is deactivated (and every session of theirs dies) or activated.
pub fn set_status(
    ctx: &Ctx,
    tenant: TenantId,
    acting: UserId,
    id: UserId,
    status: Status,
) -> AppResult<User> {
    if status == Status::Inactive && acting == id {
        return Err(AppError::bad_request(
            "cannot_deactivate_self",
            "you cannot deactivate your own user",
        ));
    }
    let updated = sql::set_status(ctx.db, tenant, id, status, ctx.now_ms())?;
    crate::auth::forget_user(ctx, tenant, id);
    updated
        .map(|s| s.user)
        .ok_or_else(|| AppError::not_found("user"))
}
