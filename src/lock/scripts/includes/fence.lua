-- The server time in µs from TIME's reply `t`, as a number and as its decimal string (no
-- exponent). When the microseconds have six digits (nine replies in ten) the string is the two
-- parts side by side, exactly what string.format('%.0f') gives, for fewer Redis instructions
-- (valgrind: the format costs about 7,200 per call).
local function time_us(t)
  local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if #t[2] == 6 then return now_us, t[1] .. t[2] end
  return now_us, string.format('%.0f', now_us)
end

-- The next fencing token of a lock: max(counter + 1, server time in µs), written back to the
-- counter key with a TTL of `retention_ms`, so it keeps increasing even when the counter was lost.
-- Usually one command: the clock is ahead of the counter, so SET … GET stores the time and returns
-- the old value in one call; only when the counter is not behind the clock is it set once more.
-- `now_us` and `now_s` are time_us's. Returns the fence as a number and as the string stored.
local function next_fence(fence_key, now_us, now_s, retention_ms)
  local s = now_s
  local old = tonumber(redis.call('SET', fence_key, s, 'PX', retention_ms, 'GET'))
  if old and old >= now_us then
    s = string.format('%.0f', old + 1)
    redis.call('SET', fence_key, s, 'PX', retention_ms)
    return old + 1, s
  end
  return now_us, s
end
