-- Counts a channel in its tenant's index of channels; refuses a new one past the tenant's cap.
-- KEYS[1]  the tenant's channel index (<prefix>t:<tenant>:channels:{all}; sorted set, member =
--          channel name, score = last use in ms by the server clock)
-- ARGV[1]  channel name
-- ARGV[2]  most channels the tenant may have (integer >= 1)
-- ARGV[3]  ms after its last use when a channel stops counting (its history is gone by then;
--          0 = never)
-- Returns 1 (counted: new, or its last use refreshed) or -1 (refused: ARGV[2] channels already).
-- Work per call is bounded: at most 100 stale entries are dropped per call.
-- @include "now.lua"
local now = now_ms()
local age = tonumber(ARGV[3])
if age > 0 then
  local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - age), 'LIMIT', 0, 100)
  if #stale > 0 then redis.call('ZREM', KEYS[1], unpack(stale)) end
end
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
return 1
