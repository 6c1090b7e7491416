//! What a handler works with: the host's ports for this one request, and the configuration
//! read from Spin variables.

use crate::ports::{Clock, HttpClient, KeyValue, Random, Sql, Variables};
use std::path::Path;

pub struct Ctx<'a> {
    pub db: &'a dyn Sql,
    pub kv: &'a dyn KeyValue,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub http: &'a dyn HttpClient,
    pub vars: &'a dyn Variables,
    /// Where the web component finds its static files (`/` under Spin's file mounts).
    pub files_root: &'a Path,
}

/// Names of the Spin variables Atende reads; `spin.toml` declares each with its default.
pub mod var {
    pub const PLATFORM_SECRET: &str = "platform_secret";
    pub const BASE_DOMAIN: &str = "base_domain";
    pub const DEFAULT_TENANT: &str = "default_tenant";
    pub const SESSION_TTL_MINUTES: &str = "session_ttl_minutes";
}

impl Ctx<'_> {
    /// A variable, with empty values treated as unset.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    pub fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.random.fill(&mut buf);
        buf
    }
}
