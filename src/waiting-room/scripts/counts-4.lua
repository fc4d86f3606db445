-- How many users wait in a waiting room and how many hold a live admission.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] reclaim limit: at most this many stale entries (and expired admissions) removed per call
-- Returns {queued, admitted}
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
reclaim(now, ARGV[1], true)
return { redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[3]) }
