-- Circuit breaker: records the outcome of a half-open trial. A success closes the breaker, a failure
-- opens it again for min(cap, base * 2^attempt) ms. A trial whose lease expired (or that belongs to
-- an earlier half-open period) is ignored.
-- KEYS[1]  state hash {st, until, att, gen, consec}
-- KEYS[2]  ratio window hash
-- KEYS[3]  half-open trial leases (sorted set token -> lease expiry ms)
-- ARGV[1]  lease token
-- ARGV[2]  outcome: 1 success, 0 failure, 2 neither (a cancelled trial: frees its lease)
-- ARGV[3]  first open duration in ms
-- ARGV[4]  open duration cap in ms
-- ARGV[5]  ttl of idle state in ms
-- Returns {state code, open until (server ms), attempt, generation, server now ms,
--          1 if the outcome was applied else 0}
-- No negative status codes.
-- @include "read-state.lua"
local applied = 0
local lease = redis.call('ZSCORE', KEYS[3], ARGV[1])
if st == 2 and lease and tonumber(lease) > now then
  applied = 1
  if ARGV[2] == '1' then
    st = 0
    att = 0
    gen = gen + 1
    redis.call('HSET', KEYS[1], 'st', st, 'until', 0, 'att', att, 'gen', gen, 'consec', 0)
    redis.call('DEL', KEYS[2], KEYS[3])
  elseif ARGV[2] == '0' then
    st = 1
    att = att + 1
    gen = gen + 1
    untilMs = now + math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(att, 30))
    redis.call('HSET', KEYS[1], 'st', st, 'until', untilMs, 'att', att, 'gen', gen)
    redis.call('DEL', KEYS[3])
  else
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
elseif lease then
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return { st, untilMs, att, gen, now, applied }
