//! `/api/inbox/...`: what the agent console calls.

use crate::auth::{authenticate, ALL_PROFILES};
use crate::context::Ctx;
use crate::conversation::sql as conversation_sql;
use crate::errors::{AppError, AppResult};
use crate::inbox::{self, AgentState, CloseRequest, Compose};
use crate::web::{created, no_content, ok, Request, Response};
use serde::{Deserialize, Serialize};

/// `GET /api/inbox/conversations`: the conversations I hold, in arrival order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Conversations {
    pub items: Vec<crate::inbox::sql::Summary>,
}

/// `GET /api/inbox/conversations/{id}/messages`: oldest to newest.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Messages {
    pub items: Vec<crate::conversation::Message>,
    /// The last item's id, the `after` of the next poll; when there are none, the `after`
    /// sent (0 with `before` or `latest`).
    pub cursor: i64,
}

/// `GET /api/inbox/events`: my change feed after the cursor.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Events {
    pub events: Vec<crate::inbox::feed::FeedEntry>,
    /// The last event's id, or the `after` sent when nothing is new.
    pub cursor: i64,
}

/// `GET /api/inbox/queues`: the queues of my groups with who waits there.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Queues {
    pub items: Vec<crate::inbox::sql::QueueCount>,
}

/// `GET /api/inbox/offers`: conversations offered to me, to accept or reject.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Offers {
    pub items: Vec<crate::inbox::sql::Offer>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: AgentState,
    reason: Option<String>,
}

/// My status
///
/// Ready, paused (with the reason) or offline, and since when.
#[utoipa::path(get, path = "/api/inbox/status", responses((status = 200, description = "My status", body = crate::inbox::sql::AgentStatus)))]
pub fn get_status(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::status(ctx, &me)?)
}

/// Set my status
///
/// A pause needs one of the company's active pause reasons. Going ready offers me the
/// conversations waiting in my groups' queues.
#[utoipa::path(put, path = "/api/inbox/status", request_body = StatusBody, responses((status = 200, description = "My status now", body = crate::inbox::sql::AgentStatus)))]
pub fn set_status(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: StatusBody = req.json()?;
    ok(&inbox::set_status(ctx, &me, body.status, body.reason)?)
}

/// I am here
///
/// Keeps my presence: an agent whose heartbeats stop is put offline and their queue
/// conversations go back to the queue.
#[utoipa::path(post, path = "/api/inbox/heartbeat", responses((status = 204, description = "Noted")))]
pub fn heartbeat(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    crate::inbox::sql::heartbeat(ctx.db, me.tenant_id(), me.user_id(), ctx.now_ms())?;
    no_content()
}

/// Take the next customer of a queue
///
/// The first conversation waiting in one of my groups' queues becomes mine.
#[utoipa::path(post, path = "/api/inbox/queues/{group_id}/pull", responses((status = 200, description = "The conversation I now hold", body = crate::conversation::Conversation)))]
pub fn pull(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::pull(ctx, &me, req.param("group_id")?)?)
}

/// My conversations
///
/// The conversations I hold, in arrival order, with their unread counts.
#[utoipa::path(get, path = "/api/inbox/conversations", params(("favourite" = Option<bool>, Query, description = "Only the ones I marked as favourites")), responses((status = 200, description = "My conversations", body = Conversations)))]
pub fn conversations(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    me.require(ALL_PROFILES)?;
    let favourites = req.query().parse::<bool>("favourite")?.unwrap_or(false);
    ok(&Conversations {
        items: crate::inbox::sql::my_conversations(
            ctx.db,
            me.tenant_id(),
            me.user_id(),
            favourites,
        )?,
    })
}

/// A conversation
///
/// Its state, the closing script's answers, tags, occurrences, my favourite mark, its
/// timeline and its survey answers.
#[utoipa::path(get, path = "/api/inbox/conversations/{id}", responses((status = 200, description = "The conversation", body = crate::inbox::Details)))]
pub fn conversation(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::details(ctx, &me, req.param("id")?)?)
}

/// Where I may transfer a conversation
///
/// Available agents with room (paused ones where the group allows it) and the groups this
/// one may transfer to.
#[utoipa::path(get, path = "/api/inbox/conversations/{id}/transfer-targets", responses((status = 200, description = "Agents and groups", body = crate::inbox::TransferTargets)))]
pub fn transfer_targets(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::transfer_targets(ctx, &me, req.param("id")?)?)
}

