//! Sessions, login and the one authorization helper every component uses.
//!
//! A session is a random bearer token; the key-value store holds it under the SHA-256 of the
//! token (a leaked store does not leak tokens) with its tenant (and the company's row), user,
//! the user's session epoch, its expiry, the company's time-zone offsets until then and how
//! the login named its company (host name, `X-Tenant`). Bumping a user's epoch (deactivation,
//! password change) revokes every session at once without listing them.

use crate::context::{var, Ctx};
use crate::enums::{Profile, Status};
use crate::errors::{ApiError, AppError, AppResult, Text};
use crate::ids::{TenantId, UserId};
use crate::login_throttle;
use crate::password;
use crate::tenant::{self, Tenant};
use crate::time::ms_to_rfc3339;
use crate::user::hours::ZoneOffsets;
use crate::user::sql::{self as user_sql, StoredUser};
use crate::user::{check_password, User};
use crate::web::Request;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const DEFAULT_SESSION_TTL_MINUTES: i64 = 12 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct Session {
    tenant: i64,
    user: i64,
    epoch: i64,
    expires_ms: i64,
    /// The company's time-zone offsets until `expires_ms`, for the working-hours check: a
    /// request that only checks its session never needs the time-zone database (0017).
    #[serde(default)]
    offsets: ZoneOffsets,
    /// The company the session was opened in. Companies never change after creation, so a
    /// request addressing it needs no read of its own for the company (0017).
    #[serde(default)]
    company: Option<Tenant>,
    /// How the request that opened the session named its company: a request named the same
    /// way addresses `company` without reading the variables that map names to companies.
    #[serde(default)]
    addressed: Option<tenant::Addressing>,
}

/// Who is calling: their company and their user record, checked for this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Tenant,
    pub user: User,
    session_key: String,
    /// Set when the caller is an API token: the scopes that limit it below its creator's
    /// profile (checked per route in `authenticate`).
    pub token_scopes: Option<Vec<String>>,
}

impl Principal {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }
    pub fn user_id(&self) -> UserId {
        self.user.id
    }
    pub fn profile(&self) -> Profile {
        self.user.profile
    }
    /// 403 unless the caller has one of `allowed`. A token's scopes were checked against the
    /// route when it was authenticated (`scope`).
    pub fn require(&self, allowed: &[Profile]) -> AppResult<()> {
        if allowed.contains(&self.user.profile) {
            Ok(())
        } else {
            Err(AppError::Api(ApiError::says(
                http::StatusCode::FORBIDDEN,
                "forbidden",
                Text::new("this action needs the profile {profiles}").with(
                    "profiles",
                    allowed
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
            )))
        }
    }
}

/// Profiles allowed to read configuration and reports.
pub const READERS: &[Profile] = &[
    Profile::Admin,
    Profile::Supervisor,
    Profile::SupervisorAgent,
];
pub const ADMINS: &[Profile] = &[Profile::Admin];
/// Everyone in the company (what agents need while answering: tags, quick replies...).
pub const ALL_PROFILES: &[Profile] = Profile::ALL;

/// The company and user a session token names (`<tenant>.<user>.<secret>`); `None` for tokens
/// from before they did.
fn named_user(token: &str) -> Option<(TenantId, UserId)> {
    let mut parts = token.splitn(3, '.');
    let tenant = parts.next()?.parse().ok()?;
    let user = parts.next()?.parse().ok()?;
    parts.next()?;
    Some((TenantId(tenant), UserId(user)))
}

fn session_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("session:{hex}")
}

/// Authenticates a request and refuses users who must change their password first.
pub fn authenticate(ctx: &Ctx, req: &Request) -> AppResult<Principal> {
    refuse_password_change(authenticate_in(ctx, req, None)?)
}

/// What a request will read of the key-value store besides its session, so [`authenticate`]
/// reads it along (`cache::read_ahead`): the agent's poll answers from the store alone, and
/// under Spin each call to it is a host call (docs/decisions/0016).
pub struct ReadAhead<'a> {
    /// Read with the session.
    pub fixed: &'a [&'a str],
    /// Read with the session's user, once the session names them.
    pub of_user: fn(TenantId, UserId) -> String,
}

