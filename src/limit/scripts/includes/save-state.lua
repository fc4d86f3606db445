-- Writing a rate-limited key's state hash, shared by every rate-limit script.
-- Writes field/value pairs (`...`) and keeps the hash alive for at least `ttl` ms from `now`: as
-- long as its longest-lived state matters (a window's end, a refill, a block). The expiry is set
-- with slack, twice what is needed and at least a minute, and remembered in "x" (`x` is the hash's
-- "x" field as read, a string or false), so most calls skip the PEXPIRE, also when the state
-- matters for only a millisecond (a fast GCRA or bucket). A hash that outlives its state changes
-- no decision: stale state reads as a full budget, exactly like a missing hash.
local function save_state(key, now, ttl, x, ...)
  if ttl < 1 then ttl = 1 end
  if ttl > 1e13 then ttl = 1e13 end
  if not x or now + ttl > x + 0 then
    local keep = 2 * ttl
    if keep < 60000 then keep = 60000 end
    redis.call('HSET', key, 'x', now + keep, ...)
    redis.call('PEXPIRE', key, keep)
  else
    redis.call('HSET', key, ...)
  end
end
