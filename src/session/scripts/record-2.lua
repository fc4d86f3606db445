-- Reads one session, optionally sliding its expiry (touch).
-- KEYS[1] the user's session index: sorted set token hash -> expiry, ms on the server clock
-- KEYS[2] the session record: hash {d = data JSON, t = ttl ms, c = created at ms}
-- ARGV[1] token hash (SHA-256 hex)
-- ARGV[2] 1 to restart the session's TTL (sliding expiry), 0 to only read
-- Returns {data JSON, remaining ms, created at ms, ttl ms}, or nil when there is no live session
-- @include "now.lua"
local rec = redis.call('HMGET', KEYS[2], 'd', 'c', 't')
if not rec[3] then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
local ttl = tonumber(rec[3])
if ARGV[2] == '1' then
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('ZADD', KEYS[1], now_ms() + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return { rec[1], redis.call('PTTL', KEYS[2]), tonumber(rec[2]), ttl }
