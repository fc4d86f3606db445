-- Trims the channel stream (KEYS[1]) of entries older than `max_age` ms on the server clock, and
-- records the id of the newest entry trimmed as the history floor in the meta hash (KEYS[2]), so a
-- reader whose cursor is below it learns that it missed entries. 0 or less: no age limit.
-- @include "now.lua"
local function trim_age(max_age)
  if max_age <= 0 then return end
  local min_ms = now_ms() - max_age
  if min_ms <= 0 then return end
  local min_id = string.format('%d', min_ms)
  local old = redis.call('XREVRANGE', KEYS[1], '(' .. min_id .. '-0', '-', 'COUNT', 1)
  if #old > 0 then
    redis.call('XTRIM', KEYS[1], 'MINID', min_id)
    redis.call('HSET', KEYS[2], 'floor', old[1][1])
  end
end
