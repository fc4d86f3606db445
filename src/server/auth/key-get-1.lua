-- Reads one API key record.
-- KEYS[1]  the hash of all key records
-- ARGV[1]  key id
-- Returns the record as JSON, or nil
return redis.call('HGET', KEYS[1], ARGV[1])
