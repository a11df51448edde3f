-- Response-time goals (docs/sla.md): business hours, SLA policies, the
-- clocks each conversation runs under them, their outcomes (met, breached,
-- warned: once each, by a unique key), followers and notifications.
CREATE TABLE business_hours (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  time_zone TEXT NOT NULL,
  week TEXT NOT NULL,
  holidays TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

ALTER TABLE inboxes ADD COLUMN business_hours_id INTEGER REFERENCES business_hours(id);
ALTER TABLE teams ADD COLUMN business_hours_id INTEGER REFERENCES business_hours(id);

CREATE TABLE sla_policies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  position INTEGER NOT NULL,
  first_response TEXT NOT NULL DEFAULT 'null',
  next_response TEXT NOT NULL DEFAULT 'null',
  resolution TEXT NOT NULL DEFAULT 'null',
  business_hours_id INTEGER REFERENCES business_hours(id),
  conditions TEXT NOT NULL DEFAULT '{}',
  pause_on_pending INTEGER NOT NULL DEFAULT 1,
  pause_on_snooze INTEGER NOT NULL DEFAULT 1,
  warn_before TEXT NOT NULL DEFAULT '',
  escalation TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- sla_policy_id is kept without a foreign key: deleting a policy clears it
-- and stops its clocks in the same transaction (store.DeleteSLAPolicy).
ALTER TABLE conversations ADD COLUMN sla_policy_id INTEGER;
ALTER TABLE conversations ADD COLUMN sla_due_at INTEGER;
-- The list's sla_due sort orders by this very expression: NULLs last.
CREATE INDEX conversations_sla_due ON conversations(COALESCE(sla_due_at, 9223372036854775807), id);

-- One clock per conversation and target; cycle counts the target's spells
-- (each customer message after an agent reply starts a next_response one).
-- Running: due_at and running_since are set. Paused: both are NULL and
-- elapsed_ms holds the business time already used (remaining = target - elapsed).
CREATE TABLE sla_clocks (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  target TEXT NOT NULL CHECK (target IN ('first_response','next_response','resolution')),
  cycle INTEGER NOT NULL,
  policy_id INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running','paused','done')),
  started_at INTEGER NOT NULL,
  target_ms INTEGER NOT NULL,
  elapsed_ms INTEGER NOT NULL DEFAULT 0,
  running_since INTEGER,
  due_at INTEGER,
  warn_at INTEGER,
  warned_at INTEGER,
  breached_at INTEGER,
  stopped_at INTEGER,
  outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('','met','breached','cancelled')),
  PRIMARY KEY (conversation_id, target)
);
CREATE INDEX sla_clocks_due ON sla_clocks(due_at) WHERE due_at IS NOT NULL;

-- What happened to each spell, exactly once per kind: the unique key is
-- what makes a breach recorded once when two nodes or a retried job race.
CREATE TABLE sla_outcomes (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  cycle INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('warning','breached','met')),
  policy_id INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (conversation_id, target, cycle, kind)
);
CREATE INDEX sla_outcomes_created ON sla_outcomes(created_at);

CREATE TABLE conversation_followers (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_followers_user ON conversation_followers(user_id);

-- In-app notifications, and whether each went out by email.
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  email_status TEXT NOT NULL DEFAULT 'queued' CHECK (email_status IN ('queued','sent','skipped','failed')),
  email_note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id);
