-- Lists a user's live sessions, soonest-expiring first.
-- KEYS[1] the user's session index: sorted set token hash -> expiry, ms on the server clock
-- ARGV[1] key prefix of the user's session records (same hash tag as KEYS[1])
-- ARGV[2] reclaim limit: at most this many expired index entries removed per call
-- Returns a flat array {token hash, data JSON, created at ms, ttl ms, remaining ms, ...}
-- @include "now.lua"
local now = now_ms()
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
if #expired > 0 then redis.call('ZREM', KEYS[1], unpack(expired)) end
local out = {}
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #ids do
  local key = ARGV[1] .. ids[i]
  local rec = redis.call('HMGET', key, 'd', 'c', 't')
  if rec[3] then
    out[#out + 1] = ids[i]
    out[#out + 1] = rec[1]
    out[#out + 1] = tonumber(rec[2])
    out[#out + 1] = tonumber(rec[3])
    out[#out + 1] = redis.call('PTTL', key)
  else
    redis.call('ZREM', KEYS[1], ids[i])
  end
end
return out
