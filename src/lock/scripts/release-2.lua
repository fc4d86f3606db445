-- Releases a lock (exclusive or read) only if the token holds it.
-- KEYS[1]  the lock
-- KEYS[2]  the readers sorted set
-- ARGV[1]  owner token
-- Returns  1 when an exclusive lease was released, 2 when a read lease was released.
-- Status   -2  the token holds nothing here (expired, released or never held); nothing changed
--          -3  another owner holds the exclusive lock; nothing changed
--          {-6, the closing lease's fence}  the name is closed (close-1.lua); nothing changed
-- @include "lock-owner.lua"
-- @include "refusal.lua"
-- @include "now.lua"
local v = redis.call('GET', KEYS[1])
if held_by(v, ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 1
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score then
  redis.call('ZREM', KEYS[2], ARGV[1])
  if tonumber(score) > now_ms() then return 2 end
end
return refusal(v)
