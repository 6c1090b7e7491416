-- A new customer's first message into a queue is one INSERT (docs/decisions/0018): under Spin
-- every statement is a host call, and the transaction it took (BEGIN, client, identity,
-- conversation, timeline, message, COMMIT) held SQLite's one write lock across seven of them
-- while every other writer slept in the busy handler. Inserting a row here makes all of it
-- inside that one statement; the row itself is removed again before the statement ends.
--
-- Everything is decided before the write (conversation::inbound reads first): the sender was
-- unknown, the entry group has no menu bot, is open and nobody subscribes to its events. Under
-- the lock the client is created only while the identity is still unknown (and the phone still
-- free, by its unique index); when it is not created, nothing else is either and the caller
-- takes the transaction. A repeated channel message id aborts the whole statement (the message
-- insert has no conflict clause), which the caller answers the same way.
CREATE TABLE first_messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    channel_type TEXT NOT NULL,
    external_id TEXT NOT NULL,
    -- the new client
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    network TEXT,
    search TEXT NOT NULL,
    -- the new conversation
    protocol_prefix TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    language TEXT NOT NULL,
    subject TEXT,
    opened_event TEXT NOT NULL,
    first_state TEXT NOT NULL,
    -- the message
    kind TEXT NOT NULL,
    body TEXT,
    payload TEXT,
    channel_message_id TEXT,
    at INTEGER NOT NULL
);

-- BEFORE, so that the statement's RETURNING sees what the trigger made (AFTER triggers run
-- once RETURNING has been computed). Triggers cannot use WITH, so each statement finds the new
-- client again by its fresh username joined with the identity just linked to it: a client that
-- was not created here (the identity appeared meanwhile) is never matched.
CREATE TRIGGER first_messages_open BEFORE INSERT ON first_messages
BEGIN
    INSERT INTO clients (tenant_id, username, display_name, phone, email, network, search,
                         created_at, updated_at)
    SELECT NEW.tenant_id, NEW.username, NEW.display_name, NEW.phone, NEW.email, NEW.network,
           NEW.search, NEW.at, NEW.at
     WHERE NOT EXISTS (SELECT 1 FROM client_identities
                        WHERE tenant_id = NEW.tenant_id AND channel_type = NEW.channel_type
                          AND external_id = NEW.external_id)
    ON CONFLICT DO NOTHING;

    INSERT INTO client_identities (tenant_id, channel_type, external_id, client_id, created_at)
    SELECT tenant_id, NEW.channel_type, NEW.external_id, id, NEW.at
      FROM clients
     WHERE tenant_id = NEW.tenant_id AND username = NEW.username AND id = last_insert_rowid();

    INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id,
                               status, priority, language, subject, reply_to, arrived_at,
                               queued_at, last_customer_at, created_at, updated_at)
    SELECT NEW.tenant_id,
           printf('%s%011d', NEW.protocol_prefix,
                  COALESCE((SELECT last FROM protocol_counters WHERE tenant_id = NEW.tenant_id), 0) + 1),
           NEW.channel_id, NEW.channel_type, i.client_id, NEW.group_id, NEW.first_state, 0,
           NEW.language, NEW.subject, NEW.external_id, NEW.at, NEW.at, NEW.at, NEW.at, NEW.at
      FROM client_identities i
      JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id
     WHERE i.tenant_id = NEW.tenant_id AND i.channel_type = NEW.channel_type
       AND i.external_id = NEW.external_id AND c.username = NEW.username;

    INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at)
    SELECT v.tenant_id, v.id, e.kind, 'customer', NULL, NULL, NEW.at
      FROM client_identities i
      JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id
      JOIN conversations v ON v.tenant_id = c.tenant_id AND v.client_id = c.id
                          AND v.channel_id = NEW.channel_id
      JOIN (SELECT 0 AS n, NEW.opened_event AS kind UNION ALL SELECT 1, NEW.first_state) e
     WHERE i.tenant_id = NEW.tenant_id AND i.channel_type = NEW.channel_type
       AND i.external_id = NEW.external_id AND c.username = NEW.username
     ORDER BY e.n;

    INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body,
                          payload, attachment_id, channel_message_id, delivery, created_at)
    SELECT v.tenant_id, v.id, NEW.channel_id, 'customer', NULL, NEW.kind, NEW.body, NEW.payload,
           NULL, NEW.channel_message_id, NULL, NEW.at
      FROM client_identities i
      JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id
      JOIN conversations v ON v.tenant_id = c.tenant_id AND v.client_id = c.id
                          AND v.channel_id = NEW.channel_id
     WHERE i.tenant_id = NEW.tenant_id AND i.channel_type = NEW.channel_type
       AND i.external_id = NEW.external_id AND c.username = NEW.username;
END;

CREATE TRIGGER first_messages_done AFTER INSERT ON first_messages
BEGIN
    DELETE FROM first_messages WHERE id = NEW.id;
END;
