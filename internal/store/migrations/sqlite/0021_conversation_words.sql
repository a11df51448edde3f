-- conversation_words (PostgreSQL) keeps each conversation's set of words
-- for the keyword search's walk. SQLite's message_words index is keyed by
-- conversation already: no change.
SELECT 1;
