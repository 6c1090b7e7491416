-- A new conversation reads the tenant's next protocol number inside its own INSERT; this
-- trigger advances the counter in the same statement. Under Spin a first message then holds
-- the write lock for one host call less (docs/decisions/0016). A conversation that conflicts
-- (the customer already has one open) inserts nothing and takes no number.
CREATE TRIGGER conversations_protocol_counter AFTER INSERT ON conversations
BEGIN
  INSERT INTO protocol_counters (tenant_id, last) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET last = last + 1;
END;
