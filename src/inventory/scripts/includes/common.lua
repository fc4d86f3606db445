-- Shared by every inventory script (stitched in by scripts.ts). Data of one item, all in its slot:
--   item hash B: total, held, sold, max (0 = none), limit (0 = none), and
--     r:<holdId>  a hold's record, on its first item only:
--                 "status\31expiresAt\31holder\31idem\31counted1\31q1[\31B2\31E2\31q2 ...]":
--                 status H(eld), C(ommitted), R(eleased), X (expired); C, R and X are tombstones
--                 kept tombstone-ttl ms. The first line (this item's) is the record itself:
--                 counted1 (0|1) says whether q1 counts against the holder's limit; each further
--                 line names its item's keys and quantity.
--     l:<holdId>  a line of a live hold on a further item of a cart: "qty\31holder\31counted(0|1)"
--     i:<idem>    idempotency key -> holdId (on the first item)
--     p:<holder>  units held + bought by a holder (only while the item has a limit)
--   expiry zset E: <holdId> -> expiresAt ms (a live line), t:<holdId> -> when the tombstone goes.
-- `held` counts every line not yet given back, expired ones included until they are reclaimed:
-- reclaiming is what returns their units (see `reclaim`), so available + held + sold = total holds
-- at every instant, and a hold that needs the units reclaims them first.
-- Separator \31 (unit separator): names cannot contain control characters.

-- Due entries of the expiry sets (expired lines, tombstones past their time) this call may still
-- process. Every script sets it from its reclaim limit, so no call's work grows with the backlog
-- other calls left behind; the rest waits for the next call that needs it, or the sweeper.
local budget = 0

local function split(s)
  local out = {}
  local start = 1
  while true do
    local i = string.find(s, '\31', start, true)
    if not i then
      out[#out + 1] = string.sub(s, start)
      return out
    end
    out[#out + 1] = string.sub(s, start, i - 1)
    start = i + 1
  end
end

-- {holdId, expiresAt, holder, B1, q1, ..., Bn, qn} from a split record kept in item hash A
local function record_info(r, id, A)
  local info = { id, tonumber(r[2]), r[3], A, tonumber(r[6]) }
  for i = 7, #r, 3 do
    info[#info + 1] = r[i]
    info[#info + 1] = tonumber(r[i + 2])
  end
  return info
end

local function uncount_holder(B, holder, q)
  local v = redis.call('HINCRBY', B, 'p:' .. holder, -q)
  if v <= 0 then redis.call('HDEL', B, 'p:' .. holder) end
end

-- Processes one due entry `m` of item B's expiry set E: a due tombstone goes with its record (and
-- idempotency key); an expired line gives its units back, and when it is the hold's first line its
-- record becomes an X tombstone. Appends {index, holdId, holder, qty} to out per line given back.
-- Returns the units given back and the holder they were held for.
local function reclaim_entry(B, E, m, now, tomb_ms, out, index)
  redis.call('ZREM', E, m)
  if string.sub(m, 1, 2) == 't:' then
    local id = string.sub(m, 3)
    local rec = redis.call('HGET', B, 'r:' .. id)
    if rec and string.sub(rec, 1, 1) ~= 'H' then
      local r = split(rec)
      if r[4] ~= '' then redis.call('HDEL', B, 'i:' .. r[4]) end
      redis.call('HDEL', B, 'r:' .. id)
    end
    return 0, ''
  end
  local v = redis.call('HMGET', B, 'l:' .. m, 'r:' .. m)
  local q, holder, counted
  if v[1] then
    local l = split(v[1])
    q, holder, counted = l[1] + 0, l[2], l[3]
    redis.call('HDEL', B, 'l:' .. m)
  elseif v[2] and string.sub(v[2], 1, 1) == 'H' then
    local r = split(v[2])
    q, holder, counted = r[6] + 0, r[3], r[5]
    redis.call('HSET', B, 'r:' .. m, 'X' .. string.sub(v[2], 2))
    redis.call('ZADD', E, string.format('%d', now + tomb_ms), 't:' .. m)
  else
    return 0, ''
  end
  redis.call('HINCRBY', B, 'held', -q)
  if counted == '1' then uncount_holder(B, holder, q) end
  out[#out + 1] = index
  out[#out + 1] = m
  out[#out + 1] = holder
  out[#out + 1] = q
  return q, holder
end

-- Processes item B's due entries oldest first, within the call's budget, until `want` units came
-- back and `want_mine` of them were `holder`'s (math.huge: everything due). Fetches small pages
-- first (a hold short of one unit reads a handful of entries), doubling up to the budget.
-- Returns the units given back and those of `holder`; `budget` tells whether it ran out.
local function reclaim(B, E, now, tomb_ms, out, index, want, holder, want_mine)
  local freed, mine, size = 0, 0, 4
  local upto = string.format('%d', now)
  while budget > 0 and (freed < want or mine < want_mine) do
    if want ~= math.huge and want - freed > size then size = want - freed end
    if want == math.huge or size > budget then size = budget end
    local due = redis.call('ZRANGEBYSCORE', E, '-inf', upto, 'LIMIT', 0, size)
    for i = 1, #due do
      budget = budget - 1
      local q, who = reclaim_entry(B, E, due[i], now, tomb_ms, out, index)
      freed = freed + q
      if who == holder then mine = mine + q end
      if freed >= want and mine >= want_mine then return freed, mine end
    end
    -- Fewer than asked: nothing else is due. Leave the budget as it is, so callers know.
    if #due < size then return freed, mine end
    size = size * 2
  end
  return freed, mine
end

-- {total, held, sold, max, limit}, or nil when the item does not exist
local function state(B)
  local s = redis.call('HMGET', B, 'total', 'held', 'sold', 'max', 'limit')
  if not s[1] then return nil end
  -- All five are written when the item is defined; arithmetic converts each once.
  return { s[1] + 0, s[2] + 0, s[3] + 0, s[4] + 0, s[5] + 0 }
end

-- How define, get and adjust start: item B's due entries given back (at most `limit` of them: the
-- call's budget), then its state read. Returns the state (nil when the item does not exist) and the
-- reclaimed list; `budget` <= 0 afterwards means more may be due.
local function settle(B, E, now, tomb_ms, limit)
  local out = {}
  budget = limit
  reclaim(B, E, now, tomb_ms, out, 0, math.huge, '', 0)
  return state(B), out
end
