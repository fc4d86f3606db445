-- Gives a permit back, only for its holder.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  owner token
-- ARGV[2]  reclaim limit: at most this many expired permits removed by this call
-- Returns  {1, holders left}   released
--          {-2}                NOT_HELD: the permit expired or was released already (an expired
--                              permit not removed yet is removed now); nothing else changed
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now, ARGV[2])

local token = ARGV[1]
local score = redis.call('ZSCORE', holders, token)
if not score then return { -2 } end
redis.call('ZREM', holders, token)
redis.call('HDEL', meta, token)
if tonumber(score) <= now then return { -2 } end

if not expire_with_last_permit(holders, meta, now) then return { 1, 0 } end
return { 1, live_count(holders, now) }
