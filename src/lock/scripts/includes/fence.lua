-- The next fencing token of a lock: max(counter + 1, server time in µs), written back to the
-- counter key with a TTL of `retention_ms`, so it keeps increasing even when the counter was lost.
-- Returns the fence as a number and as the string stored (no exponent).
local function next_fence(fence_key, now_us, retention_ms)
  local fence = (tonumber(redis.call('GET', fence_key)) or 0) + 1
  if now_us > fence then fence = now_us end
  local s = string.format('%.0f', fence)
  redis.call('SET', fence_key, s, 'PX', retention_ms)
  return fence, s
end

-- Reclaims expired readers of a lock; when live readers remain, returns the ms until the last of
-- them expires and how many there are, else nil.
local function live_readers(readers_key, now)
  if redis.call('EXISTS', readers_key) == 0 then return nil end
  redis.call('ZREMRANGEBYSCORE', readers_key, '-inf', now)
  local top = redis.call('ZRANGE', readers_key, -1, -1, 'WITHSCORES')
  if not top[1] then return nil end
  return tonumber(top[2]) - now, redis.call('ZCARD', readers_key)
end
