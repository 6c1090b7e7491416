//! The customer hears that their conversation ended (seed 002 "Encerrar atendimento por
//! inatividade"): a close by an agent, a supervisor-agent,
//! an admin or the system sends a notice with the protocol number in the conversation's
//! language, and a close for the customer's silence says that it was for inactivity. It is an
//! ordinary outbound message of role `system` (`outbox::enqueue`): stored in the transcript,
//! shown in the console, delivered by the provider with the outbox's retries, read by the web
//! chat's poll. Each group turns it off or words it its own way (`GroupDoc::closing_notice`).
//! A survey due after the close starts at the next tick, so its first question comes after the
//! notice.
//!
//! The bot's own closes (a menu's "close" option, an external bot's close) send nothing here:
//! the bot has said its goodbye in its own words. Nor does a close on WhatsApp, Messenger or
//! Instagram 24 hours or more after the customer's last message: Meta refuses free text
//! outside its customer service window.

use super::inbound::ChannelInfo;
use super::lifecycle::Actor;
use super::{outbox, Conversation, Role};
use crate::config::channel::ChannelType;
use crate::config::group::GroupDoc;
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{Localized, Problems};
use serde::{Deserialize, Serialize};

/// What `{protocol}` in a notice's text becomes.
const PLACEHOLDER: &str = "{protocol}";

/// Meta's channels (WhatsApp, Messenger, Instagram) take free text only within 24 hours of the
/// customer's last message (the customer service window; outside it the Cloud API refuses it,
/// error 131047, and only an approved template may be sent).
const META_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// Whether the provider would refuse a free-text notice now: a Meta channel whose customer
/// last wrote 24 hours or more ago — as at the group's default inactivity close, 24 hours after
/// the customer's last message. Queued anyway it would only be a failed message in the
/// transcript, retried for an hour.
fn outside_window(kind: ChannelType, closed: &Conversation, now: i64) -> bool {
    if !matches!(
        kind,
        ChannelType::Whatsapp | ChannelType::Messenger | ChannelType::Instagram
    ) {
        return false;
    }
    let last = closed
        .last_customer_at
        .as_deref()
        .unwrap_or(&closed.arrived_at);
    chrono::DateTime::parse_from_rfc3339(last)
        .is_ok_and(|t| now - t.timestamp_millis() >= META_WINDOW_MS)
}

/// A group's closing notice; on with the standard texts unless the group says otherwise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = GroupClosingNotice)]
#[serde(deny_unknown_fields, default)]
pub struct ClosingNotice {
    /// `false`: customers are told nothing when a conversation of this group closes.
    pub enabled: bool,
    /// Replaces the standard text of a close by an agent, an admin or the system. `{protocol}`
    /// is replaced by the protocol number; a text without it gets the number on a line of its
    /// own after it.
    pub message: Option<Localized>,
    /// Replaces the standard text of a close for the customer's inactivity (the group's
    /// inactivity time, or the bot's inactivity rule), the same way.
    pub inactivity_message: Option<Localized>,
}

impl Default for ClosingNotice {
    fn default() -> Self {
        ClosingNotice {
            enabled: true,
            message: None,
            inactivity_message: None,
        }
    }
}

pub fn check(notice: &mut ClosingNotice, p: &mut Problems) {
    if let Some(m) = notice.message.as_mut() {
        m.check(p, "closing_notice.message", 1000);
    }
    if let Some(m) = notice.inactivity_message.as_mut() {
        m.check(p, "closing_notice.inactivity_message", 1000);
    }
}

/// Why the conversation ended, as the customer is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// An agent, a supervisor-agent, an admin, or the agent's disconnect: the customer did
    /// nothing wrong, so it is the plain notice.
    Closed,
    /// The customer's silence (the group's inactivity time, or the bot's inactivity rule).
    Inactivity,
}

impl Why {
    /// What a close by `actor` tells the customer; `None` for the bot, which spoke for itself.
    pub fn of(actor: Actor) -> Option<Why> {
        match actor {
            Actor::Bot | Actor::Customer => None,
            Actor::ClientInactivity | Actor::BotInactivity => Some(Why::Inactivity),
            Actor::User(_) | Actor::AgentInactivity | Actor::System => Some(Why::Closed),
        }
    }

    /// The standard text, in pt-BR, es or en (pt-BR for anything else).
    fn standard(self, language: &str) -> &'static str {
        match (self, language) {
            (Why::Closed, "es") => {
                "Su atención ha finalizado. Protocolo: {protocol}. ¡Gracias por contactarnos!"
            }
            (Why::Closed, "en") => {
                "Your conversation has been closed. Protocol: {protocol}. Thank you for contacting us!"
            }
            (Why::Closed, _) => {
                "Seu atendimento foi encerrado. Protocolo: {protocol}. Obrigado pelo contato!"
            }
            (Why::Inactivity, "es") => {
                "Su atención fue finalizada por inactividad. Protocolo: {protocol}. Si necesita algo más, escríbanos de nuevo."
            }
            (Why::Inactivity, "en") => {
                "Your conversation was closed due to inactivity. Protocol: {protocol}. If you need anything else, just write to us again."
            }
            (Why::Inactivity, _) => {
                "Seu atendimento foi encerrado por inatividade. Protocolo: {protocol}. Se precisar, é só nos chamar novamente."
            }
        }
    }

    fn protocol_label(language: &str) -> &'static str {
        if language == "en" {
            "Protocol"
        } else {
            "Protocolo"
        }
    }
}

