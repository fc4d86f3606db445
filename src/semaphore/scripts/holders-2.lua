-- Lists one page of the live holders of a semaphore, soonest expiry first.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  reclaim limit: at most this many expired permits removed by this call
-- ARGV[2]  page size: at most this many holders (integer >= 1)
-- ARGV[3]  cursor: the expiry (ms) of the last holder of the previous page, '' for the first page
-- ARGV[4]  cursor: the token of that holder
-- Returns  {now ms, more (1 = a next page may exist), token1, expiresAt1 ms, metadata1 JSON or "",
--          token2, ...}: the page resumes right after the cursor's holder when it is still there
--          with the same expiry, else at the first holder expiring at or after the cursor's
--          expiry (one may then appear twice; none present throughout the listing is skipped).
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now, ARGV[1])

local n = tonumber(ARGV[2])
-- Ranks: expired permits not yet removed sort first; the first live one is at rank `live_from`.
local live_from = redis.call('ZCOUNT', holders, '-inf', string.format('%d', now))
local start = live_from
if ARGV[3] ~= '' then
  local rank = redis.call('ZRANK', holders, ARGV[4])
  local score = redis.call('ZSCORE', holders, ARGV[4])
  if rank and tonumber(score) == tonumber(ARGV[3]) then
    start = rank + 1
  else
    start = redis.call('ZCOUNT', holders, '-inf', '(' .. ARGV[3])
  end
  if start < live_from then start = live_from end
end
local entries = redis.call('ZRANGE', holders, start, start + n - 1, 'WITHSCORES')
local more = 0
if #entries == 2 * n then more = 1 end
local out = { now, more }
for i = 1, #entries, 2 do
  out[#out + 1] = entries[i]
  out[#out + 1] = tonumber(entries[i + 1])
  out[#out + 1] = redis.call('HGET', meta, entries[i]) or ''
end
return out
