-- What each agent's console has not seen yet: new messages in their conversations,
-- assignments, transfers, status changes. The console polls it after a cursor.
CREATE TABLE inbox_feed (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    conversation_id INTEGER,
    data TEXT,
    at INTEGER NOT NULL
);
-- The poll is one range scan of this index.
CREATE INDEX inbox_feed_user ON inbox_feed (tenant_id, user_id, id);
CREATE INDEX inbox_feed_at ON inbox_feed (at);

CREATE TABLE conversation_tags (
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    added_by INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_tag ON conversation_tags (tenant_id, tag_id);

CREATE TABLE conversation_occurrences (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    occurrence_type_id INTEGER NOT NULL,
    comment TEXT,
    user_id INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX conversation_occurrences_conversation ON conversation_occurrences (tenant_id, conversation_id);

CREATE TABLE conversation_favourites (
    tenant_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, conversation_id)
) WITHOUT ROWID;
