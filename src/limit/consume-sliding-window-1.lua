-- Consume on a key with one sliding-window limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- ARGV     cost, block ms, limit, window ms, the limit's fields (its prefix .. 'w', .. 'c', .. 'p')
-- Returns  {remaining, resetMs} when allowed; otherwise the reply of ratelimit-1.lua (op 0, n 1).
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local fw, fc, fp = ARGV[5], ARGV[6], ARGV[7]
local h = redis.call('HMGET', KEYS[1], fw, fc, fp, 'blk', 'x')
local cost, lim = ARGV[1] + 0, ARGV[3] + 0
if (not h[4] or h[4] + 0 <= now) and cost <= lim then
  local W = ARGV[4] + 0
  local start = now - (now % W)
  local w = h[1] and h[1] + 0 or -1
  local c = (h[2] or 0) + 0
  local prev = (h[3] or 0) + 0
  local same_window = w == start
  if not same_window then
    if w == start - W then prev = c else prev = 0 end
    c = 0
  end
  -- The previous window's count weighted by how much of it still overlaps, plus this one's.
  if prev * (W - (now - start)) / W + c + cost <= lim + 1e-6 then
    c = c + cost
    local reset = start + 2 * W - now
    local x = h[5]
    if same_window and x and now + reset <= x + 0 then
      -- Only the count changed, and the expiry holds: add the cost as sent (no number to format).
      redis.call('HINCRBY', KEYS[1], fc, ARGV[1])
    elseif same_window then
      save_state(KEYS[1], now, reset, x, fc, c)
    else
      save_state(KEYS[1], now, reset, x, fw, start, fc, c, fp, prev)
    end
    local r = math.floor(lim - (prev * (W - (now - start)) / W + c) + 1e-6)
    if r < 0 then r = 0 elseif r > lim then r = lim end
    return { r, reset }
  end
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], 1, 2, string.sub(fw, 1, -2), ARGV[3], ARGV[4] })
