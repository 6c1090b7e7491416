//! Telegram Bot API: updates posted to our webhook (checked by `X-Telegram-Bot-Api-Secret-Token`)
//! and `sendMessage`.

use super::{
    contact_card, invalid, location_text, multipart, post, post_json, text_of, Auth, InboundEvent,
    Invalid, Outgoing, SendError,
};
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::MessageKind;
use crate::enums::Language;
use serde_json::{json, Value};

pub const DEFAULT_API: &str = "https://api.telegram.org";

pub fn parse(update: &Value) -> Result<Vec<InboundEvent>, Invalid> {
    if let Some(query) = update.get("callback_query") {
        return callback(query).map(|m| vec![m]);
    }
    let (m, edited) = match (update.get("message"), update.get("edited_message")) {
        (Some(m), _) => (m, false),
        (None, Some(m)) => (m, true),
        _ => {
            return Ok(vec![InboundEvent::Ignored(
                "update without a message".into(),
            )])
        }
    };
    let chat = m["chat"]["id"]
        .as_i64()
        .ok_or_else(|| invalid("message.chat.id", "is required"))?;
    let message_id = m["message_id"]
        .as_i64()
        .ok_or_else(|| invalid("message.message_id", "is required"))?;
    let (kind, body, payload) = content(m);
    let message = Inbound {
        channel_message_id: Some(format!("{chat}:{message_id}")),
        kind: Some(kind),
        body,
        payload,
        ..sender(chat, &m["from"])
    };
    if edited {
        return Ok(vec![InboundEvent::Edit {
            original: format!("{chat}:{message_id}"),
            body: message.body.clone(),
            fallback: Box::new(message),
        }]);
    }
    Ok(vec![InboundEvent::Message(Box::new(message))])
}

