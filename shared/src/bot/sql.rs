//! The bots' tables: menu sessions, running surveys, survey answers, pause-protocol notices.

use crate::ids::TenantId;
use crate::ports::{DbError, Sql};

/// Where the menu bot is in one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub node: String,
    pub failures: i64,
    pub awaiting: Option<String>,
}

pub fn session(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Option<Session>, DbError> {
    let rows = db.execute(
        "SELECT node, failures, awaiting FROM bot_sessions WHERE tenant_id = ? AND conversation_id = ?",
        &[tenant.into(), conversation.into()],
    )?;
    rows.first()
        .map(|r| {
            Ok(Session {
                node: r.text("node")?,
                failures: r.i64("failures")?,
                awaiting: r.opt_text("awaiting")?,
            })
        })
        .transpose()
}

pub fn save_session(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    s: &Session,
    now: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO bot_sessions (conversation_id, tenant_id, node, failures, awaiting, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (conversation_id) DO UPDATE SET node = ?3, failures = ?4, awaiting = ?5, updated_at = ?6",
        &[
            conversation.into(),
            tenant.into(),
            s.node.as_str().into(),
            s.failures.into(),
            s.awaiting.clone().into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// The menu is over for this conversation (routed, closed).
pub fn end_session(db: &dyn Sql, tenant: TenantId, conversation: i64) -> Result<(), DbError> {
    db.execute(
        "DELETE FROM bot_sessions WHERE tenant_id = ? AND conversation_id = ?",
        &[tenant.into(), conversation.into()],
    )?;
    Ok(())
}

/// [`prune_sessions`]' statement. It walks the sessions (one per conversation in the menu) and
/// looks each one's conversation up by key. The join it replaced let SQLite read every
/// conversation not in the bot, of every company, through `conversations_offers` on every tick
/// (1.3–2.8 ms natively at 20,000 conversations; a test keeps the plan). A session whose
/// conversation is gone stays, as before.
pub const PRUNE_SESSIONS: &str = "DELETE FROM bot_sessions \
     WHERE (SELECT v.status FROM conversations v WHERE v.id = bot_sessions.conversation_id) <> 'bot' \
     RETURNING conversation_id";

/// Drops the sessions of conversations that left the bot another way (its inactivity rule,
/// an external bot, a supervisor's close); returns how many.
pub fn prune_sessions(db: &dyn Sql) -> Result<usize, DbError> {
    let rows = db.execute(PRUNE_SESSIONS, &[])?;
    Ok(rows.rows.len())
}

/// A survey being asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub conversation_id: i64,
    pub survey_id: i64,
    pub question: i64,
    pub group_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub language: String,
}

const RUN_COLUMNS: &str =
    "r.id, r.conversation_id, r.survey_id, r.question, v.group_id, v.agent_id, v.language";

fn run_of(r: &crate::db::Row<'_>) -> Result<Run, DbError> {
    Ok(Run {
        id: r.i64("id")?,
        conversation_id: r.i64("conversation_id")?,
        survey_id: r.i64("survey_id")?,
        question: r.i64("question")?,
        group_id: r.opt_i64("group_id")?,
        agent_id: r.opt_i64("agent_id")?,
        language: r.text("language")?,
    })
}

/// The survey this customer is answering on this channel now, if any.
pub fn running(
    db: &dyn Sql,
    tenant: TenantId,
    channel: i64,
    client: i64,
    now: i64,
) -> Result<Option<Run>, DbError> {
    let rows = db.execute(
        &format!(
            "SELECT {RUN_COLUMNS} FROM survey_runs r JOIN conversations v ON v.id = r.conversation_id \
             WHERE r.tenant_id = ? AND r.channel_id = ? AND r.client_id = ? AND r.status = 'running' \
               AND r.expires_at > ? ORDER BY r.id DESC LIMIT 1"
        ),
        &[tenant.into(), channel.into(), client.into(), now.into()],
    )?;
    rows.first().map(|r| run_of(&r)).transpose()
}

pub fn run_by_conversation(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Option<Run>, DbError> {
    let rows = db.execute(
        &format!(
            "SELECT {RUN_COLUMNS} FROM survey_runs r JOIN conversations v ON v.id = r.conversation_id \
             WHERE r.tenant_id = ? AND r.conversation_id = ?"
        ),
        &[tenant.into(), conversation.into()],
    )?;
    rows.first().map(|r| run_of(&r)).transpose()
}

/// A conversation closed with a survey due that has none started yet.
pub struct Due {
    pub tenant: TenantId,
    pub conversation_id: i64,
    pub channel_id: i64,
    pub client_id: i64,
    pub group_id: Option<i64>,
    pub language: String,
}

/// [`surveys_due`]' statement. The `+` keeps `conversations_offers` out, so SQLite reads the
/// partial index of conversations whose survey is due from `since` on; on a database without
/// statistics it read every closed conversation of every company through that index's first
/// column and sorted them, on every tick (2.4 ms natively at 20,000 conversations; a test keeps
/// the plan).
pub const SURVEYS_DUE: &str =
    "SELECT v.tenant_id, v.id, v.channel_id, v.client_id, v.group_id, v.language \
     FROM conversations v \
     WHERE v.survey_due = 1 AND v.closed_at >= ? AND +v.status = 'closed' \
       AND NOT EXISTS (SELECT 1 FROM survey_runs r WHERE r.conversation_id = v.id) \
     ORDER BY v.closed_at LIMIT ?";

/// Conversations closed since `since` whose survey is due and not started.
pub fn surveys_due(db: &dyn Sql, since: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let rows = db.execute(SURVEYS_DUE, &[since.into(), limit.into()])?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                tenant: TenantId(r.i64("tenant_id")?),
                conversation_id: r.i64("id")?,
                channel_id: r.i64("channel_id")?,
                client_id: r.i64("client_id")?,
                group_id: r.opt_i64("group_id")?,
                language: r.text("language")?,
            })
        })
        .collect()
}

