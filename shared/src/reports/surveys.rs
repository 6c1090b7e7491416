//! Satisfaction surveys: the answers the survey bot records ([`record_answer`]) and the report
//! over them — CSAT distribution and score, NPS with its counts, and the open answers with
//! their protocol — by period, group and agent.
//!
//! CSAT options are listed from most to least satisfied (option 1 = most satisfied). The CSAT
//! score is the % of answers that are "satisfied": option 1, or options 1–2 on scales of five
//! or more options (the usual top-two-box). NPS: 9–10 promoters, 7–8 passives, 0–6
//! detractors; score = % promoters − % detractors, rounded.

use super::{local_time, percent, sql, Period, Scope};
use crate::auth::Principal;
use crate::config::survey::{QuestionType, SurveyDoc};
use crate::context::Ctx;
use crate::errors::{AppError, AppResult};
use crate::ids::TenantId;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An answer as the survey bot understood it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Open(String),
    /// The chosen option, 1 = the first.
    Csat(i64),
    Nps(i64),
}

/// Records the customer's answer to question `question` (0-based) of the survey of the
/// conversation's group, once: a repeat returns false and changes nothing. The conversation
/// must be closed and its group must have a survey; the answer must fit the question.
pub fn record_answer(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: i64,
    question: usize,
    answer: &Answer,
) -> AppResult<bool> {
    let rows = sql::survey_target(ctx.db, tenant, conversation)?;
    let r = rows
        .first()
        .ok_or_else(|| AppError::not_found("conversation"))?;
    if r.text("status")? != "closed" {
        return Err(AppError::conflict(
            "not_closed",
            "conversation",
            "surveys are answered after the close",
        ));
    }
    let survey_id = r
        .opt_i64("survey_id")?
        .ok_or_else(|| AppError::invalid("conversation", "its group has no survey"))?;
    let doc: SurveyDoc = serde_json::from_str(&r.text("survey")?)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored survey {survey_id}: {e}")))?;
    let q = doc
        .questions
        .get(question)
        .ok_or_else(|| AppError::invalid("question", "the survey has no such question"))?;
    let (kind, score, scale, text) = match (q.kind, answer) {
        (QuestionType::Open, Answer::Open(t)) if !t.trim().is_empty() => (
            "open",
            None,
            None,
            Some(t.trim().chars().take(2000).collect::<String>()),
        ),
        (QuestionType::Csat, Answer::Csat(o)) if (1..=q.options.len() as i64).contains(o) => {
            ("csat", Some(*o), Some(q.options.len() as i64), None)
        }
        (QuestionType::Nps, Answer::Nps(n)) if (0..=10).contains(n) => {
            ("nps", Some(*n), Some(11), None)
        }
        _ => {
            return Err(AppError::invalid(
                "answer",
                format!("not a valid answer to a {} question", q.kind.as_str()),
            ))
        }
    };
    Ok(sql::insert_survey_answer(
        ctx.db,
        tenant,
        conversation,
        survey_id,
        question as i64,
        kind,
        score,
        scale,
        text.as_deref(),
        r.opt_i64("group_id")?,
        r.opt_i64("agent_id")?,
        ctx.now_ms(),
    )?)
}

/// Whether a CSAT option counts as satisfied on a scale of `scale` options.
pub fn satisfied(option: i64, scale: i64) -> bool {
    option == 1 || (scale >= 5 && option == 2)
}

/// How many answers chose a CSAT option (1 = most satisfied).
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionCount {
    pub option: i64,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Csat {
    pub answers: i64,
    pub distribution: Vec<OptionCount>,
    pub satisfied: i64,
    /// % of the answers that are satisfied.
    pub score: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Nps {
    pub answers: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// % promoters − % detractors, rounded.
    pub score: Option<f64>,
}

/// An answer to an open question.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenAnswer {
    pub conversation_id: i64,
    pub protocol: String,
    /// The question's position in the survey, from 0.
    pub question: i64,
    pub text: Option<String>,
    pub group_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub answered_at: String,
}

/// The survey answers of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyReport {
    pub from: String,
    pub to: String,
    pub csat: Csat,
    pub nps: Nps,
    pub open_answers: Vec<OpenAnswer>,
}

pub fn report(
    ctx: &Ctx,
    me: &Principal,
    period: &Period,
    group: Option<i64>,
    agent: Option<i64>,
) -> AppResult<SurveyReport> {
    let rows = sql::survey_answers(
        ctx.db,
        me.tenant_id(),
        &Scope::of(me),
        period.from_ms,
        period.to_ms,
        group,
        agent,
    )?;
    let mut csat: BTreeMap<i64, i64> = BTreeMap::new();
    let (mut csat_n, mut csat_ok) = (0, 0);
    let (mut promoters, mut passives, mut detractors) = (0, 0, 0);
    let mut open = Vec::new();
    for r in rows.iter() {
        let score = r.opt_i64("score")?;
        match (r.text("kind")?.as_str(), score) {
            ("csat", Some(o)) => {
                *csat.entry(o).or_default() += 1;
                csat_n += 1;
                if satisfied(o, r.opt_i64("scale")?.unwrap_or(0)) {
                    csat_ok += 1;
                }
            }
            ("nps", Some(n)) if n >= 9 => promoters += 1,
            ("nps", Some(n)) if n >= 7 => passives += 1,
            ("nps", Some(_)) => detractors += 1,
            ("open", _) => open.push(OpenAnswer {
                conversation_id: r.i64("conversation_id")?,
                protocol: r.text("protocol")?,
                question: r.i64("question")?,
                text: r.opt_text("text")?,
                group_id: r.opt_i64("group_id")?,
                agent_id: r.opt_i64("agent_id")?,
                answered_at: local_time(r.i64("answered_at")?, period.zone),
            }),
            _ => {}
        }
    }
    let nps_n = promoters + passives + detractors;
    let nps = (nps_n > 0).then(|| ((promoters - detractors) as f64 * 100.0 / nps_n as f64).round());
    Ok(SurveyReport {
        from: local_time(period.from_ms, period.zone),
        to: local_time(period.to_ms, period.zone),
        csat: Csat {
            answers: csat_n,
            distribution: csat
                .iter()
                .map(|(&option, &count)| OptionCount { option, count })
                .collect(),
            satisfied: csat_ok,
            score: percent(csat_ok, csat_n),
        },
        nps: Nps {
            answers: nps_n,
            promoters,
            passives,
            detractors,
            score: nps,
        },
        open_answers: open,
    })
}
