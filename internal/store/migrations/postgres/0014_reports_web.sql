-- The live dashboard (docs/reports.md, "In the web app") and the weekly
-- summary email.
--
-- Counts of unresolved conversations by status, priority and assignee read
-- only this index (an index-only scan of the ~2% that are unresolved on the
-- 1,000,000-conversation dataset) instead of visiting each row for its
-- priority and assignee.
CREATE INDEX IF NOT EXISTS conversations_status_priority_assignee ON conversations(status, priority, assignee_id);
-- "Waiting longest": unresolved conversations whose customer awaits an
-- answer, oldest first. Partial, so it holds only those rows and the
-- dashboard reads its first ten entries; the WHERE is repeated verbatim in
-- the query (store/dashboard.go) so both planners can match it.
CREATE INDEX IF NOT EXISTS conversations_waiting_unresolved ON conversations(waiting_since, id)
  WHERE status IN ('new','open','pending') AND waiting_since IS NOT NULL;
-- Opt-in for the weekly summary email (supervisors and admins), and the
-- last week it went out to each, so a retried or doubled job sends once.
ALTER TABLE users ADD COLUMN weekly_report BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE weekly_report_sends (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  week TEXT NOT NULL,
  sent_at BIGINT,
  PRIMARY KEY (user_id, week)
);
