-- Releases the exclusive locks of a multi-key lease: every key the token still holds is deleted.
-- KEYS     the locks (numKeys = the number of names)
-- ARGV[1]  owner token
-- Returns  0 when every key was released
-- Status   {-2, index}  the token did not hold name `index` (expired); keys it held were released
--          {-3, index}  another owner holds name `index` (left untouched); keys it held were released
--          {-6, index}  name `index` is closed (left untouched); keys it held were released
-- @include "lock-owner.lua"
local bad, code = 0, 0
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if held_by(v, ARGV[1]) then
    redis.call('DEL', KEYS[i])
  elseif bad == 0 then
    bad = i
    if not v then code = -2 elseif is_closed(v) then code = -6 else code = -3 end
  end
end
if bad == 0 then return 0 end
return { code, bad }
