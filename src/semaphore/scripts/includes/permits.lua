-- Permits of a semaphore: a sorted set of holders (member = owner token, score = expiry in server
-- ms) and a hash of their metadata. Shared by every semaphore script.
-- Expired permits are not counted anywhere (live_count reads only scores after now), so they need
-- not be removed for any answer to be right: each call removes at most `limit` of them, oldest
-- first, and the keys vanish by their TTL once the last permit has expired (see
-- expire_with_last_permit). No call's work grows with how many permits expired before it.

-- Removes up to `limit` permits that expired by `now` (and their metadata). `limit` is passed on
-- as sent (the ARGV string).
local function reclaim_expired(holders, meta, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', holders, '-inf', string.format('%d', now), 'LIMIT', 0, limit)
  if #expired == 0 then return end
  redis.call('ZREM', holders, unpack(expired))
  redis.call('HDEL', meta, unpack(expired))
end

-- Permits that expire after `now`: O(log n) whatever the set holds.
local function live_count(holders, now)
  return redis.call('ZCOUNT', holders, string.format('(%d', now), '+inf')
end

-- The keys live exactly as long as their longest permit. Returns false when no permit is live
-- (both keys are then deleted).
local function expire_with_last_permit(holders, meta, now)
  local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
  local key_ttl = 0
  if #last > 0 then key_ttl = tonumber(last[2]) - now end
  if key_ttl <= 0 then
    redis.call('DEL', holders, meta)
    return false
  end
  redis.call('PEXPIRE', holders, key_ttl)
  redis.call('PEXPIRE', meta, key_ttl)
  return true
end
