-- Report facts (docs/reports.md): one row per thing a report counts (a
-- response, a resolution, a reopening, a new or merged conversation, a CSAT
-- survey, an SLA outcome), with its durations and the dimensions a report
-- breaks it down by. The conversation service rewrites a conversation's
-- rows in the same transaction as each of its events (report.Facts);
-- `parley admin rebuild-reports` derives them all again from the event log.
-- at is when the fact counts (the reply, the resolution, the survey sent).
CREATE TABLE report_facts (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('new','first_response','next_response','resolution','reopened','merged','unmerged','csat','sla')),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  calendar_ms INTEGER,
  business_ms INTEGER,
  value INTEGER,
  flag INTEGER NOT NULL DEFAULT 0,
  target TEXT NOT NULL DEFAULT '',
  agent_id INTEGER,
  team_id INTEGER,
  inbox_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  customer_type TEXT NOT NULL,
  PRIMARY KEY (conversation_id, kind, seq)
);
-- The report scan reads this index only (it covers every column the
-- aggregation needs), in time order.
CREATE INDEX report_facts_at ON report_facts(at, kind, calendar_ms, business_ms, value, flag, target, agent_id, team_id, inbox_id, channel, customer_type, conversation_id);
