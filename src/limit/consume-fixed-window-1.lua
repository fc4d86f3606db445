-- Consume on a key with one fixed-window limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, limit, window ms, the limit's fields (its prefix .. 'w', .. 'c')
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local fw, fc = ARGV[5], ARGV[6]
local h = redis.call('HMGET', KEYS[1], fw, fc, 'blk', 'x')
local cost, lim = ARGV[1] + 0, ARGV[3] + 0
if not h[3] or h[3] + 0 <= now then
  local W = ARGV[4] + 0
  local start = now - (now % W)
  local same_window = h[1] and h[1] + 0 == start
  local c = cost
  if same_window then c = c + (h[2] or 0) end
  if c <= lim then
    local reset = start + W - now
    local x = h[4]
    if same_window and x and now + reset <= x + 0 then
      -- Only the count changed, and the expiry holds: add the cost as sent (no number to format).
      redis.call('HINCRBY', KEYS[1], fc, ARGV[1])
    elseif same_window then
      save_state(KEYS[1], now, reset, x, fc, c)
    else
      save_state(KEYS[1], now, reset, x, fw, start, fc, c)
    end
    return { lim - c, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 1, string.sub(fw, 1, -2), ARGV[3], ARGV[4] })
