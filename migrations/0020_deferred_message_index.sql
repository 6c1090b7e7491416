-- Messages reach the full-text index in batches instead of one by one in the statement that
-- stores them. FTS5 writes a new segment for every transaction that touches it: under Spin that
-- was about 0.5 ms of the host's CPU in every inbound message, a fifth of a text's whole cost
-- (docs/decisions/0016). The tick indexes what arrived since its last run, and a search first
-- indexes whatever the tick has not reached yet, so a search still finds every message.
--
-- `indexed_through`: every message with an id up to it is in the index, none above it.
CREATE TABLE message_index_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_through INTEGER NOT NULL
);
INSERT INTO message_index_progress (id, indexed_through)
    VALUES (1, COALESCE((SELECT MAX(id) FROM messages), 0));

-- Moving the mark forward indexes the messages it passes, in the same statement.
CREATE TRIGGER message_index_progress_advance AFTER UPDATE OF indexed_through
    ON message_index_progress
WHEN NEW.indexed_through > OLD.indexed_through
BEGIN
    INSERT INTO messages_fts (rowid, body)
        SELECT id, body FROM messages
         WHERE id > OLD.indexed_through AND id <= NEW.indexed_through AND body IS NOT NULL;
END;

DROP TRIGGER messages_fts_insert;

-- An edit or a removal touches the index only for a message already in it: one not yet
-- indexed goes in later as it is then (an external-content index must be told exactly what it
-- holds, or it is corrupted).
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
WHEN OLD.id <= (SELECT indexed_through FROM message_index_progress WHERE id = 1)
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        SELECT 'delete', OLD.id, OLD.body WHERE OLD.body IS NOT NULL;
    INSERT INTO messages_fts (rowid, body)
        SELECT NEW.id, NEW.body WHERE NEW.body IS NOT NULL;
END;

DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN OLD.body IS NOT NULL
 AND OLD.id <= (SELECT indexed_through FROM message_index_progress WHERE id = 1)
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);
END;

-- Deleting the newest messages lets SQLite give their ids to the next ones (`id` is a rowid
-- without AUTOINCREMENT): the mark comes back down to the newest message left, so those ids
-- are indexed when they are used again, never taken for indexed.
CREATE TRIGGER message_index_progress_after_delete AFTER DELETE ON messages
WHEN OLD.id <= (SELECT indexed_through FROM message_index_progress WHERE id = 1)
BEGIN
    UPDATE message_index_progress
       SET indexed_through = COALESCE((SELECT MAX(id) FROM messages), 0)
     WHERE id = 1 AND indexed_through > COALESCE((SELECT MAX(id) FROM messages), 0);
END;
