-- Creates an item with its stock, or updates the limits of an existing one (its stock untouched).
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  initial stock (units, used only when the item is new)
-- ARGV[2]  maximum total stock (units, 0 = none)
-- ARGV[3]  per-holder limit (units, 0 = none)
-- ARGV[4]  tombstone ttl in ms
-- ARGV[5]  reclaim limit: at most this many due entries (expired lines, old tombstones) processed
-- Returns {1, state, reclaimed} when created, {0, state, reclaimed} when it existed
--   (state = {total, held, sold, max, limit}, exact: expired holds are given back first);
--   {2, state, reclaimed} when that spent the reclaim limit and more may be due: nothing was
--   written, call again.
-- Status codes: -8 the existing total already exceeds the new maximum: {-8, {max, total}}.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local stock, max, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local s, out = settle(B, E, now_ms(), ARGV[4] + 0, ARGV[5] + 0)
if not s then
  redis.call('HSET', B, 'total', stock, 'held', 0, 'sold', 0, 'max', max, 'limit', limit)
  return { 1, { stock, 0, 0, max, limit }, out }
end
if budget <= 0 then return { 2, s, out } end
if max > 0 and s[1] > max then return { -8, { max, s[1] }, out } end
redis.call('HSET', B, 'max', max, 'limit', limit)
return { 0, { s[1], s[2], s[3], max, limit }, out }
