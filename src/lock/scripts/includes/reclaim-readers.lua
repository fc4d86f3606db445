-- The read-lock holders of a lock: a sorted set, member = token, score = expiry in server ms.

-- Removes at most 100 expired readers of a lock, oldest first (two O(log n) commands, no reply to
-- convert), so no call's work grows with how many read leases expired before it. Expired readers
-- never count (see live_readers), and the readers key expires with its longest lease.
local function reclaim_readers(readers_key, now)
  local expired = redis.call('ZCOUNT', readers_key, '-inf', now)
  if expired > 0 then
    if expired > 100 then expired = 100 end
    redis.call('ZREMRANGEBYRANK', readers_key, 0, expired - 1)
  end
end
