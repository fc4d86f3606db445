-- Consume on a key with a given list of limits. scripts.ts builds one script per list of
-- algorithms from this template: the common case (not blocked, every limit allows) is
-- straight-line code, one step per limit (steps/<algorithm>.lua) nested in the one before, so it
-- runs no loop, builds no table and converts no more than it must; the last step commits
-- (steps/commit.lua). Everything else goes to rate_limit_decide (includes/decide.lua), in the
-- same call.
-- ARGV     cost, block ms, then quota and param of each limit, then the key's state field for this
--          list of limits ("@" and the limits' fields joined by "|": see includes/decide.lua)
-- Returns  {remaining 1, resetMs 1, remaining 2, resetMs 2, ...} when allowed; otherwise the reply
--          of ratelimit-1.lua (3 + 3n long, so the two cannot be confused).
-- The memory store runs the generic twin for it, reshaped the same way.
-- Its slots (FIELD: the state field's ARGV index, STEPS, GENERIC: the generic arguments) are filled by scripts.ts.
-- The common case needs this list's own state field, or a key with no state at all (no "x"): any
-- other field means another list of limits wrote last, and decide.lua merges the two.
-- @include "now.lua"
local now = now_ms()
local key = KEYS[1]
local h = redis.call('HMGET', key, 'blk', 'x', ARGV[$FIELD])
local v = h[3]
if (v or not h[2]) and (not h[1] or h[1] + 0 <= now) then
  local cost = ARGV[1] + 0
$STEPS
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], $GENERIC })
