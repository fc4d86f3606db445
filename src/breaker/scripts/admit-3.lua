-- Circuit breaker: asks for a half-open trial lease. Moves an open breaker whose open time is over
-- to half-open, then grants a lease while fewer than the maximum number of trials are leased.
-- KEYS[1]  state hash {st, until, att, gen, consec}
-- KEYS[2]  ratio window hash (unused; listed so all breaker scripts take the same keys)
-- KEYS[3]  half-open trial leases (sorted set token -> lease expiry ms)
-- ARGV[1]  lease token (unique per trial call)
-- ARGV[2]  lease ttl in ms
-- ARGV[3]  maximum concurrent trials
-- ARGV[4]  ttl of idle state in ms
-- Returns {state code, open until (server ms), attempt, generation, server now ms,
--          1 if the lease was granted else 0}
-- No negative status codes.
-- @include "read-state.lua"
local granted = 0
if st == 1 and now >= untilMs then
  st = 2
  redis.call('HSET', KEYS[1], 'st', st)
  redis.call('DEL', KEYS[3])
end
if st == 2 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
    granted = 1
  end
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return { st, untilMs, att, gen, now, granted }
