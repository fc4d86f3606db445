-- Counts the live permits of a semaphore.
-- KEYS[1]  sorted set of holders: member = owner token, score = expiry (server ms since epoch)
-- KEYS[2]  hash of holders' metadata
-- ARGV[1]  reclaim limit: at most this many expired permits removed by this call
-- Returns  {holders}
-- @include "now.lua"
-- @include "permits.lua"
local holders, meta = KEYS[1], KEYS[2]
local now = now_ms()

reclaim_expired(holders, meta, now, ARGV[1])
return { live_count(holders, now) }
