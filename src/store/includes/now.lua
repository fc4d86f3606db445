-- The Redis server's clock, in whole milliseconds. Every script that reasons about time uses this,
-- so all app instances share one clock (theirs may be skewed).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
