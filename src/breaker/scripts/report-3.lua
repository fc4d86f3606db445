-- Circuit breaker: adds one instance's batch of call outcomes to the shared state and opens the
-- breaker when the trip strategy says so. Also serves as the cheap "read the state" sync (empty batch).
-- KEYS[1]  state hash {st, until, att, gen, consec}
-- KEYS[2]  ratio window hash {s<bucket>, f<bucket>}
-- KEYS[3]  half-open trial leases (sorted set token -> lease expiry ms)
-- ARGV[1]  generation the batch was counted in (a batch from an older generation is ignored)
-- ARGV[2]  successes in the batch
-- ARGV[3]  failures in the batch
-- ARGV[4]  failures after the batch's last success (consecutive strategy)
-- ARGV[5]  strategy: 1 = consecutive, 2 = failure ratio
-- ARGV[6]  threshold: failures in a row (1) or failure ratio in parts per million (2)
-- ARGV[7]  minimum calls in the window (ratio)
-- ARGV[8]  bucket length in ms (ratio)
-- ARGV[9]  number of buckets in the window (ratio)
-- ARGV[10] first open duration in ms
-- ARGV[11] open duration cap in ms
-- ARGV[12] ttl of idle state in ms
-- Returns {state code (0 closed, 1 open, 2 half-open, 3 isolated), open until (server ms),
--          attempt, generation, server now ms, 0}
-- No negative status codes.
-- @include "now.lua"
local now = now_ms()
local h = redis.call('HMGET', KEYS[1], 'st', 'until', 'att', 'gen', 'consec')
local st = tonumber(h[1]) or 0
local untilMs = tonumber(h[2]) or 0
local att = tonumber(h[3]) or 0
local gen = tonumber(h[4]) or 0
local consec = tonumber(h[5]) or 0
local s = tonumber(ARGV[2])
local f = tonumber(ARGV[3])
if st == 0 and tonumber(ARGV[1]) == gen and s + f > 0 then
  local trip = false
  if ARGV[5] == '1' then
    if s > 0 then consec = tonumber(ARGV[4]) else consec = consec + f end
    trip = consec >= tonumber(ARGV[6])
    redis.call('HSET', KEYS[1], 'consec', consec)
  else
    local bucketMs = tonumber(ARGV[8])
    local idx = math.floor(now / bucketMs)
    if s > 0 then redis.call('HINCRBY', KEYS[2], 's' .. idx, s) end
    if f > 0 then redis.call('HINCRBY', KEYS[2], 'f' .. idx, f) end
    local oldest = idx - tonumber(ARGV[9]) + 1
    local all = redis.call('HGETALL', KEYS[2])
    local ts, tf = 0, 0
    for i = 1, #all, 2 do
      local b = tonumber(string.sub(all[i], 2))
      if b < oldest then
        redis.call('HDEL', KEYS[2], all[i])
      elseif string.sub(all[i], 1, 1) == 's' then
        ts = ts + tonumber(all[i + 1])
      else
        tf = tf + tonumber(all[i + 1])
      end
    end
    redis.call('PEXPIRE', KEYS[2], bucketMs * tonumber(ARGV[9]) * 2)
    local total = ts + tf
    trip = total >= tonumber(ARGV[7]) and tf * 1000000 >= tonumber(ARGV[6]) * total
  end
  if trip then
    st = 1
    att = 0
    gen = gen + 1
    untilMs = now + math.min(tonumber(ARGV[11]), tonumber(ARGV[10]))
    redis.call('HSET', KEYS[1], 'st', st, 'until', untilMs, 'att', att, 'gen', gen, 'consec', 0)
    redis.call('DEL', KEYS[2], KEYS[3])
  end
end
if st ~= 3 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[12]))
end
return { st, untilMs, att, gen, now, 0 }
