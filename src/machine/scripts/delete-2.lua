-- Deletes an entity and its history, atomically; optionally only at an expected version.
-- KEYS[1]  the entity hash
-- KEYS[2]  the entity's history stream (same hash slot)
-- ARGV[1]  expected version (integer; -1 = any)
-- Returns { 1, version deleted }
--   or    { -1 }                                   no such entity
--   or    { -2, current state, current version }   version conflict (nothing deleted)
local cur = redis.call('HMGET', KEYS[1], 's', 'v')
if not cur[1] then return { -1 } end
local version = tonumber(cur[2])
local expected = tonumber(ARGV[1])
if expected >= 0 and expected ~= version then return { -2, cur[1], version } end
redis.call('DEL', KEYS[1], KEYS[2])
return { 1, version }