/// Starts a run (at most one per conversation: false when one exists).
#[allow(clippy::too_many_arguments)]
pub fn start_run(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    channel: i64,
    client: i64,
    survey: i64,
    expires_at: i64,
    now: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "INSERT INTO survey_runs (tenant_id, conversation_id, channel_id, client_id, survey_id, question, status, expires_at, started_at) \
         VALUES (?, ?, ?, ?, ?, 0, 'running', ?, ?) ON CONFLICT (conversation_id) DO NOTHING RETURNING id",
        &[tenant.into(), conversation.into(), channel.into(), client.into(), survey.into(), expires_at.into(), now.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Moves the run to `question` (asked now) with its inactivity time from now.
pub fn advance(db: &dyn Sql, run: i64, question: i64, expires_at: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE survey_runs SET question = ?, expires_at = ? WHERE id = ? AND status = 'running'",
        &[question.into(), expires_at.into(), run.into()],
    )?;
    Ok(())
}

pub fn touch(db: &dyn Sql, run: i64, expires_at: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE survey_runs SET expires_at = ? WHERE id = ? AND status = 'running'",
        &[expires_at.into(), run.into()],
    )?;
    Ok(())
}

pub fn finish(db: &dyn Sql, run: i64, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE survey_runs SET status = 'finished', ended_at = ? WHERE id = ? AND status = 'running'",
        &[now.into(), run.into()],
    )?;
    Ok(())
}

/// Ends every run whose inactivity time passed; returns how many.
pub fn expire_runs(db: &dyn Sql, now: i64) -> Result<usize, DbError> {
    let rows = db.execute(
        "UPDATE survey_runs SET status = 'expired', ended_at = ?1 \
         WHERE status = 'running' AND expires_at <= ?1 RETURNING id",
        &[now.into()],
    )?;
    Ok(rows.rows.len())
}

