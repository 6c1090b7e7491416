-- When the tick last finished, so an agent's poll can run it when no scheduler has for a while
-- (hosts without one keep their timers running while agents are online).
ALTER TABLE tick_leases ADD COLUMN last_run_at INTEGER NOT NULL DEFAULT 0;
-- Set when someone asked for a run while the holder was running: it runs once more before
-- letting go (a group's distribution after new work, coalesced across concurrent requests).
ALTER TABLE tick_leases ADD COLUMN wanted INTEGER NOT NULL DEFAULT 0;
