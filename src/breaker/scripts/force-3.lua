-- Circuit breaker: sets the shared state by hand (trip, isolate, reset).
-- KEYS[1]  state hash {st, until, att, gen, consec}
-- KEYS[2]  ratio window hash
-- KEYS[3]  half-open trial leases
-- ARGV[1]  target: 0 closed (reset), 1 open (trip), 3 isolated
-- ARGV[2]  open duration in ms for a trip; 0 = the backoff duration of the current attempt
-- ARGV[3]  first open duration in ms
-- ARGV[4]  open duration cap in ms
-- ARGV[5]  ttl of idle state in ms
-- Returns {state code, open until (server ms), attempt, generation, server now ms, 1}
-- No negative status codes.
-- @include "now.lua"
local now = now_ms()
local h = redis.call('HMGET', KEYS[1], 'st', 'att', 'gen')
local att = tonumber(h[2]) or 0
local gen = (tonumber(h[3]) or 0) + 1
local st = tonumber(ARGV[1])
local untilMs = 0
if st == 0 then
  att = 0
  redis.call('DEL', KEYS[2])
elseif st == 1 then
  local prev = tonumber(h[1]) or 0
  if prev ~= 1 and prev ~= 2 then att = 0 end
  local d = tonumber(ARGV[2])
  if d <= 0 then d = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(att, 30)) end
  untilMs = now + d
end
redis.call('HSET', KEYS[1], 'st', st, 'until', untilMs, 'att', att, 'gen', gen, 'consec', 0)
redis.call('DEL', KEYS[3])
if st == 3 then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
end
return { st, untilMs, att, gen, now, 1 }
