-- A customer's message brings its open conversation up to date and reaches the feed of the
-- agent holding it inside the INSERT that stores it (docs/decisions/0016): under Spin every
-- statement is a host call, and a transaction spanning several holds SQLite's one write lock
-- across them. The conversation's timestamps and the feed entry are derived from the message;
-- its state (status, holder) is never changed here (that stays conversation::lifecycle's).
-- A closed conversation (a survey's answers arrive in it) is left as it is. Neither statement
-- writes `messages`, so the trigger cannot fire itself.
CREATE TRIGGER messages_customer_wrote AFTER INSERT ON messages
WHEN NEW.role = 'customer'
BEGIN
    UPDATE conversations
       SET updated_at = NEW.created_at, last_customer_at = NEW.created_at, inactivity_warned = 0
     WHERE tenant_id = NEW.tenant_id AND id = NEW.conversation_id AND status <> 'closed';
    INSERT INTO inbox_feed (tenant_id, user_id, kind, conversation_id, data, at)
    SELECT NEW.tenant_id, agent_id, 'message', NEW.conversation_id,
           json_object('message_id', NEW.id, 'kind', NEW.kind, 'body', NEW.body), NEW.created_at
      FROM conversations
     WHERE tenant_id = NEW.tenant_id AND id = NEW.conversation_id AND status <> 'closed'
       AND agent_id IS NOT NULL;
END;