/// The text the customer of a conversation in `language` with `protocol` reads, or `None`
/// when the group turned the notice off.
pub fn text(notice: &ClosingNotice, why: Why, language: &str, protocol: &str) -> Option<String> {
    if !notice.enabled {
        return None;
    }
    let own = match why {
        Why::Closed => notice.message.as_ref(),
        Why::Inactivity => notice.inactivity_message.as_ref(),
    };
    let template = own.map_or(why.standard(language), |l| crate::bot::pick(l, language));
    Some(if template.contains(PLACEHOLDER) {
        template.replace(PLACEHOLDER, protocol)
    } else {
        format!("{template}\n{}: {protocol}", Why::protocol_label(language))
    })
}

/// What the customer of a conversation about to close is to be told, when it was worked out
/// before the close's transaction (reads before the write: the write lock is then held only for
/// the message and its outbox row), or the group's settings to work it out inside it.
pub enum Notice {
    /// Read before the transaction: this text on this channel, or (`None`) nothing to say.
    Ready(Option<(ChannelInfo, String)>),
    /// The group's settings, which the caller holds (the tick's closes): [`send`] reads the
    /// channel itself.
    Of(ClosingNotice),
}

/// Works out, before the close's transaction, what a close of `conversation` (of `group`) by
/// `actor` tells its customer: one read (the channel) when there is something to say.
pub fn prepare(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: &Conversation,
    group: &GroupDoc,
    actor: Actor,
) -> AppResult<Notice> {
    Ok(Notice::Ready(worded(
        ctx,
        tenant,
        conversation,
        &group.closing_notice,
        actor,
    )?))
}

/// The channel and the text of the notice, or `None`: the bot closed, the group turned it off,
/// the channel is gone (deactivated: nothing could deliver it, and the close must not fail for
/// it), or Meta would refuse it.
fn worded(
    ctx: &Ctx,
    tenant: TenantId,
    conversation: &Conversation,
    notice: &ClosingNotice,
    actor: Actor,
) -> AppResult<Option<(ChannelInfo, String)>> {
    let Some(why) = Why::of(actor) else {
        return Ok(None);
    };
    let Some(text) = text(notice, why, &conversation.language, &conversation.protocol) else {
        return Ok(None);
    };
    let Ok(channel) = ChannelInfo::load(ctx, conversation.channel_id) else {
        return Ok(None);
    };
    if channel.tenant != tenant || outside_window(channel.doc.kind, conversation, ctx.now_ms()) {
        return Ok(None);
    }
    Ok(Some((channel, text)))
}

/// Queues the notice of a close by `actor` to the customer of `closed`, inside the close's
/// transaction: the one [`prepare`]d before it, or, [`Notice::Of`], worked out here.
pub fn send(
    ctx: &Ctx,
    tenant: TenantId,
    closed: &Conversation,
    actor: Actor,
    notice: Notice,
) -> AppResult<()> {
    let ready = match notice {
        Notice::Ready(ready) => ready,
        Notice::Of(settings) => worded(ctx, tenant, closed, &settings, actor)?,
    };
    let Some((channel, text)) = ready else {
        return Ok(());
    };
    outbox::enqueue(
        ctx,
        &channel,
        closed.id,
        Role::System,
        None,
        &text,
        &text,
        None,
        ctx.now_ms(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pt: &str, es: &str, en: &str) -> Localized {
        Localized {
            pt_br: pt.into(),
            es: es.into(),
            en: en.into(),
        }
    }

    #[test]
    fn the_standard_notice_names_the_protocol_in_each_language() {
        let on = ClosingNotice::default();
        for (lang, closed, idle) in [
            ("pt-BR", "encerrado", "inatividade"),
            ("es", "finalizado", "inactividad"),
            ("en", "closed", "inactivity"),
        ] {
            let t = text(&on, Why::Closed, lang, "WA00000000007").unwrap_or_default();
            assert!(t.contains(closed) && t.contains("WA00000000007"), "{t}");
            assert!(!t.contains(idle), "{t}");
            let t = text(&on, Why::Inactivity, lang, "WA00000000007").unwrap_or_default();
            assert!(t.contains(idle) && t.contains("WA00000000007"), "{t}");
        }
    }

    #[test]
    fn a_groups_own_text_takes_the_protocol_where_it_says_or_after_it() {
        let own = ClosingNotice {
            enabled: true,
            message: Some(l("Tchau! ({protocol})", "¡Chao!", "Bye!")),
            inactivity_message: None,
        };
        assert_eq!(
            text(&own, Why::Closed, "pt-BR", "TL1").as_deref(),
            Some("Tchau! (TL1)")
        );
        assert_eq!(
            text(&own, Why::Closed, "es", "TL1").as_deref(),
            Some("¡Chao!\nProtocolo: TL1")
        );
        assert_eq!(
            text(&own, Why::Closed, "en", "TL1").as_deref(),
            Some("Bye!\nProtocol: TL1")
        );
        // The inactivity text was not replaced: the standard one.
        assert!(text(&own, Why::Inactivity, "en", "TL1")
            .unwrap_or_default()
            .contains("inactivity"));
        let off = ClosingNotice {
            enabled: false,
            ..own
        };
        assert_eq!(text(&off, Why::Closed, "en", "TL1"), None);
    }

    #[test]
    fn the_bot_speaks_for_itself_and_inactivity_is_the_customers_silence() {
        assert_eq!(Why::of(Actor::Bot), None);
        assert_eq!(Why::of(Actor::ClientInactivity), Some(Why::Inactivity));
        assert_eq!(Why::of(Actor::BotInactivity), Some(Why::Inactivity));
        assert_eq!(Why::of(Actor::AgentInactivity), Some(Why::Closed));
        assert_eq!(Why::of(Actor::User(3)), Some(Why::Closed));
    }
}
