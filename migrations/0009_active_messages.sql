-- Active contact ("envio ativo"): messages an agent sends first. Every send is recorded with
-- where it went; one to a customer who already has an open conversation on the channel waits
-- the group's delay (`due_at`) and the tick sends it then.
CREATE TABLE active_messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    -- Where it goes on the channel (WhatsApp id, Telegram chat, address, phone).
    address TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The text as the channel receives it (signed as the group says).
    rendered TEXT NOT NULL,
    -- A WhatsApp template (JSON), when the message is one.
    template TEXT,
    subject TEXT,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sent', 'cancelled')),
    due_at INTEGER NOT NULL,
    -- Set when sent: the conversation it went into and the message it became.
    conversation_id INTEGER,
    message_id INTEGER,
    sent_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX active_messages_due ON active_messages (status, due_at);
CREATE INDEX active_messages_agent ON active_messages (tenant_id, agent_id, id);
