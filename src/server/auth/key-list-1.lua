-- Lists every API key record.
-- KEYS[1]  the hash of all key records
-- Returns an array of records as JSON
return redis.call('HVALS', KEYS[1])
