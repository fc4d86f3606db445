-- Consume on a key with one token-bucket limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, burst, rate per second, the limit's fields (its prefix .. 't', .. 's')
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local ft, fs = ARGV[5], ARGV[6]
local h = redis.call('HMGET', KEYS[1], ft, fs, 'blk', 'x')
local cost, lim = ARGV[1] + 0, ARGV[3] + 0
if (not h[3] or h[3] + 0 <= now) and cost <= lim then
  local rate = ARGV[4] + 0
  local tokens = lim
  if h[1] then
    local elapsed = now - (h[2] or now)
    if elapsed < 0 then elapsed = 0 end
    tokens = h[1] + 0 + elapsed * rate / 1000
    if tokens > lim then tokens = lim end
  end
  if cost <= tokens + 1e-6 then
    tokens = tokens - cost
    local reset = 0
    if tokens < lim then reset = math.ceil((lim - tokens) * 1000 / rate - 1e-6) end
    save_state(KEYS[1], now, reset, h[4], ft, tokens, fs, now)
    local r = math.floor(tokens + 1e-6)
    if r < 0 then r = 0 end
    return { r, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 3, string.sub(ft, 1, -2), ARGV[3], ARGV[4] })
