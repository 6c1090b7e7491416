//! Every SQL statement of the reports. Each report is a bounded number of statements whatever
//! the period holds (no per-row queries from Rust); exports page through the history by keyset.

use crate::conversation::sql::{visibility_params, visible};
use crate::conversation::visibility::Visibility;
use crate::ids::TenantId;
use crate::ports::{DbError, Rows, Sql, Value};

const FROM_CONVERSATIONS: &str = "FROM conversations v \
     LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
     LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id";

/// Most message ids one statement moves into the full-text index, so it holds the write
/// lock for a few milliseconds at most.
const INDEX_CHUNK: i64 = 2_000;

/// Brings the full-text index up to the newest message (migration 0020): the tick calls it
/// each run, and a search first, so a search finds what arrived since the last run. Each
/// statement indexes up to [`INDEX_CHUNK`] ids and other writers get their turn between them.
pub fn index_new_messages(db: &dyn Sql) -> Result<(), DbError> {
    loop {
        let started = std::time::Instant::now();
        let rows = db.execute(
            "UPDATE message_index_progress \
                SET indexed_through = MIN(indexed_through + ?1, (SELECT MAX(id) FROM messages)) \
              WHERE id = 1 AND indexed_through < (SELECT MAX(id) FROM messages) \
             RETURNING indexed_through, (SELECT MAX(id) FROM messages) AS newest",
            &[INDEX_CHUNK.into()],
        )?;
        match rows.first() {
            Some(row) if row.i64("indexed_through")? < row.i64("newest")? => {
                db.let_writers_in(started.elapsed());
            }
            _ => return Ok(()),
        }
    }
}

/// The history's filters, already validated.
#[derive(Debug, Default, Clone)]
pub struct HistoryFilter {
    pub from_ms: i64,
    pub to_ms: i64,
    pub include_open: bool,
    pub protocol: Option<String>,
    pub client: Option<String>,
    pub phone_digits: Option<String>,
    pub document: Option<String>,
    /// An FTS5 phrase query ("..."), already quoted.
    pub text: Option<String>,
    pub agent_id: Option<i64>,
    pub group_id: Option<i64>,
    pub operation_id: Option<i64>,
    pub channel: Option<String>,
    pub classification_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub tag_name: Option<String>,
    pub resolved: Option<bool>,
    pub survey_score: Option<i64>,
}

/// Where a history page starts: after this (arrival, id), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub arrived_at: i64,
    pub id: i64,
}

/// When an agent first took the conversation (a later transfer moves `assigned_at`, not this).
const FIRST_ASSIGNED: &str =
    "(SELECT MIN(e.at) FROM conversation_events e WHERE e.tenant_id = v.tenant_id \
     AND e.conversation_id = v.id AND e.kind = 'assigned')";
/// When the customer first entered a queue (a transfer to a group moves `queued_at`, not this).
const QUEUE_START: &str =
    "COALESCE((SELECT MIN(e.at) FROM conversation_events e WHERE e.tenant_id = v.tenant_id \
     AND e.conversation_id = v.id AND e.kind = 'queued'), v.queued_at, v.arrived_at)";

const SURVEY_SCORE: &str = "(SELECT s.score FROM survey_answers s WHERE s.tenant_id = v.tenant_id \
     AND s.conversation_id = v.id AND s.score IS NOT NULL ORDER BY s.question LIMIT 1)";

