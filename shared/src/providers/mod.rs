//! The channel providers' APIs: what their webhooks send us (parsed into [`Inbound`]) and how
//! we send through them. Each provider's shapes follow its public documentation.

pub mod email;
pub mod form;
pub mod meta;
pub mod sms;
pub mod telegram;
pub mod whatsapp;

use crate::config::channel::{ChannelDoc, ChannelType};
use crate::context::Ctx;
use crate::conversation::inbound::Inbound;
use crate::conversation::Delivery;
use hmac::{Hmac, Mac};
use serde_json::Value;
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
    /// The customer reacted to one of the conversation's messages (`None` takes it back):
    /// it marks that message and is never a message of its own.
    Reaction {
        target: String,
        emoji: Option<String>,
    },
    /// The customer edited an earlier message: the original takes the new text and keeps
    /// the old one in its history. Stored as a message of its own only when the original
    /// never reached us.
    Edit {
        original: String,
        body: Option<String>,
        fallback: Box<Inbound>,
    },
    /// Something we acknowledge but do not store (e.g. a Telegram update with no chat).
    Ignored(String),
}

/// A field of a webhook that breaks the provider's documented shape: the whole delivery is
/// refused (4xx) before anything of it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// How a provider's API authenticates us.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Basic(&'a str, &'a str),
    Header(&'a str, &'a str),
}

impl<'a> Auth<'a> {
    pub fn bearer(token: Option<&'a str>) -> Self {
        token.map_or(Auth::None, Auth::Bearer)
    }

    fn apply(self, builder: http::request::Builder) -> http::request::Builder {
        use base64::Engine;
        match self {
            Auth::None => builder,
            Auth::Bearer(token) => builder.header("authorization", format!("Bearer {token}")),
            Auth::Basic(user, password) => builder.header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
                ),
            ),
            Auth::Header(name, value) => builder.header(name, value),
        }
    }
}

/// A credential of the channel, if set and not empty.
pub fn credential<'a>(channel: &'a ChannelDoc, key: &str) -> Option<&'a str> {
    channel
        .credentials
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
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
    /// The conversation's protocol (e-mail replies carry it in a plus-address).
    pub protocol: Option<&'a str>,
    /// E-mail: the customer's `Message-ID` this answers, so their mail client threads it.
    pub in_reply_to: Option<&'a str>,
    /// A bot's options, sent as the channel's own buttons where it has them (the text
    /// already lists them, numbered, for the channels that do not).
    pub choices: Option<&'a Choices>,
}

/// A question with options: the prompt alone, the options with the id an answer carries back
/// (a WhatsApp reply id, a Telegram `callback_data`) and their titles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choices {
    pub prompt: String,
    /// The label of the button that opens a WhatsApp list ("Ver opções").
    pub button: String,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

/// Whether `options` are a scale (every title a number, NPS's 0 … 10): shown on one line of
/// text and in rows of buttons rather than one per line.
pub fn is_scale(options: &[Choice]) -> bool {
    options.iter().all(|o| o.title.parse::<u8>().is_ok())
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
    pub fn retry(reason: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            reason: reason.into(),
        }
    }
    pub fn permanent(reason: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            reason: reason.into(),
        }
    }
}

/// Sends one text through the channel; returns the provider's message id, when it gives one
/// (a send without an id is still sent; its delivery statuses just cannot be matched).
pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<Option<String>, SendError> {
    let id = send_by_provider(ctx, channel, out)?;
    Ok(Some(id.trim().to_owned()).filter(|id| !id.is_empty() && id != "null"))
}

fn send_by_provider(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    match channel.kind {
        ChannelType::Whatsapp => whatsapp::send(ctx, channel, out),
        ChannelType::Telegram => telegram::send(ctx, channel, out),
        ChannelType::Email => email::send(ctx, channel, out),
        ChannelType::Sms if out.file.is_some() => Err(SendError::permanent("SMS carries no files")),
        ChannelType::Sms => sms::send(ctx, channel, out),
        ChannelType::Messenger | ChannelType::Instagram => meta::send(ctx, channel, out),
        ChannelType::Webchat => Ok(String::new()),
    }
}

/// POSTs JSON and classifies the answer: 2xx is the body; 429, 5xx and transport errors are
/// retried; any other status is permanent, with the provider's words as the reason.
fn post_json(
    ctx: &Ctx,
    url: &str,
    auth: Auth,
    body: &serde_json::Value,
) -> Result<serde_json::Value, SendError> {
    post(
        ctx,
        url,
        auth,
        "application/json",
        body.to_string().into_bytes(),
    )
}

/// A generic provider's send API: JSON to the channel's `send_url` (with `api_key` as a bearer
/// token); its answer's `id` is the message id.
fn send_generic(
    ctx: &Ctx,
    channel: &ChannelDoc,
    body: &serde_json::Value,
) -> Result<String, SendError> {
    let url = credential(channel, "send_url")
        .ok_or_else(|| SendError::permanent("the channel has no send_url"))?;
    let answer = post_json(ctx, url, Auth::bearer(credential(channel, "api_key")), body)?;
    Ok(text_of(&answer["id"]).unwrap_or_default())
}

