//! Inbound media: the providers send a reference (a WhatsApp media id, a Telegram file id, an
//! MMS link), and the scheduled work fetches the file into an attachment the agent opens
//! through `/api/inbox/attachments/{id}`. A failed fetch is retried with the outbox's back-off
//! and the message shows why; a file too large or of a type we do not keep fails at once.

pub mod sql;

use crate::config::channel::ChannelDoc;
use crate::context::Ctx;
use crate::conversation::inbound::{insert_attachment, NewAttachment};
use crate::conversation::outbox::BACKOFF_SECONDS;
use crate::db::{atomically, Finish};
use crate::errors::AppResult;
use crate::providers::{credential, get_bytes, telegram, whatsapp, Auth, SendError};
use serde::Serialize;
use serde_json::Value;

/// Largest inbound file kept (WhatsApp's own limit for audio and video is 16 MB).
pub const MAX_MEDIA: usize = 16 * 1024 * 1024;

/// Media types kept: pictures, sound, video, PDF, office documents, plain text. Anything
/// else (executables, archives of unknown content) is refused with the reason shown.
pub fn allowed_type(content_type: &str) -> bool {
    let t = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    ["image/", "audio/", "video/"]
        .iter()
        .any(|p| t.starts_with(p))
        || matches!(
            t.as_str(),
            "application/pdf"
                | "text/plain"
                | "text/csv"
                | "application/msword"
                | "application/vnd.ms-excel"
                | "application/vnd.ms-powerpoint"
                | "application/zip"
        )
        || t.starts_with("application/vnd.openxmlformats-officedocument.")
        || t.starts_with("application/vnd.oasis.opendocument.")
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FetchReport {
    pub fetched: usize,
    pub retried: usize,
    pub failed: usize,
}

fn json_of(ctx: &Ctx, url: &str, auth: Auth) -> Result<Value, SendError> {
    let (_, body) = get_bytes(ctx, url, auth)?;
    serde_json::from_slice(&body).map_err(|_| SendError::retry("the provider's answer is not JSON"))
}

fn too_large(size: Option<u64>) -> Result<(), SendError> {
    match size {
        Some(n) if n > MAX_MEDIA as u64 => Err(SendError::permanent(format!(
            "the file has {n} bytes; at most {MAX_MEDIA} are kept"
        ))),
        _ => Ok(()),
    }
}

/// Downloads the file a message refers to: (content type the provider reports, bytes).
fn download(
    ctx: &Ctx,
    channel: &ChannelDoc,
    media: &Value,
) -> Result<(String, Vec<u8>), SendError> {
    let cred = |k: &str| credential(channel, k);
    let id = media["id"].as_str().unwrap_or("");
    match media["source"].as_str().unwrap_or("") {
        // GET /{media-id} answers the (short-lived) download URL; the download itself needs
        // the same token.
        "whatsapp" => {
            let token = cred("access_token")
                .ok_or_else(|| SendError::permanent("the channel has no access_token"))?;
            let base = cred("api_base_url")
                .unwrap_or(whatsapp::DEFAULT_API)
                .trim_end_matches('/');
            let info = json_of(ctx, &format!("{base}/{id}"), Auth::Bearer(token))?;
            too_large(info["file_size"].as_u64())?;
            let url = info["url"]
                .as_str()
                .ok_or_else(|| SendError::retry("the media answer has no url"))?;
            get_bytes(ctx, url, Auth::Bearer(token))
        }
        // getFile answers a file_path, downloaded from /file/bot<token>/<file_path>.
        "telegram" => {
            let token = cred("bot_token")
                .ok_or_else(|| SendError::permanent("the channel has no bot_token"))?;
            let base = cred("api_base_url")
                .unwrap_or(telegram::DEFAULT_API)
                .trim_end_matches('/');
            let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
            let info = json_of(
                ctx,
                &format!("{base}/bot{token}/getFile?file_id={encoded}"),
                Auth::None,
            )?;
            if info["ok"] != true {
                return Err(SendError::permanent(format!(
                    "telegram: {}",
                    info["description"].as_str().unwrap_or("getFile refused")
                )));
            }
            too_large(info["result"]["file_size"].as_u64())?;
            let path = info["result"]["file_path"]
                .as_str()
                .ok_or_else(|| SendError::retry("getFile gave no file_path"))?;
            get_bytes(ctx, &format!("{base}/file/bot{token}/{path}"), Auth::None)
        }
        // Twilio's media links answer with HTTP Basic (account SID, auth token) when the
        // account protects its media, and redirect to storage.
        "twilio" => {
            let url = media["url"].as_str().unwrap_or("");
            let auth = match (cred("account_sid"), cred("auth_token")) {
                (Some(sid), Some(token)) => Auth::Basic(sid, token),
                _ => Auth::None,
            };
            get_bytes(ctx, url, auth)
        }
        "url" => get_bytes(ctx, media["url"].as_str().unwrap_or(""), Auth::None),
        other => Err(SendError::permanent(format!(
            "unknown media source {other:?}"
        ))),
    }
}

/// Tells the conversation's agent (if any) that a message they may have on screen changed:
/// a file arrived or failed, a reaction, an edit. The console re-reads the message.
pub fn tell_agent(
    ctx: &Ctx,
    tenant: crate::ids::TenantId,
    conversation: i64,
    message: i64,
    what: &str,
) -> AppResult<()> {
    let agent =
        crate::conversation::sql::get(ctx.db, tenant, conversation)?.and_then(|c| c.agent_id);
    if let Some(agent) = agent {
        crate::inbox::feed::push(
            ctx.db,
            tenant,
            agent,
            "message_updated",
            Some(conversation),
            &serde_json::json!({"message_id": message, "change": what}),
            ctx.now_ms(),
        )?;
    }
    Ok(())
}

fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// Fetches what is due now; one call per tick.
pub fn fetch_due(ctx: &Ctx, limit: i64) -> AppResult<FetchReport> {
    let now = ctx.now_ms();
    let mut report = FetchReport::default();
    for due in sql::claim(ctx.db, now, limit)? {
        let fetched = match &due.channel {
            Some(channel) => download(ctx, channel, &due.media),
            None => Err(SendError::permanent("the channel is gone")),
        }
        .and_then(|(reported, data)| {
            // The provider's declared type (from the webhook) wins over a download server's
            // generic `application/octet-stream`.
            let content_type = due.media["mime_type"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .unwrap_or(reported);
            if data.len() > MAX_MEDIA {
                return Err(SendError::permanent(format!(
                    "the file has {} bytes; at most {MAX_MEDIA} are kept",
                    data.len()
                )));
            }
            if !allowed_type(&content_type) {
                return Err(SendError::permanent(format!(
                    "files of type {content_type} are not kept"
                )));
            }
            Ok((content_type, data))
        });
        match fetched {
            Ok((content_type, data)) => {
                let filename = due.media["filename"]
                    .as_str()
                    .filter(|f| !f.trim().is_empty())
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        format!(
                            "{}-{}.{}",
                            due.kind,
                            due.message_id,
                            extension(&content_type)
                        )
                    });
                let file = NewAttachment {
                    filename,
                    content_type: content_type
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned(),
                    data,
                };
                atomically(ctx.db, || {
                    let id = insert_attachment(ctx, due.tenant, due.conversation_id, &file, now)?;
                    sql::complete(ctx.db, &due, id, now)?;
                    Ok(Finish::Commit(()))
                })?;
                report.fetched += 1;
            }
            Err(e) => {
                let retry_at = match (e.permanent, BACKOFF_SECONDS.get(due.attempts as usize)) {
                    (false, Some(seconds)) => Some(now + seconds * 1000),
                    _ => None,
                };
                eprintln!(
                    "media of message {} not fetched ({}): {}",
                    due.message_id,
                    if retry_at.is_some() {
                        "will retry"
                    } else {
                        "failed"
                    },
                    e.reason
                );
                sql::attempt_failed(ctx.db, &due, &e.reason, retry_at, now)?;
                if retry_at.is_some() {
                    report.retried += 1;
                } else {
                    report.failed += 1;
                }
            }
        }
        tell_agent(
            ctx,
            due.tenant,
            due.conversation_id,
            due.message_id,
            "media",
        )?;
    }
    Ok(report)
}