/// One page of the history: at most `limit` rows after `cursor`, newest arrival first. Only
/// the filters given become SQL, so the planner picks the index each one allows.
pub fn history_page(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    f: &HistoryFilter,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Rows, DbError> {
    let mut params = visibility_params(tenant, scope);
    // Two steps: the page's ids first (filters, order and limit over cheap joins), then the
    // shown columns — whose subqueries would otherwise run for every match before the sort.
    let mut sql = format!(
        "WITH page AS MATERIALIZED (SELECT v.id, v.arrived_at \
         {FROM_CONVERSATIONS} \
         JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         WHERE v.tenant_id = ?1 AND {}",
        visible(1)
    );
    let mut and = |clause: &str, value: Value| {
        params.push(value);
        let n = params.len();
        sql.push_str(" AND ");
        sql.push_str(&clause.replace("?#", &format!("?{n}")));
    };
    and("v.arrived_at >= ?#", f.from_ms.into());
    and("v.arrived_at < ?#", f.to_ms.into());
    if !f.include_open {
        and("v.status = ?#", "closed".into());
    }
    if let Some(p) = &f.protocol {
        and("v.protocol = ?#", p.as_str().into());
    }
    if let Some(name) = &f.client {
        and(
            "c.display_name LIKE ?# ESCAPE '\\'",
            crate::db::like_pattern(name).into(),
        );
    }
    if let Some(digits) = &f.phone_digits {
        and(
            "c.phone LIKE ?# ESCAPE '\\'",
            crate::db::like_pattern(digits).into(),
        );
    }
    if let Some(d) = &f.document {
        and("c.document = ?#", d.as_str().into());
    }
    if let Some(q) = &f.text {
        and(
            // `+v.id`: walk the period newest first and probe the matches (stopping at the
            // page's end), rather than fetch and sort every matching conversation.
            "+v.id IN (SELECT m.conversation_id FROM messages_fts \
                      JOIN messages m INDEXED BY messages_conversation_of ON m.id = messages_fts.rowid \
                      WHERE messages_fts MATCH ?# AND m.tenant_id = ?1)",
            q.as_str().into(),
        );
    }
    if let Some(a) = f.agent_id {
        and("v.agent_id = ?#", a.into());
    }
    if let Some(gid) = f.group_id {
        and("v.group_id = ?#", gid.into());
    }
    if let Some(op) = f.operation_id {
        and("g.ref_id = ?#", op.into());
    }
    if let Some(ch) = &f.channel {
        and("v.channel_type = ?#", ch.as_str().into());
    }
    if let Some(cl) = f.classification_id {
        and("v.classification_id = ?#", cl.into());
    }
    if let Some(tag) = f.tag_id {
        and(
            "EXISTS (SELECT 1 FROM conversation_tags t WHERE t.tenant_id = ?1 \
                     AND t.conversation_id = v.id AND t.tag_id = ?#)",
            tag.into(),
        );
    }
    if let Some(name) = &f.tag_name {
        and(
            "EXISTS (SELECT 1 FROM conversation_tags t JOIN config_items n \
                       ON n.tenant_id = t.tenant_id AND n.id = t.tag_id AND n.kind = 'tag' \
                     WHERE t.tenant_id = ?1 AND t.conversation_id = v.id AND n.name = ?# COLLATE NOCASE)",
            name.as_str().into(),
        );
    }
    if let Some(r) = f.resolved {
        and("v.resolved = ?#", r.into());
    }
    if let Some(s) = f.survey_score {
        and(&format!("{SURVEY_SCORE} = ?#"), s.into());
    }
    if let Some(c) = cursor {
        params.push(c.arrived_at.into());
        params.push(c.id.into());
        let n = params.len();
        sql.push_str(&format!(
            " AND (v.arrived_at < ?{} OR (v.arrived_at = ?{} AND v.id < ?{n}))",
            n - 1,
            n - 1
        ));
    }
    params.push(limit.into());
    sql.push_str(&format!(
        " ORDER BY v.arrived_at DESC, v.id DESC LIMIT ?{}) \
         SELECT v.id, v.protocol, v.channel_type, c.display_name AS client_name, c.phone, \
                v.agent_id, u.display_name AS agent_name, v.group_id, g.name AS group_name, \
                v.status, v.arrived_at, {QUEUE_START} AS queue_start, \
                {FIRST_ASSIGNED} AS first_assigned, v.closed_at, \
                v.classification_id, v.reason_id, v.sub_reason_id, v.resolved, \
                {SURVEY_SCORE} AS survey_score \
         FROM page p JOIN conversations v ON v.id = p.id \
         LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
         LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         ORDER BY p.arrived_at DESC, p.id DESC",
        params.len()
    ));
    db.execute(&sql, &params)
}

/// Every classification tree of the company (few rows): names for the history's paths.
pub fn classifications(db: &dyn Sql, tenant: TenantId) -> Result<Vec<(i64, String)>, DbError> {
    let rows = db.execute(
        "SELECT id, data FROM config_items WHERE tenant_id = ? AND kind = 'classification'",
        &[tenant.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.i64("id")?, r.text("data")?)))
        .collect()
}

