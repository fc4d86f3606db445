-- Consume on a key with one fixed-window limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, limit, window ms, the limit's field prefix
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local fw, fc = ARGV[5] .. 'w', ARGV[5] .. 'c'
local h = redis.call('HMGET', KEYS[1], fw, fc, 'blk', 'x')
local cost, lim = tonumber(ARGV[1]), tonumber(ARGV[3])
if (tonumber(h[3]) or 0) <= now then
  local W = tonumber(ARGV[4])
  local start = now - (now % W)
  local same_window = tonumber(h[1]) == start
  local c = cost
  if same_window then c = c + (tonumber(h[2]) or 0) end
  if c <= lim then
    local reset = start + W - now
    if same_window then -- only the count changed
      save_state(KEYS[1], now, reset, tonumber(h[4]) or 0, fc, c)
    else
      save_state(KEYS[1], now, reset, tonumber(h[4]) or 0, fw, start, fc, c)
    end
    return { lim - c, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 1, ARGV[5], ARGV[3], ARGV[4] })
