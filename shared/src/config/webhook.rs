//! Outbound webhooks to a customer's systems: URL, events, HMAC secret (never shown again).

use super::{Prepared, Resource};
use crate::context::Ctx;
use crate::errors::AppResult;
use crate::ids::TenantId;
use crate::validate::{required_text, Problems};
use serde::{Deserialize, Serialize};

pub struct Webhook;

/// The events a webhook may subscribe to (SPEC §6).
pub fn events() -> impl Iterator<Item = &'static str> {
    crate::conversation::hooks::Hook::ALL
        .iter()
        .map(|h| h.name())
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDoc {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    /// Signs each delivery (HMAC-SHA256); at least 16 characters.
    pub secret: String,
}

/// What reads show of a secret: enough to recognise it, never enough to use it.
pub fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if secret.chars().count() <= 8 {
        "••••".into()
    } else {
        format!("••••{tail}")
    }
}

pub fn parse_url(raw: &str) -> Result<String, String> {
    let u = raw.trim();
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || u.len() > 2000 || u.chars().any(char::is_whitespace) {
        return Err("must be a full URL with a host".into());
    }
    Ok(u.to_owned())
}

impl Resource for Webhook {
    const KIND: &'static str = "webhook";
    type Doc = WebhookDoc;

    fn prepare(
        _ctx: &Ctx,
        _tenant: TenantId,
        _id: Option<i64>,
        previous: Option<&WebhookDoc>,
        doc: &mut WebhookDoc,
    ) -> AppResult<Prepared> {
        let mut p = Problems::default();
        doc.name = p
            .check("name", required_text(&doc.name, 120))
            .unwrap_or_default();
        doc.url = p.check("url", parse_url(&doc.url)).unwrap_or_default();
        if doc.events.is_empty() {
            p.add(
                "events",
                format!(
                    "at least one of {}",
                    events().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        for e in &doc.events {
            if crate::conversation::hooks::Hook::parse(e).is_none() {
                p.add(
                    "events",
                    format!(
                        "unknown event '{e}'; events are {}",
                        events().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        doc.events.sort();
        doc.events.dedup();
        // A read shows the mask; sending it back unchanged keeps the stored secret.
        if let Some(prev) = previous {
            if doc.secret == mask(&prev.secret) {
                doc.secret = prev.secret.clone();
            }
        }
        if doc.secret.chars().count() < 16 || doc.secret.len() > 256 {
            p.add("secret", "must be 16 to 256 characters");
        }
        p.into_result()?;
        Ok(Prepared {
            search: format!("{} {}", doc.name, doc.url).to_lowercase(),
            ..Prepared::named(&doc.name)
        })
    }

    /// Deliveries still queued are cancelled: a deactivated webhook receives nothing more.
    fn on_deactivate(ctx: &Ctx, tenant: TenantId, id: i64) -> AppResult<()> {
        crate::outbound::cancel_webhook(ctx, tenant, id)?;
        Ok(())
    }

    fn present(doc: &WebhookDoc) -> WebhookDoc {
        WebhookDoc {
            secret: mask(&doc.secret),
            ..doc.clone()
        }
    }
}
