//! Satisfaction surveys: questions asked in order after a close; deactivating one unlinks it
//! from every group (seed 002).

use super::{sql, Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Localized, Problems};
use serde::{Deserialize, Serialize};

pub struct Survey;

crate::enums::stored_enum!(
    QuestionType {
        Open = "open",
        Csat = "csat",
        Nps = "nps",
    }
);

crate::enums::stored_enum!(
    /// Whose close sends the survey.
    Closer {
        Bot = "bot",
        Agent = "agent",
        SupervisorAgent = "supervisor_agent",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub text: Localized,
    /// CSAT answers, best first (e.g. satisfied, indifferent, unsatisfied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Localized>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyDoc {
    /// No spaces: a bot is named after it, so spaces become `_`.
    pub name: String,
    pub questions: Vec<Question>,
    pub sent_by: Vec<Closer>,
    /// The survey stops when the customer leaves a question unanswered this long.
    #[serde(default = "thirty")]
    pub inactivity_minutes: u32,
    /// The customer may skip a question ("pular", "saltar", "skip").
    #[serde(default)]
    pub allow_skip: bool,
}

fn thirty() -> u32 {
    30
}

impl Resource for Survey {
    const KIND: &'static str = "survey";
    type Doc = SurveyDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        _previous: Option<&SurveyDoc>,
        doc: &mut SurveyDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        let name = p
            .check("name", required_text(&doc.name, 80))
            .unwrap_or_default();
        doc.name = name.split_whitespace().collect::<Vec<_>>().join("_");
        if doc.questions.is_empty() {
            p.add("questions", "at least one question");
        }
        if doc.questions.len() > 10 {
            p.add("questions", "at most 10 questions");
        }
        for (i, q) in doc.questions.iter_mut().enumerate() {
            let field = format!("questions[{i}]");
            q.text.check(&mut p, &format!("{field}.text"), 500);
            match q.kind {
                QuestionType::Csat if q.options.len() < 2 || q.options.len() > 10 => p.add(
                    &format!("{field}.options"),
                    "a CSAT question needs 2 to 10 options",
                ),
                QuestionType::Csat => {
                    for (j, o) in q.options.iter_mut().enumerate() {
                        o.check(&mut p, &format!("{field}.options[{j}]"), 60);
                    }
                }
                _ if !q.options.is_empty() => p.add(
                    &format!("{field}.options"),
                    "only CSAT questions have options",
                ),
                _ => {}
            }
        }
        if !(1..=7 * 24 * 60).contains(&doc.inactivity_minutes) {
            p.add("inactivity_minutes", "must be 1 to 10080 (a week)");
        }
        if doc.sent_by.is_empty() {
            p.add("sent_by", "at least one of bot, agent, supervisor_agent");
        }
        let mut unique = Vec::new();
        for closer in doc.sent_by.drain(..) {
            if !unique.contains(&closer) {
                unique.push(closer);
            }
        }
        doc.sent_by = unique;
        p.into_result()?;
        Ok(Prepared::named(&doc.name))
    }

    fn on_deactivate(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<()> {
        sql::unlink(
            ctx.db,
            tenant,
            "group",
            "survey_id",
            "survey_mandatory",
            id,
            ctx.now_ms(),
        )?;
        Ok(())
    }
}
