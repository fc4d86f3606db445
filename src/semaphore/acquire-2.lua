-- Takes one permit of a counting semaphore if fewer than `limit` live permits are held.
-- Expired permits are removed first, so a crashed holder's permit returns by itself after its TTL.
-- An owner that already holds a live permit gets it back, extended (idempotent retry).
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata: field = owner token, value = JSON (only when given)
-- ARGV[1]  owner token
-- ARGV[2]  limit: the most permits that may be held (integer >= 1)
-- ARGV[3]  ttlMs: how long the permit lives, in milliseconds
-- ARGV[4]  metadata as JSON, or "" for none
-- Returns  {1, expiresAt ms, holders after}        acquired
--          {-1, holders, retryAfterMs}            full: -1 = FULL; retryAfterMs is when enough
--                                                 permits expire for one to be free (none refreshed)
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now)

local token, limit, ttl, data = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local count = redis.call('ZCARD', holders)
local held = redis.call('ZSCORE', holders, token)

if not held and count >= limit then
  -- With the limit lowered below the holders, (count - limit + 1) permits must go before one is free.
  local nth = redis.call('ZRANGE', holders, count - limit, count - limit, 'WITHSCORES')
  return { -1, count, tonumber(nth[2]) - now }
end

local expiresAt = now + ttl
redis.call('ZADD', holders, expiresAt, token)
if not held then count = count + 1 end
if data ~= '' then redis.call('HSET', meta, token, data) end

expire_with_last_permit(holders, meta, now)
return { 1, expiresAt, count }
