-- A room's counts and the head of its line, read for operators (holdfast queue show). Reclaims
-- stale users and expired admissions first, exactly as counts-4.lua, so the head shown is live.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] how many users from the head (>= 1)
-- ARGV[2] reclaim limit: at most this many stale entries (and expired admissions) removed per call
-- Returns {now ms, queued, admitted, user1, heartbeat deadline1 ms, user2, deadline2, ...}
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[2], true)
local out = { now, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[3]) }
for _, user in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)) do
  out[#out + 1] = user
  -- Every queued user has a deadline (join and reclaim write both sets together); should one be
  -- missing (a key evicted on its own), the user shows as due now rather than cutting the reply.
  out[#out + 1] = tonumber(redis.call('ZSCORE', KEYS[2], user)) or now
end
return out
