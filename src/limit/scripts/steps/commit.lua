-- Every limit allows: write every new state (each followed by when it stops mattering) in the
-- key's one state field with one HSET, and answer each limit's remaining units r<i> and reset e<i>.
-- The hash must live as long as its longest-lived state (the largest e<i>); its expiry is kept as
-- includes/save-state.lua keeps it (written out here, as a function would cost a closure per
-- check). Its slots (TTL, FIELD, STATE, REPLY) are filled by scripts.ts.
local ttl = e1
$TTL
if ttl < 1 then ttl = 1 elseif ttl > 1e13 then ttl = 1e13 end
local x = h[2]
if not x or now + ttl > x + 0 then
  local keep = 2 * ttl
  if keep < 60000 then keep = 60000 end
  redis.call('HSET', key, 'x', now + keep, ARGV[$FIELD], $STATE)
  redis.call('PEXPIRE', key, keep)
else
  redis.call('HSET', key, ARGV[$FIELD], $STATE)
end
return { $REPLY }
