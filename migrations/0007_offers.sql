-- Offers (accept/reject groups): until when an offer holds the agent's slot.
ALTER TABLE conversations ADD COLUMN offer_expires_at INTEGER;
CREATE INDEX conversations_offers ON conversations (status, offer_expires_at);

-- Agents who rejected or let an offer expire: distribution passes them over for that
-- conversation while anyone else can take it.
CREATE TABLE conversation_skips (
    tenant_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, agent_id)
) WITHOUT ROWID;
