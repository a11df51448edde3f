-- The survey's message, so the chat widget can show its rating buttons
-- under it; changed_at is the last change to an answer (the first stays
-- answered_at: a customer may correct a mis-click for a short while).
ALTER TABLE csat_responses ADD COLUMN message_id BIGINT REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE csat_responses ADD COLUMN changed_at BIGINT;
