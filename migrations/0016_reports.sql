-- Reports (SPEC §7): the history's "messages containing" search, survey answers, and the
-- indexes the history, the exports and the service-level report read by period.

-- Full-text index over message bodies, accent- and case-insensitive ("ação" finds "acao").
-- External content: the text stays in `messages`; the index holds only the terms.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- The triggers write only `messages_fts`, never `messages`, so they cannot fire each other or
-- themselves even with recursive triggers on (Spin's SQLite default). `UPDATE OF body` keeps
-- delivery-status updates (the most frequent writes to messages) away from the index.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        SELECT 'delete', old.id, old.body WHERE old.body IS NOT NULL;
    INSERT INTO messages_fts (rowid, body)
        SELECT new.id, new.body WHERE new.body IS NOT NULL;
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

-- A customer's answers to the group's satisfaction survey, one row per question, written by
-- the survey bot. The group and agent are those of the conversation when it closed, so the
-- report reads them without joining back through transfers.
CREATE TABLE survey_answers (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    survey_id INTEGER NOT NULL,
    -- The question's position in the survey (0-based) and its type.
    question INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'csat', 'nps')),
    -- NPS 0-10; CSAT the chosen option's position, 1 = the first (most satisfied) option.
    score INTEGER,
    -- How many options the CSAT question had (11 for NPS), so the report knows the scale.
    scale INTEGER,
    -- Open answers.
    text TEXT,
    group_id INTEGER,
    agent_id INTEGER,
    answered_at INTEGER NOT NULL,
    UNIQUE (tenant_id, conversation_id, question)
);
CREATE INDEX survey_answers_period ON survey_answers (tenant_id, answered_at);

-- A search maps each matching message to its conversation: this covering index answers that
-- from a few compact pages instead of one table row (with its body and payload) per match.
CREATE INDEX messages_conversation_of ON messages (id, tenant_id, conversation_id);

-- History, exports and service level read a period of arrivals, newest first.
CREATE INDEX conversations_arrived ON conversations (tenant_id, arrived_at, id);
CREATE INDEX conversations_group_arrived ON conversations (tenant_id, group_id, arrived_at);
-- Productivity: transfers made by an agent in a period.
CREATE INDEX conversation_events_kind ON conversation_events (tenant_id, kind, at);
-- Service level and history: a conversation's first queue entry, first assignment and
-- transfers, each one index seek.
CREATE INDEX conversation_events_conversation_kind ON conversation_events (tenant_id, conversation_id, kind, at);
-- Occurrences by period.
CREATE INDEX conversation_occurrences_at ON conversation_occurrences (tenant_id, at);
