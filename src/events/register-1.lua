-- Adds a source to the index of sources (a sorted set scored by first registration time).
-- KEYS[1]  the sources index (sorted set; its own hash slot)
-- ARGV[1]  source name
-- Returns 1 if the source was new, 0 if it was already listed. No negative status codes.
-- @include "now.lua"
return redis.call('ZADD', KEYS[1], 'NX', now_ms(), ARGV[1])
