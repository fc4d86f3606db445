-- @include "reclaim-readers.lua"

-- When live readers hold a lock, returns the ms until the last of them expires and how many there
-- are, else nil. Call it only when the readers key exists.
local function live_readers(readers_key, now)
  reclaim_readers(readers_key, now)
  local top = redis.call('ZRANGE', readers_key, -1, -1, 'WITHSCORES')
  if not top[1] or tonumber(top[2]) <= now then return nil end
  return tonumber(top[2]) - now, redis.call('ZCOUNT', readers_key, '(' .. now, '+inf')
end
