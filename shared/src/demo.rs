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

/// What the local host prints for the demo: where the chat widget demo lives.
pub struct Workspace {
    pub webchat_channel: i64,
}

/// The demo company's service setup, so the widget demo and the console have something to
/// work with: an operation overseen by the supervisors, a support group (offers to accept or
/// reject, a classification required to close) that may transfer to a sales group, both with
/// every agent, a web-chat channel entering support, and what agents use while answering —
/// pause reasons, tags, quick replies, FAQ articles, an occurrence type. Idempotent: an
/// existing web-chat channel is reused.
pub fn seed_workspace(ctx: &Ctx) -> AppResult<Workspace> {
    use crate::config::{
        self, article::Article, channel::Channel, classification::Classification, group::Group,
        members, occurrence_type::OccurrenceType, operation::Operation, pause_reason::PauseReason,
        quick_reply::QuickReply, tag::Tag,
    };
    use serde_json::json;
    let tenant = tenant::sql::by_slug(ctx.db, TENANT)?
        .ok_or_else(|| crate::errors::AppError::not_found("demo company"))?
        .id;
    if let Some(existing) = config::sql::all(ctx.db, tenant, "channel")?
        .into_iter()
        .find(|c| c.data.contains("\"type\":\"webchat\""))
    {
        return Ok(Workspace {
            webchat_channel: existing.id,
        });
    }
    let operation = config::create::<Operation>(ctx, tenant, json!({"name": "Atendimento"}))?;
    let classification = config::create::<Classification>(
        ctx,
        tenant,
        json!({"name": "Atendimento", "reasons": [
            {"name": "Dúvida", "children": [{"name": "Entrega"}, {"name": "Pagamento"}]},
            {"name": "Reclamação", "children": [{"name": "Atraso"}, {"name": "Produto com defeito"}]},
            {"name": "Elogio"}
        ]}),
    )?;
    let sales = config::create::<Group>(
        ctx,
        tenant,
        json!({"name": "Vendas", "operation_id": operation.id, "queue_strategy": "least_conversations"}),
    )?;
    let group = config::create::<Group>(
        ctx,
        tenant,
        json!({"name": "Suporte", "operation_id": operation.id, "queue_strategy": "least_conversations",
               "offer_mode": "accept_reject", "offer_timeout_seconds": 120,
               "classification_id": classification.id, "classification_mandatory": true,
               "name_shown": "agent", "transfer_group_ids": [sales.id]}),
    )?;
    for g in [group.id, sales.id] {
        members::add_members(
            ctx.db,
            tenant,
            g,
            &members::Selection {
                ids: Vec::new(),
                all: true,
            },
            ctx.now_ms(),
        )?;
    }
    for (username, _, profile) in USERS {
        if profile.starts_with("supervisor") {
            if let Some(user) = crate::user::sql::find_by_username(ctx.db, tenant, username)? {
                members::link_operations(
                    ctx.db,
                    tenant,
                    user.user.id,
                    &members::Selection {
                        ids: vec![operation.id],
                        all: false,
                    },
                )?;
            }
        }
    }
    for name in ["Almoço", "Treinamento", "Pausa pessoal"] {
        config::create::<PauseReason>(ctx, tenant, json!({ "name": name }))?;
    }
    for (name, color) in [
        ("VIP", "#b7791f"),
        ("Reclamação", "#c53030"),
        ("Elogio", "#2f855a"),
    ] {
        config::create::<Tag>(ctx, tenant, json!({"name": name, "color": color}))?;
    }
    for (shortcut, text) in [
        ("ola", "Olá! Como posso ajudar?"),
        ("aguarde", "Um momento, por favor, estou verificando."),
        ("obrigado", "Obrigado pelo contato! Tenha um ótimo dia."),
    ] {
        config::create::<QuickReply>(ctx, tenant, json!({"shortcut": shortcut, "text": text}))?;
    }
    config::create::<Article>(
        ctx,
        tenant,
        json!({"title": "Prazo de entrega", "body": "Entregamos em até 5 dias úteis nas capitais.", "keywords": ["entrega", "frete", "prazo"]}),
    )?;
    config::create::<Article>(
        ctx,
        tenant,
        json!({"title": "Trocas e devoluções", "body": "Você pode trocar ou devolver em até 7 dias após o recebimento.", "keywords": ["troca", "devolução"]}),
    )?;
    config::create::<OccurrenceType>(ctx, tenant, json!({"name": "Cliente pediu retorno"}))?;
    let channel = config::create::<Channel>(
        ctx,
        tenant,
        json!({"type": "webchat", "name": "Site", "entry_group_id": group.id}),
    )?;
    Ok(Workspace {
        webchat_channel: channel.id,
    })
}
