-- A user's place in a waiting room; optionally refreshes their heartbeat.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] user
-- ARGV[2] heartbeat TTL in ms
-- ARGV[3] reclaim limit: at most this many stale entries removed per call (expired admissions are
--         left to the other scripts: this one checks its own user's expiry)
-- ARGV[4] 1 to refresh the heartbeat of a queued user, 0 to only read
-- Returns {state, ahead, length, admission remaining ms}
--   state 0 queued (ahead = users in front), 2 admitted, 3 not in the room
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[3], false)
local user = ARGV[1]
local expires = redis.call('ZSCORE', KEYS[3], user)
if expires and expires + 0 > now then
  return { 2, 0, redis.call('ZCARD', KEYS[1]), expires - now }
end
local rank = redis.call('ZRANK', KEYS[1], user)
if not rank then
  return { 3, 0, redis.call('ZCARD', KEYS[1]), 0 }
end
if ARGV[4] == '1' then
  local ttl = ARGV[2] + 0
  redis.call('ZADD', KEYS[2], string.format('%d', now + ttl), user)
  keep_alive(ttl)
end
return { 0, rank, redis.call('ZCARD', KEYS[1]), 0 }
