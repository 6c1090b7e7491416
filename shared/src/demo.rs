//! The demo company the local host creates with `--demo`: one user of every profile, all with
//! a known password, so a new person can log in straight away.

use crate::context::Ctx;
use crate::errors::AppResult;
use crate::platform::{self, NewAdmin, NewTenant};
use crate::tenant;
use crate::user::{self, CreateUser};

pub const TENANT: &str = "demo";
pub const PASSWORD: &str = "Atende#2026";

/// (username, display name, profile)
pub const USERS: &[(&str, &str, &str)] = &[
    ("admin", "Ana Admin", "admin"),
    ("supervisor", "Sérgio Supervisor", "supervisor"),
    ("supagent", "Sara Supervisora-Agente", "supervisor_agent"),
    ("agent1", "Alice Agente", "agent"),
    ("agent2", "Bruno Agente", "agent"),
    ("agent3", "Carla Agente", "agent"),
    ("agent4", "Diego Agente", "agent"),
];

/// Creates the demo company if it does not exist yet; returns whether it was created now.
pub fn seed(ctx: &Ctx) -> AppResult<bool> {
    if tenant::sql::by_slug(ctx.db, TENANT)?.is_some() {
        return Ok(false);
    }
    let created = platform::create_tenant(
        ctx,
        NewTenant {
            slug: TENANT.into(),
            name: "Atende Demo".into(),
            time_zone: Some("America/Sao_Paulo".into()),
            language: None,
            admin: NewAdmin {
                username: "admin".into(),
                display_name: "Ana Admin".into(),
                password: PASSWORD.into(),
                email: Some("admin@demo.atende.local".into()),
                must_change_password: Some(false),
            },
        },
    )?;
    for (username, name, profile) in USERS.iter().skip(1) {
        user::service::create(
            ctx,
            created.tenant.id,
            CreateUser {
                username: (*username).into(),
                display_name: (*name).into(),
                profile: (*profile).into(),
                password: PASSWORD.into(),
                email: Some(format!("{username}@demo.atende.local")),
                must_change_password: Some(false),
                ..CreateUser::default()
            },
        )?;
    }
    Ok(true)
}
