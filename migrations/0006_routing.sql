-- Overlapping ticks never double-act: each kind of scheduled work runs under a lease.
CREATE TABLE tick_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Where each group's round robin stopped, so the circular strategy survives restarts.
CREATE TABLE routing_state (
    tenant_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    last_agent_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id)
) WITHOUT ROWID;

-- Set when the inactivity warning went out, so it goes once.
ALTER TABLE conversations ADD COLUMN inactivity_warned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_open_status ON conversations (status, last_customer_at);
