-- Protocol numbers: one counter per tenant, advanced by UPDATE ... RETURNING (atomic).
CREATE TABLE protocol_counters (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id),
    last INTEGER NOT NULL
);

-- Inbound e-mail and web chat find their client by address.
CREATE INDEX clients_email ON clients (tenant_id, email) WHERE email IS NOT NULL;

-- How a client is known on each channel (a WhatsApp number, a Telegram chat, an address).
CREATE TABLE client_identities (
    tenant_id INTEGER NOT NULL,
    channel_type TEXT NOT NULL,
    external_id TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, channel_type, external_id)
) WITHOUT ROWID;

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    protocol TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    channel_type TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    group_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('bot', 'queued', 'offered', 'assigned', 'pending', 'closed')),
    agent_id INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT 'pt-BR',
    subject TEXT,
    -- Where the customer's reply goes (e-mail address, Telegram chat id, WhatsApp number).
    reply_to TEXT NOT NULL,
    -- The customer's original arrival: queue order survives transfers.
    arrived_at INTEGER NOT NULL,
    queued_at INTEGER,
    assigned_at INTEGER,
    first_response_at INTEGER,
    last_customer_at INTEGER,
    last_agent_at INTEGER,
    out_of_hours_notified INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER,
    closed_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX conversations_protocol ON conversations (tenant_id, protocol);
-- One open conversation per client and channel; closed ones are history.
CREATE UNIQUE INDEX conversations_open ON conversations (tenant_id, channel_id, client_id)
    WHERE status <> 'closed';
CREATE INDEX conversations_queue ON conversations (tenant_id, group_id, status, priority, arrived_at);
CREATE INDEX conversations_agent ON conversations (tenant_id, agent_id, status);
CREATE INDEX conversations_client ON conversations (tenant_id, client_id, created_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    channel_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'bot', 'note', 'system')),
    sender_id INTEGER,
    kind TEXT NOT NULL,
    body TEXT,
    -- Media, location, interactive reply or the raw payload of an unsupported type (JSON).
    payload TEXT,
    attachment_id INTEGER,
    -- The provider's id: inbound for de-duplication, outbound to match delivery statuses.
    channel_message_id TEXT,
    delivery TEXT CHECK (delivery IN ('queued', 'sent', 'delivered', 'read', 'failed')),
    delivery_error TEXT,
    created_at INTEGER NOT NULL
);
-- A webhook delivered twice creates one message.
CREATE UNIQUE INDEX messages_channel_message ON messages (tenant_id, channel_id, channel_message_id)
    WHERE channel_message_id IS NOT NULL;
CREATE INDEX messages_conversation ON messages (tenant_id, conversation_id, id);

-- The timeline of each conversation: the source for reports.
CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id INTEGER,
    data TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events (tenant_id, conversation_id, id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Outbound channel messages waiting for delivery, with retries and back-off.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL UNIQUE,
    -- The text as the channel receives it (with the agent's or company's name when the group
    -- says so).
    rendered TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Outbound webhook deliveries to customers' systems: the delivery log per webhook.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    response_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (tenant_id, webhook_id, id);
