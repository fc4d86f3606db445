-- Adds a source to the index of sources (a sorted set scored by first registration time), unless
-- the index already holds the most sources it may.
-- KEYS[1]  the sources index (sorted set; its own hash slot)
-- ARGV[1]  source name
-- ARGV[2]  most sources (integer; 0 = no cap)
-- Returns 1 if the source was new, 0 if it was already listed, -1 if it is new and the index
-- already holds ARGV[2] sources (nothing written).
-- @include "now.lua"
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local max = tonumber(ARGV[2])
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return -1 end
return redis.call('ZADD', KEYS[1], now_ms(), ARGV[1])
