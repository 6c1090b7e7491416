//! E-mail: inbound from Postmark (JSON), Mailgun (route forward, form), SendGrid Inbound Parse
//! (multipart) and a generic JSON, each read into one [`Mail`]; outbound through the same
//! providers' send APIs (or a generic JSON endpoint).

use super::form::Form;
use super::{
    invalid, post_answer, post_json, text_of, Auth, InboundEvent, Invalid, Outgoing, SendError,
};
use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::{Inbound, NewAttachment, MAX_ATTACHMENT};
use crate::conversation::MessageKind;
use base64::Engine;
use serde_json::{json, Value};

pub const POSTMARK_API: &str = "https://api.postmarkapp.com/email";
pub const MAILGUN_API: &str = "https://api.mailgun.net/v3";
pub const SENDGRID_API: &str = "https://api.sendgrid.com/v3/mail/send";

/// One received e-mail, whatever the provider's format.
#[derive(Default)]
pub struct Mail {
    /// `Maria Souza <maria@example.com>` or a bare address.
    pub from: String,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The provider's id of this delivery (a repeat carries the same).
    pub id: Option<String>,
    /// `Message-ID`, `In-Reply-To` and `References` headers, for threading.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<NewAttachment>,
}

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

fn decode_base64(field: &str, raw: &str) -> Result<Vec<u8>, Invalid> {
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|_| invalid(field, "is not base64"))
}

fn message_ids(raw: &str) -> Vec<String> {
    raw.split_whitespace()
        .map(|id| id.trim_matches(',').to_owned())
        .filter(|id| !id.is_empty())
        .collect()
}

/// Our own JSON: `{from, to, subject, text, html, message_id, in_reply_to, references,
/// attachments: [{filename, content_type, content (base64)}]}`.
pub fn from_generic(body: &Value) -> Result<Mail, Invalid> {
    let attachments = attachments(body, ["attachments", "filename", "content", "content_type"])?;
    let message_id = text_of(&body["message_id"]);
    Ok(Mail {
        from: text_of(&body["from"]).ok_or_else(|| invalid("from", "is required"))?,
        to: text_of(&body["to"]).into_iter().collect(),
        subject: text_of(&body["subject"]),
        text: text_of(&body["text"]),
        html: text_of(&body["html"]),
        id: message_id.clone(),
        message_id,
        in_reply_to: text_of(&body["in_reply_to"]),
        references: text_of(&body["references"])
            .map(|r| message_ids(&r))
            .unwrap_or_default(),
        attachments,
    })
}

/// Base64 attachments of a JSON body: `[list, name, content, content type]` name the fields.
fn attachments(
    body: &Value,
    [list, name, content, kind]: [&str; 4],
) -> Result<Vec<NewAttachment>, Invalid> {
    let mut found = Vec::new();
    for (i, a) in array(&body[list], list)?.iter().enumerate() {
        let filename = a[name]
            .as_str()
            .ok_or_else(|| invalid(format!("{list}.{i}.{name}"), "must be text"))?;
        let data = a[content]
            .as_str()
            .ok_or_else(|| invalid(format!("{list}.{i}.{content}"), "must be base64 text"))?;
        let content_type = match &a[kind] {
            Value::Null => "application/octet-stream",
            Value::String(t) => t,
            _ => return Err(invalid(format!("{list}.{i}.{kind}"), "must be text")),
        };
        found.push(NewAttachment {
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            data: decode_base64(&format!("{list}.{i}.{content}"), data)?,
        });
    }
    Ok(found)
}

fn array<'a>(v: &'a Value, field: &str) -> Result<&'a [Value], Invalid> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        _ => Err(invalid(field, "must be a list")),
    }
}

