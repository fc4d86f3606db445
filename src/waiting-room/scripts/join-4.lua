-- Joins a user to the back of a waiting room, or keeps their place if already queued (idempotent).
-- Also counts as a heartbeat.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] user
-- ARGV[2] heartbeat TTL in ms
-- ARGV[3] reclaim limit: at most this many stale entries (and expired admissions) removed per call
-- ARGV[4] maximum queue length
-- Returns {state, ahead, length, admission remaining ms}
--   state 1 joined now, 0 was already queued, 2 already admitted (not queued again)
--   -1 the room is full (ahead 0, length = current length)
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[3], true)
local user = ARGV[1]
local expires = redis.call('ZSCORE', KEYS[3], user)
if expires then
  if expires + 0 > now then
    return { 2, 0, redis.call('ZCARD', KEYS[1]), expires - now }
  end
  -- Expired but not yet reclaimed: it must not linger beside the new queue entry.
  redis.call('ZREM', KEYS[3], user)
end
local ttl = tonumber(ARGV[2])
local state = 0
local rank = redis.call('ZRANK', KEYS[1], user)
if not rank then
  local length = redis.call('ZCARD', KEYS[1])
  if length >= tonumber(ARGV[4]) then
    return { -1, 0, length, 0 }
  end
  -- The place comes from the room's own counter, never from a client clock: no ties, no reordering.
  local seq = redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[1], seq, user)
  rank = redis.call('ZRANK', KEYS[1], user)
  state = 1
end
redis.call('ZADD', KEYS[2], string.format('%d', now + ttl), user)
keep_alive(ttl)
return { state, rank, redis.call('ZCARD', KEYS[1]), 0 }
