-- Extends a permit that is still held. Never re-acquires: an expired or released permit stays gone.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  owner token
-- ARGV[2]  ttlMs: the new TTL from now, in milliseconds
-- Returns  {1, expiresAt ms}   refreshed
--          {-2}                NOT_HELD: the permit expired or was released; nothing changed
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
if not redis.call('ZSCORE', holders, token) then
  return { -2 }
end
local expiresAt = now + tonumber(ARGV[2])
redis.call('ZADD', holders, expiresAt, token)

local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
local keyTtl = tonumber(last[2]) - now
redis.call('PEXPIRE', holders, keyTtl)
redis.call('PEXPIRE', meta, keyTtl)
return { 1, expiresAt }
