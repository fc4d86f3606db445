-- Stores one API key record (never the secret, only its SHA-256).
-- KEYS[1]  the hash of all key records
-- ARGV[1]  key id
-- ARGV[2]  record as JSON
-- Returns 1
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
