-- 025: an absolute lifetime for users' refreshed sessions (docs/USERS.md, "Refresh").
-- Every session of a family (a sign-in and the refreshes after it) carries the time of
-- the sign-in; a refresh never gives a token past that time plus the project's
-- session_max_days (users-config, 90 by default). Numbered 025 to leave room for work
-- landing meanwhile.
ALTER TABLE user_sessions ADD COLUMN family_started_at BIGINT;
UPDATE user_sessions SET family_started_at =
  (SELECT MIN(s.created_at) FROM user_sessions s WHERE s.family_id = user_sessions.family_id);
