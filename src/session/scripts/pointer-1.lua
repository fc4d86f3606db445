-- Resolves a token hash to its user; optionally slides or deletes the pointer.
-- KEYS[1] the pointer: hash {u = user, t = ttl ms}
-- ARGV[1] 0 read, 1 restart the pointer's TTL (touch), 2 delete it (revoke)
-- ARGV[2] for a delete: only if it points at this user ('' = whoever), so that a revoke with a
--         wrong user hint cannot cut the way to someone else's live session
-- Returns the user, or nil when there is no pointer
local rec = redis.call('HMGET', KEYS[1], 'u', 't')
if not rec[1] then return false end
if ARGV[1] == '1' then
  redis.call('PEXPIRE', KEYS[1], tonumber(rec[2]))
elseif ARGV[1] == '2' and (ARGV[2] == '' or ARGV[2] == rec[1]) then
  redis.call('DEL', KEYS[1])
end
return rec[1]
