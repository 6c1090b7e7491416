-- Queue-position notices: the last position the customer was told, and when.
ALTER TABLE conversations ADD COLUMN queue_position_notified INTEGER;
ALTER TABLE conversations ADD COLUMN queue_notified_at INTEGER;