/// One conversation with the names a transcript shows, if it is in the company, and whether
/// `scope` may see it.
pub fn conversation(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    id: i64,
) -> Result<Option<(Rows, bool)>, DbError> {
    let mut params = visibility_params(tenant, scope);
    params.push(id.into());
    let rows = db.execute(
        &format!(
            "SELECT v.id, v.protocol, v.channel_type, v.status, v.client_id, \
                    c.display_name AS client_name, c.phone, c.email, \
                    v.agent_id, u.display_name AS agent_name, v.group_id, g.name AS group_name, \
                    v.subject, v.arrived_at, v.queued_at, v.assigned_at, v.first_response_at, \
                    v.closed_at, v.closed_by, v.classification_id, v.reason_id, v.sub_reason_id, \
                    v.close_comment, v.resolved, \
                    (SELECT name FROM tenants WHERE id = v.tenant_id) AS company, \
                    CASE WHEN {} THEN 1 ELSE 0 END AS visible \
             {FROM_CONVERSATIONS} \
             JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
             WHERE v.tenant_id = ?1 AND v.id = ?7",
            visible(1)
        ),
        &params,
    )?;
    let visible = match rows.first() {
        None => return Ok(None),
        Some(r) => r.bool("visible")?,
    };
    Ok(Some((rows, visible)))
}

