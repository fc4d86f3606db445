-- Deletes every session of one user, atomically: after this call none of them is live.
-- KEYS[1] the user's session index: sorted set token hash -> expiry
-- ARGV[1] key prefix of the user's session records (same hash tag as KEYS[1])
-- Returns how many live sessions were deleted
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local n = 0
for i = 1, #ids do
  n = n + redis.call('DEL', ARGV[1] .. ids[i])
end
redis.call('DEL', KEYS[1])
return n