impl ReadAhead<'_> {
    /// The entries of `user` to read: the session's check of them, and the request's own.
    fn of(&self, tenant: TenantId, user: UserId) -> [String; 2] {
        [user_key(tenant, user), (self.of_user)(tenant, user)]
    }
}

/// [`authenticate`], reading `ahead` with the session and its user: two key-value calls for
/// what would otherwise be one each.
pub fn authenticate_reading_ahead(
    ctx: &Ctx,
    req: &Request,
    ahead: &ReadAhead,
) -> AppResult<Principal> {
    refuse_password_change(authenticate_in(ctx, req, Some(ahead))?)
}

fn refuse_password_change(principal: Principal) -> AppResult<Principal> {
    if principal.user.must_change_password {
        return Err(AppError::forbidden(
            "password_change_required",
            "change your password first (POST /api/auth/password)",
        ));
    }
    Ok(principal)
}

/// Authenticates a request; only `me`, `logout` and `password` accept a user who must still
/// change the password.
pub fn authenticate_allowing_password_change(ctx: &Ctx, req: &Request) -> AppResult<Principal> {
    authenticate_in(ctx, req, None)
}

fn authenticate_in(ctx: &Ctx, req: &Request, ahead: Option<&ReadAhead>) -> AppResult<Principal> {
    let token = req.bearer_token().ok_or_else(|| {
        AppError::unauthorized("unauthenticated", "send Authorization: Bearer <token>")
    })?;
    if token.starts_with(crate::token::PREFIX) {
        let tenant = tenant::resolve(ctx, req)?;
        return authenticate_api_token(ctx, tenant, token, req);
    }
    let key = session_key(token);
    let invalid = || AppError::unauthorized("invalid_token", "the session is not valid");
    // The user the token names, if it names one: only which entries to read ahead, never who
    // the request is (the session says that).
    let named = ahead.and(named_user(token));
    if let Some(ahead) = ahead {
        let mut keys = vec![key.clone()];
        keys.extend(ahead.fixed.iter().map(|k| k.to_string()));
        if let Some((tenant, user)) = named {
            keys.extend(ahead.of(tenant, user));
        }
        crate::cache::read_ahead(ctx.kv, keys);
    }
    let session: Option<Session> =
        crate::cache::fetch(ctx.kv, &key)?.and_then(|bytes| serde_json::from_slice(&bytes).ok());
    // The session's company, when the request addresses it: named as the login was, or
    // found by its name (which reads the company variables).
    let carried = session.as_ref().and_then(|s| {
        let company = s.company.clone()?;
        let addressed = s.addressed.as_ref() == Some(&tenant::Addressing::of(req))
            || tenant::requested_slug(ctx, req).as_deref() == Some(company.slug.as_str());
        addressed.then_some(company)
    });
    let tenant = match carried {
        Some(company) => tenant::admit(req, company)?,
        None => tenant::resolve(ctx, req)?,
    };
    let session = session.ok_or_else(invalid)?;
    if session.expires_ms <= ctx.now_ms() {
        ctx.kv.delete(&key)?;
        return Err(AppError::unauthorized(
            "session_expired",
            "the session has expired; log in again",
        ));
    }
    // A token of tenant A is never valid for tenant B.
    if session.tenant != tenant.id.0 {
        return Err(invalid());
    }
    let user = UserId(session.user);
    if let Some(ahead) = ahead.filter(|_| named != Some((tenant.id, user))) {
        crate::cache::read_ahead(ctx.kv, ahead.of(tenant.id, user).into());
    }
    let stored = session_user(ctx, tenant.id, user)?.ok_or_else(invalid)?;
    req.set_user_language(stored.user.language);
    if stored.session_epoch != session.epoch || stored.user.status != Status::Active {
        ctx.kv.delete(&key)?;
        return Err(AppError::unauthorized(
            "session_revoked",
            "the session was revoked; log in again",
        ));
    }
    let hours = stored.fields().working_hours;
    match hours.allows_with(ctx.clock.now(), &session.offsets) {
        Some(true) => {}
        Some(false) => return Err(outside_working_hours()),
        // A session opened before sessions carried their zone's offsets.
        None => {
            ctx.kv.delete(&key)?;
            return Err(AppError::unauthorized(
                "session_revoked",
                "the session was revoked; log in again",
            ));
        }
    }
    Ok(Principal {
        tenant,
        user: stored.user,
        session_key: key,
        token_scopes: None,
    })
}

