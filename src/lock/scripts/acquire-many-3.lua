-- Acquires exclusive locks on several keys of one hash slot: all of them or none.
-- KEYS     3 per name, in order: the lock, the fence counter, the readers sorted set
--          (so this script is called with numKeys = 3 × the number of names)
-- ARGV[1]  owner token (the same for every key)
-- ARGV[2]  ttl in ms (integer >= 1)
-- ARGV[3]  metadata ("" for none)
-- ARGV[4]  fence counter retention in ms
-- Returns  {server time in ms, fence of name 1, fence of name 2, ...}; each key gets its own fence,
--          max(its counter + 1, server time in us).
-- Status   {-1, remaining ttl ms, holder fence, holder metadata, index}  name `index` (1-based) is held
--          {-4, ms until its last reader expires, number of readers, "", index}  name `index` has readers
--          {-5, remaining ttl ms, fence, "", index}  this very token holds name `index` already
--          {-6, 0, the closing holder's fence, the closing metadata, index}  name `index` is closed
--          Nothing is written when a status is returned.
-- @include "lock-value.lua"
-- @include "lock-write.lua"
-- @include "fence.lua"
-- @include "live-readers.lua"
local t = redis.call('TIME')
local now_us, now_s = time_us(t)
local now = math.floor(now_us / 1000)
local n = #KEYS / 3
for i = 1, n do
  local lk, rk = KEYS[i * 3 - 2], KEYS[i * 3]
  if redis.call('EXISTS', lk, rk) > 0 then
    local v = redis.call('GET', lk)
    if v then
      local token, fence, meta = lock_fields(v)
      if token == ARGV[1] then return { -5, redis.call('PTTL', lk), fence, '', i } end
      if token == '' then return { -6, 0, fence, meta, i } end
      return { -1, redis.call('PTTL', lk), fence, meta, i }
    end
    local wait_ms, readers = live_readers(rk, now)
    if wait_ms then return { -4, wait_ms, readers, '', i } end
  end
end
local ttl = tonumber(ARGV[2])
local retention = tonumber(ARGV[4])
if ttl > retention then retention = ttl end
local out = { now }
for i = 1, n do
  local fence, s = next_fence(KEYS[i * 3 - 1], now_us, now_s, retention)
  redis.call('SET', KEYS[i * 3 - 2], lock_value(ARGV[1], s, ARGV[3]), 'PX', ttl)
  out[i + 1] = fence
end
return out
