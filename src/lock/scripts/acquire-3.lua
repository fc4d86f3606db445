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
if redis.call('EXISTS', KEYS[1]) == 1 then
  local h = redis.call('HMGET', KEYS[1], 't', 'f', 'm')
  if h[1] == ARGV[1] then return { -5, redis.call('PTTL', KEYS[1]), tonumber(h[2]) or 0, '' } end
  return { -1, redis.call('PTTL', KEYS[1]), tonumber(h[2]) or 0, h[3] or '' }
end
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(now_us / 1000)
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local top = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if top[1] then
    return { -4, tonumber(top[2]) - now, redis.call('ZCARD', KEYS[3]), '' }
  end
end
local fence = (tonumber(redis.call('GET', KEYS[2])) or 0) + 1
if now_us > fence then fence = now_us end
local retention = tonumber(ARGV[4])
local ttl = tonumber(ARGV[2])
if ttl > retention then retention = ttl end
redis.call('SET', KEYS[2], string.format('%.0f', fence), 'PX', retention)
redis.call('HSET', KEYS[1], 't', ARGV[1], 'f', string.format('%.0f', fence), 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return { fence, now }
