//! Delivery of outbound work: agents' and the system's replies through each channel's provider
//! (the outbox) and webhooks to customers' systems. Nothing a request waits for calls out:
//! requests only queue, and this module sends, from the scheduled work (`tick::run_scheduled`)
//! or the local host's delivery workers.
//!
//! The two kinds go in separate lanes, so a reply is never queued behind webhooks. Within a
//! lane, claims interleave tenants and cap what one tenant (and, for webhooks, one endpoint)
//! may have in flight, so one company's backlog or dead receiver holds a bounded share of the
//! workers; a circuit breaker per endpoint stops calling an endpoint that keeps failing, and
//! items retry with growing back-off. Outbound calls have short timeouts (the HTTP port).

pub mod sql;

use crate::config::channel::ChannelDoc;
use crate::config::webhook::WebhookDoc;
use crate::context::Ctx;
use crate::conversation::MessageKind;
use crate::errors::AppResult;
use crate::providers::{self, hmac_sha256_hex};
use serde_json::{json, Value};
use sql::{DueHook, DueReply};
use std::collections::HashSet;

/// Back-off after each failed attempt of a reply; after the last, the message is `failed`.
pub const REPLY_BACKOFF_SECONDS: &[i64] = crate::conversation::outbox::BACKOFF_SECONDS;
/// Back-off after each failed attempt of a webhook delivery; after the last, it is `failed`.
pub const HOOK_BACKOFF_SECONDS: &[i64] = crate::webhook_delivery::BACKOFF_SECONDS;
/// How long a claimed item is left alone by other workers while it is being sent; longer
/// than any outbound call may take.
const LEASE_MS: i64 = 60_000;
/// Consecutive failures after which an endpoint's circuit opens, for how long at first, and
/// at most (it doubles with each further failure).
pub const CIRCUIT_THRESHOLD: i64 = 5;
pub const CIRCUIT_OPEN_MS: i64 = 30_000;
pub const CIRCUIT_MAX_OPEN_MS: i64 = 600_000;
/// What `last_error` says of a delivery ended by its webhook's deactivation.
pub const CANCELLED: &str = "cancelled: the webhook was deactivated";

/// The two queues, each with its own workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Replies,
    Webhooks,
}

/// How much one claim takes: at most `batch` items, and none of a tenant (or endpoint) that
/// would then have more than `per_tenant` (`per_endpoint`) in flight.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub batch: i64,
    pub per_tenant: i64,
    pub per_endpoint: i64,
}

