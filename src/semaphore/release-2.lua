-- Gives a permit back, only for its holder.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  owner token
-- Returns  {1, holders left}   released
--          {-2}                NOT_HELD: the permit expired or was released already; nothing changed
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now)

local token = ARGV[1]
if redis.call('ZREM', holders, token) == 0 then
  return { -2 }
end
redis.call('HDEL', meta, token)

if not expire_with_last_permit(holders, meta, now) then return { 1, 0 } end
return { 1, redis.call('ZCARD', holders) }
