//! The demo company the local host creates with `--demo`, and a bare Spin deployment with
//! `POST /api/platform/demo`: one user of every profile, all with a known password, so a new
//! person can log in straight away, and a workspace to answer customers in.

use crate::context::Ctx;
use crate::errors::{AppError, AppResult, Text};
use crate::platform::{self, NewAdmin, NewTenant};
use crate::tenant::{self, Tenant};
use crate::user::{self, CreateUser};
use serde::Serialize;

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

/// A demo user as the platform API reports it: the password is the same for all ([`PASSWORD`]).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub profile: &'static str,
}

/// The demo company just created: who can log in, and where to go.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DemoCompany {
    pub tenant: Tenant,
    /// Every user's password (published on the start page: never use the demo for real work).
    pub password: &'static str,
    pub users: Vec<DemoUser>,
    /// The web-chat channel whose menu bot greets visitors.
    pub webchat_channel_id: i64,
    /// The agent console (log in as `agent1` and go *Ready*).
    pub console_path: &'static str,
    /// A stand-in for a company's site with the chat widget on it.
    pub widget_demo_path: String,
}

/// Creates the demo company and its workspace where none exists yet, as `atende --demo` does.
/// A company with the demo's slug that exists already is left alone (409 `tenant_exists`):
/// it may be a real company, and the demo's users have a published password.
pub fn create(ctx: &Ctx) -> AppResult<DemoCompany> {
    if !seed(ctx)? {
        return Err(AppError::conflict(
            "tenant_exists",
            "slug",
            Text::new("the company '{slug}' exists").with("slug", TENANT),
        ));
    }
    let workspace = seed_workspace(ctx)?;
    let tenant = tenant::sql::by_slug(ctx.db, TENANT)?.ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!("the demo company just created is gone"))
    })?;
    Ok(DemoCompany {
        tenant,
        password: PASSWORD,
        users: USERS
            .iter()
            .map(|(username, display_name, profile)| DemoUser {
                username,
                display_name,
                profile,
            })
            .collect(),
        webchat_channel_id: workspace.webchat_channel,
        console_path: "/console/",
        widget_demo_path: widget_demo_path(workspace.webchat_channel),
    })
}

/// The chat widget demo page of a web-chat channel.
pub fn widget_demo_path(channel: i64) -> String {
    format!("/chat/demo.html?channel={channel}")
}