/// How long a session's user is answered from the key-value store (docs/decisions/0016): an
/// agent's console polls every second, and under Spin a read of `users` would open SQLite each
/// time. Every change to a user forgets the entry ([`forget_user`]); this bounds how late a
/// change that raced a refill is seen.
const USER_CACHED_MS: i64 = 10_000;

fn user_key(tenant: TenantId, user: UserId) -> String {
    format!("user:{}:{}", tenant.0, user.0)
}

/// The session's user, without the password's hash (which never goes to the key-value store).
fn session_user(
    ctx: &Ctx,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<StoredUser>, crate::ports::DbError> {
    let rows = crate::cache::rows(
        ctx.kv,
        &user_key(tenant, user),
        ctx.now_ms(),
        USER_CACHED_MS,
        || user_sql::for_session(ctx.db, tenant, user),
    )?;
    user_sql::decode_first(&rows)
}

/// Called after every write to a user: sessions see the change on their next request.
pub fn forget_user(ctx: &Ctx, tenant: TenantId, user: UserId) {
    let key = user_key(tenant, user);
    crate::cache::forget(ctx.kv, &key);
    // Again once the request's transaction (if any) has committed.
    crate::cache::forget_after_commit(key);
}

/// A token acts as its creator, who must still be an active admin, and only where one of
/// its scopes covers the route.
fn authenticate_api_token(
    ctx: &Ctx,
    tenant: Tenant,
    secret: &str,
    req: &Request,
) -> AppResult<Principal> {
    let invalid = || AppError::unauthorized("invalid_token", "the token is not valid");
    let token = crate::token::use_token(ctx, tenant.id, secret)?.ok_or_else(invalid)?;
    crate::scope::require(&token.scopes, req)?;
    let creator = user_sql::get(ctx.db, tenant.id, token.created_by)?.ok_or_else(invalid)?;
    req.set_user_language(creator.user.language);
    if creator.user.status != Status::Active || creator.user.profile != Profile::Admin {
        return Err(invalid());
    }
    Ok(Principal {
        tenant,
        user: creator.user,
        session_key: String::new(),
        token_scopes: Some(token.scopes),
    })
}

fn check_working_hours(ctx: &Ctx, tenant: &Tenant, stored: &StoredUser) -> AppResult<()> {
    let hours = stored.fields().working_hours;
    if hours.allows(ctx.clock.now(), tenant.zone()) {
        Ok(())
    } else {
        Err(outside_working_hours())
    }
}

fn outside_working_hours() -> AppError {
    AppError::forbidden(
        "outside_working_hours",
        "this user cannot work outside their working hours",
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResult {
    pub token: String,
    pub expires_at: String,
    pub must_change_password: bool,
    pub user: User,
}

/// Checks the credentials in the request's tenant. Failures slow down further attempts by
/// account and address with growing delays (`login_throttle`), never lock the account, and
/// are recorded for the admin.
pub fn login(
    ctx: &Ctx,
    req: &Request,
    username: &str,
    password_given: &str,
) -> AppResult<LoginResult> {
    let tenant = tenant::resolve(ctx, req)?;
    let username = username.trim().to_lowercase();
    let attempt = login_throttle::Attempt::new(tenant.id, &username, &req.client_ip());
    login_throttle::check(ctx, &attempt)?;

    let stored = user_sql::find_by_username(ctx.db, tenant.id, &username)?;
    let hash = stored
        .as_ref()
        .map_or(password::DUMMY_HASH, |s| s.password_hash.as_str());
    let verified = password::verify(password_given, hash);
    let user_id = stored.as_ref().map(|s| s.user.id.0);
    let Some(stored) = stored.filter(|_| verified) else {
        login_throttle::failed(ctx, &attempt, user_id)?;
        return Err(AppError::unauthorized(
            "invalid_credentials",
            "wrong username or password",
        ));
    };
    // The password is right: from here on the person reads their own language.
    req.set_user_language(stored.user.language);
    if stored.user.status != Status::Active {
        return Err(AppError::forbidden(
            "user_inactive",
            "this user is deactivated",
        ));
    }
    check_working_hours(ctx, &tenant, &stored)?;
    login_throttle::succeeded(ctx, &attempt)?;
    open_session(ctx, req, &tenant, stored.user, stored.session_epoch)
}

/// A new session in `tenant`, which `req` addressed.
fn open_session(
    ctx: &Ctx,
    req: &Request,
    tenant: &Tenant,
    user: User,
    epoch: i64,
) -> AppResult<LoginResult> {
    // The company and user lead the token (not secret: the 256 random bits are), so a request
    // can name the user's key-value entries before it has read the session ([`ReadAhead`]).
    let token = format!(
        "{}.{}.{}",
        tenant.id.0,
        user.id.0,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ctx.random_bytes::<32>())
    );
    let ttl_minutes = ctx
        .var(var::SESSION_TTL_MINUTES)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_SESSION_TTL_MINUTES);
    let now = ctx.now_ms();
    let expires_ms = now + ttl_minutes * 60_000;
    let session = Session {
        tenant: tenant.id.0,
        user: user.id.0,
        epoch,
        expires_ms,
        offsets: ZoneOffsets::of(tenant.zone(), now, expires_ms),
        company: Some(tenant.clone()),
        addressed: Some(tenant::Addressing::of(req)),
    };
    let bytes = serde_json::to_vec(&session).map_err(|e| AppError::Unexpected(e.into()))?;
    ctx.kv.set(&session_key(&token), &bytes)?;
    Ok(LoginResult {
        token,
        expires_at: ms_to_rfc3339(expires_ms),
        must_change_password: user.must_change_password,
        user,
    })
}

pub fn logout(ctx: &Ctx, principal: &Principal) -> AppResult<()> {
    if principal.token_scopes.is_some() {
        return Err(AppError::bad_request(
            "not_a_session",
            "API tokens are revoked, not logged out",
        ));
    }
    ctx.kv.delete(&principal.session_key)?;
    Ok(())
}

/// The owner's password change: checks the current one and the policy, revokes every other
/// session and returns a fresh one.
pub fn change_password(
    ctx: &Ctx,
    req: &Request,
    principal: &Principal,
    current: &str,
    new: &str,
) -> AppResult<LoginResult> {
    if principal.token_scopes.is_some() {
        return Err(AppError::forbidden(
            "not_a_session",
            "API tokens have no password",
        ));
    }
    let stored = user_sql::get(ctx.db, principal.tenant_id(), principal.user_id())?
        .ok_or_else(|| AppError::not_found("user"))?;
    if !password::verify(current, &stored.password_hash) {
        return Err(AppError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    check_password(new).map_err(|m| AppError::invalid("new_password", m))?;
    if new == current {
        return Err(AppError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let hash = password::hash(new, &ctx.random_bytes::<16>())?;
    let epoch = user_sql::change_own_password(
        ctx.db,
        principal.tenant_id(),
        principal.user_id(),
        &hash,
        ctx.now_ms(),
    )?
    .ok_or_else(|| AppError::not_found("user"))?;
    forget_user(ctx, principal.tenant_id(), principal.user_id());
    ctx.kv.delete(&principal.session_key)?;
    let mut user = stored.user;
    user.must_change_password = false;
    open_session(ctx, req, &principal.tenant, user, epoch)
}
