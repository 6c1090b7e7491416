//! The survey bot (seed 002 "Pesquisa de Satisfação"): after a close by a profile the group's
//! survey names in `sent_by`, it asks the survey's questions in order on the same channel and
//! in the customer's language — open text, CSAT with its options (by number, label or
//! button), NPS 0–10 — asking again after an answer it cannot take, records each answer (in
//! `survey_answers`, the table the reports read) with a `survey.answered` webhook, and thanks
//! the customer at the end. While it runs, the customer's messages on that channel are answers
//! and open no protocol; it stops after the survey's own inactivity time, and a message after
//! that opens a new protocol as usual.

use super::sql::{self as bot_sql, Answer, Run};
use super::{fold, pick, say, Said, Text};
use crate::config::group::GroupDoc;
use crate::config::survey::{Closer, Question, QuestionType, SurveyDoc};
use crate::context::Ctx;
use crate::conversation::hooks::{self, Hook};
use crate::conversation::inbound::{ChannelInfo, Inbound, Outcome};
use crate::conversation::sql::{self as conversation_sql, NewMessage};
use crate::conversation::{MessageKind, Role};
use crate::db::transaction;
use crate::enums::Status;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::providers::Choice;
use serde_json::json;

/// How long after a close the survey may still start (a tick that did not run for a while).
const START_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The group's active survey, if it has one.
fn survey_of(ctx: &Ctx, tenant: TenantId, group: &GroupDoc) -> AppResult<Option<(i64, SurveyDoc)>> {
    let Some(id) = group.survey_id else {
        return Ok(None);
    };
    Ok(crate::config::sql::get(ctx.db, tenant, "survey", id)?
        .filter(|s| s.status == Status::Active)
        .and_then(|s| serde_json::from_str::<SurveyDoc>(&s.data).ok())
        .map(|d| (id, d)))
}

/// Whether a close by `closer` in `group` sets off the group's survey.
pub fn sent_after(
    ctx: &Ctx,
    tenant: TenantId,
    group: &GroupDoc,
    closer: Closer,
) -> AppResult<bool> {
    Ok(survey_of(ctx, tenant, group)?.is_some_and(|(_, s)| s.sent_by.contains(&closer)))
}

fn expiry(survey: &SurveyDoc, now: i64) -> i64 {
    now + i64::from(survey.inactivity_minutes) * 60_000
}

/// Whether a channel shows NPS's eleven answers as buttons.
fn scale_as_buttons(kind: crate::config::channel::ChannelType) -> bool {
    use crate::config::channel::ChannelType;
    matches!(kind, ChannelType::Webchat | ChannelType::Telegram)
}

/// Asks question `index` of `survey` (CSAT options as buttons, and NPS's scale in the web chat).
#[allow(clippy::too_many_arguments)]
fn ask(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    language: &str,
    survey: &SurveyDoc,
    index: usize,
    before: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let Some(q) = survey.questions.get(index) else {
        return Ok(());
    };
    let mut text = pick(&q.text, language).to_owned();
    if let Some(b) = before {
        text = format!("{b}\n\n{text}");
    }
    if q.kind == QuestionType::Nps {
        text.push_str(" (0-10)");
    }
    if survey.allow_skip {
        text.push(' ');
        text.push_str(Text::SkipHint.get(language));
    }
    let options = match q.kind {
        // The web chat and Telegram (an inline keyboard, two rows) show the whole 0–10 scale as
        // buttons; a WhatsApp list holds ten rows, so there (and on e-mail and SMS) the customer
        // types the number.
        QuestionType::Nps if scale_as_buttons(channel.doc.kind) => (0..=10)
            .map(|n| Choice {
                id: format!("q{index}:{n}"),
                title: n.to_string(),
            })
            .collect(),
        QuestionType::Csat => q
            .options
            .iter()
            .enumerate()
            .map(|(k, o)| Choice {
                id: format!("q{index}:{}", k + 1),
                title: format!("{}. {}", k + 1, pick(o, language)),
            })
            .collect(),
        _ => Vec::new(),
    };
    say(ctx, channel, conversation, language, &text, options, now)?;
    Ok(())
}

