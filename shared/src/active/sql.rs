//! Every SQL statement on `active_messages`.

use super::{ActiveMessage, ActiveState};
use crate::db::Row;
use crate::ids::{TenantId, UserId};
use crate::ports::{DbError, Sql};
use crate::time::ms_to_rfc3339;

const COLUMNS: &str = "id, tenant_id, channel_id, group_id, client_id, agent_id, address, body, \
    rendered, template, subject, status, due_at, conversation_id, message_id, sent_at, created_at";

/// A row with what sending it needs besides what the API shows.
pub struct Stored {
    pub tenant: TenantId,
    pub address: String,
    pub rendered: String,
    pub template: Option<serde_json::Value>,
    pub subject: Option<String>,
    pub shown: ActiveMessage,
}

fn decode(r: &Row) -> Result<Stored, DbError> {
    let template = r
        .opt_text("template")?
        .and_then(|t| serde_json::from_str(&t).ok());
    let due_at = r.i64("due_at")?;
    Ok(Stored {
        tenant: TenantId(r.i64("tenant_id")?),
        address: r.text("address")?,
        rendered: r.text("rendered")?,
        subject: r.opt_text("subject")?,
        shown: ActiveMessage {
            id: r.i64("id")?,
            channel_id: r.i64("channel_id")?,
            group_id: r.i64("group_id")?,
            client_id: r.i64("client_id")?,
            agent_id: r.i64("agent_id")?,
            body: r.text("body")?,
            template: template.clone(),
            status: ActiveState::decode(&r.text("status")?)?,
            due_at: ms_to_rfc3339(due_at),
            conversation_id: r.opt_i64("conversation_id")?,
            message_id: r.opt_i64("message_id")?,
            sent_at: r.opt_i64("sent_at")?.map(ms_to_rfc3339),
            created_at: ms_to_rfc3339(r.i64("created_at")?),
        },
        template,
    })
}

pub struct NewActive<'a> {
    pub channel_id: i64,
    pub group_id: i64,
    pub client_id: i64,
    pub agent: UserId,
    pub address: &'a str,
    pub body: &'a str,
    pub rendered: &'a str,
    pub template: Option<&'a serde_json::Value>,
    pub subject: Option<&'a str>,
    pub due_at: i64,
    pub now: i64,
}

pub fn insert(db: &dyn Sql, tenant: TenantId, a: &NewActive) -> Result<i64, DbError> {
    let rows = db.execute(
        "INSERT INTO active_messages (tenant_id, channel_id, group_id, client_id, agent_id, address, body, \
         rendered, template, subject, status, due_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?) RETURNING id",
        &[
            tenant.into(),
            a.channel_id.into(),
            a.group_id.into(),
            a.client_id.into(),
            a.agent.into(),
            a.address.into(),
            a.body.into(),
            a.rendered.into(),
            a.template.map(|t| t.to_string()).into(),
            a.subject.into(),
            a.due_at.into(),
            a.now.into(),
            a.now.into(),
        ],
    )?;
    crate::db::scalar_i64(&rows)
}

pub fn get(db: &dyn Sql, tenant: TenantId, id: i64) -> Result<Option<Stored>, DbError> {
    let rows = db.execute(
        &format!("SELECT {COLUMNS} FROM active_messages WHERE tenant_id = ? AND id = ?"),
        &[tenant.into(), id.into()],
    )?;
    rows.first().map(|r| decode(&r)).transpose()
}

/// Newest first; one agent's (`agent`) or the whole company's; optionally in one state.
pub fn list(
    db: &dyn Sql,
    tenant: TenantId,
    agent: Option<UserId>,
    status: Option<ActiveState>,
    offset: i64,
    limit: i64,
) -> Result<Vec<ActiveMessage>, DbError> {
    let rows = db.execute(
        &format!(
            "SELECT {COLUMNS} FROM active_messages WHERE tenant_id = ?1 \
             AND (?2 IS NULL OR agent_id = ?2) AND (?3 IS NULL OR status = ?3) \
             ORDER BY id DESC LIMIT ?4 OFFSET ?5"
        ),
        &[
            tenant.into(),
            agent.into(),
            status.into(),
            limit.into(),
            offset.into(),
        ],
    )?;
    rows.iter().map(|r| Ok(decode(&r)?.shown)).collect()
}

/// Scheduled messages whose time has come, oldest first (ids only: each is claimed on its own).
pub fn due(db: &dyn Sql, now: i64, limit: i64) -> Result<Vec<(TenantId, i64)>, DbError> {
    let rows = db.execute(
        "SELECT tenant_id, id FROM active_messages WHERE status = 'scheduled' AND due_at <= ? \
         ORDER BY due_at, id LIMIT ?",
        &[now.into(), limit.into()],
    )?;
    rows.iter()
        .map(|r| Ok((TenantId(r.i64("tenant_id")?), r.i64("id")?)))
        .collect()
}

/// Moves a scheduled message to `to`; false if it was not scheduled any more (sent by another
/// run, or cancelled).
pub fn leave_scheduled(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    to: ActiveState,
    now: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "UPDATE active_messages SET status = ?, updated_at = ? \
         WHERE tenant_id = ? AND id = ? AND status = 'scheduled' RETURNING id",
        &[to.into(), now.into(), tenant.into(), id.into()],
    )?;
    Ok(!rows.is_empty())
}

/// Where a sent message went.
pub fn record_sent(
    db: &dyn Sql,
    tenant: TenantId,
    id: i64,
    conversation: i64,
    message: i64,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "UPDATE active_messages SET conversation_id = ?, message_id = ?, sent_at = ?, updated_at = ? \
         WHERE tenant_id = ? AND id = ?",
        &[
            conversation.into(),
            message.into(),
            now.into(),
            now.into(),
            tenant.into(),
            id.into(),
        ],
    )?;
    Ok(())
}
