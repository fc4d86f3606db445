-- The next fencing token of a lock: max(counter + 1, server time in µs), written back to the
-- counter key with a TTL of `retention_ms`, so it keeps increasing even when the counter was lost.
-- Usually one command: the clock is ahead of the counter, so SET … GET stores the time and returns
-- the old value in one call; only when the counter is not behind the clock is it set once more.
-- Returns the fence as a number and as the string stored (no exponent).
local function next_fence(fence_key, now_us, retention_ms)
  local s = string.format('%.0f', now_us)
  local old = tonumber(redis.call('SET', fence_key, s, 'PX', retention_ms, 'GET'))
  if old and old >= now_us then
    s = string.format('%.0f', old + 1)
    redis.call('SET', fence_key, s, 'PX', retention_ms)
    return old + 1, s
  end
  return now_us, s
end

-- Reclaims expired readers of a lock; when live readers remain, returns the ms until the last of
-- them expires and how many there are, else nil. Call it only when the readers key exists.
local function live_readers(readers_key, now)
  redis.call('ZREMRANGEBYSCORE', readers_key, '-inf', now)
  local top = redis.call('ZRANGE', readers_key, -1, -1, 'WITHSCORES')
  if not top[1] then return nil end
  return tonumber(top[2]) - now, redis.call('ZCARD', readers_key)
end
