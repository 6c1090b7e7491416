-- Inbound media the providers only refer to (a WhatsApp media id, a Telegram file id, an MMS
-- link): fetched into an attachment by the scheduled work, with retries and back-off. The
-- message says how far it got in `payload.media.status` (pending, retrying, fetched, failed)
-- and why in `payload.media.error`, so the agent sees it.
CREATE TABLE media_fetches (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'fetched', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX media_fetches_due ON media_fetches (status, next_attempt_at);

-- In the statement that stores the message, so a message with pending media never exists
-- without its fetch.
CREATE TRIGGER messages_fetch_media AFTER INSERT ON messages
WHEN NEW.role = 'customer' AND NEW.attachment_id IS NULL
  AND json_extract(NEW.payload, '$.media.status') = 'pending'
BEGIN
    INSERT INTO media_fetches (tenant_id, message_id, next_attempt_at, created_at, updated_at)
    VALUES (NEW.tenant_id, NEW.id, NEW.created_at, NEW.created_at, NEW.created_at);
END;
