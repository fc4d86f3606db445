-- A user's place in a waiting room; refreshes their heartbeat when given a TTL.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] user
-- ARGV[2] reclaim limit: at most this many stale entries removed per call (expired admissions are
--         left to the other scripts: this one checks its own user's expiry)
-- ARGV[3] heartbeat TTL in ms: refreshes a queued user's heartbeat; absent to only read
-- Returns, for a queued user in a room of fewer than 2^26 users, one integer:
--   ahead * 2^26 + length (a table reply costs Redis about 5,000 instructions more to build and
--   send). Otherwise {state, ahead, length, admission remaining ms}
--   state 0 queued (ahead = users in front), 2 admitted, 3 not in the room
-- Every ARGV costs the script's set-up; isAdmitted and peekPosition send two.
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[2], false)
local user = ARGV[1]
local rank = redis.call('ZRANK', KEYS[1], user)
if not rank then
  -- Only a user who is not queued can hold an admission: admit moves users out of the queue, and
  -- join never queues an admitted user, so a queued user needs no admission check.
  local expires = redis.call('ZSCORE', KEYS[3], user)
  if expires and expires + 0 > now then
    return { 2, 0, redis.call('ZCARD', KEYS[1]), expires - now }
  end
  return { 3, 0, redis.call('ZCARD', KEYS[1]), 0 }
end
local ttl = ARGV[3]
if ttl then
  ttl = ttl + 0
  redis.call('ZADD', KEYS[2], string.format('%d', now + ttl), user)
  keep_alive(ttl)
end
local length = redis.call('ZCARD', KEYS[1])
if length < 67108864 then return rank * 67108864 + length end
return { 0, rank, length, 0 }
