//! WhatsApp Cloud API: the webhook (verification handshake, `X-Hub-Signature-256`, messages and
//! statuses) and `POST /{phone_number_id}/messages`.

use super::{
    contact_card, invalid, location_text, multipart, post, post_json, text_of, Auth, InboundEvent,
    Invalid, Outgoing, SendError,
};
use crate::client::identity::parse_phone;
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::{Delivery, MessageKind};
use serde_json::{json, Value};

pub const DEFAULT_API: &str = "https://graph.facebook.com/v21.0";

/// Every message and status in a webhook body (`entry[].changes[].value`), each with the
/// `metadata.phone_number_id` it was sent to: one Meta app may serve several numbers, and
/// each number is its own channel.
pub fn parse(body: &Value) -> Result<Vec<(String, InboundEvent)>, Invalid> {
    let mut events = Vec::new();
    let changes = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    for change in changes {
        let value = &change["value"];
        let messages = value["messages"].as_array();
        let statuses = value["statuses"].as_array();
        if messages.is_none() && statuses.is_none() {
            continue;
        }
        let number = text_of(&value["metadata"]["phone_number_id"])
            .ok_or_else(|| invalid("metadata.phone_number_id", "is required"))?;
        let names: Vec<(String, String)> = value["contacts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((text_of(&c["wa_id"])?, text_of(&c["profile"]["name"])?)))
            .collect();
        for m in messages.into_iter().flatten() {
            let id = text_of(&m["id"]).ok_or_else(|| invalid("messages.id", "is required"))?;
            let from =
                text_of(&m["from"]).ok_or_else(|| invalid("messages.from", "is required"))?;
            if !(8..=15).contains(&from.len()) || !from.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(
                    "messages.from",
                    "is not a WhatsApp id (8 to 15 digits)",
                ));
            }
            // Meta vouches for the number; one the phone metadata does not know yet keeps the
            // customer reachable by their WhatsApp id, just without a phone on the client.
            let phone = parse_phone(&format!("+{from}")).ok();
            if m["type"] == "reaction" {
                let target = text_of(&m["reaction"]["message_id"])
                    .ok_or_else(|| invalid("messages.reaction.message_id", "is required"))?;
                let emoji = text_of(&m["reaction"]["emoji"]);
                events.push((number.clone(), InboundEvent::Reaction { target, emoji }));
                continue;
            }
            let name = names
                .iter()
                .find(|(id, _)| *id == from)
                .map(|(_, n)| n.clone());
            let (kind, body, payload) = content(m);
            events.push((
                number.clone(),
                InboundEvent::Message(Box::new(Inbound {
                    phone,
                    external_id: from,
                    name,
                    channel_message_id: Some(id),
                    kind: Some(kind),
                    body,
                    payload,
                    ..Inbound::default()
                })),
            ));
        }
        for s in statuses.into_iter().flatten() {
            let status = match s["status"].as_str() {
                Some("sent") => Delivery::Sent,
                Some("delivered") => Delivery::Delivered,
                Some("read") => Delivery::Read,
                Some("failed") => Delivery::Failed,
                _ => continue,
            };
            let id = text_of(&s["id"]).ok_or_else(|| invalid("statuses.id", "is required"))?;
            let error = s["errors"][0]["title"]
                .as_str()
                .or(s["errors"][0]["message"].as_str())
                .map(|e| format!("{e} ({})", s["errors"][0]["code"]));
            events.push((
                number.clone(),
                InboundEvent::Status {
                    channel_message_id: id,
                    status,
                    error,
                },
            ));
        }
    }
    Ok(events)
}

