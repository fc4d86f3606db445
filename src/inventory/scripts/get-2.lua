-- Reads an item's stock after giving back its expired holds, so the figures are exact.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  tombstone ttl in ms
-- ARGV[2]  reclaim limit: at most this many due entries (expired lines, old tombstones) processed
-- Returns {0, {total, held, sold, max, limit}, reclaimed} where reclaimed is a flat list of
--   {index, holdId, holder, qty} per expired line given back; {2, state, reclaimed} when the call
--   spent its reclaim limit and more may be due: the figures are not final yet, call again.
-- Status codes: -1 item not found.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local s, out = settle(B, E, now_ms(), ARGV[1] + 0, ARGV[2] + 0)
if not s then return { -1, {}, out } end
if budget <= 0 then return { 2, s, out } end
return { 0, s, out }
