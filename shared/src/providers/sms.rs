//! SMS: Twilio (form-encoded webhooks signed with `X-Twilio-Signature`, MMS media, status
//! callbacks; the Messages API), Zenvia (JSON webhooks of its v2 API; its send API) and a
//! generic JSON provider (`{from, to, text, id}` in; `{from, to, text}` out).

use super::form::Form;
use super::{
    credential, invalid, post_form, post_json, text_of, Auth, InboundEvent, Invalid, Outgoing,
    SendError,
};
use crate::client::identity::parse_phone;
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::{Delivery, MessageKind};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

pub const TWILIO_API: &str = "https://api.twilio.com/2010-04-01";
pub const ZENVIA_API: &str = "https://api.zenvia.com/v2/channels/sms/messages";

fn sender_phone(field: &str, raw: &str) -> Result<String, Invalid> {
    parse_phone(raw).map_err(|e| invalid(field, format!("is not a phone number: {e}")))
}

fn text_message(phone: String, id: String, body: Option<String>) -> InboundEvent {
    InboundEvent::Message(Box::new(Inbound {
        external_id: phone.clone(),
        phone: Some(phone),
        channel_message_id: Some(id),
        kind: Some(MessageKind::Text),
        body,
        ..Inbound::default()
    }))
}

pub fn parse_generic(body: &Value) -> Result<Vec<InboundEvent>, Invalid> {
    let from = text_of(&body["from"]).ok_or_else(|| invalid("from", "is required"))?;
    let phone = sender_phone("from", &from)?;
    let id = text_of(&body["id"]).ok_or_else(|| invalid("id", "is required"))?;
    Ok(vec![text_message(phone, id, text_of(&body["text"]))])
}

/// Twilio's signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL Twilio
/// called followed by every POST parameter's name and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, form: &Form) -> String {
    let mut params: Vec<&(String, String)> = form.fields.iter().collect();
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let mut data = url.to_owned();
    for (k, v) in params {
        data.push_str(k);
        data.push_str(v);
    }
    match Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

pub fn twilio_signature_matches(auth_token: &str, url: &str, form: &Form, given: &str) -> bool {
    let expected = twilio_signature(auth_token, url, form);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.trim().as_bytes()))
}

/// A Twilio messaging webhook: an incoming SMS/MMS (`MessageSid`, `From`, `Body`, `NumMedia`,
/// `MediaUrlN`, `MediaContentTypeN`) or a status callback (`MessageStatus`, `ErrorCode`).
pub fn parse_twilio(form: &Form) -> Result<Vec<InboundEvent>, Invalid> {
    let sid = form
        .get("MessageSid")
        .or(form.get("SmsSid"))
        .ok_or_else(|| invalid("MessageSid", "is required"))?
        .to_owned();
    if let Some(status) = form.get("MessageStatus") {
        let status = match status {
            "sent" => Delivery::Sent,
            "delivered" => Delivery::Delivered,
            "read" => Delivery::Read,
            "failed" | "undelivered" => Delivery::Failed,
            other => {
                return Ok(vec![InboundEvent::Ignored(format!(
                    "twilio status {other}"
                ))])
            }
        };
        let error = form
            .get("ErrorCode")
            .map(|code| format!("Twilio error {code}"));
        return Ok(vec![InboundEvent::Status {
            channel_message_id: sid,
            status,
            error,
        }]);
    }
    let phone = sender_phone("From", form.get("From").unwrap_or(""))?;
    let media: usize = form
        .get("NumMedia")
        .map(|n| {
            n.parse()
                .map_err(|_| invalid("NumMedia", "is not a number"))
        })
        .transpose()?
        .unwrap_or(0);
    if media > 10 {
        return Err(invalid("NumMedia", "Twilio sends at most 10 media"));
    }
    let mut events = Vec::new();
    let body = form.get("Body").map(str::to_owned);
    if body.is_some() || media == 0 {
        events.push(text_message(phone.clone(), sid.clone(), body));
    }
    for i in 0..media {
        let url = form
            .get(&format!("MediaUrl{i}"))
            .ok_or_else(|| invalid(format!("MediaUrl{i}"), "is required"))?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid(format!("MediaUrl{i}"), "must be a URL"));
        }
        let content_type = form
            .get(&format!("MediaContentType{i}"))
            .unwrap_or("application/octet-stream");
        events.push(InboundEvent::Message(Box::new(Inbound {
            external_id: phone.clone(),
            phone: Some(phone.clone()),
            channel_message_id: Some(format!("{sid}#media{i}")),
            kind: Some(super::kind_of(content_type)),
            payload: Some(json!({"media": {"status": "pending", "source": "twilio",
                "url": url, "mime_type": content_type}})),
            ..Inbound::default()
        })));
    }
    Ok(events)
}

