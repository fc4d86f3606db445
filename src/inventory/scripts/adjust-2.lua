-- Adds delta units to (or removes them from) an item's total stock.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  delta (units, integer, non-zero)
-- ARGV[2]  tombstone ttl in ms
-- Returns {0, {total, held, sold, max, limit}, reclaimed}.
-- Status codes: -1 item not found; -8 the new total would pass max: {-8, {max, total}};
--   -2 a decrease larger than what is available: {-2, {0, available}}.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local delta = tonumber(ARGV[1])
local out = {}
reclaim(B, E, now_ms(), tonumber(ARGV[2]), out, 0)
local s = state(B)
if not s then return { -1, {}, out } end
local total = s[1] + delta
if delta > 0 and s[4] > 0 and total > s[4] then return { -8, { s[4], s[1] }, out } end
if delta < 0 and total < s[2] + s[3] then return { -2, { 0, s[1] - s[2] - s[3] }, out } end
redis.call('HSET', B, 'total', total)
s[1] = total
return { 0, s, out }