impl Caps {
    /// One pass of the scheduled work: a batch, tenants interleaved, no cap beyond it.
    pub fn batch(n: i64) -> Caps {
        Caps {
            batch: n,
            per_tenant: n,
            per_endpoint: n,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct Report {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Claimed but given back untouched: their endpoint had just failed in this pass.
    pub deferred: usize,
}

impl Report {
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.failed + self.deferred
    }
}

/// Claims and sends one batch of `lane`.
pub fn deliver(ctx: &Ctx, lane: Lane, caps: Caps) -> AppResult<Report> {
    match lane {
        Lane::Replies => deliver_replies(ctx, caps),
        Lane::Webhooks => deliver_hooks(ctx, caps),
    }
}

fn endpoint_of_channel(id: i64) -> String {
    format!("channel:{id}")
}

fn endpoint_of_webhook(id: i64) -> String {
    format!("webhook:{id}")
}

fn circuit_failure(
    ctx: &Ctx,
    tenant: crate::ids::TenantId,
    endpoint: &str,
    reason: &str,
) -> AppResult<bool> {
    let open_until = sql::circuit_failure(
        ctx.db,
        tenant,
        endpoint,
        reason,
        ctx.now_ms(),
        (CIRCUIT_THRESHOLD, CIRCUIT_OPEN_MS, CIRCUIT_MAX_OPEN_MS),
    )?;
    if open_until > 0 {
        crate::log::event(
            "circuit_open",
            &json!({"tenant": tenant.0, "endpoint": endpoint, "until": crate::time::ms_to_rfc3339(open_until), "reason": reason}),
        );
    }
    Ok(open_until > 0)
}

fn deliver_replies(ctx: &Ctx, caps: Caps) -> AppResult<Report> {
    let now = ctx.now_ms();
    let mut report = Report::default();
    // Channels that failed in this pass: their other items wait for the next one rather than
    // each costing a timeout now (a provider's 5xx is as much a sign of trouble as silence).
    let mut failing: HashSet<i64> = HashSet::new();
    for item in sql::claim_replies(ctx.db, now, LEASE_MS, caps)? {
        // One bad row (a write the database refuses) is logged with its context and skipped:
        // it never stops the others' delivery. Its lease lets a later pass try it again.
        let (outbox_id, tenant, message_id) = (item.outbox_id, item.tenant, item.message_id);
        let one = |report: &mut Report, failing: &mut HashSet<i64>| -> AppResult<()> {
            if failing.contains(&item.channel_id) {
                sql::reply_release(ctx.db, item.outbox_id)?;
                report.deferred += 1;
                return Ok(());
            }
            let attempts = item.attempts + 1;
            let channel = match item
                .channel
                .as_deref()
                .map(serde_json::from_str::<ChannelDoc>)
            {
                Some(Ok(doc)) => doc,
                Some(Err(e)) => {
                    let reason = format!("channel {} no longer decodes: {e}", item.channel_id);
                    crate::stored::report("channel", item.tenant, item.channel_id, &e);
                    sql::reply_failed(ctx.db, &item, attempts, &reason, now)?;
                    report.failed += 1;
                    return Ok(());
                }
                None => {
                    sql::reply_failed(
                        ctx.db,
                        &item,
                        attempts,
                        "the channel no longer exists",
                        now,
                    )?;
                    report.failed += 1;
                    return Ok(());
                }
            };
            match send_reply(ctx, &item, &channel) {
                Ok(provider_id) => {
                    sql::reply_sent(ctx.db, &item, attempts, provider_id, now)?;
                    sql::circuit_success(ctx.db, &endpoint_of_channel(item.channel_id), now)?;
                    report.sent += 1;
                }
                Err(e) => {
                    if !e.permanent {
                        failing.insert(item.channel_id);
                        let endpoint = endpoint_of_channel(item.channel_id);
                        circuit_failure(ctx, item.tenant, &endpoint, &e.reason)?;
                    }
                    match (
                        e.permanent,
                        REPLY_BACKOFF_SECONDS.get(item.attempts as usize),
                    ) {
                        (false, Some(seconds)) => {
                            sql::reply_retry(
                                ctx.db,
                                &item,
                                attempts,
                                &e.reason,
                                now + seconds * 1000,
                                now,
                            )?;
                            report.retried += 1;
                        }
                        _ => {
                            sql::reply_failed(ctx.db, &item, attempts, &e.reason, now)?;
                            report.failed += 1;
                        }
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = one(&mut report, &mut failing) {
            crate::log::event(
                "delivery_item_failed",
                &json!({"lane": "replies", "outbox_id": outbox_id, "tenant": tenant.0,
                        "message_id": message_id, "error": format!("{e:?}")}),
            );
        }
    }
    Ok(report)
}

fn send_reply(
    ctx: &Ctx,
    item: &DueReply,
    channel: &ChannelDoc,
) -> Result<Option<String>, providers::SendError> {
    let file = match item.attachment_id {
        Some(id) => crate::inbox::sql::attachment(ctx.db, item.tenant, id)
            .map_err(|e| providers::SendError {
                permanent: false,
                reason: format!("reading the attachment: {e}"),
            })?
            .map(|a| providers::OutgoingFile {
                kind: MessageKind::parse(&item.kind).unwrap_or(MessageKind::Document),
                filename: a.filename,
                content_type: a.content_type,
                data: a.data,
            }),
        None => None,
    };
    let payload = item
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Value>(p).ok());
    let template = payload
        .as_ref()
        .map(|p| p["template"].clone())
        .filter(Value::is_object);
    // A bot's options go as the channel's own buttons where it has them.
    let choices: Option<providers::Choices> =
        payload.and_then(|p| serde_json::from_value(p["choices"].clone()).ok());
    let request = providers::Outgoing {
        to: &item.reply_to,
        text: &item.rendered,
        subject: item.subject.as_deref(),
        file: file.as_ref(),
        template: template.as_ref(),
        protocol: item.protocol.as_deref(),
        in_reply_to: item.in_reply_to.as_deref(),
        choices: choices.as_ref(),
    };
    providers::send(ctx, channel, &request)
}

/// How many webhook posts one pass has in the air at once (the HTTP port's `send_all`).
pub const HOOK_CONCURRENCY: usize = 16;

/// How one webhook post went: `Err((status, reason, transport))`, where `transport` says the
/// receiver never answered (refused, timed out) rather than answered with an error.
type HookOutcome = Result<u16, (Option<u16>, String, bool)>;

fn deliver_hooks(ctx: &Ctx, caps: Caps) -> AppResult<Report> {
    let now = ctx.now_ms();
    let mut report = Report::default();
    // Webhooks that did not answer, or whose circuit opened, in this pass: their other items
    // wait for the next one.
    let mut unreachable: HashSet<i64> = HashSet::new();
    let claimed = sql::claim_hooks(ctx.db, now, LEASE_MS, caps)?;
    for chunk in claimed.chunks(HOOK_CONCURRENCY) {
        let mut items = Vec::with_capacity(chunk.len());
        let mut requests = Vec::with_capacity(chunk.len());
        for item in chunk {
            if unreachable.contains(&item.webhook_id) {
                sql::hook_release(ctx.db, item.id)?;
                report.deferred += 1;
                continue;
            }
            match prepare_hook(item) {
                Ok(request) => {
                    items.push(item);
                    requests.push(request);
                }
                Err(reason) => {
                    let attempts = item.attempts + 1;
                    sql::hook_finish(
                        ctx.db,
                        item.id,
                        attempts,
                        "failed",
                        None,
                        Some(&reason),
                        now,
                    )?;
                    report.failed += 1;
                }
            }
        }
        let outcomes = ctx.http.send_all(requests);
        for (item, outcome) in items.into_iter().zip(outcomes) {
            let outcome: HookOutcome = match outcome {
                Ok(resp) if resp.status().is_success() => Ok(resp.status().as_u16()),
                Ok(resp) => Err((
                    Some(resp.status().as_u16()),
                    format!("answered {}", resp.status()),
                    false,
                )),
                Err(e) => Err((None, e.0, true)),
            };
            record_hook(ctx, item, outcome, now, &mut report, &mut unreachable)?;
        }
    }
    Ok(report)
}

fn record_hook(
    ctx: &Ctx,
    item: &DueHook,
    outcome: HookOutcome,
    now: i64,
    report: &mut Report,
    unreachable: &mut HashSet<i64>,
) -> AppResult<()> {
    let attempts = item.attempts + 1;
    let endpoint = endpoint_of_webhook(item.webhook_id);
    match outcome {
        Ok(status) => {
            sql::hook_finish(
                ctx.db,
                item.id,
                attempts,
                "delivered",
                Some(status),
                None,
                now,
            )?;
            sql::circuit_success(ctx.db, &endpoint, now)?;
            report.sent += 1;
        }
        Err((status, reason, transport)) => {
            if transport {
                unreachable.insert(item.webhook_id);
            }
            if circuit_failure(ctx, item.tenant, &endpoint, &reason)? {
                unreachable.insert(item.webhook_id);
            }
            match HOOK_BACKOFF_SECONDS.get(item.attempts as usize) {
                Some(seconds) => {
                    let next = now + seconds * 1000;
                    sql::hook_retry(ctx.db, item.id, attempts, status, &reason, next)?;
                    report.retried += 1;
                }
                None => {
                    sql::hook_finish(
                        ctx.db,
                        item.id,
                        attempts,
                        "failed",
                        status,
                        Some(&reason),
                        now,
                    )?;
                    report.failed += 1;
                }
            }
        }
    }
    Ok(())
}

/// The signed POST of one delivery, or why it cannot be made (a webhook that no longer
/// exists or decodes, a URL that does not parse): those end the delivery at once.
fn prepare_hook(item: &DueHook) -> Result<http::Request<Vec<u8>>, String> {
    let data = item
        .webhook
        .as_deref()
        .ok_or("the webhook no longer exists")?;
    let hook: WebhookDoc = serde_json::from_str(data).map_err(|e| {
        crate::stored::report("webhook", item.tenant, item.webhook_id, &e);
        format!("webhook {} no longer decodes: {e}", item.webhook_id)
    })?;
    let mut body: Value = serde_json::from_str(&item.payload).unwrap_or(Value::Null);
    body["delivery_id"] = json!(item.id);
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let signature = format!("sha256={}", hmac_sha256_hex(&hook.secret, &body));
    http::Request::builder()
        .method("POST")
        .uri(&hook.url)
        .header("content-type", "application/json")
        .header("user-agent", "Atende-Webhooks/1")
        .header("x-atende-event", &item.event)
        .header("x-atende-delivery", item.id.to_string())
        .header(crate::webhook_delivery::SIGNATURE_HEADER, signature)
        .body(body)
        .map_err(|e| format!("bad URL: {e}"))
}

/// Ends the queued deliveries of a webhook being deactivated (called in its transaction);
/// one in flight finishes and is recorded as it ends.
pub fn cancel_webhook(ctx: &Ctx, tenant: crate::ids::TenantId, webhook: i64) -> AppResult<usize> {
    Ok(sql::cancel_hooks(ctx.db, tenant, webhook, CANCELLED)?)
}
