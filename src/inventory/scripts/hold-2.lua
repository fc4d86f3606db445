-- Reserves units of one item, or of several items (a cart) all or nothing.
-- KEYS[2i-1]  item hash of line i     (2 keys per line: this file is also run with 2n keys)
-- KEYS[2i]    item expiry zset of line i
-- ARGV[1]  holdId (new)
-- ARGV[2]  holder
-- ARGV[3]  ttl in ms
-- ARGV[4]  idempotency key ('' = none)
-- ARGV[5]  tombstone ttl in ms
-- ARGV[6]  reclaim limit: at most this many due entries (expired lines, old tombstones) processed
-- ARGV[6+i] quantity of line i (units)
-- Returns expiresAt (an integer) when held and nothing was reclaimed; otherwise {status, payload,
--   reclaimed}: {0, {expiresAt}, reclaimed} when held; {1, info, reclaimed} when the idempotency
--   key names a live hold, info = {holdId, expiresAt, holder, B1, q1, ...}; reclaimed is a flat
--   list of {index, holdId, holder, qty} per expired line given back.
--   {2, {index, available}, reclaimed}: line `index` lacks units, and this call spent its reclaim
--   limit giving back expired holds while more may be due: call again (nothing was held).
-- Status codes: -1 item not found {index}; -2 insufficient {index, available};
--   -3 holder limit {index, limit, current}; for an idempotency key whose hold finished:
--   -5 expired, -6 committed, -7 released (payload info).
-- Expired holds are given back only when a line lacks units (or the holder's limit is reached):
-- the common path is five commands (TIME, HMGET, HINCRBY, ZADD, HSET) and an integer reply, whose
-- Lua-to-RESP conversion costs a fraction of a nested table's.
-- @include "now.lua"
-- @include "common.lua"
-- Numbers Lua hands to Redis or joins into strings are formatted by a libc printf (thousands of
-- instructions for a millisecond timestamp): quantities are passed on as the strings they came
-- as, and the expiry is formatted once, as an integer.
local id, holder, idem = ARGV[1], ARGV[2], ARGV[4]
local n = #KEYS / 2
local now = now_ms()
local A = KEYS[1]
-- Filled only by a call that gives expired holds back (the common path allocates no table).
local out = nil
if idem ~= '' then
  local prev = redis.call('HGET', A, 'i:' .. idem)
  if prev then
    local rec = redis.call('HGET', A, 'r:' .. prev)
    if rec then
      local r = split(rec)
      local st = r[1]
      local code = 1
      -- Expired but not yet reclaimed is expired all the same.
      if st == 'X' or (st == 'H' and r[2] + 0 <= now) then code = -5
      elseif st == 'C' then code = -6 elseif st == 'R' then code = -7 end
      return { code, record_info(r, prev, A), {} }
    end
  end
end
budget = ARGV[6] + 0
-- Checks line i (item B, expiry set E, q units): returns '1' when the line counts against the
-- item's per-holder limit, '0' when it does not, or nil and the refusal. Gives expired holds back
-- first only when the line lacks units or the holder is at the limit.
local function check(i, B, E, q)
  local s = redis.call('HMGET', B, 'total', 'held', 'sold', 'limit')
  if not s[1] then return nil, { -1, { i - 1 }, out or {} } end
  local avail = s[1] - s[2] - s[3]
  if s[4] == '0' then
    if q <= avail then return '0' end
    out = out or {}
    avail = avail + reclaim(B, E, now, ARGV[5] + 0, out, i - 1, q - avail, holder, 0)
    if q <= avail then return '0' end
    if budget <= 0 then return nil, { 2, { i - 1, avail }, out } end
    return nil, { -2, { i - 1, avail }, out }
  end
  local limit = s[4] + 0
  local cur = (redis.call('HGET', B, 'p:' .. holder) or 0) + 0
  if q <= avail and cur + q <= limit then return '1' end
  out = out or {}
  local freed, mine = reclaim(B, E, now, ARGV[5] + 0, out, i - 1, q - avail, holder, cur + q - limit)
  avail = avail + freed
  cur = cur - mine
  if q <= avail and cur + q <= limit then return '1' end
  if budget <= 0 then return nil, { 2, { i - 1, avail }, out } end
  if q > avail then return nil, { -2, { i - 1, avail }, out } end
  return nil, { -3, { i - 1, limit, cur }, out }
end
local counted1, refused = check(1, A, KEYS[2], ARGV[7] + 0)
if refused then return refused end
local counted = {}
for i = 2, n do
  counted[i], refused = check(i, KEYS[2 * i - 1], KEYS[2 * i], ARGV[6 + i] + 0)
  if refused then return refused end
end
local exp = now + ARGV[3]
local exp_s = string.format('%d', exp)
local rec = 'H\31' .. exp_s .. '\31' .. holder .. '\31' .. idem .. '\31' .. counted1 .. '\31' .. ARGV[7]
if counted1 == '1' then redis.call('HINCRBY', A, 'p:' .. holder, ARGV[7]) end
redis.call('HINCRBY', A, 'held', ARGV[7])
redis.call('ZADD', KEYS[2], exp_s, id)
for i = 2, n do
  local B, E, q = KEYS[2 * i - 1], KEYS[2 * i], ARGV[6 + i]
  if counted[i] == '1' then redis.call('HINCRBY', B, 'p:' .. holder, q) end
  redis.call('HINCRBY', B, 'held', q)
  redis.call('ZADD', E, exp_s, id)
  redis.call('HSET', B, 'l:' .. id, q .. '\31' .. holder .. '\31' .. counted[i])
  rec = rec .. '\31' .. B .. '\31' .. E .. '\31' .. q
end
if idem ~= '' then
  redis.call('HSET', A, 'r:' .. id, rec, 'i:' .. idem, id)
else
  redis.call('HSET', A, 'r:' .. id, rec)
end
if not out then return exp end
return { 0, { exp }, out }
