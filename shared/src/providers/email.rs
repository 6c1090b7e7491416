//! E-mail: an inbound-parse JSON webhook (as e-mail providers post it) and a generic send API.

use super::{post_json, text_of, InboundEvent, Outgoing, SendError};
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::{Inbound, NewAttachment};
use crate::conversation::MessageKind;
use base64::Engine;
use serde_json::{json, Value};

/// `Maria Souza <maria@example.com>` → (name, address).
pub fn split_address(raw: &str) -> (Option<String>, String) {
    match (raw.find('<'), raw.rfind('>')) {
        (Some(start), Some(end)) if start < end => {
            let name = raw[..start].trim().trim_matches('"').trim();
            (
                Some(name.to_owned()).filter(|n| !n.is_empty()),
                raw[start + 1..end].trim().to_lowercase(),
            )
        }
        _ => (None, raw.trim().to_lowercase()),
    }
}

/// The e-mail as messages: its text, then one message per attachment.
pub fn parse(body: &Value) -> Result<Vec<InboundEvent>, String> {
    let from = text_of(&body["from"]).ok_or("from is required")?;
    let (name, address) = split_address(&from);
    if !address.contains('@') {
        return Err("from must be an e-mail address".into());
    }
    let message_id = text_of(&body["message_id"]);
    let text = text_of(&body["text"]).or_else(|| {
        // Only HTML: keep its words, drop every tag and script.
        text_of(&body["html"]).map(|h| ammonia::Builder::empty().clean(&h).to_string())
    });
    let subject = text_of(&body["subject"]);
    let base = Inbound {
        external_id: address.clone(),
        name: name.clone(),
        email: Some(address.clone()),
        subject: subject.clone(),
        ..Inbound::default()
    };
    let mut events = vec![InboundEvent::Message(Box::new(Inbound {
        channel_message_id: message_id.clone(),
        kind: Some(MessageKind::Text),
        body: text,
        payload: Some(
            json!({"subject": subject, "in_reply_to": body["in_reply_to"], "to": body["to"]}),
        ),
        ..base.clone_identity()
    }))];
    for (i, a) in body["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let data = base64::engine::general_purpose::STANDARD
            .decode(a["content"].as_str().unwrap_or("").trim())
            .map_err(|_| format!("attachment {i} is not base64"))?;
        let content_type =
            text_of(&a["content_type"]).unwrap_or_else(|| "application/octet-stream".into());
        let kind = match content_type.split('/').next() {
            Some("image") => MessageKind::Image,
            Some("audio") => MessageKind::Audio,
            Some("video") => MessageKind::Video,
            _ => MessageKind::Document,
        };
        let filename = text_of(&a["filename"]).unwrap_or_else(|| format!("attachment-{i}"));
        events.push(InboundEvent::Message(Box::new(Inbound {
            channel_message_id: message_id.as_ref().map(|m| format!("{m}#{i}")),
            kind: Some(kind),
            body: Some(filename.clone()),
            attachment: Some(NewAttachment {
                filename,
                content_type,
                data,
            }),
            ..base.clone_identity()
        })));
    }
    Ok(events)
}

impl Inbound {
    fn clone_identity(&self) -> Inbound {
        Inbound {
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            language: self.language,
            subject: self.subject.clone(),
            ..Inbound::default()
        }
    }
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let attachments: Vec<Value> = out
        .file
        .map(|f| {
            json!({"filename": f.filename, "content_type": f.content_type,
                   "content": base64::engine::general_purpose::STANDARD.encode(&f.data)})
        })
        .into_iter()
        .collect();
    let cred = |k: &str| {
        channel
            .credentials
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let url =
        cred("send_url").ok_or_else(|| SendError::permanent("the channel has no send_url"))?;
    let subject = out.subject.map(|s| {
        if s.to_lowercase().starts_with("re:") {
            s.to_owned()
        } else {
            format!("Re: {s}")
        }
    });
    let answer = post_json(
        ctx,
        url,
        cred("api_key"),
        &json!({
            "from": cred("from_address"), "to": out.to, "subject": subject.unwrap_or_else(|| "Atendimento".into()),
            "text": out.text, "attachments": attachments
        }),
    )?;
    Ok(answer["id"].as_str().map(str::to_owned).unwrap_or_default())
}