/// Starts the survey of every conversation closed with one due (one tick's work): asks the
/// first question on the conversation's channel. Returns how many started.
pub fn start_due(ctx: &Ctx, limit: i64) -> AppResult<usize> {
    let now = ctx.now_ms();
    let mut started = 0;
    for due in bot_sql::surveys_due(ctx.db, now - START_WINDOW_MS, limit)? {
        let Some(group_id) = due.group_id else {
            continue;
        };
        let Some(group) = crate::config::sql::get(ctx.db, due.tenant, "group", group_id)?
            .and_then(|g| serde_json::from_str::<GroupDoc>(&g.data).ok())
        else {
            continue;
        };
        let Some((survey_id, survey)) = survey_of(ctx, due.tenant, &group)? else {
            continue;
        };
        let Ok(channel) = ChannelInfo::load(ctx, due.channel_id) else {
            continue;
        };
        if channel.tenant != due.tenant {
            continue;
        }
        let asked = transaction(ctx.db, || {
            // A customer who already wrote again has a new conversation: no survey over it.
            if bot_sql::has_open(ctx.db, due.tenant, due.channel_id, due.client_id)? {
                return Ok(false);
            }
            if !bot_sql::start_run(
                ctx.db,
                due.tenant,
                due.conversation_id,
                due.channel_id,
                due.client_id,
                survey_id,
                expiry(&survey, now),
                now,
            )? {
                return Ok(false);
            }
            ask(
                ctx,
                &channel,
                due.conversation_id,
                &due.language,
                &survey,
                0,
                None,
                now,
            )?;
            Ok(true)
        })?;
        started += usize::from(asked);
    }
    Ok(started)
}

/// Ends the surveys left unanswered past their inactivity time; returns how many.
pub fn expire(ctx: &Ctx) -> AppResult<usize> {
    Ok(bot_sql::expire_runs(ctx.db, ctx.now_ms())?)
}

/// What the customer's message answers to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// (score, scale, text)
    Answer(Option<i64>, Option<i64>, Option<String>),
    Skip,
    /// Asked again, with why.
    Invalid(Text),
}

/// Reads `said` as an answer to `q` (question `index`).
pub fn parse(q: &Question, index: usize, said: &Said, allow_skip: bool) -> Parsed {
    let text = fold(said.text);
    if allow_skip && ["pular", "saltar", "omitir", "skip"].contains(&text.as_str()) {
        return Parsed::Skip;
    }
    let ours = said
        .button
        .and_then(|b| b.strip_prefix(&format!("q{index}:")));
    // A button of the menu or of an earlier question, still on the customer's screen, answers
    // nothing here: its title ("4. Encerrar") would otherwise read as a score of 4.
    if said.button.is_some() && ours.is_none() {
        return Parsed::Invalid(match q.kind {
            QuestionType::Nps => Text::NpsRange,
            QuestionType::Csat => Text::CsatPick,
            QuestionType::Open => Text::OpenEmpty,
        });
    }
    let button = ours.and_then(|n| n.parse::<i64>().ok());
    match q.kind {
        QuestionType::Open => match said.text.trim() {
            "" => Parsed::Invalid(Text::OpenEmpty),
            t => Parsed::Answer(None, None, Some(t.chars().take(2000).collect())),
        },
        QuestionType::Nps => {
            let numbers: Vec<i64> = text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|w| !w.is_empty())
                .filter_map(|w| w.parse().ok())
                .collect();
            let picked = match (button, numbers.as_slice()) {
                (Some(n), _) | (None, &[n]) => Some(n),
                _ => None,
            };
            match picked.filter(|n| (0..=10).contains(n)) {
                Some(n) => Parsed::Answer(Some(n), Some(11), None),
                None => Parsed::Invalid(Text::NpsRange),
            }
        }
        QuestionType::Csat => {
            let scale = q.options.len() as i64;
            let in_range = |n: i64| (1..=scale).contains(&n);
            let by_number = button
                .or_else(|| text.trim_end_matches(['.', ')']).parse::<i64>().ok())
                .filter(|n| in_range(*n));
            let labels =
                |o: &crate::validate::Localized| [fold(&o.pt_br), fold(&o.es), fold(&o.en)];
            let by_label = || {
                let exact = q.options.iter().position(|o| labels(o).contains(&text));
                exact.or_else(|| {
                    // The longest label the answer contains ("muito satisfeito" over "satisfeito").
                    q.options
                        .iter()
                        .enumerate()
                        .flat_map(|(k, o)| labels(o).into_iter().map(move |l| (k, l)))
                        .filter(|(_, l)| !l.is_empty() && text.contains(l.as_str()))
                        .max_by_key(|(_, l)| l.len())
                        .map(|(k, _)| k)
                })
            };
            match by_number.or_else(|| by_label().map(|k| k as i64 + 1)) {
                Some(n) => Parsed::Answer(Some(n), Some(scale), None),
                None => Parsed::Invalid(Text::CsatPick),
            }
        }
    }
}

