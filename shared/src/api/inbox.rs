//! `/api/inbox/...`: what the agent console calls.

use crate::auth::{authenticate, ALL_PROFILES};
use crate::context::Ctx;
use crate::conversation::sql as conversation_sql;
use crate::errors::{AppError, AppResult};
use crate::inbox::{self, AgentState, CloseRequest, Compose};
use crate::web::{created, no_content, ok, Request, Response};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: AgentState,
    reason: Option<String>,
}

pub fn get_status(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::status(ctx, &me)?)
}

pub fn set_status(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: StatusBody = req.json()?;
    ok(&inbox::set_status(ctx, &me, body.status, body.reason)?)
}

pub fn heartbeat(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    crate::inbox::sql::heartbeat(ctx.db, me.tenant_id(), me.user_id(), ctx.now_ms())?;
    no_content()
}

pub fn pull(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::pull(ctx, &me, req.param("group_id")?)?)
}

pub fn conversations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(ALL_PROFILES)?;
    let favourites = req.query().parse::<bool>("favourite")?.unwrap_or(false);
    ok(
        &serde_json::json!({"items": crate::inbox::sql::my_conversations(ctx.db, me.tenant_id(), me.user_id(), favourites)?}),
    )
}

pub fn conversation(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::details(ctx, &me, req.param("id")?)?)
}

/// Who I may transfer this conversation to.
pub fn transfer_targets(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::transfer_targets(ctx, &me, req.param("id")?)?)
}

/// Messages oldest to newest after `after`, at most `limit` (default 50, at most 200); with
/// `before` (or `latest=true`), the page just before that message (or the newest page).
pub fn messages(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let conversation = inbox::readable(ctx, &me, req.param("id")?)?;
    let query = req.query();
    let after = query.parse::<i64>("after")?.unwrap_or(0);
    let limit = query.parse::<i64>("limit")?.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "must be 1 to 200"));
    }
    let before = query.parse::<i64>("before")?;
    if before.is_some() || query.get("latest") == Some("true") {
        let items = crate::console::sql::messages_before(
            ctx.db,
            me.tenant_id(),
            conversation.id,
            before,
            limit,
        )?;
        let cursor = items.last().map_or(0, |m| m.id);
        return ok(&serde_json::json!({"items": items, "cursor": cursor}));
    }
    let items =
        conversation_sql::messages_after(ctx.db, me.tenant_id(), conversation.id, after, limit)?;
    let cursor = items.last().map_or(after, |m| m.id);
    ok(&serde_json::json!({"items": items, "cursor": cursor}))
}

pub fn send(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: Compose = req.json()?;
    created(&inbox::send(ctx, &me, req.param("id")?, body)?)
}

pub fn note(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: Compose = req.json()?;
    created(&inbox::note(ctx, &me, req.param("id")?, body)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    up_to: i64,
}

pub fn read(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let (conversation, _) = inbox::actionable(ctx, &me, req.param("id")?)?;
    let body: ReadBody = req.json()?;
    crate::conversation::sql::mark_read(ctx.db, me.tenant_id(), conversation.id, body.up_to)?;
    no_content()
}

pub fn pending(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::pending(ctx, &me, req.param("id")?)?)
}

pub fn resume(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::resume(ctx, &me, req.param("id")?)?)
}

pub fn close(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: CloseRequest = if req.body().is_empty() {
        CloseRequest::default()
    } else {
        req.json()?
    };
    ok(&inbox::close(ctx, &me, req.param("id")?, body)?)
}

/// An attachment's bytes, to whoever may act on its conversation.
pub fn attachment(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let file = crate::inbox::sql::attachment(ctx.db, me.tenant_id(), req.param("id")?)?
        .ok_or_else(|| AppError::not_found("attachment"))?;
    inbox::readable(ctx, &me, file.conversation_id.unwrap_or(0))
        .map_err(|_| AppError::not_found("attachment"))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file.filename.replace(['"', '\\', '\r', '\n'], "_")
    );
    http::Response::builder()
        .header("content-type", file.content_type)
        .header("content-disposition", disposition)
        .header("x-content-type-options", "nosniff")
        .body(file.data)
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// `GET /api/inbox/events?after=<cursor>`: everything new for me since the cursor.
pub fn events(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let after = req.query().parse::<i64>("after")?.unwrap_or(0);
    // At most one read: the feed and whether the tick is due (none while the key-value store
    // knows both). Timers keep running on hosts with no
    // scheduler while agents are online; what a run does for me is in the feed read after it.
    let now = ctx.now_ms();
    let (tenant, user) = (me.tenant_id(), me.user_id());
    let poll = crate::inbox::feed::poll_cached(ctx, tenant, user, after, now)?;
    let ran = poll.tick_due && crate::tick::run_for_poll(ctx).is_some_and(|r| r.ran);
    let events = if ran {
        crate::inbox::feed::after(ctx.db, tenant, user, after)?
    } else {
        poll.events
    };
    let cursor = events.last().map_or(after, |e| e.id);
    ok(&serde_json::json!({"events": events, "cursor": cursor}))
}

