-- Circuit breaker: reads the shared state without changing it (for listings and dashboards).
-- KEYS[1]  state hash {st, until, att, gen, consec}
-- Returns {state code, open until (server ms), attempt, generation, server now ms, 1 if a state
--   is stored else 0}. An open breaker whose open time is over is reported as it is stored (open):
--   the next admit moves it to half-open. A breaker without stored state is closed.
-- No negative status codes.
-- @include "now.lua"
local h = redis.call('HMGET', KEYS[1], 'st', 'until', 'att', 'gen')
local stored = 0
if h[1] then stored = 1 end
return { tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4]) or 0, now_ms(), stored }
