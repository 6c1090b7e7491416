-- Whether the customer's problem was solved, as the agent answers when closing (where the
-- group asks). Reports filter and export it; empty when nobody said.
ALTER TABLE conversations ADD COLUMN resolved INTEGER;