/// A customer message while their survey runs, in the inbound transaction: stored in the
/// surveyed conversation (never a new protocol) and taken as the answer to the question asked.
pub fn receive(
    ctx: &Ctx,
    channel: &ChannelInfo,
    run: &Run,
    msg: &Inbound,
    kind: MessageKind,
    now: i64,
) -> AppResult<Outcome> {
    let tenant = channel.tenant;
    let inserted = conversation_sql::insert_message(
        ctx.db,
        tenant,
        &NewMessage {
            conversation_id: run.conversation_id,
            channel_id: channel.id,
            role: Role::Customer,
            sender_id: None,
            kind,
            body: msg.body.as_deref(),
            payload: msg.payload.as_ref(),
            attachment_id: None,
            channel_message_id: msg.channel_message_id.as_deref(),
            delivery: None,
            now,
        },
    )?;
    let Some(message_id) = inserted else {
        return Ok(Outcome::Duplicate);
    };
    hooks::emit(
        ctx.db,
        tenant,
        Hook::MessageCreated,
        run.conversation_id,
        &json!({"message_id": message_id, "role": "customer", "kind": kind.as_str(), "body": msg.body}),
        now,
    )?;
    let stored = Outcome::Stored {
        conversation_id: run.conversation_id,
        message_id,
        protocol_opened: None,
        group_id: run.group_id,
    };
    let Some(survey) = crate::config::sql::get(ctx.db, tenant, "survey", run.survey_id)?
        .and_then(|s| serde_json::from_str::<SurveyDoc>(&s.data).ok())
    else {
        bot_sql::finish(ctx.db, run.id, now)?;
        return Ok(stored);
    };
    let index = usize::try_from(run.question).unwrap_or(usize::MAX);
    let Some(q) = survey.questions.get(index) else {
        bot_sql::finish(ctx.db, run.id, now)?;
        return Ok(stored);
    };
    let lang = run.language.as_str();
    let said = Said::of(msg.body.as_deref(), msg.payload.as_ref());
    match parse(q, index, &said, survey.allow_skip) {
        Parsed::Invalid(why) => {
            ask(
                ctx,
                channel,
                run.conversation_id,
                lang,
                &survey,
                index,
                Some(why.get(lang)),
                now,
            )?;
            bot_sql::touch(ctx.db, run.id, expiry(&survey, now))?;
            return Ok(stored);
        }
        Parsed::Skip => {}
        Parsed::Answer(score, scale, text) => {
            let recorded = bot_sql::record_answer(
                ctx.db,
                &Answer {
                    tenant,
                    run,
                    kind: q.kind.as_str(),
                    score,
                    scale,
                    text: text.as_deref(),
                    at: now,
                },
            )?;
            if recorded {
                hooks::emit(
                    ctx.db,
                    tenant,
                    Hook::SurveyAnswered,
                    run.conversation_id,
                    &json!({"survey_id": run.survey_id, "question": index, "type": q.kind.as_str(),
                            "score": score, "scale": scale, "text": text,
                            "group_id": run.group_id, "agent_id": run.agent_id}),
                    now,
                )?;
            }
        }
    }
    let next = index + 1;
    if next < survey.questions.len() {
        bot_sql::advance(ctx.db, run.id, next as i64, expiry(&survey, now))?;
        ask(
            ctx,
            channel,
            run.conversation_id,
            lang,
            &survey,
            next,
            None,
            now,
        )?;
    } else {
        bot_sql::finish(ctx.db, run.id, now)?;
        say(
            ctx,
            channel,
            run.conversation_id,
            lang,
            Text::SurveyThanks.get(lang),
            Vec::new(),
            now,
        )?;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::tests::l;

    fn q(kind: QuestionType, options: &[&str]) -> Question {
        Question {
            kind,
            text: l("?"),
            options: options.iter().map(|o| l(o)).collect(),
        }
    }

    fn said(text: &str) -> Said<'_> {
        Said { text, button: None }
    }

    #[test]
    fn nps_takes_one_number_from_0_to_10() {
        let nps = q(QuestionType::Nps, &[]);
        assert_eq!(
            parse(&nps, 0, &said("9"), false),
            Parsed::Answer(Some(9), Some(11), None)
        );
        assert_eq!(
            parse(&nps, 0, &said("nota 10"), false),
            Parsed::Answer(Some(10), Some(11), None)
        );
        assert_eq!(
            parse(&nps, 0, &said("0"), false),
            Parsed::Answer(Some(0), Some(11), None)
        );
        assert_eq!(
            parse(&nps, 0, &said("11"), false),
            Parsed::Invalid(Text::NpsRange)
        );
        assert_eq!(
            parse(&nps, 0, &said("entre 8 e 9"), false),
            Parsed::Invalid(Text::NpsRange)
        );
        assert_eq!(
            parse(&nps, 0, &said("ótimo"), false),
            Parsed::Invalid(Text::NpsRange)
        );
        assert_eq!(
            parse(&nps, 0, &said("pular"), false),
            Parsed::Invalid(Text::NpsRange)
        );
        assert_eq!(parse(&nps, 0, &said("pular"), true), Parsed::Skip);
    }

    #[test]
    fn a_button_of_the_menu_or_an_earlier_question_is_no_answer() {
        let nps = q(QuestionType::Nps, &[]);
        let menu_button = Said {
            text: "4. Encerrar",
            button: Some("inicio:4"),
        };
        assert_eq!(
            parse(&nps, 0, &menu_button, false),
            Parsed::Invalid(Text::NpsRange)
        );
        let csat = q(QuestionType::Csat, &["Satisfeito", "Insatisfeito"]);
        let earlier = Said {
            text: "1. Satisfeito",
            button: Some("q0:1"),
        };
        assert_eq!(
            parse(&csat, 1, &earlier, false),
            Parsed::Invalid(Text::CsatPick)
        );
        let open = q(QuestionType::Open, &[]);
        assert_eq!(
            parse(&open, 2, &earlier, false),
            Parsed::Invalid(Text::OpenEmpty)
        );
        let this_one = Said {
            text: "1. Satisfeito",
            button: Some("q1:1"),
        };
        assert_eq!(
            parse(&csat, 1, &this_one, false),
            Parsed::Answer(Some(1), Some(2), None)
        );
    }

    #[test]
    fn csat_takes_a_number_a_label_or_a_button() {
        let csat = q(
            QuestionType::Csat,
            &["Muito satisfeito", "Satisfeito", "Insatisfeito"],
        );
        assert_eq!(
            parse(&csat, 1, &said("2"), false),
            Parsed::Answer(Some(2), Some(3), None)
        );
        assert_eq!(
            parse(&csat, 1, &said("satisfeito"), false),
            Parsed::Answer(Some(2), Some(3), None)
        );
        assert_eq!(
            parse(&csat, 1, &said("Muito Satisfeito!"), false),
            Parsed::Answer(Some(1), Some(3), None)
        );
        assert_eq!(
            parse(
                &csat,
                1,
                &Said {
                    text: "Insatisfeito",
                    button: Some("q1:3")
                },
                false
            ),
            Parsed::Answer(Some(3), Some(3), None)
        );
        assert_eq!(
            parse(&csat, 1, &said("4"), false),
            Parsed::Invalid(Text::CsatPick)
        );
        assert_eq!(
            parse(&csat, 1, &said("sei lá"), false),
            Parsed::Invalid(Text::CsatPick)
        );
    }

    #[test]
    fn open_answers_take_any_text() {
        let open = q(QuestionType::Open, &[]);
        assert_eq!(
            parse(&open, 2, &said(" Ótimo atendimento "), false),
            Parsed::Answer(None, None, Some("Ótimo atendimento".into()))
        );
        assert_eq!(
            parse(&open, 2, &said("  "), false),
            Parsed::Invalid(Text::OpenEmpty)
        );
    }
}
