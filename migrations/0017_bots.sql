-- Bots (SPEC §5, seeds 002 and 004): where the menu bot is in each conversation it serves,
-- the surveys being asked after a close, the customers' answers, and the pause protocol's
-- last notice.

-- The menu bot's place in a conversation in state `bot`: the node it last asked, how many
-- answers in a row it did not understand, and what it waits for besides an option (a field
-- being collected, "anything else?").
CREATE TABLE bot_sessions (
    conversation_id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    node TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    awaiting TEXT,
    updated_at INTEGER NOT NULL
);

-- A survey being asked on a closed conversation's channel: while it runs, the customer's
-- messages on that channel are answers and open no protocol.
CREATE TABLE survey_runs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL UNIQUE,
    channel_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    survey_id INTEGER NOT NULL,
    -- The question being asked (0-based).
    question INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'expired')),
    -- The survey's own inactivity time, counted from the last question asked.
    expires_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE INDEX survey_runs_customer ON survey_runs (tenant_id, channel_id, client_id) WHERE status = 'running';
CREATE INDEX survey_runs_expiry ON survey_runs (expires_at) WHERE status = 'running';

-- The survey bot starts on conversations closed with a survey due: this finds them.
CREATE INDEX conversations_survey_due ON conversations (closed_at) WHERE survey_due = 1;

-- Answers go to `survey_answers` (0016_reports.sql), the table the reports read.

-- Pause protocol (seed 004): when a waiting customer last got the group's "please wait".
CREATE TABLE pause_notices (
    conversation_id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    last_at INTEGER NOT NULL
);