/// Every message of a conversation, oldest first, with who sent it and any attachment.
pub fn transcript_messages(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Rows, DbError> {
    db.execute(
        "SELECT m.id, m.role, m.kind, m.body, m.attachment_id, m.created_at, m.delivery, \
                a.filename AS attachment_name, a.content_type AS attachment_type, \
                CASE m.role WHEN 'customer' THEN c.display_name \
                            WHEN 'agent' THEN u.display_name WHEN 'note' THEN u.display_name \
                            ELSE NULL END AS sender_name \
         FROM messages m \
         JOIN conversations v ON v.tenant_id = m.tenant_id AND v.id = m.conversation_id \
         JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.sender_id \
         LEFT JOIN attachments a ON a.tenant_id = m.tenant_id AND a.id = m.attachment_id \
         WHERE m.tenant_id = ? AND m.conversation_id = ? ORDER BY m.id",
        &[tenant.into(), conversation.into()],
    )
}

/// The timeline with the actors' names.
pub fn timeline(db: &dyn Sql, tenant: TenantId, conversation: i64) -> Result<Rows, DbError> {
    db.execute(
        "SELECT e.kind, e.actor, e.actor_id, u.display_name AS actor_name, e.data, e.at \
         FROM conversation_events e \
         LEFT JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.actor_id AND e.actor <> 'customer' \
         WHERE e.tenant_id = ? AND e.conversation_id = ? ORDER BY e.id",
        &[tenant.into(), conversation.into()],
    )
}

pub fn conversation_survey_answers(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
) -> Result<Rows, DbError> {
    db.execute(
        "SELECT question, kind, score, scale, text, answered_at FROM survey_answers \
         WHERE tenant_id = ? AND conversation_id = ? ORDER BY question",
        &[tenant.into(), conversation.into()],
    )
}

/// Service level per group: the counts and sums in one statement, the 90th percentile of the
/// wait (nearest rank) by a window over the same rows.
pub fn service_level(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    from: i64,
    to: i64,
    group: Option<i64>,
) -> Result<Rows, DbError> {
    let mut params = visibility_params(tenant, scope);
    params.extend([from.into(), to.into(), group.into()]);
    db.execute(
        &format!(
            "WITH base AS MATERIALIZED ( \
               SELECT v.group_id, MAX(g.name) AS group_name, v.status, v.closed_at, v.first_response_at, \
                      MIN(CASE WHEN e.kind = 'assigned' THEN e.at END) AS first_assigned, \
                      COALESCE(MIN(CASE WHEN e.kind = 'queued' THEN e.at END), v.queued_at, v.arrived_at) AS queue_start, \
                      json_extract(MAX(g.data), '$.timers.initial_sla_minutes') AS sla_minutes, \
                      COUNT(CASE WHEN e.kind = 'transferred' THEN 1 END) AS transfers \
               {FROM_CONVERSATIONS} \
               LEFT JOIN conversation_events e ON e.tenant_id = v.tenant_id AND e.conversation_id = v.id \
                    AND e.kind IN ('assigned', 'queued', 'transferred') \
               WHERE v.tenant_id = ?1 AND v.arrived_at >= ?7 AND v.arrived_at < ?8 \
                 AND v.group_id IS NOT NULL AND (?9 IS NULL OR v.group_id = ?9) AND {} \
               GROUP BY v.id ), \
             c AS MATERIALIZED ( \
               SELECT group_id, group_name, status, first_assigned, sla_minutes, transfers, \
                      first_assigned - queue_start AS wait, \
                      first_response_at - queue_start AS first_response, \
                      CASE WHEN closed_at IS NOT NULL THEN closed_at - first_assigned END AS handling \
               FROM base ), \
             p90 AS ( \
               SELECT group_id, wait FROM ( \
                 SELECT group_id, wait, \
                        ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY wait) AS rank, \
                        COUNT(*) OVER (PARTITION BY group_id) AS n \
                 FROM c WHERE wait IS NOT NULL ) \
               WHERE rank = (n * 9 + 9) / 10 ), \
             totals AS ( \
               SELECT group_id, MAX(group_name) AS group_name, COUNT(*) AS volume, \
                      SUM(first_assigned IS NOT NULL) AS answered, \
                      SUM(status = 'closed' AND first_assigned IS NULL) AS abandoned, \
                      SUM(wait) AS wait_sum, COUNT(wait) AS wait_n, \
                      SUM(first_response) AS first_response_sum, COUNT(first_response) AS first_response_n, \
                      SUM(handling) AS handling_sum, COUNT(handling) AS handling_n, \
                      MAX(sla_minutes) AS sla_minutes, \
                      SUM(wait IS NOT NULL AND sla_minutes IS NOT NULL AND wait <= sla_minutes * 60000) AS within_sla, \
                      SUM(transfers) AS transfers \
               FROM c GROUP BY group_id ) \
             SELECT t.*, p.wait AS wait_p90 FROM totals t LEFT JOIN p90 p ON p.group_id = t.group_id \
             ORDER BY t.group_name, t.group_id",
            visible(1)
        ),
        &params,
    )
}

/// The agents a user may see in the productivity report, with what they handled: admins
/// everyone who answers; supervisors the members of their operations' groups; everyone
/// themselves.
pub fn productivity(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    from: i64,
    to: i64,
    agent: Option<i64>,
) -> Result<Rows, DbError> {
    db.execute(
        "WITH agents AS ( \
           SELECT a.id, a.display_name, a.created_at FROM users a \
           WHERE a.tenant_id = ?1 AND (?6 IS NULL OR a.id = ?6) \
             AND a.profile IN ('agent', 'supervisor_agent') \
             AND (a.id = ?2 OR ?3 = 1 \
                  OR (?7 = 1 AND a.id IN (SELECT gm.user_id FROM group_members gm \
                        JOIN config_items g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id \
                        WHERE gm.tenant_id = ?1 AND g.ref_id IN (SELECT operation_id FROM supervisor_operations \
                                                                  WHERE tenant_id = ?1 AND user_id = ?2)))) ) \
         , handled AS ( \
           SELECT v.agent_id, COUNT(*) AS handled, SUM(v.closed_at - v.assigned_at) AS handling_sum \
           FROM conversations v WHERE v.tenant_id = ?1 AND v.status = 'closed' \
             AND v.closed_at >= ?4 AND v.closed_at < ?5 AND v.agent_id IN (SELECT id FROM agents) \
           GROUP BY v.agent_id ), \
         transfers AS ( \
           SELECT e.actor_id, COUNT(*) AS transfers FROM conversation_events e \
           WHERE e.tenant_id = ?1 AND e.kind = 'transferred' AND e.at >= ?4 AND e.at < ?5 \
           GROUP BY e.actor_id ) \
         SELECT a.id, a.display_name, a.created_at, COALESCE(h.handled, 0) AS handled, h.handling_sum, \
                COALESCE(t.transfers, 0) AS transfers \
         FROM agents a LEFT JOIN handled h ON h.agent_id = a.id \
         LEFT JOIN transfers t ON t.actor_id = a.id ORDER BY a.display_name, a.id",
        &[
            tenant.into(),
            scope.user.into(),
            scope.all.into(),
            from.into(),
            to.into(),
            agent.into(),
            scope.supervised_operations.into(),
        ],
    )
}

/// The status log of `agents` that matters for `[from, to)`: each one's last change before
/// `from` and every change inside, in order.
pub fn status_log(
    db: &dyn Sql,
    tenant: TenantId,
    agents: &[i64],
    from: i64,
    to: i64,
) -> Result<Rows, DbError> {
    let ids = serde_json::to_string(agents).unwrap_or_else(|_| "[]".into());
    db.execute(
        "SELECT user_id, status, pause_reason, at FROM ( \
           SELECT user_id, status, pause_reason, MAX(at) AS at, MAX(id) AS id FROM agent_status_log \
           WHERE tenant_id = ?1 AND user_id IN (SELECT value FROM json_each(?2)) AND at < ?3 \
           GROUP BY user_id \
           UNION ALL \
           SELECT user_id, status, pause_reason, at, id FROM agent_status_log \
           WHERE tenant_id = ?1 AND user_id IN (SELECT value FROM json_each(?2)) AND at >= ?3 AND at < ?4 ) \
         ORDER BY user_id, at, id",
        &[tenant.into(), ids.into(), from.into(), to.into()],
    )
}

/// Survey answers in the period on conversations `scope` may see.
pub fn survey_answers(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    from: i64,
    to: i64,
    group: Option<i64>,
    agent: Option<i64>,
) -> Result<Rows, DbError> {
    let mut params = visibility_params(tenant, scope);
    params.extend([from.into(), to.into(), group.into(), agent.into()]);
    db.execute(
        &format!(
            "SELECT s.conversation_id, v.protocol, s.question, s.kind, s.score, s.scale, s.text, \
                    s.answered_at, s.group_id, s.agent_id \
             FROM survey_answers s \
             JOIN conversations v ON v.tenant_id = s.tenant_id AND v.id = s.conversation_id \
             LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
             LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
             WHERE s.tenant_id = ?1 AND s.answered_at >= ?7 AND s.answered_at < ?8 \
               AND (?9 IS NULL OR s.group_id = ?9) AND (?10 IS NULL OR s.agent_id = ?10) AND {} \
             ORDER BY s.answered_at, s.id",
            visible(1)
        ),
        &params,
    )
}

/// What the survey bot needs to record an answer: the conversation's state, group, agent and
/// the group's survey document.
pub fn survey_target(db: &dyn Sql, tenant: TenantId, conversation: i64) -> Result<Rows, DbError> {
    db.execute(
        "SELECT v.status, v.group_id, v.agent_id, s.id AS survey_id, s.data AS survey \
         FROM conversations v \
         LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
         LEFT JOIN config_items s ON s.tenant_id = v.tenant_id AND s.kind = 'survey' \
              AND s.id = json_extract(g.data, '$.survey_id') \
         WHERE v.tenant_id = ? AND v.id = ?",
        &[tenant.into(), conversation.into()],
    )
}

/// Records one answer once: a repeat of the same question changes nothing (false).
#[allow(clippy::too_many_arguments)]
pub fn insert_survey_answer(
    db: &dyn Sql,
    tenant: TenantId,
    conversation: i64,
    survey: i64,
    question: i64,
    kind: &str,
    score: Option<i64>,
    scale: Option<i64>,
    text: Option<&str>,
    group: Option<i64>,
    agent: Option<i64>,
    now: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "INSERT INTO survey_answers (tenant_id, conversation_id, survey_id, question, kind, score, \
                                     scale, text, group_id, agent_id, answered_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (tenant_id, conversation_id, question) DO NOTHING RETURNING id",
        &[
            tenant.into(),
            conversation.into(),
            survey.into(),
            question.into(),
            kind.into(),
            score.into(),
            scale.into(),
            text.into(),
            group.into(),
            agent.into(),
            now.into(),
        ],
    )?;
    Ok(!rows.is_empty())
}

