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
-- A hold past its expiry that no call has reclaimed yet is expired all the same: its first line is
-- given back here. Every call also processes at most two due entries of the first item (the
-- tombstone each finish leaves behind is one), so tombstones and abandoned lines never pile up
-- even where no sweeper runs.
-- The cart's other items are in the same hash slot (checked before the hold was placed): their
-- keys come from the record, which names them.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local id, action, tomb = ARGV[1], ARGV[2], ARGV[3] + 0
local now = now_ms()
local out = {}
budget = 2
reclaim(B, E, now, tomb, out, 0, math.huge, '', 0)
local rec = redis.call('HGET', B, 'r:' .. id)
if not rec then return { -4, {}, out } end
local r = split(rec)
local st = r[1]
if st == 'H' and r[2] + 0 <= now then
  reclaim_entry(B, E, id, now, tomb, out, 0)
  st = 'X'
end
if st == 'X' then return { -5, record_info(r, id, B), out } end
if st == 'C' then
  if action == 'commit' then return { 1, record_info(r, id, B), out } end
  return { -6, record_info(r, id, B), out }
end
if st == 'R' then
  if action == 'release' then return { 1, record_info(r, id, B), out } end
  return { -7, record_info(r, id, B), out }
end
if action == 'extend' then
  -- Formatted once, as an integer: a number handed to Redis is formatted by printf("%.17g").
  local exp = string.format('%d', now + ARGV[4])
  redis.call('ZADD', E, exp, id)
  for i = 7, #r, 3 do redis.call('ZADD', r[i + 1], exp, id) end
  r[2] = exp
  redis.call('HSET', B, 'r:' .. id, table.concat(r, '\31'))
  return { 0, record_info(r, id, B), out }
end
-- Line 1 is the record's own (quantity r[6], counted r[5]); the others are l: fields on their items.
for i = 4, #r, 3 do
  local bi, ei, qs = B, E, r[6]
  if i > 4 then bi, ei, qs = r[i], r[i + 1], r[i + 2] end
  -- The quantity goes to HINCRBY as the string the record holds (nothing to format).
  redis.call('HINCRBY', bi, 'held', '-' .. qs)
  if action == 'commit' then
    redis.call('HINCRBY', bi, 'sold', qs)
  elseif i == 4 then
    if r[5] == '1' then uncount_holder(bi, r[3], qs + 0) end
  else
    local line = redis.call('HGET', bi, 'l:' .. id)
    if line then
      local l = split(line)
      if l[3] == '1' then uncount_holder(bi, l[2], qs + 0) end
    end
  end
  if i > 4 then redis.call('HDEL', bi, 'l:' .. id) end
  redis.call('ZREM', ei, id)
end
local mark = 'C'
if action == 'release' then mark = 'R' end
r[1] = mark
redis.call('HSET', B, 'r:' .. id, table.concat(r, '\31'))
redis.call('ZADD', E, string.format('%d', now + tomb), 't:' .. id)
return { 0, record_info(r, id, B), out }