pub fn transfer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::TransferRequest = req.json()?;
    ok(&inbox::transfer(ctx, &me, req.param("id")?, &body)?)
}

pub fn transfer_all(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::TransferRequest = req.json()?;
    ok(&inbox::transfer_all(ctx, &me, &body)?)
}

pub fn add_tag(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_tag(ctx, req, true)
}

pub fn remove_tag(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_tag(ctx, req, false)
}

fn set_tag(ctx: &Ctx, req: &Request, on: bool) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::tag(
        ctx,
        &me,
        req.param("id")?,
        req.param("tag_id")?,
        on,
    )?)
}

pub fn occurrence(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::OccurrenceRequest = req.json()?;
    created(&inbox::occurrence(ctx, &me, req.param("id")?, &body)?)
}

pub fn favourite(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_favourite(ctx, req, true)
}

pub fn unfavourite(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_favourite(ctx, req, false)
}

fn set_favourite(ctx: &Ctx, req: &Request, on: bool) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let (conversation, _) = inbox::actionable(ctx, &me, req.param("id")?)?;
    crate::inbox::sql::set_favourite(ctx.db, me.tenant_id(), me.user_id(), conversation.id, on)?;
    no_content()
}

pub fn queues(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(
        &serde_json::json!({"items": crate::inbox::sql::queue_counts(ctx.db, me.tenant_id(), me.user_id())?}),
    )
}

pub fn new_protocol(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    created(&inbox::new_protocol(ctx, &me, req.param("id")?)?)
}

/// `GET /api/inbox/clients/{id}?days=31&q=...`: the customer panel.
pub fn customer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let query = req.query();
    let days = query.parse::<i64>("days")?.unwrap_or(31);
    ok(&inbox::customer_panel(
        ctx,
        &me,
        req.param("id")?,
        days,
        query.get("q"),
    )?)
}

/// Agents edit the details of a customer they are serving (or any, for supervisors/admins).
pub fn update_customer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let client: i64 = req.param("id")?;
    if me.profile() == crate::enums::Profile::Agent {
        let serving =
            crate::inbox::sql::my_conversations(ctx.db, me.tenant_id(), me.user_id(), false)?
                .iter()
                .any(|c| c.client_id == client);
        if !serving {
            return Err(AppError::forbidden(
                "not_your_customer",
                "you can edit the customers you are serving",
            ));
        }
    }
    let input: crate::client::ClientInput = req.json()?;
    ok(&crate::client::update(ctx, me.tenant_id(), client, input)?)
}

/// Quick registration of a new client by name and phone.
pub fn register_customer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let input: crate::client::ClientInput = req.json()?;
    created(&crate::client::create(ctx, me.tenant_id(), input)?)
}

/// `POST /api/inbox/conversations/{id}/attachments`: a file (base64 JSON, up to 5 MiB).
pub fn send_attachment(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    req.require_size(8 * 1024 * 1024)?;
    let upload: inbox::Upload = serde_json::from_slice(req.body()).map_err(|e| {
        AppError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    created(&inbox::send_attachment(ctx, &me, req.param("id")?, upload)?)
}

pub fn offers(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(
        &serde_json::json!({"items": crate::inbox::sql::offers(ctx.db, me.tenant_id(), me.user_id(), ctx.now_ms())?}),
    )
}

pub fn accept_offer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::accept(ctx, &me, req.param("id")?)?)
}

pub fn reject_offer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::RejectRequest = if req.body().is_empty() {
        inbox::RejectRequest::default()
    } else {
        req.json()?
    };
    inbox::reject(ctx, &me, req.param("id")?, &body)?;
    no_content()
}

/// Writes first to a customer: 201 when sent, 202 when it waits for the group's delay.
pub fn start_active(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: crate::active::ActiveRequest = req.json()?;
    let item = crate::active::start(ctx, &me, body)?;
    match item.status {
        crate::active::ActiveState::Scheduled => {
            crate::web::json(http::StatusCode::ACCEPTED, &item)
        }
        _ => created(&item),
    }
}

/// `?status=scheduled|sent|cancelled`.
pub fn active_messages(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let status = match req.query().get("status") {
        None => None,
        Some(s) => Some(crate::active::ActiveState::parse(s).ok_or_else(|| {
            AppError::invalid(
                "status",
                format!("must be one of {}", crate::active::ActiveState::expected()),
            )
        })?),
    };
    ok(&serde_json::json!({"items": crate::active::list(ctx, &me, status)?}))
}

pub fn cancel_active(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&crate::active::cancel(ctx, &me, req.param("id")?)?)
}