/// One answer, in the shape the reports read.
pub struct Answer<'a> {
    pub tenant: TenantId,
    pub run: &'a Run,
    pub kind: &'a str,
    pub score: Option<i64>,
    pub scale: Option<i64>,
    pub text: Option<&'a str>,
    pub at: i64,
}

/// Records an answer once (a repeat of the same question changes nothing: false), through the
/// one statement that writes `survey_answers` (the reports' table).
pub fn record_answer(db: &dyn Sql, a: &Answer) -> Result<bool, DbError> {
    crate::reports::sql::insert_survey_answer(
        db,
        a.tenant,
        a.run.conversation_id,
        a.run.survey_id,
        a.run.question,
        a.kind,
        a.score,
        a.scale,
        a.text,
        a.run.group_id,
        a.run.agent_id,
        a.at,
    )
}

/// One answer of a conversation's survey.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ConversationSurveyAnswer)]
pub struct SurveyAnswer {
    /// The question's position in the survey, from 0.
    pub question: i64,
    pub kind: crate::config::survey::QuestionType,
    #[schema(required = true)]
    pub score: Option<i64>,
    #[schema(required = true)]
    pub scale: Option<i64>,
    #[schema(required = true)]
    pub text: Option<String>,
    #[schema(format = DateTime)]
    pub answered_at: String,
}

/// A conversation's answers, in question order, for its details.
pub fn answers(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Vec<SurveyAnswer>, DbError> {
    let rows = db.execute(
        "SELECT question, kind, score, scale, text, answered_at FROM survey_answers \
         WHERE tenant_id = ? AND conversation_id = ? ORDER BY question",
        &[tenant.into(), conversation.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(SurveyAnswer {
                question: r.i64("question")?,
                kind: crate::config::survey::QuestionType::decode(&r.text("kind")?)?,
                score: r.opt_i64("score")?,
                scale: r.opt_i64("scale")?,
                text: r.opt_text("text")?,
                answered_at: crate::time::ms_to_rfc3339(r.i64("answered_at")?),
            })
        })
        .collect()
}

/// A conversation the pause protocol may have to reassure.
pub struct Waiting {
    pub id: i64,
    pub channel_id: i64,
    pub language: String,
}

/// [`waiting`]' statement. The states of its two cases are also stated once outside the `OR`,
/// so SQLite reads the group's open conversations through `conversations_queue`; with the
/// states only inside the `OR`, it read every conversation the group ever had through
/// `conversations_group_arrived` on every tick, for every group with a pause or queue notice
/// (1 ms natively at 2,000 conversations a group; a test keeps the plan).
pub const WAITING: &str = "SELECT v.id, v.channel_id, v.language FROM conversations v \
     LEFT JOIN agent_status a ON a.tenant_id = v.tenant_id AND a.user_id = v.agent_id \
     LEFT JOIN pause_notices n ON n.conversation_id = v.id \
     WHERE v.tenant_id = ?1 AND v.group_id = ?2 AND v.status IN ('queued', 'assigned', 'pending') \
       AND ((v.status IN ('assigned', 'pending') AND a.status = 'paused' \
             AND v.last_customer_at IS NOT NULL \
             AND (v.last_agent_at IS NULL OR v.last_agent_at < v.last_customer_at)) \
         OR (v.status = 'queued' AND ?3 IS NOT NULL AND COALESCE(v.queued_at, v.arrived_at) <= ?3)) \
       AND (n.last_at IS NULL OR n.last_at <= ?4)";

/// In `group`: conversations whose holder is paused while the customer waits for an answer,
/// and (with `queue_cutoff`) conversations queued since before it — whose last "please wait"
/// is older than `notice_cutoff` (or that never got one).
pub fn waiting(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    queue_cutoff: Option<i64>,
    notice_cutoff: i64,
) -> Result<Vec<Waiting>, DbError> {
    let rows = db.execute(
        WAITING,
        &[
            tenant.into(),
            group.into(),
            queue_cutoff.into(),
            notice_cutoff.into(),
        ],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Waiting {
                id: r.i64("id")?,
                channel_id: r.i64("channel_id")?,
                language: r.text("language")?,
            })
        })
        .collect()
}

