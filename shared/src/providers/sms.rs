//! SMS through a generic provider: its webhook posts `{from, to, text, id}`; we post
//! `{from, to, text}` to its send URL.

use super::{post_json, text_of, InboundEvent, Outgoing, SendError};
use crate::client::identity::parse_phone;
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::MessageKind;
use serde_json::{json, Value};

pub fn parse(body: &Value) -> Result<Vec<InboundEvent>, String> {
    let from = text_of(&body["from"]).ok_or("from is required")?;
    let phone = parse_phone(&from).unwrap_or_else(|_| from.clone());
    Ok(vec![InboundEvent::Message(Box::new(Inbound {
        external_id: phone.clone(),
        phone: Some(phone),
        channel_message_id: text_of(&body["id"]),
        kind: Some(MessageKind::Text),
        body: text_of(&body["text"]),
        ..Inbound::default()
    }))])
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let cred = |k: &str| {
        channel
            .credentials
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let url =
        cred("send_url").ok_or_else(|| SendError::permanent("the channel has no send_url"))?;
    let answer = post_json(
        ctx,
        url,
        cred("api_key"),
        &json!({"from": cred("sender"), "to": out.to, "text": out.text}),
    )?;
    Ok(answer["id"].as_str().map(str::to_owned).unwrap_or_default())
}
