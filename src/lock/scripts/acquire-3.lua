-- Acquires an exclusive (writer) lock and issues its fencing token, in one round trip.
-- KEYS[1]  the lock: a string "<token>\n<fence>\n<metadata>" (see includes/lock-value.lua)
-- KEYS[2]  the per-key fence counter (string), same hash slot
-- KEYS[3]  the read-lock holders (sorted set: member = token, score = expiry in server ms)
-- ARGV[1]  owner token
-- ARGV[2]  ttl in ms (integer >= 1)
-- ARGV[3]  metadata ("" for none)
-- ARGV[4]  fence counter retention in ms (the counter key's TTL, refreshed on every acquire)
-- Returns  {fence, server time in ms} on success; the fence is max(counter + 1, server time in us),
--          so it keeps increasing even when the counter key was lost.
-- Status   {-1, remaining ttl ms, holder fence, holder metadata}  held by another owner
--          {-4, ms until the last reader expires, number of readers, ""}  held by readers
--          {-5, remaining ttl ms, fence, ""}  this very token holds it already (locks are not reentrant)
--          {-6, 0, the closing holder's fence, the closing metadata}  the name is closed (close-1.lua)
-- The free path is four commands: EXISTS (lock and readers at once), TIME, SET … GET, SET … PX.
-- @include "lock-value.lua"
-- @include "lock-write.lua"
-- @include "fence.lua"
-- @include "live-readers.lua"
local busy = redis.call('EXISTS', KEYS[1], KEYS[3])
if busy > 0 then
  local v = redis.call('GET', KEYS[1])
  if v then
    local token, fence, meta = lock_fields(v)
    if token == ARGV[1] then return { -5, redis.call('PTTL', KEYS[1]), fence, '' } end
    if token == '' then return { -6, 0, fence, meta } end
    return { -1, redis.call('PTTL', KEYS[1]), fence, meta }
  end
end
local t = redis.call('TIME')
local now_us, now_s = time_us(t)
local now = math.floor(now_us / 1000)
if busy > 0 then
  local wait_ms, readers = live_readers(KEYS[3], now)
  if wait_ms then return { -4, wait_ms, readers, '' } end
end
local retention = tonumber(ARGV[4])
local ttl = tonumber(ARGV[2])
if ttl > retention then retention = ttl end
local fence, fence_s = next_fence(KEYS[2], now_us, now_s, retention)
redis.call('SET', KEYS[1], lock_value(ARGV[1], fence_s, ARGV[3]), 'PX', ttl)
return { fence, now }
