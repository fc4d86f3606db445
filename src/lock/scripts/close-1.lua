-- Closes a lock name for good: its exclusive holder ends its lease and, in the same step, makes
-- every later acquire of the name (exclusive, read or multi-name) fail with status -6 until an
-- admin force-releases it. For work that must happen once: a slot booked, a job done.
-- KEYS[1]  the lock (see includes/lock-value.lua: a closed name is "\n<fence>\n<metadata>", no TTL)
-- ARGV[1]  owner token: must hold the exclusive lock now (a lapsed or stolen lease cannot close)
-- ARGV[2]  metadata to keep on the closed name ("" for none)
-- ARGV[3]  1: ARGV[2] replaces the holder's metadata; 0: the holder's metadata is kept
-- Returns  {fence of the closing lease, server time in ms, the metadata now kept on the name}
-- Status   -2  the token holds nothing here (expired, released or never held); nothing changed
--          -3  another owner holds the lock; nothing changed
--          {-6, the closing lease's fence}  the name is already closed; nothing changed
-- One GET and one SET: the SET without PX removes the lease's TTL, so the closed name stays.
-- @include "lock-write.lua"
-- @include "lock-owner.lua"
-- @include "refusal.lua"
-- @include "now.lua"
local v = redis.call('GET', KEYS[1])
if held_by(v, ARGV[1]) then
  local _, fence, meta = lock_fields(v)
  if ARGV[3] == '1' then meta = ARGV[2] end
  local a = #ARGV[1] + 2
  local fence_s = string.sub(v, a, string.find(v, '\n', a, true) - 1)
  redis.call('SET', KEYS[1], lock_value('', fence_s, meta))
  return { fence, now_ms(), meta }
end
return refusal(v)
