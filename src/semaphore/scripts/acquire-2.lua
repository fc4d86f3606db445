-- Takes one permit of a counting semaphore if fewer than `limit` live permits are held.
-- A crashed holder's permit stops counting at its expiry (only live permits are counted), and
-- expired permits are removed at most `reclaim limit` per call (see includes/permits.lua).
-- An owner that already holds a live permit gets it back, extended (idempotent retry).
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata: field = owner token, value = JSON (only when given)
-- ARGV[1]  owner token
-- ARGV[2]  limit: the most permits that may be held (integer >= 1)
-- ARGV[3]  ttlMs: how long the permit lives, in milliseconds
-- ARGV[4]  metadata as JSON, or "" for none
-- ARGV[5]  reclaim limit: at most this many expired permits removed by this call
-- Returns  {1, expiresAt ms, holders after}        acquired
--          {-1, holders, retryAfterMs}            full: -1 = FULL; retryAfterMs is when enough
--                                                 permits expire for one to be free (none refreshed)
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now, ARGV[5])

local token, limit, ttl, data = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local count = live_count(holders, now)
local score = redis.call('ZSCORE', holders, token)
local held = score and tonumber(score) > now

if not held and count >= limit then
  -- Expired permits not yet removed sort first; with the limit lowered below the holders,
  -- (count - limit + 1) live permits must go before one is free: that one is at rank total - limit.
  local total = redis.call('ZCARD', holders)
  local nth = redis.call('ZRANGE', holders, total - limit, total - limit, 'WITHSCORES')
  return { -1, count, tonumber(nth[2]) - now }
end

local expiresAt = now + ttl
redis.call('ZADD', holders, expiresAt, token)
if not held then count = count + 1 end
if data ~= '' then
  redis.call('HSET', meta, token, data)
elseif score and not held then
  -- This token's own expired permit, not removed yet: its metadata must not carry over.
  redis.call('HDEL', meta, token)
end

expire_with_last_permit(holders, meta, now)
return { 1, expiresAt, count }
