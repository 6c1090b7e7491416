//! Facebook Messenger and Instagram Direct: the Messenger Platform's webhook (`object` `page`
//! or `instagram`, `entry[].messaging[]`, signed with `X-Hub-Signature-256` like WhatsApp)
//! and its Send API (`POST /me/messages`, files uploaded as `filedata`).

use super::{
    invalid, multipart, post, post_json, text_of, Auth, InboundEvent, Invalid, Outgoing, SendError,
};
use crate::config::channel::{ChannelDoc, ChannelType};
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::{Delivery, MessageKind};
use serde_json::{json, Value};

pub const DEFAULT_API: &str = "https://graph.facebook.com/v21.0";

/// Every message, reaction, edit, button press and delivery of a webhook body, each with the
/// account it was sent to (`entry[].id`: the page, or the Instagram professional account).
pub fn parse(kind: ChannelType, body: &Value) -> Result<Vec<(String, InboundEvent)>, Invalid> {
    let expected = match kind {
        ChannelType::Instagram => "instagram",
        _ => "page",
    };
    if body["object"].as_str() != Some(expected) {
        return Err(invalid("object", format!("expected {expected}")));
    }
    let network = match kind {
        ChannelType::Instagram => "Instagram",
        _ => "Messenger",
    };
    let mut events = Vec::new();
    for entry in body["entry"].as_array().into_iter().flatten() {
        let account = text_of(&entry["id"])
            .or_else(|| entry["id"].as_i64().map(|i| i.to_string()))
            .ok_or_else(|| invalid("entry.id", "is required"))?;
        for m in entry["messaging"].as_array().into_iter().flatten() {
            if let Some(event) = messaging(network, m)? {
                events.push((account.clone(), event));
            }
        }
    }
    // Several events of one messaging item (attachments) come out flattened.
    Ok(events
        .into_iter()
        .flat_map(|(account, event)| match event {
            Many(list) => list.into_iter().map(|e| (account.clone(), e)).collect(),
            One(e) => vec![(account, e)],
        })
        .collect())
}

enum Parsed {
    One(InboundEvent),
    Many(Vec<InboundEvent>),
}
use Parsed::{Many, One};

