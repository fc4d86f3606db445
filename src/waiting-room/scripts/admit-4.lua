-- Moves the first users of a waiting room into its admitted set, each admission expiring on its own.
-- Users whose heartbeat deadline has passed are dropped instead of admitted.
-- KEYS[1..4] queue, heartbeat, admitted, sequence (see includes/room.lua)
-- ARGV[1] how many users to admit (n >= 1)
-- ARGV[2] admission TTL in ms
-- ARGV[3] reclaim limit: at most this many stale entries removed per call, here and while admitting
-- Returns {user, ...}: who was admitted, in queue order (fewer than n when the queue ran out or the
-- reclaim limit was reached while skipping stale users)
-- @include "now.lua"
-- @include "room.lua"
local now = now_ms()
local limit = tonumber(ARGV[3])
reclaim(now, limit, true)
local n = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local admitted = {}
local skipped = 0
while #admitted < n and skipped < limit do
  local head = redis.call('ZRANGE', KEYS[1], 0, n - #admitted - 1)
  if #head == 0 then break end
  for i = 1, #head do
    local user = head[i]
    local deadline = redis.call('ZSCORE', KEYS[2], user)
    redis.call('ZREM', KEYS[1], user)
    redis.call('ZREM', KEYS[2], user)
    if deadline and tonumber(deadline) > now then
      redis.call('ZADD', KEYS[3], string.format('%d', now + ttl), user)
      admitted[#admitted + 1] = user
    else
      skipped = skipped + 1
      if skipped >= limit then break end
    end
  end
end
if #admitted > 0 then extend(KEYS[3], ttl) end
return admitted
