-- Acquires a shared (reader) lock: many readers may hold a key at once, never together with a writer.
-- KEYS[1]  the lock (the writer; see acquire-3.lua)
-- KEYS[2]  the per-key fence counter (read only here: readers do not take a new fence)
-- KEYS[3]  the readers sorted set: member = owner token, score = expiry in server ms
-- ARGV[1]  owner token
-- ARGV[2]  ttl in ms (integer >= 1)
-- Returns  {fence, server time in ms}: the fence is the counter's current value (the last writer's
--          fence, 0 if none is known), which cannot change while any reader holds the key.
-- Status   {-1, remaining ttl ms, holder fence, holder metadata}  a writer holds the key
--          {-5, remaining ttl ms of that read lease, 0, ""}       this token already holds a read lock
--          {-6, 0, the closing holder's fence, the closing metadata}  the name is closed (close-1.lua)
-- @include "lock-value.lua"
-- @include "now.lua"
-- @include "reclaim-readers.lua"
local v = redis.call('GET', KEYS[1])
if v then
  local token, fence, meta = lock_fields(v)
  if token == '' then return { -6, 0, fence, meta } end
  return { -1, redis.call('PTTL', KEYS[1]), fence, meta }
end
local now = now_ms()
local ttl = tonumber(ARGV[2])
reclaim_readers(KEYS[3], now)
local mine = redis.call('ZSCORE', KEYS[3], ARGV[1])
if mine and tonumber(mine) > now then
  return { -5, tonumber(mine) - now, 0, '' }
end
redis.call('ZADD', KEYS[3], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end
return { tonumber(redis.call('GET', KEYS[2])) or 0, now }