/// A conversation's messages
///
/// Oldest to newest after `after`, at most `limit`; with `before` (or `latest=true`), the
/// page just before that message (or the newest page).
#[utoipa::path(get, path = "/api/inbox/conversations/{id}/messages", params(("after" = Option<i64>, Query, description = "Only messages after this id (default 0)"), ("before" = Option<i64>, Query, description = "The page just before this message id"), ("latest" = Option<bool>, Query, description = "The newest page"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "At most this many (default 50)")), responses((status = 200, description = "The messages", body = Messages)))]
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
        return ok(&Messages { items, cursor });
    }
    let items =
        conversation_sql::messages_after(ctx.db, me.tenant_id(), conversation.id, after, limit)?;
    let cursor = items.last().map_or(after, |m| m.id);
    ok(&Messages { items, cursor })
}

/// Send a message
///
/// Text, a quick reply (`/shortcut`) or an FAQ article, to the customer on the
/// conversation's channel; signed as the group says.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/messages", request_body = crate::inbox::Compose, responses((status = 201, description = "The message, queued for delivery", body = crate::conversation::Message)))]
pub fn send(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: Compose = req.json()?;
    created(&inbox::send(ctx, &me, req.param("id")?, body)?)
}

/// Write an internal note
///
/// In the conversation, never sent to the customer.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/notes", request_body = crate::inbox::Compose, responses((status = 201, description = "The note", body = crate::conversation::Message)))]
pub fn note(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: Compose = req.json()?;
    created(&inbox::note(ctx, &me, req.param("id")?, body)?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    up_to: i64,
}

/// Mark messages read
///
/// The customer's messages up to `up_to` no longer count as unread.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/read", request_body = ReadBody, responses((status = 204, description = "Marked")))]
pub fn read(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let (conversation, _) = inbox::actionable(ctx, &me, req.param("id")?)?;
    let body: ReadBody = req.json()?;
    crate::conversation::sql::mark_read(ctx.db, me.tenant_id(), conversation.id, body.up_to)?;
    no_content()
}

/// Make a conversation pending
///
/// It frees a slot of the holder's limit until the customer writes or it is resumed.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/pending", responses((status = 200, description = "The pending conversation", body = crate::conversation::Conversation)))]
pub fn pending(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::pending(ctx, &me, req.param("id")?)?)
}

/// Resume a pending conversation
///
/// Within the limit of the agent who holds it, whoever asks.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/resume", responses((status = 200, description = "The conversation, assigned again", body = crate::conversation::Conversation)))]
pub fn resume(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::resume(ctx, &me, req.param("id")?)?)
}

/// Close a conversation
///
/// For good, with the closing script's answers: the group's classification (required where
/// the group says so), a comment and whether it was resolved. The body may be empty.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/close", request_body(content = Option<crate::inbox::CloseRequest>, description = "The closing script; no body (or `null`) closes without one", content_type = "application/json"), responses((status = 200, description = "The closed conversation", body = crate::conversation::Conversation)))]
pub fn close(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    // No body, or `null`, closes without a closing script.
    let body: CloseRequest = if req.body().is_empty() {
        CloseRequest::default()
    } else {
        req.json::<Option<CloseRequest>>()?.unwrap_or_default()
    };
    ok(&inbox::close(ctx, &me, req.param("id")?, body)?)
}

/// Download an attachment
///
/// The file's bytes, to whoever may read its conversation.
#[utoipa::path(get, path = "/api/inbox/attachments/{id}", responses((status = 200, description = "The file, with the content type it was sent with", content_type = "*/*", body = super::Binary)))]
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

/// My change feed
///
/// Everything new for me since the cursor: offers, assignments, messages, state changes.
/// Polling it also runs the due timers on hosts without a scheduler.
#[utoipa::path(get, path = "/api/inbox/events", params(("after" = Option<i64>, Query, description = "The cursor of the previous answer (default 0)")), responses((status = 200, description = "The events after the cursor", body = Events)))]
pub fn events(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    // Everything an idle poll needs from the key-value store, in two calls.
    let ahead = crate::auth::ReadAhead {
        fixed: &[crate::tick::RAN_KEY],
        of_user: crate::inbox::feed::head_key,
    };
    let me = crate::auth::authenticate_reading_ahead(ctx, req, &ahead)?;
    let after = req.query().parse::<i64>("after")?.unwrap_or(0);
    // At most one read: the feed and whether the tick is due (none while the key-value store
    // knows both). Timers keep running on hosts with no scheduler while agents are online: the
    // host runs a due tick after this answer (never inside it, so the poll's component does
    // not carry the tick), and what the run does for me arrives with my next poll.
    let now = ctx.now_ms();
    let (tenant, user) = (me.tenant_id(), me.user_id());
    let poll = crate::inbox::feed::poll_cached(ctx, tenant, user, after, now)?;
    if poll.tick_due {
        crate::tick::want_run();
    }
    let events = poll.events;
    let cursor = events.last().map_or(after, |e| e.id);
    let idle = events.is_empty();
    let mut response = ok(&Events { events, cursor })?;
    if idle {
        response.extensions_mut().insert(crate::log::Quiet);
    }
    Ok(response)
}

