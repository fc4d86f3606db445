-- Consume on a key with one GCRA limit: the common case (not blocked, allowed) in the fewest
-- commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, burst, rate per second, the limit's field (its prefix .. 'a')
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- Every string-to-number conversion and every number handed to Redis costs a libc strtod or
-- snprintf here, so absent fields are tested before they are converted.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local fa = ARGV[5]
local h = redis.call('HMGET', KEYS[1], fa, 'blk', 'x')
local cost, lim = ARGV[1] + 0, ARGV[3] + 0
if (not h[2] or h[2] + 0 <= now) and cost <= lim then
  local T = 1000 / ARGV[4]
  local tat = now
  if h[1] then
    tat = h[1] + 0
    if tat < now then tat = now end
  end
  if tat + cost * T - now - lim * T <= 1e-6 then
    tat = tat + cost * T
    local reset = math.ceil(tat - now - 1e-6)
    save_state(KEYS[1], now, reset, h[3], fa, tat)
    local r = math.floor((lim * T - (tat - now)) / T + 1e-6)
    if r < 0 then r = 0 elseif r > lim then r = lim end
    return { r, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 4, string.sub(fa, 1, -2), ARGV[3], ARGV[4] })
