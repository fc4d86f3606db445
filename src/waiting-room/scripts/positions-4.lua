-- The places of several users of one room, each refreshing their heartbeat: the `position` calls
-- made on one room in the same tick, answered by one script run (see ../position-batcher.ts).
-- Each user gets what `position` alone would answer at this instant: the stale entries are
-- reclaimed once, with the same limit, before any user is ranked.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] reclaim limit: at most this many stale entries removed (as in position-4.lua)
-- ARGV[2] heartbeat TTL in ms
-- ARGV[3..] the users, at most a few hundred (the caller bounds the batch)
-- Returns {length, code per user}: code >= 0 is a queued user's rank (the users ahead), -1 a user
-- who is not in the room, and -1 - ms a user admitted for another ms (>= 1) ms. Integers only: a
-- nested table per user would cost Redis thousands of instructions each to build and send.
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[1], false)
local ttl = ARGV[2] + 0
local deadline = string.format('%d', now + ttl)
local out = { 0 }
-- One ZADD refreshes every queued user: score, member, score, member...
local beats = {}
for i = 3, #ARGV do
  local user = ARGV[i]
  local rank = redis.call('ZRANK', KEYS[1], user)
  if rank then
    out[i - 1] = rank
    beats[#beats + 1] = deadline
    beats[#beats + 1] = user
  else
    -- As in position-4.lua: only a user who is not queued can hold an admission.
    local expires = redis.call('ZSCORE', KEYS[3], user)
    if expires and expires + 0 > now then
      out[i - 1] = now - expires - 1
    else
      out[i - 1] = -1
    end
  end
end
if #beats > 0 then
  redis.call('ZADD', KEYS[2], unpack(beats))
  keep_alive(ttl)
end
out[1] = redis.call('ZCARD', KEYS[1])
return out
