-- Stores one WebSocket token record until it expires.
-- KEYS[1]  the token's key (<prefix>wstoken:{<sha256 of the token>})
-- ARGV[1]  the record as JSON (tenant, role, key id, channel scope)
-- ARGV[2]  time to live in ms (integer > 0)
-- Returns the expiry time in ms since the epoch, by the Redis server's clock.
-- @include "now.lua"
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return now_ms() + ttl
