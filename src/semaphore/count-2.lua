-- Counts the live permits of a semaphore.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- Returns  {holders}
-- @include "now.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

if redis.call('EXISTS', meta) == 1 then
  local expired = redis.call('ZRANGEBYSCORE', holders, '-inf', now)
  for i = 1, #expired, 1000 do
    redis.call('HDEL', meta, unpack(expired, i, math.min(i + 999, #expired)))
  end
end
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
return { redis.call('ZCARD', holders) }