/// Transfer a conversation
///
/// To an agent (`to_agent_id`) or a group's queue (`to_group_id`), with an optional message
/// to the customer.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/transfer", request_body = crate::inbox::TransferRequest, responses((status = 200, description = "The transferred conversation", body = crate::conversation::Conversation)))]
pub fn transfer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::TransferRequest = req.json()?;
    ok(&inbox::transfer(ctx, &me, req.param("id")?, &body)?)
}

/// Transfer all my conversations
///
/// Each open conversation of mine is tried on its own; the answer says which moved and why
/// the others did not.
#[utoipa::path(post, path = "/api/inbox/transfer-all", request_body = crate::inbox::TransferRequest, responses((status = 200, description = "What moved and what did not", body = crate::inbox::TransferAll)))]
pub fn transfer_all(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::TransferRequest = req.json()?;
    ok(&inbox::transfer_all(ctx, &me, &body)?)
}

/// Tag a conversation
#[utoipa::path(put, path = "/api/inbox/conversations/{id}/tags/{tag_id}", responses((status = 200, description = "The conversation's tags now", body = Vec<crate::inbox::sql::TagOnConversation>)))]
pub fn add_tag(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_tag(ctx, req, true)
}

/// Untag a conversation
#[utoipa::path(delete, path = "/api/inbox/conversations/{id}/tags/{tag_id}", responses((status = 200, description = "The conversation's tags now", body = Vec<crate::inbox::sql::TagOnConversation>)))]
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

/// Record an occurrence
///
/// One of the company's occurrence types, with an optional comment, on an open conversation.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/occurrences", request_body = crate::inbox::OccurrenceRequest, responses((status = 201, description = "The occurrence", body = crate::inbox::OccurrenceAdded)))]
pub fn occurrence(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let body: inbox::OccurrenceRequest = req.json()?;
    created(&inbox::occurrence(ctx, &me, req.param("id")?, &body)?)
}

/// Mark a conversation as a favourite
#[utoipa::path(put, path = "/api/inbox/conversations/{id}/favourite", responses((status = 204, description = "Marked")))]
pub fn favourite(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_favourite(ctx, req, true)
}

/// Unmark a favourite
#[utoipa::path(delete, path = "/api/inbox/conversations/{id}/favourite", responses((status = 204, description = "Unmarked")))]
pub fn unfavourite(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_favourite(ctx, req, false)
}

fn set_favourite(ctx: &Ctx, req: &Request, on: bool) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let (conversation, _) = inbox::actionable(ctx, &me, req.param("id")?)?;
    crate::inbox::sql::set_favourite(ctx.db, me.tenant_id(), me.user_id(), conversation.id, on)?;
    no_content()
}

/// My groups' queues
///
/// How many customers wait in each queue of my groups, and since when.
#[utoipa::path(get, path = "/api/inbox/queues", responses((status = 200, description = "The queues", body = Queues)))]
pub fn queues(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&Queues {
        items: crate::inbox::sql::queue_counts(ctx.db, me.tenant_id(), me.user_id())?,
    })
}

/// Open a new protocol
///
/// A new conversation for the same customer on the same channel, held by me; the source
/// conversation stays as it is.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/new-protocol", responses((status = 201, description = "The new conversation", body = crate::conversation::Conversation)))]
pub fn new_protocol(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    created(&inbox::new_protocol(ctx, &me, req.param("id")?)?)
}

/// The customer panel
///
/// The client, their conversations of the last `days` that I may see (with `q`, only those
/// with messages containing it) and every past protocol of theirs I may see.
#[utoipa::path(get, path = "/api/inbox/clients/{id}", params(("days" = Option<i64>, Query, minimum = 1, maximum = 31, description = "Days of history (default 31)"), ("q" = Option<String>, Query, description = "Only conversations with messages containing this")), responses((status = 200, description = "The customer panel", body = crate::inbox::CustomerPanel)))]
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