pub fn noticed(db: &dyn Sql, tenant: TenantId, conversation: i64, now: i64) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO pause_notices (conversation_id, tenant_id, last_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (conversation_id) DO UPDATE SET last_at = ?3",
        &[conversation.into(), tenant.into(), now.into()],
    )?;
    Ok(())
}

/// Groups (active, with their documents) that have open conversations.
pub fn groups_with_open(db: &dyn Sql) -> Result<Vec<(TenantId, i64, String)>, DbError> {
    let rows = db.execute(
        "SELECT DISTINCT v.tenant_id, v.group_id, g.data FROM conversations v \
         JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         WHERE v.status IN ('queued', 'assigned', 'pending') AND g.data LIKE '%\"pause_protocol\"%'",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok((
                TenantId(r.i64("tenant_id")?),
                r.i64("group_id")?,
                r.text("data")?,
            ))
        })
        .collect()
}

/// A conversation waiting with a bot, as the external bot lists it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InBot {
    pub id: i64,
    pub protocol: String,
    pub channel_type: String,
    pub group_id: Option<i64>,
    pub client_id: i64,
    pub client_name: String,
    pub language: String,
    pub arrived_at: String,
    pub last_customer_message: Option<String>,
}

/// [`in_bot`]' statement. No index starts with the company and the state, so it reads the
/// conversations in the bot (of every company: few, they are open) through
/// `conversations_offers` and sorts them; the `+`s keep out the indexes that start with
/// `tenant_id`, through which SQLite, without statistics, read every conversation of the
/// company in arrival order. The last customer message is read through
/// `messages_conversation` by the company and the conversation: by the conversation alone,
/// SQLite walked `messages_conversation_of` back from the newest message of the database.
/// Together 56–61 ms natively at 20,000 conversations and 200,000 messages (a test keeps the
/// plan).
pub const IN_BOT: &str =
    "SELECT v.id, v.protocol, v.channel_type, v.group_id, v.client_id, v.language, v.arrived_at, \
            c.display_name AS client_name, \
            (SELECT m.body FROM messages m \
              WHERE m.tenant_id = v.tenant_id AND m.conversation_id = v.id AND m.role = 'customer' \
             ORDER BY m.id DESC LIMIT 1) AS last_customer_message \
     FROM conversations v JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
     WHERE +v.tenant_id = ? AND v.status = 'bot' ORDER BY +v.arrived_at, v.id LIMIT ?";

/// Conversations in state `bot` of the tenant (the external bot's list), oldest first.
pub fn in_bot(db: &dyn Sql, tenant: TenantId, limit: i64) -> Result<Vec<InBot>, DbError> {
    let rows = db.execute(IN_BOT, &[tenant.into(), limit.into()])?;
    rows.iter()
        .map(|r| {
            Ok(InBot {
                id: r.i64("id")?,
                protocol: r.text("protocol")?,
                channel_type: r.text("channel_type")?,
                group_id: r.opt_i64("group_id")?,
                client_id: r.i64("client_id")?,
                client_name: r.text("client_name")?,
                language: r.text("language")?,
                arrived_at: crate::time::ms_to_rfc3339(r.i64("arrived_at")?),
                last_customer_message: r.opt_text("last_customer_message")?,
            })
        })
        .collect()
}

/// Whether the client has an open conversation on the channel.
pub fn has_open(
    db: &dyn Sql,
    tenant: TenantId,
    channel: i64,
    client: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 FROM conversations WHERE tenant_id = ? AND channel_id = ? AND client_id = ? AND status <> 'closed'",
        &[tenant.into(), channel.into(), client.into()],
    )?;
    Ok(!rows.rows.is_empty())
}