/// Occurrences recorded in the period on conversations `scope` may see, newest first, at most
/// `limit`.
#[allow(clippy::too_many_arguments)]
pub fn occurrences(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    from: i64,
    to: i64,
    group: Option<i64>,
    agent: Option<i64>,
    limit: i64,
) -> Result<Rows, DbError> {
    let mut params = visibility_params(tenant, scope);
    params.extend([
        from.into(),
        to.into(),
        group.into(),
        agent.into(),
        limit.into(),
    ]);
    db.execute(
        &format!(
            "SELECT o.id, o.conversation_id, v.protocol, o.occurrence_type_id AS type_id, \
                    t.name AS type_name, v.group_id, g.name AS group_name, o.user_id AS agent_id, \
                    r.display_name AS agent_name, o.comment, o.at, \
                    COUNT(*) OVER () AS total \
             FROM conversation_occurrences o \
             JOIN conversations v ON v.tenant_id = o.tenant_id AND v.id = o.conversation_id \
             LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
             LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
             LEFT JOIN config_items t ON t.tenant_id = o.tenant_id AND t.id = o.occurrence_type_id \
             LEFT JOIN users r ON r.tenant_id = o.tenant_id AND r.id = o.user_id \
             WHERE o.tenant_id = ?1 AND o.at >= ?7 AND o.at < ?8 \
               AND (?9 IS NULL OR v.group_id = ?9) AND (?10 IS NULL OR o.user_id = ?10) AND {} \
             ORDER BY o.at DESC, o.id DESC LIMIT ?11",
            visible(1)
        ),
        &params,
    )
}

