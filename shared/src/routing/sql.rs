//! Every SQL statement of routing: leases, round-robin state, eligible agents, assignment.

use crate::conversation::sql::agent_load;
use crate::ids::TenantId;
use crate::ports::{DbError, Sql};

/// Takes (or renews) the lease `name` for `holder` until `until` unless someone else holds an
/// unexpired one — one statement.
pub fn acquire_lease(
    db: &dyn Sql,
    name: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, DbError> {
    let rows = db.execute(
        "INSERT INTO tick_leases (name, holder, expires_at) VALUES (?1, ?2, ?4) \
         ON CONFLICT (name) DO UPDATE SET holder = ?2, expires_at = ?4 \
         WHERE tick_leases.expires_at <= ?3 OR tick_leases.holder = ?2 RETURNING holder",
        &[name.into(), holder.into(), now.into(), until.into()],
    )?;
    Ok(!rows.is_empty())
}

/// Gives the lease up and records that its run finished at `now`.
pub fn release_lease(db: &dyn Sql, name: &str, holder: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE tick_leases SET expires_at = 0, last_run_at = ? WHERE name = ? AND holder = ?",
        &[now.into(), name.into(), holder.into()],
    )?;
    Ok(())
}

/// Asks for a run under the lease `name`: true when the caller now holds it and must run;
/// false when a holder is running, which is now told to run once more. One statement, so an
/// ask either finds the lease free or is seen by its holder before it lets go.
pub fn ask_for_run(
    db: &dyn Sql,
    name: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, DbError> {
    // SET reads the row as it was: each CASE sees the old expiry.
    let rows = db.execute(
        "INSERT INTO tick_leases (name, holder, expires_at, wanted) VALUES (?1, ?2, ?4, 0) \
         ON CONFLICT (name) DO UPDATE SET \
           holder = CASE WHEN tick_leases.expires_at <= ?3 THEN ?2 ELSE tick_leases.holder END, \
           wanted = CASE WHEN tick_leases.expires_at <= ?3 THEN 0 ELSE 1 END, \
           expires_at = CASE WHEN tick_leases.expires_at <= ?3 THEN ?4 ELSE tick_leases.expires_at END \
         RETURNING holder",
        &[name.into(), holder.into(), now.into(), until.into()],
    )?;
    Ok(rows
        .first()
        .map(|r| r.text("holder"))
        .transpose()?
        .is_some_and(|h| h == holder))
}

/// The holder starts a run: asks made from now on are for the next one.
pub fn start_run(db: &dyn Sql, name: &str, holder: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE tick_leases SET wanted = 0 WHERE name = ? AND holder = ?",
        &[name.into(), holder.into()],
    )?;
    Ok(())
}

/// Lets the lease go unless someone asked for a run meanwhile: true if let go.
pub fn release_unless_wanted(db: &dyn Sql, name: &str, holder: &str) -> Result<bool, DbError> {
    let rows = db.execute(
        "UPDATE tick_leases SET expires_at = 0 WHERE name = ? AND holder = ? AND wanted = 0 \
         RETURNING name",
        &[name.into(), holder.into()],
    )?;
    Ok(!rows.is_empty())
}

/// Groups with customers waiting: (tenant, group).
pub fn groups_with_queue(db: &dyn Sql) -> Result<Vec<(TenantId, i64)>, DbError> {
    let rows = db.execute(
        "SELECT DISTINCT tenant_id, group_id FROM conversations WHERE status = 'queued' AND group_id IS NOT NULL",
        &[],
    )?;
    rows.iter()
        .map(|r| Ok((TenantId(r.i64("tenant_id")?), r.i64("group_id")?)))
        .collect()
}

pub struct Waiting {
    pub id: i64,
    /// The client's priority, carried by the conversation (0: none).
    pub priority: i64,
    /// The client's portfolio agent ("carteirização"), if any.
    pub portfolio_agent: Option<i64>,
}

