-- Templates, macros, automation rules, inbox routing and CSAT (issue #6).
-- Templates: Liquid bodies, scoped to their owner, a team or everyone.
CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('personal','team','everyone')),
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
  folder TEXT NOT NULL DEFAULT '',
  usage_count INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX templates_owner ON templates(owner_id);

-- Macros: an optional template reply plus actions (JSON).
CREATE TABLE macros (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  template_id INTEGER REFERENCES templates(id) ON DELETE SET NULL,
  actions TEXT NOT NULL DEFAULT '{}',
  usage_count INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Automation rules: when (trigger), if (condition tree, JSON), then (actions, JSON).
CREATE TABLE automation_rules (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  trigger TEXT NOT NULL,
  trigger_after_ms INTEGER NOT NULL DEFAULT 0,
  conditions TEXT NOT NULL DEFAULT '{}',
  actions TEXT NOT NULL DEFAULT '[]',
  webhook_secret TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Per-inbox routing and follow-up settings; no row means all off.
CREATE TABLE inbox_automation (
  inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
  assign_mode TEXT NOT NULL DEFAULT 'none' CHECK (assign_mode IN ('none','round_robin','least_loaded')),
  reassign_after_ms INTEGER NOT NULL DEFAULT 0,
  ack_template_id INTEGER REFERENCES templates(id) ON DELETE SET NULL,
  csat_enabled INTEGER NOT NULL DEFAULT 0,
  last_assigned_user_id INTEGER
);

-- CSAT: one survey per conversation; the link's token is stored hashed.
CREATE TABLE csat_responses (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  rating INTEGER CHECK (rating BETWEEN 1 AND 5),
  comment TEXT NOT NULL DEFAULT '',
  assignee_id INTEGER,
  sent_at INTEGER NOT NULL,
  answered_at INTEGER
);
CREATE INDEX csat_responses_answered ON csat_responses(answered_at);