/// Occurrence counts by type, by group and by agent (`dimension`), for the same rows.
pub fn occurrence_counts(
    db: &dyn Sql,
    tenant: TenantId,
    scope: &Visibility,
    from: i64,
    to: i64,
    group: Option<i64>,
    agent: Option<i64>,
) -> Result<Rows, DbError> {
    let mut params = visibility_params(tenant, scope);
    params.extend([from.into(), to.into(), group.into(), agent.into()]);
    db.execute(
        &format!(
            "WITH o AS ( \
               SELECT o.occurrence_type_id AS type_id, t.name AS type_name, v.group_id, \
                      g.name AS group_name, o.user_id, r.display_name AS agent_name \
               FROM conversation_occurrences o \
               JOIN conversations v ON v.tenant_id = o.tenant_id AND v.id = o.conversation_id \
               LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.agent_id \
               LEFT JOIN config_items g ON g.tenant_id = v.tenant_id AND g.id = v.group_id \
               LEFT JOIN config_items t ON t.tenant_id = o.tenant_id AND t.id = o.occurrence_type_id \
               LEFT JOIN users r ON r.tenant_id = o.tenant_id AND r.id = o.user_id \
               WHERE o.tenant_id = ?1 AND o.at >= ?7 AND o.at < ?8 \
                 AND (?9 IS NULL OR v.group_id = ?9) AND (?10 IS NULL OR o.user_id = ?10) AND {} ) \
             SELECT 'type' AS dimension, type_id AS id, MAX(type_name) AS name, COUNT(*) AS count FROM o GROUP BY type_id \
             UNION ALL \
             SELECT 'group', group_id, MAX(group_name), COUNT(*) FROM o GROUP BY group_id \
             UNION ALL \
             SELECT 'agent', user_id, MAX(agent_name), COUNT(*) FROM o GROUP BY user_id \
             ORDER BY 1, 4 DESC, 2",
            visible(1)
        ),
        &params,
    )
}

