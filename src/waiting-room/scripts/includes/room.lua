-- Shared by every waiting-room script. KEYS are always, in this order:
--   KEYS[1] queue      sorted set: user -> arrival sequence number (FIFO order)
--   KEYS[2] heartbeat  sorted set: user -> heartbeat deadline, ms on the server clock
--   KEYS[3] admitted   sorted set: user -> admission expiry, ms on the server clock
--   KEYS[4] sequence   string: the room's arrival counter (INCR)

-- Removes at most `limit` queued users whose heartbeat deadline has passed and at most `limit`
-- expired admissions, oldest deadlines first, so no call does unbounded work.
-- `admissions` false skips the admitted set (the hot read path checks its one user's expiry instead).
-- `limit` is passed on as given (the ARGV string), `now` formatted once as an integer, and the
-- LIMIT offset written as a string: a Lua number handed to Redis goes through printf("%.17g"),
-- about 2,000 instructions even for a 0. A stale heartbeat is rare on the hot path (a user who
-- polls keeps theirs ahead of the clock), so a ZCOUNT, whose integer reply costs Redis about 2,500
-- instructions less than the empty array of a ZRANGEBYSCORE, looks first.
local function reclaim(now, limit, admissions)
  local upto = string.format('%d', now)
  if redis.call('ZCOUNT', KEYS[2], '-inf', upto) > 0 then
    local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', upto, 'LIMIT', '0', limit)
    redis.call('ZREM', KEYS[1], unpack(stale))
    redis.call('ZREM', KEYS[2], unpack(stale))
  end
  if not admissions then return end
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', upto, 'LIMIT', '0', limit)
  if #gone > 0 then
    redis.call('ZREM', KEYS[3], unpack(gone))
  end
end

-- Raises a key's TTL to `ms` but never lowers it (rooms used with different TTL settings keep the
-- longest), so a key always outlives every deadline stored in it.
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, ms)
  end
end

-- Keeps the queue, heartbeat and sequence keys alive at least `ttl` ms past now, so they outlive
-- every heartbeat deadline (at most now + ttl). They always get the same TTL together, so one PTTL
-- tells for all three; extending to 1.5 x ttl means the PEXPIREs run only once per ttl / 2 of
-- activity, not on every call. An abandoned room disappears at most 1.5 x ttl after its last call.
local function keep_alive(ttl)
  if redis.call('PTTL', KEYS[1]) < ttl then
    local ms = ttl + math.floor(ttl / 2)
    redis.call('PEXPIRE', KEYS[1], ms)
    redis.call('PEXPIRE', KEYS[2], ms)
    redis.call('PEXPIRE', KEYS[4], ms)
  end
end