fn messaging(network: &str, m: &Value) -> Result<Option<Parsed>, Invalid> {
    let sender =
        text_of(&m["sender"]["id"]).ok_or_else(|| invalid("messaging.sender.id", "is required"))?;
    if !sender.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("messaging.sender.id", "is not a Meta id"));
    }
    let who = Inbound {
        external_id: sender.clone(),
        name: Some(format!("{network} {sender}")),
        ..Inbound::default()
    };
    if let Some(d) = m.get("delivery") {
        let statuses = d["mids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(text_of)
            .map(|mid| InboundEvent::Status {
                channel_message_id: mid,
                status: Delivery::Delivered,
                error: None,
            })
            .collect();
        return Ok(Some(Many(statuses)));
    }
    if let Some(r) = m.get("reaction") {
        let target =
            text_of(&r["mid"]).ok_or_else(|| invalid("messaging.reaction.mid", "is required"))?;
        let emoji = (r["action"] != "unreact")
            .then(|| text_of(&r["emoji"]).or_else(|| text_of(&r["reaction"])))
            .flatten();
        return Ok(Some(One(InboundEvent::Reaction { target, emoji })));
    }
    if let Some(edit) = m.get("message_edit") {
        let mid = text_of(&edit["mid"])
            .ok_or_else(|| invalid("messaging.message_edit.mid", "is required"))?;
        let body = text_of(&edit["text"]);
        return Ok(Some(One(InboundEvent::Edit {
            original: mid.clone(),
            body: body.clone(),
            fallback: Box::new(Inbound {
                channel_message_id: Some(format!("{mid}:edit:{}", edit["num_edit"])),
                kind: Some(MessageKind::Text),
                body,
                ..who
            }),
        })));
    }
    if let Some(p) = m.get("postback") {
        // A button press; Messenger gives it an id (`mid`) only in newer versions.
        let id =
            text_of(&p["mid"]).unwrap_or_else(|| format!("postback:{sender}:{}", m["timestamp"]));
        return Ok(Some(One(InboundEvent::Message(Box::new(Inbound {
            channel_message_id: Some(id),
            kind: Some(MessageKind::Interactive),
            body: text_of(&p["title"]).or_else(|| text_of(&p["payload"])),
            payload: Some(json!({"postback": p})),
            ..who
        })))));
    }
    let Some(message) = m.get("message") else {
        return Ok(Some(One(InboundEvent::Ignored(
            "a messaging event we do not store (read, optin, referral)".into(),
        ))));
    };
    if message["is_echo"] == true {
        // Our own sends (and the page's from Meta's inbox) come back as echoes.
        return Ok(Some(One(InboundEvent::Ignored(
            "an echo of a sent message".into(),
        ))));
    }
    let mid = text_of(&message["mid"]).ok_or_else(|| invalid("message.mid", "is required"))?;
    let mut events = Vec::new();
    let text = text_of(&message["text"]);
    let attachments = message["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if text.is_some() || attachments.is_empty() {
        let quick = &message["quick_reply"]["payload"];
        events.push(InboundEvent::Message(Box::new(Inbound {
            channel_message_id: Some(mid.clone()),
            kind: Some(if quick.is_null() {
                MessageKind::Text
            } else {
                MessageKind::Interactive
            }),
            body: text,
            payload: (!quick.is_null()).then(|| json!({"quick_reply": quick})),
            ..who.clone_sender()
        })));
    }
    for (i, a) in attachments.iter().enumerate() {
        let id = if events.is_empty() && i == 0 {
            mid.clone()
        } else {
            format!("{mid}#{i}")
        };
        let url = text_of(&a["payload"]["url"]);
        let (kind, body, payload) = match (a["type"].as_str().unwrap_or(""), url) {
            ("image", Some(url)) => media(MessageKind::Image, url),
            ("video", Some(url)) | ("ig_reel", Some(url)) | ("reel", Some(url)) => {
                media(MessageKind::Video, url)
            }
            ("audio", Some(url)) => media(MessageKind::Audio, url),
            ("file", Some(url)) => media(MessageKind::Document, url),
            ("location", _) => {
                let c = &a["payload"]["coordinates"];
                (
                    MessageKind::Location,
                    super::location_text(&c["lat"], &c["long"], &[text_of(&a["title"])]),
                    Some(a.clone()),
                )
            }
            // Shares, story mentions, fallbacks: their link is what the agent can open.
            (_, url) => (MessageKind::Unsupported, url, Some(a.clone())),
        };
        events.push(InboundEvent::Message(Box::new(Inbound {
            channel_message_id: Some(id),
            kind: Some(kind),
            body,
            payload,
            ..who.clone_sender()
        })));
    }
    Ok(Some(Many(events)))
}

fn media(kind: MessageKind, url: String) -> (MessageKind, Option<String>, Option<Value>) {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return (MessageKind::Unsupported, None, Some(json!({"url": url})));
    }
    (
        kind,
        None,
        Some(json!({"media": {"status": "pending", "source": "url", "url": url}})),
    )
}

impl Inbound {
    fn clone_sender(&self) -> Inbound {
        Inbound {
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            ..Inbound::default()
        }
    }
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let token = super::credential(channel, "access_token")
        .ok_or_else(|| SendError::permanent("no access_token"))?;
    let base = super::credential(channel, "api_base_url")
        .unwrap_or(DEFAULT_API)
        .trim_end_matches('/');
    let url = format!("{base}/me/messages");
    let recipient = json!({"id": out.to}).to_string();
    let answer = match out.file {
        None => post_json(
            ctx,
            &url,
            Auth::Bearer(token),
            &json!({"recipient": {"id": out.to}, "messaging_type": "RESPONSE",
                    "message": {"text": out.text}}),
        )?,
        Some(file) => {
            let kind = match file.kind {
                MessageKind::Image => "image",
                MessageKind::Audio => "audio",
                MessageKind::Video => "video",
                _ => "file",
            };
            // The Send API has no captions: a text goes first as its own message.
            if !out.text.trim().is_empty() && out.text != file.filename {
                post_json(
                    ctx,
                    &url,
                    Auth::Bearer(token),
                    &json!({"recipient": {"id": out.to}, "messaging_type": "RESPONSE",
                            "message": {"text": out.text}}),
                )?;
            }
            let message = json!({"attachment": {"type": kind, "payload": {"is_reusable": false}}})
                .to_string();
            let (content_type, body) = multipart(
                &[
                    ("recipient", &recipient),
                    ("messaging_type", "RESPONSE"),
                    ("message", &message),
                ],
                "filedata",
                file,
            );
            post(ctx, &url, Auth::Bearer(token), &content_type, body)?
        }
    };
    Ok(text_of(&answer["message_id"]).unwrap_or_default())
}
