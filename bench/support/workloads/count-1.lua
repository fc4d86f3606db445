-- Fault-test fixture: counts how many times the script ran for one call.
-- KEYS[1]  a hash of call id -> executions
-- ARGV[1]  the call id (unique per call)
-- ARGV[2]  ttl of the hash in ms (integer)
-- Returns the number of executions for this call id, this one included (1 unless it ran twice).
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return n
