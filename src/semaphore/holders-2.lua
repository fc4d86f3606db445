-- Lists the live holders of a semaphore, soonest expiry first.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- Returns  {now ms, token1, expiresAt1 ms, metadata1 JSON or "", token2, ...}
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

local hasMeta = reclaim_expired(holders, meta, now)

local entries = redis.call('ZRANGE', holders, 0, -1, 'WITHSCORES')
local out = { now }
for i = 1, #entries, 2 do
  local data = hasMeta and redis.call('HGET', meta, entries[i]) or false
  out[#out + 1] = entries[i]
  out[#out + 1] = tonumber(entries[i + 1])
  out[#out + 1] = data or ''
end
return out