/// Who wrote: the chat (what we answer to), with the user's name and language.
fn sender(chat: i64, from: &Value) -> Inbound {
    let name = [text_of(&from["first_name"]), text_of(&from["last_name"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let language = from["language_code"]
        .as_str()
        .and_then(|l| match l.get(..2) {
            Some("pt") => Some(Language::PtBr),
            Some("es") => Some(Language::Es),
            Some("en") => Some(Language::En),
            _ => None,
        });
    Inbound {
        external_id: chat.to_string(),
        name: Some(name)
            .filter(|n| !n.is_empty())
            .or_else(|| text_of(&from["username"])),
        language,
        ..Inbound::default()
    }
}

/// A button of an inline keyboard pressed: the customer's answer, as the button's text.
fn callback(query: &Value) -> Result<InboundEvent, Invalid> {
    let id = text_of(&query["id"]).ok_or_else(|| invalid("callback_query.id", "is required"))?;
    let Some(chat) = query["message"]["chat"]["id"].as_i64() else {
        // A button of an inline-mode message: there is no chat to hold a conversation in.
        return Ok(InboundEvent::Ignored(
            "callback query without a chat".into(),
        ));
    };
    let data = text_of(&query["data"]);
    let label = query["message"]["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .find(|button| data.is_some() && text_of(&button["callback_data"]) == data)
        .and_then(|button| text_of(&button["text"]));
    Ok(InboundEvent::Message(Box::new(Inbound {
        channel_message_id: Some(format!("callback:{id}")),
        kind: Some(MessageKind::Interactive),
        body: label.or_else(|| data.clone()),
        payload: Some(json!({"callback_query_id": id, "data": data,
            "message_id": query["message"]["message_id"]})),
        ..sender(chat, &query["from"])
    })))
}

/// A Bot API method answered in the webhook's response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookMethod {
    /// `answerCallbackQuery`
    pub method: &'static str,
    pub callback_query_id: String,
}

/// The Bot API method to answer in the webhook's response, so the customer's button stops
/// spinning without another request ("Making requests when getting updates").
pub fn webhook_answer(update: &Value) -> Option<WebhookMethod> {
    let id = text_of(&update["callback_query"]["id"])?;
    Some(WebhookMethod {
        method: "answerCallbackQuery",
        callback_query_id: id,
    })
}

fn content(m: &Value) -> (MessageKind, Option<String>, Option<Value>) {
    let caption = text_of(&m["caption"]);
    let file = |kind: MessageKind, v: &Value, mime: &str| {
        (
            kind,
            caption.clone().or_else(|| text_of(&v["file_name"])),
            Some(
                json!({"media": {"status": "pending", "source": "telegram", "id": v["file_id"],
                "mime_type": text_of(&v["mime_type"]).unwrap_or_else(|| mime.to_owned()),
                "filename": v["file_name"], "file_size": v["file_size"]}}),
            ),
        )
    };
    if let Some(text) = text_of(&m["text"]) {
        (MessageKind::Text, Some(text), None)
    } else if let Some(photos) = m["photo"].as_array() {
        // Telegram sends every size; the last is the largest.
        file(
            MessageKind::Image,
            photos.last().unwrap_or(&Value::Null),
            "image/jpeg",
        )
    } else if m.get("voice").is_some() {
        file(MessageKind::Audio, &m["voice"], "audio/ogg")
    } else if m.get("audio").is_some() {
        file(MessageKind::Audio, &m["audio"], "audio/mpeg")
    } else if m.get("video").is_some() {
        file(MessageKind::Video, &m["video"], "video/mp4")
    } else if m.get("video_note").is_some() {
        file(MessageKind::Video, &m["video_note"], "video/mp4")
    } else if m.get("document").is_some() {
        file(
            MessageKind::Document,
            &m["document"],
            "application/octet-stream",
        )
    } else if m.get("sticker").is_some() {
        file(MessageKind::Image, &m["sticker"], "image/webp")
    } else if let Some(c) = m.get("contact") {
        let name = [text_of(&c["first_name"]), text_of(&c["last_name"])]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (
            MessageKind::Contact,
            Some(contact_card(
                Some(name).filter(|n| !n.is_empty()),
                text_of(&c["phone_number"]).into_iter(),
            )),
            Some(c.clone()),
        )
    } else if let Some(venue) = m.get("venue") {
        (
            MessageKind::Location,
            location_text(
                &venue["location"]["latitude"],
                &venue["location"]["longitude"],
                &[text_of(&venue["title"]), text_of(&venue["address"])],
            ),
            Some(venue.clone()),
        )
    } else if let Some(l) = m.get("location") {
        (
            MessageKind::Location,
            location_text(&l["latitude"], &l["longitude"], &[]),
            Some(l.clone()),
        )
    } else {
        (MessageKind::Unsupported, caption, Some(m.clone()))
    }
}

/// Buttons a scale's numbers fit on one row, up to this many (0–5 and 6–10 for NPS).
const SCALE_ROW: usize = 6;

/// An inline keyboard of `options`: a scale (every title a number) in rows of
/// [`SCALE_ROW`] like a phone's keypad, anything else one button per row so long titles stay
/// readable. `callback_data` holds at most 64 bytes; a longer id is left out.
fn keyboard(options: &[crate::providers::Choice]) -> Vec<Vec<Value>> {
    let buttons: Vec<Value> = options
        .iter()
        .filter(|o| o.id.len() <= 64)
        .map(|o| json!({"text": o.title, "callback_data": o.id}))
        .collect();
    let per_row = if crate::providers::is_scale(options) {
        SCALE_ROW
    } else {
        1
    };
    buttons.chunks(per_row).map(<[Value]>::to_vec).collect()
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
                Auth::None,
                &match out.choices.filter(|c| !c.options.is_empty()) {
                    Some(c) => json!({"chat_id": chat, "text": c.prompt, "reply_markup": {
                        "inline_keyboard": keyboard(&c.options)}}),
                    None => json!({"chat_id": chat, "text": out.text}),
                },
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
                Auth::None,
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
    Ok(answer["result"]["message_id"]
        .as_i64()
        .map(|id| format!("{}:{id}", out.to))
        .unwrap_or_default())
}