/// Update a customer
///
/// Agents edit the customers they are serving; supervisors and admins any.
#[utoipa::path(patch, path = "/api/inbox/clients/{id}", request_body = crate::client::ClientInput, responses((status = 200, description = "The updated client", body = crate::client::Client)))]
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

/// Register a customer
///
/// A new client by name and phone (and any other client field).
#[utoipa::path(post, path = "/api/inbox/clients", request_body = crate::client::ClientInput, responses((status = 201, description = "The new client", body = crate::client::Client)))]
pub fn register_customer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let input: crate::client::ClientInput = req.json()?;
    created(&crate::client::create(ctx, me.tenant_id(), input)?)
}

/// Send a file
///
/// Base64 in JSON, at most 5 MiB decoded, of a kind the group allows agents to send.
#[utoipa::path(post, path = "/api/inbox/conversations/{id}/attachments", request_body = crate::inbox::Upload, responses((status = 201, description = "The message with the file", body = crate::conversation::Message)))]
pub fn send_attachment(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    // 5 MiB of file is about 6.7 MiB of base64.
    let upload: inbox::Upload = req.json_within(8 * 1024 * 1024)?;
    created(&inbox::send_attachment(ctx, &me, req.param("id")?, upload)?)
}

/// My offers
///
/// Conversations offered to me (groups in accept/reject mode), to accept or reject before
/// they expire.
#[utoipa::path(get, path = "/api/inbox/offers", responses((status = 200, description = "My open offers", body = Offers)))]
pub fn offers(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&Offers {
        items: crate::inbox::sql::offers(ctx.db, me.tenant_id(), me.user_id(), ctx.now_ms())?,
    })
}

/// Accept an offer
///
/// The conversation becomes mine.
#[utoipa::path(post, path = "/api/inbox/offers/{id}/accept", responses((status = 200, description = "The conversation I now hold", body = crate::conversation::Conversation)))]
pub fn accept_offer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&inbox::accept(ctx, &me, req.param("id")?)?)
}

/// Reject an offer
///
/// It goes to another available agent. The body (a reason) may be empty.
#[utoipa::path(post, path = "/api/inbox/offers/{id}/reject", request_body(content = Option<crate::inbox::RejectRequest>, description = "Why, optionally; no body (or `null`) rejects without a reason", content_type = "application/json"), responses((status = 204, description = "Rejected")))]
pub fn reject_offer(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    // No body, or `null`, rejects without a reason.
    let body: inbox::RejectRequest = if req.body().is_empty() {
        inbox::RejectRequest::default()
    } else {
        req.json::<Option<inbox::RejectRequest>>()?
            .unwrap_or_default()
    };
    inbox::reject(ctx, &me, req.param("id")?, &body)?;
    no_content()
}

/// Write first to a customer
///
/// An active message on a channel whose group allows it: sent at once into a new protocol
/// (201), or, when the customer already has an open conversation there, kept for the group's
/// delay (202).
#[utoipa::path(post, path = "/api/inbox/active-messages", request_body = crate::active::ActiveRequest, responses((status = 201, description = "Sent", body = crate::active::ActiveMessage), (status = 202, description = "Scheduled for the group's delay", body = crate::active::ActiveMessage)))]
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

/// Active messages
///
/// Agents see their own; supervisors and admins the company's.
#[utoipa::path(get, path = "/api/inbox/active-messages", params(("status" = Option<crate::active::ActiveState>, Query, description = "Only scheduled, sent or cancelled ones"), super::PageParams), responses((status = 200, description = "A page of active messages", body = crate::web::Paged<crate::active::ActiveMessage>)))]
pub fn active_messages(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    let page = crate::web::Page::from_query(&req.query())?;
    let status = match req.query().get("status") {
        None => None,
        Some(s) => Some(crate::active::ActiveState::parse(s).ok_or_else(|| {
            AppError::invalid(
                "status",
                crate::errors::messages::reason::one_of(crate::active::ActiveState::expected()),
            )
        })?),
    };
    ok(&crate::active::list(ctx, &me, status, page)?)
}

/// Cancel a scheduled active message
#[utoipa::path(post, path = "/api/inbox/active-messages/{id}/cancel", responses((status = 200, description = "The cancelled message", body = crate::active::ActiveMessage)))]
pub fn cancel_active(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let me = authenticate(ctx, req)?;
    ok(&crate::active::cancel(ctx, &me, req.param("id")?)?)
}