/// A form-encoded POST (`application/x-www-form-urlencoded`).
fn post_form(
    ctx: &Ctx,
    url: &str,
    auth: Auth,
    fields: &[(&str, &str)],
) -> Result<serde_json::Value, SendError> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    post(
        ctx,
        url,
        auth,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
}

fn post(
    ctx: &Ctx,
    url: &str,
    auth: Auth,
    content_type: &str,
    body: Vec<u8>,
) -> Result<serde_json::Value, SendError> {
    Ok(post_answer(ctx, url, auth, content_type, body)?.1)
}

/// POSTs and classifies the answer, keeping its headers (some providers give the message id
/// only there).
fn post_answer(
    ctx: &Ctx,
    url: &str,
    auth: Auth,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(http::HeaderMap, serde_json::Value), SendError> {
    let builder = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", content_type)
        .header("accept", "application/json");
    let request = auth
        .apply(builder)
        .body(body)
        .map_err(|e| SendError::permanent(format!("bad provider URL: {e}")))?;
    let response = ctx.http.send(request).map_err(|e| SendError::retry(e.0))?;
    let status = response.status().as_u16();
    let text = String::from_utf8_lossy(response.body())
        .chars()
        .take(500)
        .collect::<String>();
    match status {
        200..=299 => Ok((
            response.headers().clone(),
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )),
        429 | 500..=599 => Err(SendError::retry(refusal(status, &text))),
        _ => Err(SendError::permanent(refusal(status, &text))),
    }
}

/// A provider's refusal as an agent reads it: the provider's own message where its JSON error
/// has one (Meta's `error.message`, Telegram's `description`, Postmark's `Message`, Mailgun's
/// and Twilio's `message`, SendGrid's `errors[0].message`), else the body as it came.
fn refusal(status: u16, body: &str) -> String {
    let reason = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|json| {
            [
                "/error/message",
                "/description",
                "/Message",
                "/message",
                "/errors/0/message",
            ]
            .iter()
            .find_map(|p| json.pointer(p).and_then(|v| v.as_str()).map(str::to_owned))
        })
        .unwrap_or_else(|| body.to_owned());
    format!("provider answered {status}: {reason}")
}

/// A GET answered with bytes: (content type, body). Redirects are followed (media links of
/// several providers answer with one to their storage), without our credentials.
pub fn get_bytes(ctx: &Ctx, url: &str, auth: Auth) -> Result<(String, Vec<u8>), SendError> {
    let mut url = url.to_owned();
    let mut auth = auth;
    for _ in 0..4 {
        let request = auth
            .apply(http::Request::builder().method("GET").uri(&url))
            .body(Vec::new())
            .map_err(|e| SendError::permanent(format!("bad media URL: {e}")))?;
        let response = ctx.http.send(request).map_err(|e| SendError::retry(e.0))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        match status {
            200..=299 => {
                let content_type =
                    header("content-type").unwrap_or_else(|| "application/octet-stream".into());
                return Ok((content_type, response.into_body()));
            }
            301 | 302 | 303 | 307 | 308 => {
                url = header("location")
                    .ok_or_else(|| SendError::retry("a redirect without a location"))?;
                auth = Auth::None;
            }
            429 | 500..=599 => return Err(SendError::retry(format!("provider answered {status}"))),
            _ => {
                let text: String = String::from_utf8_lossy(response.body())
                    .chars()
                    .take(300)
                    .collect();
                return Err(SendError::permanent(refusal(status, &text)));
            }
        }
    }
    Err(SendError::permanent("too many redirects"))
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

pub(crate) fn text_of(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_owned).filter(|s| !s.is_empty())
}

/// A location as the agent reads it: its label and a map link.
pub fn location_text(
    latitude: &Value,
    longitude: &Value,
    label: &[Option<String>],
) -> Option<String> {
    let label = label
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" — ");
    let link = match (latitude.as_f64(), longitude.as_f64()) {
        (Some(lat), Some(lng)) => Some(format!(
            "https://www.google.com/maps/search/?api=1&query={lat},{lng}"
        )),
        _ => None,
    };
    let text = [Some(label).filter(|l| !l.is_empty()), link]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    Some(text).filter(|t| !t.is_empty())
}

/// A shared contact as the agent reads it: `Name · +55 11 ... · e-mail`.
pub fn contact_card(name: Option<String>, details: impl Iterator<Item = String>) -> String {
    name.into_iter()
        .chain(details)
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The message kind of a media type.
pub fn kind_of(content_type: &str) -> crate::conversation::MessageKind {
    use crate::conversation::MessageKind;
    match content_type.split('/').next() {
        Some("image") => MessageKind::Image,
        Some("audio") => MessageKind::Audio,
        Some("video") => MessageKind::Video,
        _ => MessageKind::Document,
    }
}