/// The demo company's service setup, so the widget demo and the console have something to
/// work with: an operation overseen by the supervisors; a reception group whose menu bot greets
/// every customer of the web chat and WhatsApp channels and routes option 1 to "Suporte" and
/// option 2 to "Financeiro", answers option 3 with a FAQ article and closes with option 4;
/// "Suporte" offers to accept or reject, needs a classification to close and may transfer to
/// "Vendas" and "Financeiro"; every agent answers in all three, which carry a satisfaction
/// survey (NPS, CSAT, open); and what agents use while answering — pause reasons, tags, quick
/// replies, FAQ articles, an occurrence type. Idempotent: an existing web-chat channel is reused.
pub fn seed_workspace(ctx: &Ctx) -> AppResult<Workspace> {
    use crate::config::{
        self, article::Article, channel::Channel, classification::Classification, group::Group,
        members, occurrence_type::OccurrenceType, operation::Operation, pause_reason::PauseReason,
        quick_reply::QuickReply, survey::Survey, tag::Tag,
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
    let l = |pt: &str, es: &str, en: &str| json!({"pt-BR": pt, "es": es, "en": en});
    let survey = config::create::<Survey>(
        ctx,
        tenant,
        json!({"name": "Satisfacao", "sent_by": ["agent", "supervisor_agent"], "allow_skip": true, "questions": [
            {"type": "nps", "text": l("De 0 a 10, o quanto você recomendaria nossa empresa a um amigo?",
                                      "Del 0 al 10, ¿cuánto recomendaría nuestra empresa a un amigo?",
                                      "From 0 to 10, how likely are you to recommend us to a friend?")},
            {"type": "csat", "text": l("Como você avalia este atendimento?", "¿Cómo califica esta atención?", "How would you rate this service?"),
             "options": [l("Satisfeito", "Satisfecho", "Satisfied"), l("Indiferente", "Indiferente", "Neutral"), l("Insatisfeito", "Insatisfecho", "Unsatisfied")]},
            {"type": "open", "text": l("Quer deixar um comentário?", "¿Quiere dejar un comentario?", "Would you like to leave a comment?")}
        ]}),
    )?;
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
        json!({"name": "Vendas", "operation_id": operation.id, "queue_strategy": "least_conversations",
               "survey_id": survey.id}),
    )?;
    let billing = config::create::<Group>(
        ctx,
        tenant,
        json!({"name": "Financeiro", "operation_id": operation.id, "queue_strategy": "least_conversations",
               "survey_id": survey.id, "classification_id": classification.id,
               "timers": {"initial_sla_minutes": 5}}),
    )?;
    let support = config::create::<Group>(
        ctx,
        tenant,
        json!({"name": "Suporte", "operation_id": operation.id, "queue_strategy": "least_conversations",
               "offer_mode": "accept_reject", "offer_timeout_seconds": 120,
               "classification_id": classification.id, "classification_mandatory": true,
               "survey_id": survey.id, "name_shown": "agent", "timers": {"initial_sla_minutes": 5},
               "transfer_group_ids": [sales.id, billing.id]}),
    )?;
    for g in [support.id, sales.id, billing.id] {
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
        ("ola", "Olá, {primeiro_nome}! Como posso ajudar?"),
        ("aguarde", "Um momento, por favor, estou verificando."),
        ("obrigado", "Obrigado pelo contato! Tenha um ótimo dia."),
    ] {
        config::create::<QuickReply>(ctx, tenant, json!({"shortcut": shortcut, "text": text}))?;
    }
    let delivery = config::create::<Article>(
        ctx,
        tenant,
        json!({"title": "Prazo de entrega", "body": "Entregamos em até 5 dias úteis nas capitais.", "keywords": ["entrega", "frete", "prazo"],
            "translations": {"es": {"title": "Plazo de entrega", "body": "Entregamos en hasta 5 días hábiles en las capitales."},
                             "en": {"title": "Delivery time", "body": "We deliver within 5 business days in state capitals."}}}),
    )?;
    config::create::<Article>(
        ctx,
        tenant,
        json!({"title": "Trocas e devoluções", "body": "Você pode trocar ou devolver em até 7 dias após o recebimento.", "keywords": ["troca", "devolução"],
            "translations": {"es": {"title": "Cambios y devoluciones", "body": "Puede cambiar o devolver hasta 7 días después de recibirlo."},
                             "en": {"title": "Returns and exchanges", "body": "You can exchange or return within 7 days of delivery."}}}),
    )?;
    config::create::<OccurrenceType>(ctx, tenant, json!({"name": "Cliente pediu retorno"}))?;
    let reception = config::create::<Group>(
        ctx,
        tenant,
        json!({"name": "Recepção", "operation_id": operation.id, "start_bot": "menu",
        "bot_inactivity": {"time": 10, "unit": "minutes", "action": "to_group", "group_id": support.id},
        "menu": {
            "greeting": l("Olá! Bem-vindo à Atende Demo.", "¡Hola! Bienvenido a Atende Demo.", "Hello! Welcome to Atende Demo."),
            "fallback_group_id": support.id,
            "nodes": [{"id": "inicio",
                "prompt": l("Como podemos ajudar? Escolha uma opção:", "¿Cómo podemos ayudarle? Elija una opción:", "How can we help? Choose an option:"),
                "options": [
                    {"number": 1, "label": l("Suporte", "Soporte", "Support"), "keywords": ["suporte", "soporte", "support", "ajuda"], "action": "group", "group_id": support.id},
                    {"number": 2, "label": l("Financeiro", "Finanzas", "Billing"), "keywords": ["financeiro", "boleto", "pagamento"], "action": "group", "group_id": billing.id},
                    {"number": 3, "label": l("Prazo de entrega", "Plazo de entrega", "Delivery time"), "keywords": ["entrega", "prazo"], "action": "article", "article_id": delivery.id},
                    {"number": 4, "label": l("Encerrar", "Terminar", "End chat"), "action": "close",
                     "message": l("Obrigado pelo contato. Até logo!", "Gracias por contactarnos. ¡Hasta pronto!", "Thank you for contacting us. Goodbye!")}
                ]}]
        }}),
    )?;
    let channel = config::create::<Channel>(
        ctx,
        tenant,
        json!({"type": "webchat", "name": "Site", "entry_group_id": reception.id}),
    )?;
    // Placeholders: an admin puts the Meta app's real credentials here to take it live.
    config::create::<Channel>(
        ctx,
        tenant,
        json!({"type": "whatsapp", "name": "WhatsApp", "entry_group_id": reception.id,
               "credentials": {"phone_number_id": "demo-phone-number-id", "access_token": "demo-access-token",
                               "app_secret": "demo-app-secret", "verify_token": "demo-verify-token"}}),
    )?;
    Ok(Workspace {
        webchat_channel: channel.id,
    })
}
