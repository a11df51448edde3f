-- message_words (SQLite) keys message search by conversation. PostgreSQL
-- reads a message's conversation from the row it already tests: no change.
SELECT 1;
