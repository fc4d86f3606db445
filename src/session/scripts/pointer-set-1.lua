-- Points a token hash at the user whose hash tag holds the session (token-only lookups use it).
-- KEYS[1] the pointer: hash {u = user, t = ttl ms}, in the token hash's own slot
-- ARGV[1] user
-- ARGV[2] ttl in ms
-- Returns the user it pointed at before, or nil
local old = redis.call('HGET', KEYS[1], 'u')
redis.call('HSET', KEYS[1], 'u', ARGV[1], 't', ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return old
