-- 030 (PostgreSQL): users.email becomes nullable; the "~<id>" placeholder of users an app
-- names only by id (auth/action_users.c) becomes NULL. The SQLite file rebuilds the table
-- (SQLite cannot drop a NOT NULL in place). UNIQUE (app_id, email) stays: NULLs are
-- distinct in it, so addresses stay unique per project.
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
UPDATE users SET email = NULL WHERE email = '~' || id;
