//! Login throttling that an attacker cannot turn against a user (docs/decisions/0007).
//!
//! Failures are counted three ways, each with a few free attempts and then a delay that
//! doubles with every further failure (1 s, 2 s, 4 s ... at most 15 minutes) before the next
//! attempt is even checked — a slowdown, never a lock:
//! - one account from one address: a person mistyping, or a guesser at one account;
//! - one address, any account: a guesser going through usernames;
//! - one account, any address: a guesser spread over many addresses. This one does not
//!   apply to an address the account has logged in from recently, so however many failures
//!   others cause, the agent at their usual desk gets in.
//!
//! The counters live in the key-value store (they may be lost: that only forgives), and
//! every failure (a password checked and wrong, or an unknown username) is recorded in
//! `login_failures` for the admin.

pub mod sql;

use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use serde::{Deserialize, Serialize};

/// Failures allowed before delays start, per (account, address), per address and per account.
pub const FREE_PER_ACCOUNT_AND_ADDRESS: u32 = 5;
pub const FREE_PER_ADDRESS: u32 = 20;
pub const FREE_PER_ACCOUNT: u32 = 20;
/// The first delay, doubling with each further failure, up to the longest.
pub const FIRST_DELAY_MS: i64 = 1_000;
pub const LONGEST_DELAY_MS: i64 = 15 * 60 * 1000;
/// A counter with no new failure for this long starts over.
pub const FORGET_AFTER_MS: i64 = 15 * 60 * 1000;
/// How long a successful login makes its address known for the account.
const KNOWN_ADDRESS_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Debug, Serialize, Deserialize, Default, Clone, Copy)]
struct Counter {
    count: u32,
    last_ms: i64,
}

impl Counter {
    /// When the next attempt may be checked, given `free` failures allowed without delay.
    fn next_allowed(&self, free: u32) -> i64 {
        if self.count < free {
            return 0;
        }
        let doublings = (self.count - free).min(20);
        let delay = (FIRST_DELAY_MS << doublings).min(LONGEST_DELAY_MS);
        self.last_ms + delay
    }
}

/// The keys of one attempt's counters.
pub struct Attempt {
    tenant: TenantId,
    username: String,
    address: String,
    pair: String,
    by_address: String,
    by_account: String,
    known: String,
}

impl Attempt {
    pub fn new(tenant: TenantId, username: &str, address: &str) -> Attempt {
        let t = tenant.0;
        Attempt {
            tenant,
            username: username.to_owned(),
            address: address.to_owned(),
            pair: format!("login-failures:pair:{t}:{username}:{address}"),
            by_address: format!("login-failures:address:{address}"),
            by_account: format!("login-failures:account:{t}:{username}"),
            known: format!("login-known:{t}:{username}:{address}"),
        }
    }
}

fn counter(ctx: &Ctx, key: &str) -> AppResult<Counter> {
    let now = ctx.now_ms();
    Ok(ctx
        .kv
        .get(key)?
        .and_then(|b| serde_json::from_slice::<Counter>(&b).ok())
        .filter(|c| now - c.last_ms < FORGET_AFTER_MS)
        .unwrap_or_default())
}

fn known_address(ctx: &Ctx, attempt: &Attempt) -> AppResult<bool> {
    let now = ctx.now_ms();
    Ok(ctx
        .kv
        .get(&attempt.known)?
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse::<i64>().ok())
        .is_some_and(|until| until > now))
}

/// Refuses (429 with Retry-After) an attempt that comes before its delay has passed, without
/// checking the password or counting it.
pub fn check(ctx: &Ctx, attempt: &Attempt) -> AppResult<()> {
    let now = ctx.now_ms();
    let pair = counter(ctx, &attempt.pair)?;
    let by_address = counter(ctx, &attempt.by_address)?;
    let mut until = pair
        .next_allowed(FREE_PER_ACCOUNT_AND_ADDRESS)
        .max(by_address.next_allowed(FREE_PER_ADDRESS));
    let by_account = counter(ctx, &attempt.by_account)?;
    let account_wait = by_account.next_allowed(FREE_PER_ACCOUNT);
    if account_wait > now && !known_address(ctx, attempt)? {
        until = until.max(account_wait);
    }
    if until > now {
        // Not recorded: a refused attempt costs the attacker nothing, so it must cost us
        // nothing either (no write); the failures that led here are in the record.
        let seconds = u64::try_from(until - now).unwrap_or(1000).div_ceil(1000);
        return Err(AppError::too_many_requests(seconds.max(1)));
    }
    Ok(())
}

/// Counts a failed attempt (wrong password, or no such user) and records it for the admin.
pub fn failed(ctx: &Ctx, attempt: &Attempt, user_id: Option<i64>) -> AppResult<()> {
    let now = ctx.now_ms();
    for key in [&attempt.pair, &attempt.by_address, &attempt.by_account] {
        let mut c = counter(ctx, key)?;
        c.count += 1;
        c.last_ms = now;
        let bytes = serde_json::to_vec(&c).map_err(|e| AppError::Unexpected(e.into()))?;
        ctx.kv.set(key, &bytes)?;
    }
    let reason = if user_id.is_some() {
        "wrong_password"
    } else {
        "unknown_user"
    };
    sql::record(
        ctx.db,
        attempt.tenant,
        &attempt.username,
        user_id,
        &attempt.address,
        reason,
        now,
    )?;
    Ok(())
}

/// A successful login forgives this address's failures at this account and makes the address
/// known for it (exempt from the account-wide delay).
pub fn succeeded(ctx: &Ctx, attempt: &Attempt) -> AppResult<()> {
    if counter(ctx, &attempt.pair)?.count > 0 {
        ctx.kv.delete(&attempt.pair)?;
    }
    let until = (ctx.now_ms() + KNOWN_ADDRESS_MS).to_string();
    ctx.kv.set(&attempt.known, until.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_attempts_up_to_the_longest() {
        let at = |count| {
            Counter {
                count,
                last_ms: 1_000_000,
            }
            .next_allowed(5)
                - 1_000_000
        };
        assert_eq!(Counter::default().next_allowed(5), 0);
        assert!(at(4) < 0, "still free");
        assert_eq!(at(5), 1_000);
        assert_eq!(at(6), 2_000);
        assert_eq!(at(9), 16_000);
        assert_eq!(at(40), LONGEST_DELAY_MS);
    }
}