/// The live dashboard in one statement: a row per group in scope with its open conversations
/// by state and its oldest queued arrival, then a row per agent in scope with status and load.
pub fn dashboard(db: &dyn Sql, tenant: TenantId, user: i64, all: bool) -> Result<Rows, DbError> {
    db.execute(
        "SELECT 'group' AS row_kind, g.id, g.name, \
                SUM(v.status = 'bot') AS bot, SUM(v.status = 'queued') AS queued, \
                SUM(v.status = 'offered') AS offered, SUM(v.status = 'assigned') AS assigned, \
                SUM(v.status = 'pending') AS pending, \
                MIN(CASE WHEN v.status = 'queued' THEN COALESCE(v.queued_at, v.arrived_at) END) AS oldest, \
                NULL AS status, NULL AS pause_reason, NULL AS load, NULL AS max_concurrent \
         FROM config_items g \
         LEFT JOIN conversations v ON v.tenant_id = g.tenant_id AND v.group_id = g.id \
              AND v.status IN ('bot', 'queued', 'offered', 'assigned', 'pending') \
         WHERE g.tenant_id = ?1 AND g.kind = 'group' AND g.status = 'active' \
           AND (?2 = 1 OR g.ref_id IN (SELECT operation_id FROM supervisor_operations \
                                       WHERE tenant_id = ?1 AND user_id = ?3)) \
         GROUP BY g.id \
         UNION ALL \
         SELECT 'agent', a.id, a.display_name, NULL, NULL, NULL, NULL, NULL, NULL, \
                COALESCE(s.status, 'offline'), s.pause_reason, \
                (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = a.tenant_id \
                   AND c.agent_id = a.id AND c.status IN ('assigned', 'offered')), a.max_concurrent \
         FROM users a \
         LEFT JOIN agent_status s ON s.tenant_id = a.tenant_id AND s.user_id = a.id \
         WHERE a.tenant_id = ?1 AND a.status = 'active' AND a.profile IN ('agent', 'supervisor_agent') \
           AND (?2 = 1 OR a.id IN (SELECT gm.user_id FROM group_members gm \
                 JOIN config_items c ON c.tenant_id = gm.tenant_id AND c.id = gm.group_id \
                 WHERE gm.tenant_id = ?1 AND c.ref_id IN (SELECT operation_id FROM supervisor_operations \
                                                          WHERE tenant_id = ?1 AND user_id = ?3))) \
         ORDER BY 1 DESC, 3, 2",
        &[tenant.into(), all.into(), user.into()],
    )
}

/// Whether group `group` belongs to an operation `user` supervises.
pub fn supervises_group(
    db: &dyn Sql,
    tenant: TenantId,
    user: i64,
    group: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "SELECT 1 FROM config_items g JOIN supervisor_operations s \
           ON s.tenant_id = g.tenant_id AND s.operation_id = g.ref_id AND s.user_id = ? \
         WHERE g.tenant_id = ? AND g.kind = 'group' AND g.id = ?",
        &[user.into(), tenant.into(), group.into()],
    )?;
    Ok(!rows.is_empty())
}
