-- Extends a permit that is still held. Never re-acquires: an expired or released permit stays gone.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  owner token
-- ARGV[2]  ttlMs: the new TTL from now, in milliseconds
-- ARGV[3]  reclaim limit: at most this many expired permits removed by this call
-- Returns  {1, expiresAt ms}   refreshed
--          {-2}                NOT_HELD: the permit expired or was released; nothing changed
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now, ARGV[3])

local token = ARGV[1]
local score = redis.call('ZSCORE', holders, token)
if not score or tonumber(score) <= now then
  return { -2 }
end
local expiresAt = now + tonumber(ARGV[2])
redis.call('ZADD', holders, expiresAt, token)

expire_with_last_permit(holders, meta, now)
return { 1, expiresAt }
