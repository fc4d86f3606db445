-- Gives a permit back, only for its holder.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  owner token
-- Returns  {1, holders left}   released
--          {-2}                NOT_HELD: the permit expired or was released already; nothing changed
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

local token = ARGV[1]
if redis.call('ZREM', holders, token) == 0 then
  return { -2 }
end
redis.call('HDEL', meta, token)

local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
if #last == 0 then
  redis.call('DEL', meta)
  return { 1, 0 }
end
local keyTtl = tonumber(last[2]) - now
redis.call('PEXPIRE', holders, keyTtl)
redis.call('PEXPIRE', meta, keyTtl)
return { 1, redis.call('ZCARD', holders) }
