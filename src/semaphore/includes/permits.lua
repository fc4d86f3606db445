-- Permits of a semaphore: a sorted set of holders (member = owner token, score = expiry in server
-- ms) and a hash of their metadata. Shared by every semaphore script.

-- Reclaims the permits that expired by `now` (and their metadata): a crashed holder's permit comes
-- back here, with no sweeper. Returns whether the metadata hash exists.
local function reclaim_expired(holders, meta, now)
  local has_meta = redis.call('EXISTS', meta) == 1
  if has_meta then
    local expired = redis.call('ZRANGEBYSCORE', holders, '-inf', now)
    for i = 1, #expired, 1000 do
      redis.call('HDEL', meta, unpack(expired, i, math.min(i + 999, #expired)))
    end
  end
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  return has_meta
end

-- The keys live exactly as long as their longest permit. Returns false when no permit is left
-- (the metadata hash is then deleted).
local function expire_with_last_permit(holders, meta, now)
  local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', meta)
    return false
  end
  local key_ttl = tonumber(last[2]) - now
  redis.call('PEXPIRE', holders, key_ttl)
  redis.call('PEXPIRE', meta, key_ttl)
  return true
end
