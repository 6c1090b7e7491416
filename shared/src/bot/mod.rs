//! The bots (SPEC §5, seeds 002 and 004), run inside the inbound path and the tick — no extra
//! hop: the menu bot answers customers whose conversation is in state `bot` ([`menu`]), the
//! survey bot asks the group's survey after a close ([`survey`]), and the pause protocol tells
//! customers left waiting to hold on ([`pause`]). Every message a bot sends is stored with
//! role `bot` (the agents see it in the history) and goes out through the outbox, with the
//! channel's own buttons where it has them.

pub mod external;
pub mod menu;
pub mod pause;
pub mod sql;
pub mod survey;

use crate::context::Ctx;
use crate::conversation::inbound::ChannelInfo;
use crate::conversation::lifecycle::{self, Actor};
use crate::conversation::sql::Closing;
use crate::conversation::{outbox, Role};
use crate::errors::AppResult;
use crate::providers::{Choice, Choices};
use crate::validate::Localized;

/// The text of `l` in the conversation's language (`pt-BR` unless `es` or `en`).
pub fn pick<'a>(l: &'a Localized, language: &str) -> &'a str {
    match language {
        "es" => &l.es,
        "en" => &l.en,
        _ => &l.pt_br,
    }
}

/// Every fixed thing a bot says, in pt-BR, es and en.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    NotUnderstood,
    ShowOptions,
    Routed,
    AnythingElse,
    Yes,
    No,
    Goodbye,
    GaveUp,
    AskName,
    AskDocument,
    AskEmail,
    BadName,
    BadDocument,
    BadEmail,
    Saved,
    NpsRange,
    CsatPick,
    OpenEmpty,
    SkipHint,
    SurveyThanks,
}

impl Text {
    pub const ALL: &'static [Text] = &[
        Text::NotUnderstood,
        Text::ShowOptions,
        Text::Routed,
        Text::AnythingElse,
        Text::Yes,
        Text::No,
        Text::Goodbye,
        Text::GaveUp,
        Text::AskName,
        Text::AskDocument,
        Text::AskEmail,
        Text::BadName,
        Text::BadDocument,
        Text::BadEmail,
        Text::Saved,
        Text::NpsRange,
        Text::CsatPick,
        Text::OpenEmpty,
        Text::SkipHint,
        Text::SurveyThanks,
    ];

    /// (pt-BR, es, en)
    fn all(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Text::NotUnderstood => (
                "Desculpe, não entendi.",
                "Disculpe, no entendí.",
                "Sorry, I didn't understand.",
            ),
            Text::ShowOptions => ("Ver opções", "Ver opciones", "See options"),
            Text::Routed => (
                "Certo! Você está na fila e em breve será atendido.",
                "¡Listo! Está en la fila y pronto será atendido.",
                "All set! You are in the queue and an agent will be with you shortly.",
            ),
            Text::AnythingElse => (
                "Posso ajudar em algo mais?",
                "¿Puedo ayudarle en algo más?",
                "Can I help you with anything else?",
            ),
            Text::Yes => ("Sim", "Sí", "Yes"),
            Text::No => ("Não", "No", "No"),
            Text::Goodbye => (
                "Obrigado pelo contato. Até logo!",
                "Gracias por contactarnos. ¡Hasta pronto!",
                "Thank you for contacting us. Goodbye!",
            ),
            Text::GaveUp => (
                "Não consegui entender suas respostas.",
                "No pude entender sus respuestas.",
                "I couldn't understand your answers.",
            ),
            Text::AskName => (
                "Por favor, digite seu nome completo.",
                "Por favor, escriba su nombre completo.",
                "Please type your full name.",
            ),
            Text::AskDocument => (
                "Por favor, digite seu CPF ou CNPJ.",
                "Por favor, escriba su CPF o CNPJ.",
                "Please type your CPF or CNPJ.",
            ),
            Text::AskEmail => (
                "Por favor, digite seu e-mail.",
                "Por favor, escriba su correo electrónico.",
                "Please type your e-mail address.",
            ),
            Text::BadName => (
                "Esse nome não parece válido. Digite seu nome completo.",
                "Ese nombre no parece válido. Escriba su nombre completo.",
                "That doesn't look like a name. Please type your full name.",
            ),
            Text::BadDocument => (
                "Esse CPF/CNPJ não é válido. Confira os números e digite novamente.",
                "Ese CPF/CNPJ no es válido. Revise los números y escríbalo de nuevo.",
                "That CPF/CNPJ is not valid. Please check the digits and type it again.",
            ),
            Text::BadEmail => (
                "Esse e-mail não é válido. Digite novamente.",
                "Ese correo no es válido. Escríbalo de nuevo.",
                "That e-mail address is not valid. Please type it again.",
            ),
            Text::Saved => (
                "Obrigado, anotado!",
                "¡Gracias, anotado!",
                "Thank you, noted!",
            ),
            Text::NpsRange => (
                "Por favor, responda com um número de 0 a 10.",
                "Por favor, responda con un número del 0 al 10.",
                "Please answer from 0 to 10.",
            ),
            Text::CsatPick => (
                "Por favor, escolha uma das opções.",
                "Por favor, elija una de las opciones.",
                "Please choose one of the options.",
            ),
            Text::OpenEmpty => (
                "Por favor, escreva sua resposta.",
                "Por favor, escriba su respuesta.",
                "Please type your answer.",
            ),
            Text::SkipHint => (
                "(digite \"pular\" para pular)",
                "(escriba \"saltar\" para omitir)",
                "(type \"skip\" to skip)",
            ),
            Text::SurveyThanks => (
                "Obrigado por responder à nossa pesquisa!",
                "¡Gracias por responder nuestra encuesta!",
                "Thank you for answering our survey!",
            ),
        }
    }

    pub fn get(self, language: &str) -> &'static str {
        let (pt, es, en) = self.all();
        match language {
            "es" => es,
            "en" => en,
            _ => pt,
        }
    }
}

