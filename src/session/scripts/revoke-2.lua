-- Deletes one session and its index entry.
-- KEYS[1] the user's session index: sorted set token hash -> expiry, ms on the server clock
-- KEYS[2] the session record
-- ARGV[1] token hash (SHA-256 hex)
-- Returns 1 if a live session was deleted, 0 if there was none
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('DEL', KEYS[2])