/// The group's queue in order: priority conversations first, then the original arrival.
pub fn queue(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    limit: i64,
) -> Result<Vec<Waiting>, DbError> {
    let rows = db.execute(
        "SELECT v.id, v.priority, c.portfolio_agent_id FROM conversations v \
         JOIN clients c ON c.tenant_id = v.tenant_id AND c.id = v.client_id \
         WHERE v.tenant_id = ? AND v.group_id = ? AND v.status = 'queued' \
         ORDER BY v.priority DESC, v.arrived_at, v.id LIMIT ?",
        &[tenant.into(), group.into(), limit.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Waiting {
                id: r.i64("id")?,
                priority: r.i64("priority")?,
                portfolio_agent: r.opt_i64("portfolio_agent_id")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub priority: i64,
    pub max_concurrent: i64,
    pub working_hours: String,
    pub load: i64,
    pub conversations_today: i64,
    pub handling_ms_today: i64,
}

/// Members of the group who are ready, active, with their load and — when `today` is given
/// as the start of the day, for the strategies that compare it — today's work. One statement.
pub fn candidates(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    today: Option<i64>,
    now: i64,
) -> Result<Vec<Candidate>, DbError> {
    // Today's counts read every conversation an agent had today; the other strategies skip it.
    // CROSS JOIN keeps the group's members as the outer loop (not every active user of the
    // tenant), in id order from the primary key.
    let today_columns = if today.is_some() {
        "(SELECT COUNT(*) FROM conversations v WHERE v.tenant_id = u.tenant_id AND v.agent_id = u.id \
            AND v.assigned_at >= ?3) AS today, \
         (SELECT COALESCE(SUM(COALESCE(v.closed_at, ?4) - v.assigned_at), 0) FROM conversations v \
            WHERE v.tenant_id = u.tenant_id AND v.agent_id = u.id AND v.assigned_at >= ?3) AS handling"
    } else {
        "0 AS today, 0 AS handling"
    };
    let rows = db.execute(
        &format!(
            "SELECT u.id, u.priority, u.max_concurrent, u.working_hours, \
               {load} AS load, {today_columns} \
             FROM group_members m \
             CROSS JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
             JOIN agent_status s ON s.tenant_id = u.tenant_id AND s.user_id = u.id \
             WHERE m.tenant_id = ?1 AND m.group_id = ?2 AND u.status = 'active' AND s.status = 'ready' \
             ORDER BY m.user_id",
            load = agent_load!("u.tenant_id", "u.id")
        ),
        &match today {
            Some(start) => vec![tenant.into(), group.into(), start.into(), now.into()],
            None => vec![tenant.into(), group.into()],
        },
    )?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                id: r.i64("id")?,
                priority: r.i64("priority")?,
                max_concurrent: r.i64("max_concurrent")?,
                working_hours: r.text("working_hours")?,
                load: r.i64("load")?,
                conversations_today: r.i64("today")?,
                handling_ms_today: r.i64("handling")?,
            })
        })
        .collect()
}

/// Whether some ready, active member of a group has room for one more conversation (their
/// working hours aside), as an SQL expression over the placeholders naming the tenant and the
/// group: when none has, a distribution could hand out nothing.
macro_rules! room_in_group {
    ($tenant:literal, $group:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM group_members m \
               CROSS JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
               JOIN agent_status s ON s.tenant_id = u.tenant_id AND s.user_id = u.id \
               WHERE m.tenant_id = ",
            $tenant,
            " AND m.group_id = ",
            $group,
            " AND u.status = 'active' AND s.status = 'ready' AND ",
            $crate::conversation::sql::agent_load!("u.tenant_id", "u.id"),
            " < u.max_concurrent)"
        )
    };
}
pub(crate) use room_in_group;

/// [`room_in_group!`] read on its own.
pub fn anyone_with_room(db: &dyn Sql, tenant: TenantId, group: i64) -> Result<bool, DbError> {
    let rows = db.execute(
        concat!("SELECT ", room_in_group!("?1", "?2"), " AS room"),
        &[tenant.into(), group.into()],
    )?;
    Ok(rows
        .first()
        .map(|r| r.bool("room"))
        .transpose()?
        .unwrap_or(false))
}

pub fn last_served(db: &dyn Sql, tenant: TenantId, group: i64) -> Result<Option<i64>, DbError> {
    let rows = db.execute(
        "SELECT last_agent_id FROM routing_state WHERE tenant_id = ? AND group_id = ?",
        &[tenant.into(), group.into()],
    )?;
    rows.first().map(|r| r.i64("last_agent_id")).transpose()
}

pub fn set_last_served(
    db: &dyn Sql,
    tenant: TenantId,
    group: i64,
    agent: i64,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO routing_state (tenant_id, group_id, last_agent_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (tenant_id, group_id) DO UPDATE SET last_agent_id = ?3",
        &[tenant.into(), group.into(), agent.into()],
    )?;
    Ok(())
}

/// Agents passed over for each conversation of the group's queue, in one statement.
pub fn skips(db: &dyn Sql, tenant: TenantId, group: i64) -> Result<Vec<(i64, i64)>, DbError> {
    let rows = db.execute(
        "SELECT s.conversation_id, s.agent_id FROM conversation_skips s \
         JOIN conversations v ON v.tenant_id = s.tenant_id AND v.id = s.conversation_id \
         WHERE s.tenant_id = ? AND v.group_id = ? AND v.status = 'queued'",
        &[tenant.into(), group.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.i64("conversation_id")?, r.i64("agent_id")?)))
        .collect()
}

/// Offers past their time: (tenant, conversation, agent).
pub fn expired_offers(db: &dyn Sql, now: i64) -> Result<Vec<(TenantId, i64, i64)>, DbError> {
    let rows = db.execute(
        "SELECT tenant_id, id, agent_id FROM conversations WHERE status = 'offered' AND offer_expires_at <= ?",
        &[now.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok((
                TenantId(r.i64("tenant_id")?),
                r.i64("id")?,
                r.i64("agent_id")?,
            ))
        })
        .collect()
}