/// Lower case without accents and surrounding blanks, so "Finançeiro " matches "financeiro".
pub fn fold(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// What a customer's message says to a bot: its text and the id of the button pressed (a
/// WhatsApp reply's `id`, a Telegram `callback_data`), if one was.
pub struct Said<'a> {
    pub text: &'a str,
    pub button: Option<&'a str>,
}

impl<'a> Said<'a> {
    pub fn of(body: Option<&'a str>, payload: Option<&'a serde_json::Value>) -> Said<'a> {
        let button = payload.and_then(|p| p["id"].as_str().or_else(|| p["data"].as_str()));
        Said {
            text: body.unwrap_or("").trim(),
            button,
        }
    }
}

/// Sends `text` (with `options`, if any, as the channel's buttons and as numbered lines in
/// the stored text) as a bot message of `conversation`.
pub fn say(
    ctx: &Ctx,
    channel: &ChannelInfo,
    conversation: i64,
    language: &str,
    text: &str,
    options: Vec<Choice>,
    now: i64,
) -> AppResult<i64> {
    if options.is_empty() {
        return outbox::enqueue(
            ctx,
            channel,
            conversation,
            Role::Bot,
            None,
            text,
            text,
            None,
            now,
        );
    }
    let mut full = text.to_owned();
    // A scale (0 … 10) is one line of the text where reading it, not eleven.
    if crate::providers::is_scale(&options) {
        let titles: Vec<&str> = options.iter().map(|o| o.title.as_str()).collect();
        full.push('\n');
        full.push_str(&titles.join(" · "));
    } else {
        for o in &options {
            full.push('\n');
            full.push_str(&o.title);
        }
    }
    let choices = Choices {
        prompt: text.to_owned(),
        button: Text::ShowOptions.get(language).to_owned(),
        options,
    };
    let payload = serde_json::json!({ "choices": choices });
    outbox::enqueue_with(
        ctx,
        channel,
        conversation,
        Role::Bot,
        None,
        &full,
        &full,
        Some(&payload),
        now,
    )
}

/// Closes as the bot (`closed_by` bot; the conversation's menu session ends), with the
/// group's survey due where it is sent after a bot's close.
pub fn close(
    ctx: &Ctx,
    tenant: crate::ids::TenantId,
    conversation: i64,
    group: Option<&crate::config::group::GroupDoc>,
    now: i64,
) -> AppResult<lifecycle::Changed<crate::conversation::Conversation>> {
    let survey_due = match group {
        Some(g) => survey::sent_after(ctx, tenant, g, crate::config::survey::Closer::Bot)?,
        None => false,
    };
    sql::end_session(ctx.db, tenant, conversation)?;
    let closing = Closing {
        closed_by: "bot",
        classification_id: None,
        reason_id: None,
        sub_reason_id: None,
        comment: None,
        resolved: None,
        survey_due,
    };
    // The bot says its own goodbye: no notice.
    lifecycle::close(
        ctx,
        Actor::Bot,
        tenant,
        conversation,
        None,
        &closing,
        crate::conversation::closing_notice::Notice::Ready(None),
        now,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The same text in the three languages.
    pub(crate) fn l(s: &str) -> Localized {
        Localized {
            pt_br: s.into(),
            es: s.into(),
            en: s.into(),
        }
    }

    #[test]
    fn every_bot_text_exists_in_the_three_languages() {
        for t in Text::ALL {
            let (pt, es, en) = t.all();
            assert!(!pt.is_empty() && !es.is_empty() && !en.is_empty(), "{t:?}");
            assert_eq!(t.get("pt-BR"), pt);
            assert_eq!(t.get("es"), es);
            assert_eq!(t.get("en"), en);
        }
    }

    #[test]
    fn folding_ignores_case_accents_and_blanks() {
        assert_eq!(fold(" Financeiro "), "financeiro");
        assert_eq!(fold("AÇÃO"), "acao");
        assert_eq!(fold("Não"), "nao");
    }
}
