-- Acquires an exclusive (writer) lock and issues its fencing token, in one round trip.
-- KEYS[1]  the lock hash: t = owner token, f = fence, m = metadata (JSON or "")
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
-- @include "fence.lua"
if redis.call('EXISTS', KEYS[1]) == 1 then
  local h = redis.call('HMGET', KEYS[1], 't', 'f', 'm')
  if h[1] == ARGV[1] then return { -5, redis.call('PTTL', KEYS[1]), tonumber(h[2]) or 0, '' } end
  return { -1, redis.call('PTTL', KEYS[1]), tonumber(h[2]) or 0, h[3] or '' }
end
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(now_us / 1000)
local wait_ms, readers = live_readers(KEYS[3], now)
if wait_ms then return { -4, wait_ms, readers, '' } end
local retention = tonumber(ARGV[4])
local ttl = tonumber(ARGV[2])
if ttl > retention then retention = ttl end
local fence, fence_s = next_fence(KEYS[2], now_us, retention)
redis.call('HSET', KEYS[1], 't', ARGV[1], 'f', fence_s, 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return { fence, now }
