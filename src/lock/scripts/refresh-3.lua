-- Extends a lock (exclusive or read) only while the token still holds it; never re-creates it.
-- KEYS[1]  the lock
-- KEYS[2]  the readers sorted set
-- KEYS[3]  the per-key fence counter
-- ARGV[1]  owner token
-- ARGV[2]  new ttl in ms, counted from now (integer >= 1)
-- Returns  {fence, server time in ms, 1} for an exclusive lease, {fence, server time in ms, 2} for a
--          read lease (the fence is the counter's current value, as at acquire).
-- Status   -2  the token holds nothing here (expired, released or never held)
--          -3  another owner holds the exclusive lock
--          {-6, the closing lease's fence}  the name is closed (close-1.lua)
-- @include "lock-owner.lua"
-- @include "refusal.lua"
-- @include "now.lua"
local v = redis.call('GET', KEYS[1])
if held_by(v, ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  local _, fence = lock_fields(v)
  return { fence, now_ms(), 1 }
end
local now = now_ms()
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score and tonumber(score) > now then
  local ttl = tonumber(ARGV[2])
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
  return { tonumber(redis.call('GET', KEYS[3])) or 0, now, 2 }
end
return refusal(v)
