-- Outbound delivery (replies through providers, webhooks to customers' systems) is claimed
-- with its own lease, apart from the retry time, so "being sent now" can be counted per
-- tenant and per endpoint: one tenant's backlog or dead endpoint holds a bounded share of the
-- delivery workers. 0 = not claimed.
ALTER TABLE outbox ADD COLUMN leased_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN leased_until INTEGER NOT NULL DEFAULT 0;

CREATE INDEX outbox_in_flight ON outbox (tenant_id, leased_until) WHERE status = 'queued';
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (webhook_id, leased_until)
    WHERE status = 'queued';

-- A circuit breaker per endpoint ('webhook:<id>', 'channel:<id>'): after enough consecutive
-- failures nothing is sent to it until open_until; each time it opens again without a success
-- in between (opened), the time doubles.
CREATE TABLE outbound_circuits (
    endpoint TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0,
    open_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at INTEGER NOT NULL
);
