-- Reads an item's stock after reclaiming its expired holds, so the figures are exact.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  tombstone ttl in ms
-- Returns {0, {total, held, sold, max, limit}, reclaimed} where reclaimed is a flat list of
--   {index, holdId, holder, qty} per expired line given back.
-- Status codes: -1 item not found.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local out = {}
reclaim(B, E, now_ms(), tonumber(ARGV[1]), out, 0)
local s = state(B)
if not s then return { -1, {}, out } end
return { 0, s, out }
