-- Consume on a key with one sliding-window limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, limit, window ms, the limit's field prefix
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local fw, fc, fp = ARGV[5] .. 'w', ARGV[5] .. 'c', ARGV[5] .. 'p'
local h = redis.call('HMGET', KEYS[1], fw, fc, fp, 'blk', 'x')
local cost, lim = tonumber(ARGV[1]), tonumber(ARGV[3])
if (tonumber(h[4]) or 0) <= now and cost <= lim then
  local W = tonumber(ARGV[4])
  local start = now - (now % W)
  local w = tonumber(h[1]) or -1
  local c = tonumber(h[2]) or 0
  local prev = tonumber(h[3]) or 0
  local same_window = w == start
  if not same_window then
    if w == start - W then prev = c else prev = 0 end
    c = 0
  end
  -- The previous window's count weighted by how much of it still overlaps, plus this one's.
  if prev * (W - (now - start)) / W + c + cost <= lim + 1e-6 then
    c = c + cost
    local reset = start + 2 * W - now
    if same_window then -- only the count changed
      save_state(KEYS[1], now, reset, tonumber(h[5]) or 0, fc, c)
    else
      save_state(KEYS[1], now, reset, tonumber(h[5]) or 0, fw, start, fc, c, fp, prev)
    end
    local r = math.floor(lim - (prev * (W - (now - start)) / W + c) + 1e-6)
    if r < 0 then r = 0 end
    if r > lim then r = lim end
    return { r, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 2, ARGV[5], ARGV[3], ARGV[4] })