/// (kind, text shown, details) of one message; unknown types keep the raw payload. Media
/// carry a pending reference that the scheduled work fetches into an attachment.
fn content(m: &Value) -> (MessageKind, Option<String>, Option<Value>) {
    let kind = m["type"].as_str().unwrap_or("");
    let media = |k: MessageKind, key: &str| {
        let media = &m[key];
        (
            k,
            text_of(&media["caption"]).or_else(|| text_of(&media["filename"])),
            Some(
                json!({"media": {"status": "pending", "source": "whatsapp", "id": media["id"],
                "mime_type": media["mime_type"], "filename": media["filename"], "sha256": media["sha256"]}}),
            ),
        )
    };
    match kind {
        "text" => (MessageKind::Text, text_of(&m["text"]["body"]), None),
        "image" | "sticker" => media(MessageKind::Image, kind),
        "audio" => media(MessageKind::Audio, "audio"),
        "video" => media(MessageKind::Video, "video"),
        "document" => media(MessageKind::Document, "document"),
        "location" => {
            let l = &m["location"];
            (
                MessageKind::Location,
                location_text(
                    &l["latitude"],
                    &l["longitude"],
                    &[text_of(&l["name"]), text_of(&l["address"])],
                ),
                Some(l.clone()),
            )
        }
        "contacts" => {
            let cards: Vec<String> = m["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let phones = c["phones"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| text_of(&p["phone"]).or_else(|| text_of(&p["wa_id"])));
                    let emails = c["emails"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| text_of(&e["email"]));
                    contact_card(text_of(&c["name"]["formatted_name"]), phones.chain(emails))
                })
                .collect();
            (
                MessageKind::Contact,
                Some(cards.join("\n")).filter(|c| !c.is_empty()),
                Some(json!({"contacts": m["contacts"]})),
            )
        }
        "interactive" => {
            let reply = &m["interactive"][m["interactive"]["type"].as_str().unwrap_or("")];
            (
                MessageKind::Interactive,
                text_of(&reply["title"]),
                Some(reply.clone()),
            )
        }
        "button" => (
            MessageKind::Interactive,
            text_of(&m["button"]["text"]),
            Some(m["button"].clone()),
        ),
        _ => (MessageKind::Unsupported, None, Some(m.clone())),
    }
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let cred = |k: &str| {
        channel
            .credentials
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let phone_id =
        cred("phone_number_id").ok_or_else(|| SendError::permanent("no phone_number_id"))?;
    let base = cred("api_base_url")
        .unwrap_or(DEFAULT_API)
        .trim_end_matches('/');
    let buttons = out.choices.and_then(|c| interactive(out.to, c));
    let message = match (out.file, buttons) {
        (None, _) if out.template.is_some() => template_message(out),
        (None, Some(buttons)) => buttons,
        (None, None) => {
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.to,
                       "type": "text", "text": {"preview_url": false, "body": out.text}})
        }
        (Some(file), _) => {
            // Files are uploaded first; the message then refers to the media id.
            let (content_type, body) = multipart(
                &[
                    ("messaging_product", "whatsapp"),
                    ("type", &file.content_type),
                ],
                "file",
                file,
            );
            let uploaded = post(
                ctx,
                &format!("{base}/{phone_id}/media"),
                Auth::bearer(cred("access_token")),
                &content_type,
                body,
            )?;
            let media = uploaded["id"]
                .as_str()
                .ok_or_else(|| SendError::retry("the media upload returned no id"))?;
            let kind = match file.kind {
                MessageKind::Image => "image",
                MessageKind::Audio => "audio",
                MessageKind::Video => "video",
                _ => "document",
            };
            let mut media_object = json!({"id": media});
            if kind != "audio" {
                media_object["caption"] = json!(out.text);
            }
            if kind == "document" {
                media_object["filename"] = json!(file.filename);
            }
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.to, "type": kind, kind: media_object})
        }
    };
    let answer = post_json(
        ctx,
        &format!("{base}/{phone_id}/messages"),
        Auth::bearer(cred("access_token")),
        &message,
    )?;
    Ok(answer["messages"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Reply buttons (at most 3, titles up to 20 characters) or a list (at most 10 rows, titles
/// up to 24 characters, the rest of a longer title as the row's description), as the Cloud
/// API's interactive messages allow; `None` (plain numbered text) when the options fit neither.
pub fn interactive(to: &str, c: &super::Choices) -> Option<serde_json::Value> {
    let body = c.prompt.trim();
    if c.options.is_empty()
        || c.options.len() > 10
        || body.is_empty()
        || body.chars().count() > 1024
    {
        return None;
    }
    let fits = |max: usize| c.options.iter().all(|o| o.title.chars().count() <= max);
    let interactive = if c.options.len() <= 3 && fits(20) {
        let buttons: Vec<_> = c
            .options
            .iter()
            .map(|o| json!({"type": "reply", "reply": {"id": o.id, "title": o.title}}))
            .collect();
        json!({"type": "button", "body": {"text": body}, "action": {"buttons": buttons}})
    } else {
        let rows: Vec<_> = c
            .options
            .iter()
            .map(|o| {
                let title: String = o.title.chars().take(24).collect();
                let mut row = json!({"id": o.id, "title": title});
                if o.title.chars().count() > 24 {
                    row["description"] = json!(o.title.chars().take(72).collect::<String>());
                }
                row
            })
            .collect();
        let button: String = c.button.chars().take(20).collect();
        json!({"type": "list", "body": {"text": body},
               "action": {"button": button, "sections": [{"rows": rows}]}})
    };
    Some(
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                "type": "interactive", "interactive": interactive}),
    )
}

/// A template message: the approved template's name and language, its body parameters in order.
fn template_message(out: &Outgoing) -> serde_json::Value {
    let t = out.template.cloned().unwrap_or_default();
    let parameters: Vec<serde_json::Value> = t["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| json!({"type": "text", "text": p}))
                .collect()
        })
        .unwrap_or_default();
    let mut template = json!({"name": t["name"], "language": {"code": t["language"]}});
    if !parameters.is_empty() {
        template["components"] = json!([{"type": "body", "parameters": parameters}]);
    }
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.to,
           "type": "template", "template": template})
}