/// A Zenvia v2 webhook event: `MESSAGE` (an incoming SMS, `message.contents[].text`) or
/// `MESSAGE_STATUS` (`messageId`, `messageStatus.code`).
pub fn parse_zenvia(body: &Value) -> Result<Vec<InboundEvent>, Invalid> {
    match body["type"].as_str() {
        Some("MESSAGE") if body["direction"] == "IN" || body["message"]["direction"] == "IN" => {
            let m = &body["message"];
            let id = text_of(&m["id"]).ok_or_else(|| invalid("message.id", "is required"))?;
            let from = text_of(&m["from"]).ok_or_else(|| invalid("message.from", "is required"))?;
            let phone = sender_phone(
                "message.from",
                &format!("+{}", from.trim_start_matches('+')),
            )?;
            let text: Vec<String> = m["contents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| text_of(&c["text"]))
                .collect();
            Ok(vec![text_message(
                phone,
                id,
                Some(text.join("\n")).filter(|t| !t.is_empty()),
            )])
        }
        Some("MESSAGE") => Ok(vec![InboundEvent::Ignored(
            "an outgoing message event".into(),
        )]),
        Some("MESSAGE_STATUS") => {
            let id =
                text_of(&body["messageId"]).ok_or_else(|| invalid("messageId", "is required"))?;
            let code = body["messageStatus"]["code"].as_str().unwrap_or("");
            let status = match code {
                "SENT" => Delivery::Sent,
                "DELIVERED" => Delivery::Delivered,
                "READ" => Delivery::Read,
                "NOT_DELIVERED" | "REJECTED" => Delivery::Failed,
                other => {
                    return Ok(vec![InboundEvent::Ignored(format!(
                        "zenvia status {other}"
                    ))])
                }
            };
            let error = (status == Delivery::Failed).then(|| {
                text_of(&body["messageStatus"]["description"]).unwrap_or_else(|| code.to_owned())
            });
            Ok(vec![InboundEvent::Status {
                channel_message_id: id,
                status,
                error,
            }])
        }
        _ => Err(invalid("type", "expected MESSAGE or MESSAGE_STATUS")),
    }
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let cred = |k: &str| credential(channel, k);
    match cred("provider").unwrap_or("generic") {
        "twilio" => {
            let sid = cred("account_sid")
                .ok_or_else(|| SendError::permanent("the channel has no account_sid"))?;
            let token = cred("auth_token")
                .ok_or_else(|| SendError::permanent("the channel has no auth_token"))?;
            let url = cred("send_url")
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{TWILIO_API}/Accounts/{sid}/Messages.json"));
            let mut fields = vec![
                ("To", out.to),
                ("From", cred("sender").unwrap_or_default()),
                ("Body", out.text),
            ];
            // Delivery statuses come back to the same webhook.
            if let Some(callback) = cred("webhook_url") {
                fields.push(("StatusCallback", callback));
            }
            let answer = post_form(ctx, &url, Auth::Basic(sid, token), &fields)?;
            if answer["status"] == "failed" {
                return Err(SendError::permanent(format!(
                    "twilio: {}",
                    answer["error_message"].as_str().unwrap_or("failed")
                )));
            }
            Ok(text_of(&answer["sid"]).unwrap_or_default())
        }
        "zenvia" => {
            let token = cred("api_key")
                .ok_or_else(|| SendError::permanent("the channel has no api_key"))?;
            let answer = post_json(
                ctx,
                cred("send_url").unwrap_or(ZENVIA_API),
                Auth::Header("x-api-token", token),
                &json!({"from": cred("sender"), "to": out.to.trim_start_matches('+'),
                        "contents": [{"type": "text", "text": out.text}]}),
            )?;
            Ok(text_of(&answer["id"]).unwrap_or_default())
        }
        _ => super::send_generic(
            ctx,
            channel,
            &json!({"from": cred("sender"), "to": out.to, "text": out.text}),
        ),
    }
}
