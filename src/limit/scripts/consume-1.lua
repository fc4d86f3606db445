-- Consume on a key with a given list of limits. scripts.ts builds one script per list of
-- algorithms from this template: the common case (not blocked, every limit allows) is
-- straight-line code, one step per limit (steps/<algorithm>.lua) nested in the one before, so it
-- runs no loop, builds no table and converts no more than it must; the last step commits
-- (steps/commit.lua). Everything else goes to rate_limit_decide (includes/decide.lua), in the
-- same call.
-- ARGV     cost, block ms, then quota and param of each limit, then the state field of each limit
-- Returns  {remaining 1, resetMs 1, remaining 2, resetMs 2, ...} when allowed; otherwise the reply
--          of ratelimit-1.lua (3 + 3n long, so the two cannot be confused).
-- The memory store runs the generic twin for it, reshaped the same way.
-- Its slots (FIELDS: the state fields, STEPS, GENERIC: the generic arguments) are filled by scripts.ts.
-- @include "now.lua"
local now = now_ms()
local key = KEYS[1]
local h = redis.call('HMGET', key, 'blk', 'x', $FIELDS)
if not h[1] or h[1] + 0 <= now then
  local cost = ARGV[1] + 0
$STEPS
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
return rate_limit_decide({ 0, ARGV[1], ARGV[2], $GENERIC })
