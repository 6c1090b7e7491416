//! Telegram Bot API: updates posted to our webhook (checked by `X-Telegram-Bot-Api-Secret-Token`)
//! and `sendMessage`.

use super::{multipart, post, post_json, text_of, InboundEvent, Outgoing, SendError};
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::MessageKind;
use crate::enums::Language;
use serde_json::{json, Value};

pub const DEFAULT_API: &str = "https://api.telegram.org";

pub fn parse(update: &Value) -> Vec<InboundEvent> {
    let (m, edited) = match (update.get("message"), update.get("edited_message")) {
        (Some(m), _) => (m, false),
        (None, Some(m)) => (m, true),
        _ => return vec![InboundEvent::Ignored("update without a message".into())],
    };
    let Some(chat) = m["chat"]["id"].as_i64() else {
        return vec![InboundEvent::Ignored("message without a chat".into())];
    };
    let from = &m["from"];
    let name = [text_of(&from["first_name"]), text_of(&from["last_name"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let language = from["language_code"]
        .as_str()
        .and_then(|l| match &l[..l.len().min(2)] {
            "pt" => Some(Language::PtBr),
            "es" => Some(Language::Es),
            "en" => Some(Language::En),
            _ => None,
        });
    let (kind, mut body, mut payload) = content(m);
    let message_id = m["message_id"].as_i64().unwrap_or(0);
    let channel_message_id = if edited {
        body = body.map(|b| format!("(editada) {b}"));
        let mut p = payload.unwrap_or_else(|| json!({}));
        p["edited_message_id"] = json!(message_id);
        payload = Some(p);
        format!(
            "{chat}:{message_id}:edit:{}",
            m["edit_date"].as_i64().unwrap_or(0)
        )
    } else {
        format!("{chat}:{message_id}")
    };
    vec![InboundEvent::Message(Box::new(Inbound {
        external_id: chat.to_string(),
        name: Some(name)
            .filter(|n| !n.is_empty())
            .or_else(|| text_of(&from["username"])),
        language,
        channel_message_id: Some(channel_message_id),
        kind: Some(kind),
        body,
        payload,
        ..Inbound::default()
    }))]
}

fn content(m: &Value) -> (MessageKind, Option<String>, Option<Value>) {
    let caption = text_of(&m["caption"]);
    let file = |kind: MessageKind, v: &Value| {
        (
            kind,
            caption.clone().or_else(|| text_of(&v["file_name"])),
            Some(json!({"provider": "telegram", "file_id": v["file_id"],
            "mime_type": v["mime_type"], "file_name": v["file_name"], "file_size": v["file_size"]})),
        )
    };
    if let Some(text) = text_of(&m["text"]) {
        (MessageKind::Text, Some(text), None)
    } else if let Some(photos) = m["photo"].as_array() {
        // Telegram sends every size; the last is the largest.
        file(MessageKind::Image, photos.last().unwrap_or(&Value::Null))
    } else if m.get("voice").is_some() {
        file(MessageKind::Audio, &m["voice"])
    } else if m.get("audio").is_some() {
        file(MessageKind::Audio, &m["audio"])
    } else if m.get("video").is_some() {
        file(MessageKind::Video, &m["video"])
    } else if m.get("document").is_some() {
        file(MessageKind::Document, &m["document"])
    } else if m.get("location").is_some() {
        (MessageKind::Location, None, Some(m["location"].clone()))
    } else {
        (MessageKind::Unsupported, None, Some(m.clone()))
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
    let token = cred("bot_token").ok_or_else(|| SendError::permanent("no bot_token"))?;
    let base = cred("api_base_url")
        .unwrap_or(DEFAULT_API)
        .trim_end_matches('/');
    let answer = match out.file {
        None => {
            let chat: Value = out
                .to
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(out.to));
            post_json(
                ctx,
                &format!("{base}/bot{token}/sendMessage"),
                None,
                &json!({"chat_id": chat, "text": out.text}),
            )?
        }
        Some(file) => {
            let (method, field) = match file.kind {
                MessageKind::Image => ("sendPhoto", "photo"),
                MessageKind::Video => ("sendVideo", "video"),
                MessageKind::Audio if file.content_type.contains("ogg") => ("sendVoice", "voice"),
                MessageKind::Audio => ("sendAudio", "audio"),
                _ => ("sendDocument", "document"),
            };
            let (content_type, body) =
                multipart(&[("chat_id", out.to), ("caption", out.text)], field, file);
            post(
                ctx,
                &format!("{base}/bot{token}/{method}"),
                None,
                &content_type,
                body,
            )?
        }
    };
    if answer["ok"] == false {
        return Err(SendError::permanent(
            answer["description"]
                .as_str()
                .unwrap_or("telegram refused")
                .to_owned(),
        ));
    }
    Ok(format!("{}:{}", out.to, answer["result"]["message_id"]))
}
