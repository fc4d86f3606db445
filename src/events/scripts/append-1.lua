-- Appends one event to a source's stream and applies the source's retention, in one step.
-- KEYS[1]  the source's stream (one stream per source, in the source's hash slot)
-- ARGV[1]  event type
-- ARGV[2]  context, as JSON
-- ARGV[3]  retention by count: keep at most this many entries (integer; 0 = no count limit)
-- ARGV[4]  retention by age: remove entries older than this many ms (integer ms; 0 = no age limit).
--          Not capped per call: Redis frees whole 100-entry nodes, so trimming 1,000,000 aged-out
--          entries at once measured 4 ms (a backlog that large needs a burst of a million events
--          within one retention period).
-- Returns the new entry's id "<ms>-<seq>"; ms is the Redis server's clock.
-- No negative status codes: trimming only ever removes entries the retention policy names.
-- @include "now.lua"
local id = redis.call('XADD', KEYS[1], '*', 'type', ARGV[1], 'ctx', ARGV[2])
local max_len = tonumber(ARGV[3])
if max_len > 0 then
  -- At most 1000 entries go per append (one in the steady state; more only after the retention
  -- was lowered), so no append pays for a whole backlog at once.
  local len = redis.call('XLEN', KEYS[1])
  if len > max_len then
    local keep = max_len
    if len - keep > 1000 then keep = len - 1000 end
    redis.call('XTRIM', KEYS[1], 'MAXLEN', '=', keep)
  end
end
local max_age = tonumber(ARGV[4])
if max_age > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '=', now_ms() - max_age)
end
return id
