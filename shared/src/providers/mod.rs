//! The channel providers' APIs: what their webhooks send us (parsed into [`Inbound`]) and how
//! we send through them. Each provider's shapes follow its public documentation.

pub mod email;
pub mod sms;
pub mod telegram;
pub mod whatsapp;

use crate::config::channel::{ChannelDoc, ChannelType};
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::Delivery;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What a webhook delivery carries.
pub enum InboundEvent {
    Message(Box<Inbound>),
    /// A delivery status of one of our outbound messages.
    Status {
        channel_message_id: String,
        status: Delivery,
        error: Option<String>,
    },
    /// Something we acknowledge but do not store (e.g. a Telegram update with no chat).
    Ignored(String),
}

pub struct Outgoing<'a> {
    pub to: &'a str,
    /// The text, or a file's caption.
    pub text: &'a str,
    pub subject: Option<&'a str>,
    pub file: Option<&'a OutgoingFile>,
    /// A WhatsApp message template (`name`, `language`, `parameters`), sent instead of the
    /// text: WhatsApp lets a business write first only with an approved template.
    pub template: Option<&'a serde_json::Value>,
}

/// A file an agent sends.
pub struct OutgoingFile {
    pub kind: crate::conversation::MessageKind,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A `multipart/form-data` body: (content type header, bytes).
pub fn multipart(
    fields: &[(&str, &str)],
    file_field: &str,
    file: &OutgoingFile,
) -> (String, Vec<u8>) {
    // A boundary that cannot occur in the file: grow it until it does not.
    let mut boundary = String::from("atende-boundary-7f3a9c");
    while file
        .data
        .windows(boundary.len())
        .any(|w| w == boundary.as_bytes())
    {
        boundary.push('x');
    }
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    let filename = file.filename.replace(['"', '\r', '\n'], "_");
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{filename}\"\r\nContent-Type: {}\r\n\r\n",
            file.content_type
        )
        .as_bytes(),
    );
    body.extend(&file.data);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[derive(Debug)]
pub struct SendError {
    /// A 4xx from the provider (other than 429) will not improve by retrying.
    pub permanent: bool,
    pub reason: String,
}

impl SendError {
    fn retry(reason: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            reason: reason.into(),
        }
    }
    fn permanent(reason: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            reason: reason.into(),
        }
    }
}

/// Sends one text through the channel; returns the provider's message id.
pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    match channel.kind {
        ChannelType::Whatsapp => whatsapp::send(ctx, channel, out),
        ChannelType::Telegram => telegram::send(ctx, channel, out),
        ChannelType::Email => email::send(ctx, channel, out),
        ChannelType::Sms if out.file.is_some() => Err(SendError::permanent("SMS carries no files")),
        ChannelType::Sms => sms::send(ctx, channel, out),
        ChannelType::Webchat => Ok(String::new()),
    }
}

/// POSTs JSON and classifies the answer: 2xx is the body; 429, 5xx and transport errors are
/// retried; any other status is permanent, with the provider's words as the reason.
fn post_json(
    ctx: &Ctx,
    url: &str,
    bearer: Option<&str>,
    body: &serde_json::Value,
) -> Result<serde_json::Value, SendError> {
    post(
        ctx,
        url,
        bearer,
        "application/json",
        body.to_string().into_bytes(),
    )
}

fn post(
    ctx: &Ctx,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Result<serde_json::Value, SendError> {
    let mut builder = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", content_type);
    if let Some(token) = bearer {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let request = builder
        .body(body)
        .map_err(|e| SendError::permanent(format!("bad provider URL: {e}")))?;
    let response = ctx.http.send(request).map_err(|e| SendError::retry(e.0))?;
    let status = response.status().as_u16();
    let text = String::from_utf8_lossy(response.body())
        .chars()
        .take(500)
        .collect::<String>();
    match status {
        200..=299 => Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)),
        429 | 500..=599 => Err(SendError::retry(format!(
            "provider answered {status}: {text}"
        ))),
        _ => Err(SendError::permanent(format!(
            "provider answered {status}: {text}"
        ))),
    }
}

/// Constant-time check of a hex HMAC-SHA256 of `body` under `secret`.
pub fn hmac_sha256_matches(secret: &str, body: &[u8], hex_signature: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    bool::from(
        expected
            .as_bytes()
            .ct_eq(hex_signature.trim().to_lowercase().as_bytes()),
    )
}

pub fn hmac_sha256_hex(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
        Err(_) => String::new(),
    }
}

/// Constant-time comparison of a shared secret sent in a header.
pub fn secret_matches(expected: Option<&str>, given: Option<&str>) -> bool {
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() => bool::from(e.as_bytes().ct_eq(g.trim().as_bytes())),
        _ => false,
    }
}

fn text_of(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_owned).filter(|s| !s.is_empty())
}
