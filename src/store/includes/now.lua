-- The Redis server's clock, in whole milliseconds. Every script that reasons about time uses this,
-- so all app instances share one clock (theirs may be skewed).
-- Lua 5.1's tonumber() converts a string twice (once to test, once to return); arithmetic on the
-- string converts it once, so hot paths write `s * 1000` or `s + 0` for strings known to be numbers.
local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
