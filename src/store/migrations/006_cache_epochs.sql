-- 006: one epoch per in-memory cache (store.h, "Cache epochs": projects, API keys, ended
-- sessions, changed factors) instead of one for all, so that ending a user's sessions (a
-- password reset) no longer empties the project and API-key caches of every node. The
-- old shared counter goes: a node still running an older binary fails its cache writes
-- loudly instead of bumping a counter nobody reads.
INSERT INTO meta (key, value) SELECT 'cache_epoch.projects', value FROM meta WHERE key = 'cache_epoch';
INSERT INTO meta (key, value) SELECT 'cache_epoch.api_keys', value FROM meta WHERE key = 'cache_epoch';
INSERT INTO meta (key, value) SELECT 'cache_epoch.sessions', value FROM meta WHERE key = 'cache_epoch';
INSERT INTO meta (key, value) SELECT 'cache_epoch.factors', value FROM meta WHERE key = 'cache_epoch';
DELETE FROM meta WHERE key = 'cache_epoch';
