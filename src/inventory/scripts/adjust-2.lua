-- Adds delta units to (or removes them from) an item's total stock.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  delta (units, integer, non-zero)
-- ARGV[2]  tombstone ttl in ms
-- ARGV[3]  reclaim limit: at most this many due entries (expired lines, old tombstones) processed
-- Returns {0, {total, held, sold, max, limit}, reclaimed} (exact: expired holds are given back
--   first); {2, state, reclaimed} when that spent the reclaim limit and more may be due: nothing
--   was written, call again.
-- Status codes: -1 item not found; -8 the new total would pass max: {-8, {max, total}};
--   -2 a decrease larger than what is available: {-2, {0, available}}.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local delta = tonumber(ARGV[1])
local s, out = settle(B, E, now_ms(), ARGV[2] + 0, ARGV[3] + 0)
if not s then return { -1, {}, out } end
if budget <= 0 then return { 2, s, out } end
local total = s[1] + delta
if delta > 0 and s[4] > 0 and total > s[4] then return { -8, { s[4], s[1] }, out } end
if delta < 0 and total < s[2] + s[3] then return { -2, { 0, s[1] - s[2] - s[3] }, out } end
redis.call('HSET', B, 'total', total)
s[1] = total
return { 0, s, out }
