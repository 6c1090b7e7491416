//! Channels: one per connected account (a WhatsApp number, a Telegram bot, an inbox...), with
//! its entry group and the credentials to send and to verify inbound webhooks. Secrets are
//! never returned in full.

use super::webhook::mask;
use super::{check_refs, Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub struct Channel;

crate::enums::stored_enum!(
    ChannelType {
        Whatsapp = "whatsapp",
        Telegram = "telegram",
        Email = "email",
        Webchat = "webchat",
        Sms = "sms",
        Messenger = "messenger",
        Instagram = "instagram",
    }
);

impl ChannelType {
    /// Protocol prefix of its conversations (SPEC §3).
    pub fn protocol_prefix(self) -> &'static str {
        match self {
            ChannelType::Whatsapp => "WA",
            ChannelType::Telegram => "TL",
            ChannelType::Email => "EM",
            ChannelType::Webchat => "WC",
            ChannelType::Sms => "SM",
            ChannelType::Messenger => "FB",
            ChannelType::Instagram => "IG",
        }
    }

    /// The providers a channel of this type speaks, and for each the credentials its inbound
    /// webhook is verified with (the first is the default).
    fn providers(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            ChannelType::Email => &[
                ("generic", &["inbound_secret"]),
                ("postmark", &["inbound_secret", "api_key"]),
                ("mailgun", &["signing_key", "api_key"]),
                ("sendgrid", &["api_key"]),
            ],
            ChannelType::Sms => &[
                ("generic", &["inbound_secret"]),
                ("twilio", &["account_sid", "auth_token", "sender"]),
                ("zenvia", &["inbound_secret", "api_key", "sender"]),
            ],
            _ => &[],
        }
    }

    /// The credential naming the Meta account a webhook event is for, on Meta channels.
    pub fn account_key(self) -> Option<&'static str> {
        match self {
            ChannelType::Whatsapp => Some("phone_number_id"),
            ChannelType::Messenger => Some("page_id"),
            ChannelType::Instagram => Some("account_id"),
            _ => None,
        }
    }

    /// An agent's text as this channel's customers read it, signed with `name` (the agent's or
    /// the company's, as the group says). WhatsApp bolds the name; Telegram (sent without a
    /// parse mode) and SMS show it plain; e-mail ends with a signature; the web chat shows the
    /// sender beside the bubble (`sender_name`), so its text goes unsigned.
    pub fn sign(self, name: Option<&str>, text: &str) -> String {
        match (self, name) {
            (_, None) | (ChannelType::Webchat, _) => text.to_owned(),
            (ChannelType::Whatsapp, Some(name)) => format!("*{name}*: {text}"),
            (
                ChannelType::Telegram
                | ChannelType::Sms
                | ChannelType::Messenger
                | ChannelType::Instagram,
                Some(name),
            ) => format!("{name}: {text}"),
            (ChannelType::Email, Some(name)) => format!("{text}\n\n-- \n{name}"),
        }
    }

    /// (credential, required, secret)
    fn credentials(self) -> &'static [(&'static str, bool, bool)] {
        match self {
            ChannelType::Whatsapp => &[
                ("phone_number_id", true, false),
                ("access_token", true, true),
                ("app_secret", true, true),
                ("verify_token", true, true),
                ("api_base_url", false, false),
            ],
            ChannelType::Telegram => &[
                ("bot_token", true, true),
                ("secret_token", true, true),
                ("api_base_url", false, false),
            ],
            ChannelType::Email => &[
                ("provider", false, false),
                ("inbound_secret", false, true),
                ("inbound_user", false, false),
                ("signing_key", false, true),
                ("verification_key", false, false),
                ("from_address", true, false),
                ("domain", false, false),
                ("plus_address", false, false),
                ("send_url", false, false),
                ("api_key", false, true),
            ],
            ChannelType::Sms => &[
                ("provider", false, false),
                ("inbound_secret", false, true),
                ("account_sid", false, false),
                ("auth_token", false, true),
                ("webhook_url", false, false),
                ("send_url", false, false),
                ("api_key", false, true),
                ("sender", false, false),
            ],
            ChannelType::Webchat => &[("allowed_origins", false, false)],
            ChannelType::Messenger => &[
                ("page_id", true, false),
                ("access_token", true, true),
                ("app_secret", true, true),
                ("verify_token", true, true),
                ("api_base_url", false, false),
            ],
            ChannelType::Instagram => &[
                ("account_id", true, false),
                ("access_token", true, true),
                ("app_secret", true, true),
                ("verify_token", true, true),
                ("api_base_url", false, false),
            ],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelDoc {
    #[serde(rename = "type")]
    pub kind: ChannelType,
    pub name: String,
    /// Where new conversations of this channel start.
    pub entry_group_id: i64,
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
}

impl Resource for Channel {
    const KIND: &'static str = "channel";
    const REF_PARAM: Option<&'static str> = Some("entry_group_id");
    const ACTIVATE_ERRORS: crate::openapi::Errors = &[(409, &["group_inactive"])];
    type Doc = ChannelDoc;

    fn prepare(
        ctx: &Ctx,
        tenant: TenantId,
        _id: Option<i64>,
        previous: Option<&ChannelDoc>,
        doc: &mut ChannelDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        if let Some(prev) = previous {
            if prev.kind != doc.kind {
                p.add("type", "cannot be changed; create another channel");
            }
            // Masked values sent back unchanged keep the stored secret.
            for (key, value) in doc.credentials.iter_mut() {
                if let Some(old) = prev.credentials.get(key) {
                    if *value == mask(old) {
                        value.clone_from(old);
                    }
                }
            }
        }
        let spec = doc.kind.credentials();
        for key in doc.credentials.keys() {
            if !spec.iter().any(|(k, _, _)| k == key) {
                let known: Vec<&str> = spec.iter().map(|(k, _, _)| *k).collect();
                p.add(
                    &format!("credentials.{key}"),
                    format!(
                        "not a {} credential; expected {}",
                        doc.kind.as_str(),
                        known.join(", ")
                    ),
                );
            }
        }
        for (key, required, _) in spec {
            match doc.credentials.get(*key).map(|v| v.trim()) {
                Some("") | None if *required => p.add(&format!("credentials.{key}"), "is required"),
                Some(v) if v.len() > 2000 => p.add(&format!("credentials.{key}"), "is too long"),
                _ => {}
            }
        }
        let providers = doc.kind.providers();
        if let Some(&(_, needed)) = providers.first() {
            let chosen = doc
                .credentials
                .get("provider")
                .map(|p| p.trim().to_lowercase());
            let needed = match chosen.as_deref() {
                None | Some("") => needed,
                Some(name) => match providers.iter().find(|(p, _)| *p == name) {
                    Some((_, needed)) => *needed,
                    None => {
                        let known: Vec<&str> = providers.iter().map(|(p, _)| *p).collect();
                        p.add(
                            "credentials.provider",
                            format!("expected one of {}", known.join(", ")),
                        );
                        &[]
                    }
                },
            };
            // SendGrid verifies by its signature (a public key) or by HTTP Basic.
            let sendgrid = chosen.as_deref() == Some("sendgrid");
            let has = |k: &str| doc.credentials.get(k).is_some_and(|v| !v.trim().is_empty());
            if sendgrid && !has("inbound_secret") && !has("verification_key") {
                p.add(
                    "credentials.verification_key",
                    "SendGrid needs verification_key (signed webhooks) or inbound_secret (Basic)",
                );
            }
            for key in needed {
                if doc
                    .credentials
                    .get(*key)
                    .is_none_or(|v| v.trim().is_empty())
                {
                    p.add(
                        &format!("credentials.{key}"),
                        "is required for this provider",
                    );
                }
            }
        }
        let already: Vec<i64> = previous.map(|d| vec![d.entry_group_id]).unwrap_or_default();
        check_refs(
            ctx,
            tenant,
            &mut p,
            "entry_group_id",
            "group",
            &[doc.entry_group_id],
            &already,
        )?;
        p.into_result()?;
        // One connection per account: the same WhatsApp number, page or Instagram account
        // cannot be connected twice (and webhook events find their channel by it).
        let unique = match doc.kind.account_key() {
            Some(key) => doc.credentials.get(key).map(|v| {
                (
                    match key {
                        "phone_number_id" => "credentials.phone_number_id",
                        "page_id" => "credentials.page_id",
                        _ => "credentials.account_id",
                    },
                    format!("{}:{}", doc.kind.as_str(), v.trim()),
                )
            }),
            _ => Some((
                "name",
                format!("{}:{}", doc.kind.as_str(), doc.name.to_lowercase()),
            )),
        };
        Ok(Prepared {
            name: doc.name.clone(),
            search: format!("{} {}", doc.name, doc.kind.as_str()).to_lowercase(),
            unique,
            ref_id: Some(doc.entry_group_id),
        })
    }

    fn on_activate(ctx: &Ctx, tenant: TenantId, doc: &ChannelDoc) -> AppResult<()> {
        super::require_active_group(ctx, tenant, "entry_group_id", doc.entry_group_id)
    }

    fn present(doc: &ChannelDoc) -> ChannelDoc {
        let mut shown = doc.clone();
        for (key, _, secret) in doc.kind.credentials() {
            if *secret {
                if let Some(value) = shown.credentials.get_mut(*key) {
                    *value = mask(value);
                }
            }
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::ChannelType;

    #[test]
    fn each_channel_signs_in_its_own_way() {
        let signed = |kind: ChannelType| kind.sign(Some("Alice"), "Olá");
        assert_eq!(signed(ChannelType::Whatsapp), "*Alice*: Olá");
        assert_eq!(signed(ChannelType::Telegram), "Alice: Olá");
        assert_eq!(signed(ChannelType::Sms), "Alice: Olá");
        assert_eq!(signed(ChannelType::Email), "Olá\n\n-- \nAlice");
        assert_eq!(signed(ChannelType::Webchat), "Olá");
        for kind in ChannelType::ALL {
            assert_eq!(kind.sign(None, "Olá"), "Olá");
        }
    }
}
