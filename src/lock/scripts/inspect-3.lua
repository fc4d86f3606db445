-- Reads a lock's state without changing it (admin inspection).
-- KEYS[1]  the lock
-- KEYS[2]  the readers sorted set
-- KEYS[3]  the per-key fence counter
-- Returns  {remaining ttl ms of the exclusive lock (-2 if free), its token, its fence, its metadata,
--           number of live readers, ms until the last reader expires (0 if none), counter value}
--          (token and metadata are "" when free)
-- @include "lock-value.lua"
-- @include "now.lua"
local now = now_ms()
local token, fence, meta = '', 0, ''
local v = redis.call('GET', KEYS[1])
if v then token, fence, meta = lock_fields(v) end
local readers, readerTtl = 0, 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  readers = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if top[1] and tonumber(top[2]) > now then readerTtl = tonumber(top[2]) - now end
end
return { redis.call('PTTL', KEYS[1]), token, fence, meta, readers, readerTtl,
  tonumber(redis.call('GET', KEYS[3])) or 0 }
