-- Saved views: a name, a filter (JSON, the list's keys) and a sort,
-- private to their owner, shared with a team, or shared with everyone.
CREATE TABLE views (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  visibility TEXT NOT NULL CHECK (visibility IN ('private','team','everyone')),
  team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
  filter TEXT NOT NULL,
  sort TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX views_owner ON views(owner_id);
CREATE INDEX views_team ON views(team_id);
