-- The first message's trigger (migration 0021) again, its statements chained instead of each
-- finding the new client by joins: SQLite parses every trigger at each connection's first
-- statement and under Spin every request opens a connection, so the shorter program costs
-- every request less (measured natively: 431–436 µs to open and run a first SELECT with 0021's
-- trigger, 407–414 µs with this one; docs/decisions/0018), and the INSERT itself less to compile.
--
-- Inside a trigger, changes() is the number of rows the trigger's previous statement wrote and
-- last_insert_rowid() the rowid it inserted last (an insert into a WITHOUT ROWID table, the
-- identity, leaves it as it was; the triggers an insert fires give it back when they end). So
-- each statement runs only when the one before it wrote its row, and takes that row's id:
-- client → identity → conversation (on the client's id) → message (on the conversation's) →
-- timeline (on the message's conversation). When the client is not created (the identity or
-- the phone appeared since the read), nothing else is, as before.
DROP TRIGGER first_messages_open;

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
    SELECT NEW.tenant_id, NEW.channel_type, NEW.external_id, last_insert_rowid(), NEW.at
     WHERE changes() = 1;

    INSERT INTO conversations (tenant_id, protocol, channel_id, channel_type, client_id, group_id,
                               status, priority, language, subject, reply_to, arrived_at,
                               queued_at, last_customer_at, created_at, updated_at)
    SELECT NEW.tenant_id,
           printf('%s%011d', NEW.protocol_prefix,
                  COALESCE((SELECT last FROM protocol_counters WHERE tenant_id = NEW.tenant_id), 0) + 1),
           NEW.channel_id, NEW.channel_type, last_insert_rowid(), NEW.group_id, NEW.first_state, 0,
           NEW.language, NEW.subject, NEW.external_id, NEW.at, NEW.at, NEW.at, NEW.at, NEW.at
     WHERE changes() = 1;

    INSERT INTO messages (tenant_id, conversation_id, channel_id, role, sender_id, kind, body,
                          payload, attachment_id, channel_message_id, delivery, created_at)
    SELECT NEW.tenant_id, last_insert_rowid(), NEW.channel_id, 'customer', NULL, NEW.kind,
           NEW.body, NEW.payload, NULL, NEW.channel_message_id, NULL, NEW.at
     WHERE changes() = 1;

    INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor, actor_id, data, at)
    SELECT m.tenant_id, m.conversation_id, e.kind, 'customer', NULL, NULL, NEW.at
      FROM messages m
      JOIN (SELECT 0 AS n, NEW.opened_event AS kind UNION ALL SELECT 1, NEW.first_state) e
     WHERE m.id = last_insert_rowid() AND changes() = 1
     ORDER BY e.n;
END;
