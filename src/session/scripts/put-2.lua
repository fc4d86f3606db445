-- Stores (or replaces) one session under its user's hash tag and indexes it for listing.
-- KEYS[1] the user's session index: sorted set token hash -> expiry, ms on the server clock
-- KEYS[2] the session record: hash {d = data JSON, t = ttl ms, c = created at ms}
-- ARGV[1] token hash (SHA-256 hex; the raw token is never sent)
-- ARGV[2] data as JSON ('' for none)
-- ARGV[3] ttl in ms
-- ARGV[4] most sessions per user: when full, the sessions expiring soonest are removed
-- ARGV[5] reclaim limit: at most this many expired index entries removed per call
-- ARGV[6] key prefix of the user's session records (the record key is ARGV[6] .. token hash;
--         it carries the same hash tag as KEYS[1], so it lives in the same cluster slot)
-- Returns {evicted: how many older sessions were removed to make room, created at ms}
-- @include "now.lua"
local now = now_ms()
local ttl = tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
if #expired > 0 then redis.call('ZREM', KEYS[1], unpack(expired)) end
local evicted = 0
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4]) + 1
  if over > 0 then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, over - 1)
    for i = 1, #oldest do
      redis.call('DEL', ARGV[6] .. oldest[i])
    end
    redis.call('ZREM', KEYS[1], unpack(oldest))
    evicted = #oldest
  end
end
redis.call('HSET', KEYS[2], 'd', ARGV[2], 't', ttl)
redis.call('HSETNX', KEYS[2], 'c', now)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return { evicted, tonumber(redis.call('HGET', KEYS[2], 'c')) }
