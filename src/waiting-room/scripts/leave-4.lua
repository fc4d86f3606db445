-- Removes a user from a waiting room: from the queue and from the admitted set.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] user
-- ARGV[2] reclaim limit: at most this many stale entries (and expired admissions) removed per call
-- Returns 1 if the user was queued, 2 if they were admitted, 0 if they were not in the room
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[2], true)
local user = ARGV[1]
local queued = redis.call('ZREM', KEYS[1], user)
redis.call('ZREM', KEYS[2], user)
local admitted = redis.call('ZREM', KEYS[3], user)
if queued == 1 then return 1 end
if admitted == 1 then return 2 end
return 0
