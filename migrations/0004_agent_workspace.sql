-- Each agent's working status: routing reads it, so it lives in SQLite, not the key-value store.
CREATE TABLE agent_status (
    tenant_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ready', 'paused', 'offline')),
    pause_reason TEXT,
    since INTEGER NOT NULL,
    -- The console's heartbeat; written at most every few seconds.
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
) WITHOUT ROWID;

-- Every status change, for the productivity report (time paused, time ready).
CREATE TABLE agent_status_log (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    pause_reason TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX agent_status_log_user ON agent_status_log (tenant_id, user_id, at);

-- How a conversation was closed (SPEC §3): classification path and comment.
ALTER TABLE conversations ADD COLUMN classification_id INTEGER;
ALTER TABLE conversations ADD COLUMN reason_id INTEGER;
ALTER TABLE conversations ADD COLUMN sub_reason_id INTEGER;
ALTER TABLE conversations ADD COLUMN close_comment TEXT;
-- Set when the group has a survey for this closer: the survey bot picks it up.
ALTER TABLE conversations ADD COLUMN survey_due INTEGER NOT NULL DEFAULT 0;
-- The last message the assigned agent has seen: unread counts are messages after it.
ALTER TABLE conversations ADD COLUMN agent_last_read INTEGER NOT NULL DEFAULT 0;
