-- Captured mail (dev mode, no SMTP server) is sealed at rest: one AES-256-GCM sealed
-- JSON document per message (recipient, subject, bodies) under the master key, bound to
-- the row id, and kept a day (src/mail/captured.c). Rows captured in plaintext by
-- earlier versions go with the old table: it was a development store of codes and links.
DROP TABLE mail_captured;
CREATE TABLE mail_captured (
  id          TEXT PRIMARY KEY,
  app_id      TEXT,
  sealed      TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX mail_captured_time ON mail_captured(created_at);
