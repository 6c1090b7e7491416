-- The closing script (seed 001): whether the customer's matter was resolved, asked at close
-- (mandatory where the group says so) and read back with the conversation.
ALTER TABLE conversations ADD COLUMN resolved INTEGER;
