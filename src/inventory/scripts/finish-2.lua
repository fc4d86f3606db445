-- Commits (sells), releases or extends a hold, on every item of a cart at once.
-- KEYS[1]  item hash of the hold's first item (where its record lives)
-- KEYS[2]  that item's expiry zset
-- ARGV[1]  holdId
-- ARGV[2]  action: 'commit', 'release' or 'extend'
-- ARGV[3]  tombstone ttl in ms
-- ARGV[4]  new ttl in ms (extend only)
-- Returns {0, info, reclaimed} when done, info = {holdId, expiresAt, holder, B1, q1, ...};
--   {1, info, reclaimed} when a commit or release was already done (nothing changed).
-- Status codes: -4 hold not found; -5 expired; -6 committed; -7 released (payload info).
-- The cart's other items are in the same hash slot (checked before the hold was placed): their
-- keys come from the record, which names them (the first item's as '', meaning KEYS[1..2]).
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local id, action, tomb = ARGV[1], ARGV[2], ARGV[3] + 0
local now = now_ms()
local out = {}
reclaim(B, E, now, tomb, out, 0)
local rec = redis.call('HGET', B, 'r:' .. id)
if not rec then return { -4, {}, out } end
local r = split(rec)
local st = r[1]
if st == 'X' then return { -5, record_info(r, id, B), out } end
if st == 'C' then
  if action == 'commit' then return { 1, record_info(r, id, B), out } end
  return { -6, record_info(r, id, B), out }
end
if st == 'R' then
  if action == 'release' then return { 1, record_info(r, id, B), out } end
  return { -7, record_info(r, id, B), out }
end
local n = tonumber(r[5])
if action == 'extend' then
  -- Formatted once, as an integer: a number handed to Redis is formatted by printf("%.17g").
  local exp = string.format('%d', now + ARGV[4])
  for i = 0, n - 1 do
    local ei = r[7 + 3 * i]
    if ei == '' then ei = E end
    redis.call('ZADD', ei, exp, id)
  end
  r[2] = exp
  redis.call('HSET', B, 'r:' .. id, table.concat(r, '\31'))
  return { 0, record_info(r, id, B), out }
end
for i = 0, n - 1 do
  -- The quantity goes to HINCRBY as the string the record holds (nothing to format).
  local bi, ei, qs = r[6 + 3 * i], r[7 + 3 * i], r[8 + 3 * i]
  if bi == '' then bi, ei = B, E end
  redis.call('HINCRBY', bi, 'held', '-' .. qs)
  if action == 'commit' then
    redis.call('HINCRBY', bi, 'sold', qs)
  else
    local line = redis.call('HGET', bi, 'l:' .. id)
    if line then
      local l = split(line)
      if l[3] == '1' then uncount_holder(bi, l[2], qs + 0) end
    end
  end
  redis.call('HDEL', bi, 'l:' .. id)
  redis.call('ZREM', ei, id)
end
local mark = 'C'
if action == 'release' then mark = 'R' end
r[1] = mark
redis.call('HSET', B, 'r:' .. id, table.concat(r, '\31'))
redis.call('ZADD', E, string.format('%d', now + tomb), 't:' .. id)
return { 0, record_info(r, id, B), out }
