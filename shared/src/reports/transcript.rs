//! One conversation's transcript: every message (internal notes included: reports are for
//! staff) with role, sender and time, attachments, the timeline and the survey answers; as
//! JSON and as PDF.

use super::history::Classifications;
use super::pdf;
use super::{local_stamp, local_time, sql};
use crate::auth::Principal;
use crate::context::Ctx;
use crate::conversation::visibility::Visibility;
use crate::errors::{AppError, AppResult};
use crate::ports::DbError;
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The customer of a transcript.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptClient {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The conversation of a transcript, times in the company's time zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptConversation {
    pub id: i64,
    pub protocol: String,
    pub channel: String,
    pub status: String,
    pub client: TranscriptClient,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub subject: Option<String>,
    pub started_at: Option<String>,
    pub queued_at: Option<String>,
    pub assigned_at: Option<String>,
    pub first_response_at: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// The closing script's path: classification / reason / sub-reason.
    pub classification: Option<String>,
    pub close_comment: Option<String>,
    pub resolved: Option<bool>,
    pub company: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptMessage {
    pub id: i64,
    pub role: String,
    pub sender_name: Option<String>,
    pub kind: String,
    pub body: Option<String>,
    pub attachment_id: Option<i64>,
    pub attachment_name: Option<String>,
    pub created_at: String,
    #[serde(skip)]
    created_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub kind: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub data: Option<Value>,
    pub at: String,
    #[serde(skip)]
    at_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyAnswer {
    pub question: i64,
    pub kind: String,
    pub score: Option<i64>,
    pub scale: Option<i64>,
    pub text: Option<String>,
    pub answered_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    pub conversation: TranscriptConversation,
    pub messages: Vec<TranscriptMessage>,
    pub timeline: Vec<TimelineEntry>,
    pub survey_answers: Vec<SurveyAnswer>,
    #[serde(skip)]
    company: String,
    #[serde(skip)]
    zone: Tz,
}

/// The transcript, if `me` may see the conversation: 404 when it is not in the company, 403
/// when it is someone else's that `me` may not see.
pub fn load(ctx: &Ctx, me: &Principal, id: i64) -> AppResult<Transcript> {
    let tenant = me.tenant_id();
    let zone = me.tenant.zone();
    let (rows, visible) = sql::conversation(ctx.db, tenant, &Visibility::of(me), id)?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    if !visible {
        return Err(AppError::forbidden(
            "forbidden",
            "this conversation is not in the history you may see",
        ));
    }
    let r = rows
        .first()
        .ok_or_else(|| AppError::not_found("conversation"))?;
    let names = Classifications::load(ctx, me)?;
    let at = |column: &str| -> Result<Option<String>, DbError> {
        Ok(r.opt_i64(column)?.map(|t| local_time(t, zone)))
    };
    let company = r.text("company")?;
    let conversation = TranscriptConversation {
        id: r.i64("id")?,
        protocol: r.text("protocol")?,
        channel: r.text("channel_type")?,
        status: r.text("status")?,
        client: TranscriptClient {
            id: r.i64("client_id")?,
            name: r.text("client_name")?,
            phone: r.opt_text("phone")?,
            email: r.opt_text("email")?,
        },
        agent_id: r.opt_i64("agent_id")?,
        agent_name: r.opt_text("agent_name")?,
        group_id: r.opt_i64("group_id")?,
        group_name: r.opt_text("group_name")?,
        subject: r.opt_text("subject")?,
        started_at: at("arrived_at")?,
        queued_at: at("queued_at")?,
        assigned_at: at("assigned_at")?,
        first_response_at: at("first_response_at")?,
        closed_at: at("closed_at")?,
        closed_by: r.opt_text("closed_by")?,
        classification: names.path(
            r.opt_i64("classification_id")?,
            r.opt_i64("reason_id")?,
            r.opt_i64("sub_reason_id")?,
        ),
        close_comment: r.opt_text("close_comment")?,
        resolved: r.opt_i64("resolved")?.map(|v| v != 0),
        company: company.clone(),
    };
    let messages = sql::transcript_messages(ctx.db, tenant, id)?
        .iter()
        .map(|m| {
            let role = m.text("role")?;
            let created = m.i64("created_at")?;
            Ok(TranscriptMessage {
                id: m.i64("id")?,
                sender_name: m.opt_text("sender_name")?.or_else(|| match role.as_str() {
                    "bot" => Some("Bot".to_owned()),
                    "system" => Some("System".to_owned()),
                    _ => None,
                }),
                role,
                kind: m.text("kind")?,
                body: m.opt_text("body")?,
                attachment_id: m.opt_i64("attachment_id")?,
                attachment_name: m.opt_text("attachment_name")?,
                created_at: local_time(created, zone),
                created_ms: created,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let timeline = sql::timeline(ctx.db, tenant, id)?
        .iter()
        .map(|e| {
            let at = e.i64("at")?;
            Ok(TimelineEntry {
                kind: e.text("kind")?,
                actor: e.text("actor")?,
                actor_id: e.opt_i64("actor_id")?,
                actor_name: e.opt_text("actor_name")?,
                data: e
                    .opt_text("data")?
                    .and_then(|d| serde_json::from_str(&d).ok()),
                at: local_time(at, zone),
                at_ms: at,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let survey_answers = sql::conversation_survey_answers(ctx.db, tenant, id)?
        .iter()
        .map(|a| {
            Ok(SurveyAnswer {
                question: a.i64("question")?,
                kind: a.text("kind")?,
                score: a.opt_i64("score")?,
                scale: a.opt_i64("scale")?,
                text: a.opt_text("text")?,
                answered_at: local_time(a.i64("answered_at")?, zone),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Transcript {
        conversation,
        messages,
        timeline,
        survey_answers,
        company,
        zone,
    })
}

/// A timeline event in the PDF's words (they were the stored English kinds in a Portuguese
/// document); an unknown kind as stored.
fn event_label(kind: &str) -> &str {
    match kind {
        "created" => "aberto",
        "bot" => "com o robô",
        "queued" => "na fila",
        "offered" => "ofertado",
        "offer_rejected" => "oferta recusada",
        "offer_expired" => "oferta expirada",
        "withdrawn" => "retirado do atendente",
        "assigned" => "atribuído",
        "transferred" => "transferido",
        "pending" => "pendente",
        "resumed" => "retomado",
        "closed" => "encerrado",
        "occurrence" => "ocorrência registrada",
        other => other,
    }
}

/// Portuguese labels: the PDF is what the company hands its customer.
fn role_label(role: &str) -> &'static str {
    match role {
        "customer" => "cliente",
        "agent" => "atendente",
        "bot" => "bot",
        "note" => "nota interna",
        _ => "sistema",
    }
}

/// The PDF: company, protocol, participants and times, then every message, the timeline and
/// the survey answers.
pub fn pdf(t: &Transcript) -> Vec<u8> {
    let c = &t.conversation;
    let text = |v: Option<&String>| v.map_or_else(|| "-".to_owned(), String::clone);
    let width = pdf::columns();
    let mut lines = Vec::new();
    let mut field = |label: &str, value: String| {
        lines.extend(pdf::wrap(&format!("{label:<15}{value}"), width, 15));
    };
    let protocol = c.protocol.clone();
    field("Protocolo:", protocol.clone());
    field(
        "Canal:",
        super::channel_name(&c.channel, crate::enums::Language::PtBr).to_owned(),
    );
    let contact = c
        .client
        .phone
        .as_ref()
        .or(c.client.email.as_ref())
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    field("Cliente:", format!("{}{contact}", c.client.name));
    field("Atendente:", text(c.agent_name.as_ref()));
    field("Grupo:", text(c.group_name.as_ref()));
    let stamp = |key: &str| {
        t.timeline
            .iter()
            .find(|e| e.kind == key)
            .map(|e| local_stamp(e.at_ms, t.zone))
    };
    let started = t
        .messages
        .first()
        .map(|m| local_stamp(m.created_ms, t.zone))
        .or_else(|| stamp("created"))
        .unwrap_or_else(|| text(c.started_at.as_ref()));
    field("Início:", started);
    field(
        "Fim:",
        stamp("closed").unwrap_or_else(|| "em aberto".to_owned()),
    );
    if let Some(cl) = &c.classification {
        field("Classificação:", cl.clone());
    }
    if let Some(comment) = &c.close_comment {
        field("Comentário:", comment.clone());
    }
    lines.push(String::new());
    lines.push("Mensagens".to_owned());
    lines.push("-".repeat(width));
    for m in &t.messages {
        let who = m.sender_name.clone().unwrap_or_default();
        let mut body = m.body.clone().unwrap_or_default();
        if let Some(name) = &m.attachment_name {
            body = format!("{body} [anexo: {name}]").trim().to_owned();
        }
        let head = format!(
            "[{}] {} ({}): ",
            local_stamp(m.created_ms, t.zone),
            who,
            role_label(&m.role)
        );
        lines.extend(pdf::wrap(&format!("{head}{body}"), width, 4));
    }
    if !t.timeline.is_empty() {
        lines.push(String::new());
        lines.push("Linha do tempo".to_owned());
        lines.push("-".repeat(width));
        for e in &t.timeline {
            let who = e.actor_name.clone().unwrap_or_else(|| e.actor.clone());
            lines.extend(pdf::wrap(
                &format!(
                    "[{}] {} - {}",
                    local_stamp(e.at_ms, t.zone),
                    event_label(&e.kind),
                    who
                ),
                width,
                4,
            ));
        }
    }
    // The customer's own answers to the survey, as the JSON transcript has them.
    if !t.survey_answers.is_empty() {
        lines.push(String::new());
        lines.push("Pesquisa de satisfação".to_owned());
        lines.push("-".repeat(width));
        for a in &t.survey_answers {
            let answer = match (a.kind.as_str(), a.score, a.scale, &a.text) {
                ("nps", Some(score), _, _) => format!("NPS: {score} de 10"),
                ("csat", Some(score), Some(scale), _) => format!("CSAT: {score} de {scale}"),
                (_, _, _, Some(text)) => format!("Comentário: {text}"),
                _ => "sem resposta".to_owned(),
            };
            lines.extend(pdf::wrap(
                &format!(
                    "[{}] {answer}",
                    a.answered_at
                        .get(..19)
                        .unwrap_or(&a.answered_at)
                        .replace('T', " ")
                ),
                width,
                4,
            ));
        }
    }
    pdf::render(&pdf::Document {
        title: t.company.clone(),
        subject: format!("Protocolo {protocol}"),
        lines,
    })
}

pub fn protocol(t: &Transcript) -> String {
    t.conversation.protocol.clone()
}
