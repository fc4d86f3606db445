-- Consume on a key with one fixed-window limit: the common case (not blocked, allowed) in the
-- fewest commands and Lua steps; everything else goes to rate_limit_decide (includes/decide.lua).
-- Arguments and reply exactly as ratelimit-1.lua with op 0 and n 1:
--   ARGV = {0, cost, block ms, 1, 1, field prefix, limit, window ms}
-- The memory store runs the generic twin for it, which computes the same reply.
-- @include "decide.lua"
local now = now_ms()
local p = ARGV[6]
local h = redis.call('HMGET', KEYS[1], p .. 'w', p .. 'c', 'blk', 'x')
local cost, lim = tonumber(ARGV[2]), tonumber(ARGV[7])
if (tonumber(h[3]) or 0) <= now then
  local W = tonumber(ARGV[8])
  local start = now - (now % W)
  local c = cost
  if tonumber(h[1]) == start then c = c + (tonumber(h[2]) or 0) end
  if c <= lim then
    local reset = start + W - now
    local ttl = reset
    if ttl > 1e13 then ttl = 1e13 end
    if now + ttl > (tonumber(h[4]) or 0) then
      redis.call('HSET', KEYS[1], p .. 'w', start, p .. 'c', c, 'x', now + 2 * ttl)
      redis.call('PEXPIRE', KEYS[1], 2 * ttl)
    else
      redis.call('HSET', KEYS[1], p .. 'w', start, p .. 'c', c)
    end
    return { 1, 0, 0, lim - c, reset, 0 }
  end
end
return rate_limit_decide()
