-- Extends the exclusive locks of a multi-key lease: all of them or none.
-- KEYS     the locks (numKeys = the number of names)
-- ARGV[1]  owner token
-- ARGV[2]  new ttl in ms, counted from now (integer >= 1)
-- Returns  server time in ms
-- Status   {-2, index}  the token no longer holds name `index` (1-based); nothing changed
--          {-3, index}  another owner holds name `index`; nothing changed
--          {-6, index}  name `index` is closed (close-1.lua); nothing changed
-- @include "lock-owner.lua"
-- @include "now.lua"
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not held_by(v, ARGV[1]) then
    if v then
      if is_closed(v) then return { -6, i } end
      return { -3, i }
    end
    return { -2, i }
  end
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return now_ms()