/// Postmark's inbound webhook JSON (`From`, `FromFull`, `TextBody`, `HtmlBody`, `MessageID`,
/// `Headers: [{Name, Value}]`, `Attachments: [{Name, Content, ContentType, ContentLength}]`).
pub fn from_postmark(body: &Value) -> Result<Mail, Invalid> {
    let header = |name: &str| {
        body["Headers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|h| {
                h["Name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|h| text_of(&h["Value"]))
    };
    let from = match (
        text_of(&body["FromFull"]["Email"]),
        text_of(&body["FromFull"]["Name"]),
    ) {
        (Some(email), Some(name)) => format!("{name} <{email}>"),
        (Some(email), None) => email,
        _ => text_of(&body["From"]).ok_or_else(|| invalid("From", "is required"))?,
    };
    let attachments = attachments(body, ["Attachments", "Name", "Content", "ContentType"])?;
    Ok(Mail {
        from,
        to: array(&body["ToFull"], "ToFull")?
            .iter()
            .filter_map(|t| text_of(&t["Email"]))
            .chain(text_of(&body["OriginalRecipient"]))
            .collect(),
        subject: text_of(&body["Subject"]),
        text: text_of(&body["TextBody"]),
        html: text_of(&body["HtmlBody"]),
        id: text_of(&body["MessageID"]),
        message_id: header("Message-ID"),
        in_reply_to: header("In-Reply-To"),
        references: header("References")
            .map(|r| message_ids(&r))
            .unwrap_or_default(),
        attachments,
    })
}

/// Mailgun's route `forward()`: form fields `from`, `recipient`, `subject`, `body-plain`,
/// `body-html`, `message-headers` (a JSON list of `[name, value]`), files `attachment-N`.
pub fn from_mailgun(form: &Form) -> Result<Mail, Invalid> {
    let headers: Vec<(String, String)> = form
        .get("message-headers")
        .map(|h| serde_json::from_str(h).map_err(|_| invalid("message-headers", "is not JSON")))
        .transpose()?
        .unwrap_or_default();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let message_id = header("Message-Id").or_else(|| form.get("Message-Id").map(str::to_owned));
    Ok(Mail {
        from: form
            .get("from")
            .or(form.get("sender"))
            .ok_or_else(|| invalid("from", "is required"))?
            .to_owned(),
        to: form
            .get("recipient")
            .map(str::to_owned)
            .into_iter()
            .collect(),
        subject: form.get("subject").map(str::to_owned),
        text: form
            .get("stripped-text")
            .or(form.get("body-plain"))
            .map(str::to_owned),
        html: form.get("body-html").map(str::to_owned),
        id: message_id.clone(),
        message_id,
        in_reply_to: header("In-Reply-To"),
        references: header("References")
            .map(|r| message_ids(&r))
            .unwrap_or_default(),
        attachments: files(form, |f| f.starts_with("attachment-")),
    })
}

fn files(form: &Form, wanted: impl Fn(&str) -> bool) -> Vec<NewAttachment> {
    form.files
        .iter()
        .filter(|f| wanted(&f.field))
        .map(|f| NewAttachment {
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            data: f.data.clone(),
        })
        .collect()
}

/// SendGrid Inbound Parse (default, not raw): fields `from`, `to`, `subject`, `text`, `html`,
/// `headers` (the raw header block), files `attachment1..N` described by `attachment-info`.
pub fn from_sendgrid(form: &Form) -> Result<Mail, Invalid> {
    let raw_headers = form.get("headers").unwrap_or("");
    let header = |name: &str| {
        raw_headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let message_id = header("Message-ID");
    Ok(Mail {
        from: form
            .get("from")
            .ok_or_else(|| invalid("from", "is required"))?
            .to_owned(),
        to: form
            .get("to")
            .map(|t| t.split(',').map(|a| split_address(a).1).collect())
            .unwrap_or_default(),
        subject: form.get("subject").map(str::to_owned),
        text: form.get("text").map(str::to_owned),
        html: form.get("html").map(str::to_owned),
        id: message_id.clone(),
        message_id,
        in_reply_to: header("In-Reply-To"),
        references: header("References")
            .map(|r| message_ids(&r))
            .unwrap_or_default(),
        attachments: files(form, |f| {
            f.strip_prefix("attachment")
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        }),
    })
}

/// SendGrid's signed webhooks (the Inbound Parse security policy, as its Event Webhook):
/// `X-Twilio-Email-Event-Webhook-Signature` is a base64 DER ECDSA P-256 / SHA-256 signature of
/// the `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, checked with
/// the public key SendGrid shows (base64 DER, `verification_key`).
pub fn sendgrid_signature_ok(
    public_key: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::DecodePublicKey;
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(public_key.trim())
        .ok()
        .and_then(|der| p256::ecdsa::VerifyingKey::from_public_key_der(&der).ok());
    let signature = engine
        .decode(signature.trim())
        .ok()
        .and_then(|der| p256::ecdsa::Signature::from_der(&der).ok());
    let (Some(key), Some(signature)) = (key, signature) else {
        return false;
    };
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    key.verify(&signed, &signature).is_ok()
}

/// The plus-address tag of any recipient (`suporte+EM00000000012@acme.com` → `EM00000000012`).
pub fn plus_tag(mail: &Mail) -> Option<String> {
    mail.to.iter().find_map(|to| {
        let (_, address) = split_address(to);
        let local = address.split('@').next()?;
        let (_, tag) = local.split_once('+')?;
        Some(tag.to_uppercase()).filter(|t| !t.is_empty())
    })
}

/// The e-mail as messages: its text, then one message per attachment.
pub fn events(mail: Mail) -> Result<Vec<InboundEvent>, Invalid> {
    let (name, address) = split_address(&mail.from);
    if crate::validate::email(Some(address.clone())).is_err() {
        return Err(invalid("from", "is not an e-mail address"));
    }
    let id = mail
        .id
        .clone()
        .ok_or_else(|| invalid("message_id", "is required"))?;
    // Agents read text: the text part, or the HTML's words. The HTML itself is kept only
    // sanitised (no scripts, styles, handlers or remote tricks) for a console that shows it.
    let text = mail.text.clone().or_else(|| {
        mail.html
            .as_ref()
            .map(|h| html_words(&ammonia::Builder::empty().clean(h).to_string()))
    });
    let html = mail.html.as_ref().map(|h| ammonia::clean(h));
    let base = Inbound {
        external_id: address.clone(),
        name: name.clone(),
        email: Some(address.clone()),
        subject: mail.subject.clone(),
        ..Inbound::default()
    };
    let mut events = vec![InboundEvent::Message(Box::new(Inbound {
        channel_message_id: Some(id.clone()),
        kind: Some(MessageKind::Text),
        body: text,
        payload: Some(
            json!({"subject": mail.subject, "from": mail.from, "to": mail.to,
            "message_id": mail.message_id, "in_reply_to": mail.in_reply_to,
            "references": mail.references, "html": html}),
        ),
        ..base.identity()
    }))];
    for (i, a) in mail.attachments.into_iter().enumerate() {
        // A file we do not keep (too large, an executable) must not lose the whole e-mail
        // (the provider would retry it, then drop it): the agent reads that it came and why
        // it is not here.
        let refusal = if a.data.len() > MAX_ATTACHMENT {
            Some(format!(
                "not kept: {} bytes, more than {MAX_ATTACHMENT}",
                a.data.len()
            ))
        } else if !crate::media::allowed_type(&a.content_type) {
            Some(format!(
                "not kept: files of type {} are not kept",
                a.content_type
            ))
        } else {
            None
        };
        events.push(InboundEvent::Message(Box::new(Inbound {
            channel_message_id: Some(format!("{id}#{i}")),
            kind: Some(super::kind_of(&a.content_type)),
            body: Some(a.filename.clone()),
            payload: refusal.as_ref().map(|why| {
                json!({"media": {"status": "failed", "filename": a.filename,
                                 "mime_type": a.content_type, "error": why}})
            }),
            attachment: refusal.is_none().then_some(a),
            ..base.identity()
        })));
    }
    Ok(events)
}

/// The text of sanitised-to-nothing HTML: entities back to characters, blank runs folded.
fn html_words(escaped: &str) -> String {
    escaped
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Inbound {
    fn identity(&self) -> Inbound {
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

fn reply_subject(out: &Outgoing) -> String {
    match out.subject {
        Some(s) if s.to_lowercase().starts_with("re:") => s.to_owned(),
        Some(s) => format!("Re: {s}"),
        None => "Atendimento".into(),
    }
}

/// `suporte+EM00000000001@acme.com` when the channel asks for plus-addressed replies: the
/// customer's answer then names its conversation whatever their mail client keeps.
pub fn reply_address(channel: &ChannelDoc, protocol: Option<&str>) -> Option<String> {
    if super::credential(channel, "plus_address") != Some("true") {
        return None;
    }
    let from = super::credential(channel, "from_address")?;
    let (local, domain) = from.split_once('@')?;
    Some(format!("{local}+{}@{domain}", protocol?))
}

pub fn send(ctx: &Ctx, channel: &ChannelDoc, out: &Outgoing) -> Result<String, SendError> {
    let cred = |k: &str| super::credential(channel, k);
    let from = cred("from_address").unwrap_or_default();
    let subject = reply_subject(out);
    let reply_to = reply_address(channel, out.protocol);
    let in_reply_to = out.in_reply_to.filter(|id| id.starts_with('<'));
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    match cred("provider").unwrap_or("generic") {
        "postmark" => {
            let attachments: Vec<Value> = out
                .file
                .map(|f| json!({"Name": f.filename, "Content": b64(&f.data), "ContentType": f.content_type}))
                .into_iter()
                .collect();
            let token = cred("api_key")
                .ok_or_else(|| SendError::permanent("the channel has no api_key"))?;
            let mut mail = json!({"From": from, "To": out.to, "Subject": subject, "TextBody": out.text,
                        "Attachments": attachments, "MessageStream": "outbound"});
            if let Some(r) = &reply_to {
                mail["ReplyTo"] = json!(r);
            }
            if let Some(parent) = in_reply_to {
                mail["Headers"] = json!([{"Name": "In-Reply-To", "Value": parent},
                                         {"Name": "References", "Value": parent}]);
            }
            let answer = post_json(
                ctx,
                cred("send_url").unwrap_or(POSTMARK_API),
                Auth::Header("x-postmark-server-token", token),
                &mail,
            )?;
            if answer["ErrorCode"].as_i64().is_some_and(|c| c != 0) {
                return Err(SendError::permanent(format!(
                    "postmark: {}",
                    answer["Message"].as_str().unwrap_or("refused")
                )));
            }
            Ok(text_of(&answer["MessageID"]).unwrap_or_default())
        }
        "mailgun" => {
            let key = cred("api_key")
                .ok_or_else(|| SendError::permanent("the channel has no api_key"))?;
            let domain = cred("domain").unwrap_or_else(|| from.rsplit('@').next().unwrap_or(""));
            let url = cred("send_url")
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{MAILGUN_API}/{domain}/messages"));
            let mut fields = vec![
                ("from", from),
                ("to", out.to),
                ("subject", &subject),
                ("text", out.text),
            ];
            if let Some(r) = &reply_to {
                fields.push(("h:Reply-To", r));
            }
            if let Some(parent) = in_reply_to {
                fields.push(("h:In-Reply-To", parent));
                fields.push(("h:References", parent));
            }
            let answer = match out.file {
                Some(file) => {
                    let (content_type, body) = super::multipart(&fields, "attachment", file);
                    super::post(ctx, &url, Auth::Basic("api", key), &content_type, body)?
                }
                None => super::post_form(ctx, &url, Auth::Basic("api", key), &fields)?,
            };
            Ok(text_of(&answer["id"]).unwrap_or_default())
        }
        "sendgrid" => {
            let key = cred("api_key")
                .ok_or_else(|| SendError::permanent("the channel has no api_key"))?;
            let mut mail = json!({"personalizations": [{"to": [{"email": out.to}]}],
                "from": {"email": from}, "subject": subject,
                "content": [{"type": "text/plain", "value": out.text}]});
            if let Some(r) = &reply_to {
                mail["reply_to"] = json!({"email": r});
            }
            if let Some(parent) = in_reply_to {
                mail["headers"] = json!({"In-Reply-To": parent, "References": parent});
            }
            if let Some(f) = out.file {
                mail["attachments"] = json!([{"content": b64(&f.data), "filename": f.filename,
                    "type": f.content_type, "disposition": "attachment"}]);
            }
            // 202 with an empty body; the id is only in the `X-Message-Id` header.
            let (headers, _) = post_answer(
                ctx,
                cred("send_url").unwrap_or(SENDGRID_API),
                Auth::Bearer(key),
                "application/json",
                mail.to_string().into_bytes(),
            )?;
            Ok(headers
                .get("x-message-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned())
        }
        _ => {
            let attachments: Vec<Value> = out
                .file
                .map(|f| json!({"filename": f.filename, "content_type": f.content_type, "content": b64(&f.data)}))
                .into_iter()
                .collect();
            super::send_generic(
                ctx,
                channel,
                &json!({"from": from, "to": out.to, "subject": subject, "text": out.text,
                        "attachments": attachments, "reply_to": reply_to, "in_reply_to": in_reply_to}),
            )
        }
    }
}
