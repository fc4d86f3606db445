-- Reserves units of one item, or of several items (a cart) all or nothing.
-- KEYS[2i-1]  item hash of line i     (2 keys per line: this file is also run with 2n keys)
-- KEYS[2i]    item expiry zset of line i
-- ARGV[1]  holdId (new)
-- ARGV[2]  holder
-- ARGV[3]  ttl in ms
-- ARGV[4]  idempotency key ('' = none)
-- ARGV[5]  tombstone ttl in ms
-- ARGV[5+i] quantity of line i (units)
-- Returns {0, {expiresAt}, reclaimed} when held; {1, info, reclaimed} when the idempotency key
--   names a live hold, info = {holdId, expiresAt, holder, B1, q1, ...}.
-- Status codes: -1 item not found {index}; -2 insufficient {index, available};
--   -3 holder limit {index, limit, current}; for an idempotency key whose hold finished:
--   -5 expired, -6 committed, -7 released (payload info).
-- @include "now.lua"
-- @include "common.lua"
-- Numbers Lua hands to Redis or joins into strings are formatted by a libc printf (thousands of
-- instructions for a millisecond timestamp): quantities are passed on as the strings they came
-- as, and the expiry is formatted once, as an integer.
local id, holder, ttl, idem, tomb = ARGV[1], ARGV[2], ARGV[3] + 0, ARGV[4], ARGV[5] + 0
local n = #KEYS / 2
local now = now_ms()
local out = {}
for i = 1, n do reclaim(KEYS[2 * i - 1], KEYS[2 * i], now, tomb, out, i - 1) end
local A = KEYS[1]
if idem ~= '' then
  local prev = redis.call('HGET', A, 'i:' .. idem)
  if prev then
    local rec = redis.call('HGET', A, 'r:' .. prev)
    if rec then
      local r = split(rec)
      local st = r[1]
      local code = 1
      if st == 'X' then code = -5 elseif st == 'C' then code = -6 elseif st == 'R' then code = -7 end
      return { code, record_info(r, prev, A), out }
    end
  end
end
local limits = {}
for i = 1, n do
  local B = KEYS[2 * i - 1]
  local s = state(B)
  if not s then return { -1, { i - 1 }, out } end
  local q = ARGV[5 + i] + 0
  local avail = s[1] - s[2] - s[3]
  if q > avail then return { -2, { i - 1, avail }, out } end
  limits[i] = s[5]
  if s[5] > 0 then
    local cur = (redis.call('HGET', B, 'p:' .. holder) or 0) + 0
    if cur + q > s[5] then return { -3, { i - 1, s[5], cur }, out } end
  end
end
local exp = now + ttl
local exp_s = string.format('%d', exp)
local parts = { 'H', exp_s, holder, idem, string.format('%d', n) }
local first_line
for i = 1, n do
  local B, E = KEYS[2 * i - 1], KEYS[2 * i]
  local q = ARGV[5 + i]
  local counted = '0'
  if limits[i] > 0 then
    counted = '1'
    redis.call('HINCRBY', B, 'p:' .. holder, q)
  end
  redis.call('HINCRBY', B, 'held', q)
  local line = q .. '\31' .. holder .. '\31' .. counted
  redis.call('ZADD', E, exp_s, id)
  if i == 1 then
    -- Written below with the record, in one HSET; the record names the first item's keys as ''.
    first_line = line
    B, E = '', ''
  else
    redis.call('HSET', B, 'l:' .. id, line)
  end
  parts[#parts + 1] = B
  parts[#parts + 1] = E
  parts[#parts + 1] = q
end
if idem ~= '' then
  redis.call('HSET', A, 'l:' .. id, first_line, 'r:' .. id, table.concat(parts, '\31'), 'i:' .. idem, id)
else
  redis.call('HSET', A, 'l:' .. id, first_line, 'r:' .. id, table.concat(parts, '\31'))
end
return { 0, { exp }, out }
