-- Shared by every inventory script (stitched in by scripts.ts). Data of one item, all in its slot:
--   item hash B: total, held, sold, max (0 = none), limit (0 = none), and
--     l:<holdId>  one line of a live hold on this item: "qty\31holder\31counted(0|1)"
--     r:<holdId>  a hold's record, on its first item only:
--                 "status\31expiresAt\31holder\31idem\31n\31B1\31E1\31q1...": status H(eld), C(ommitted),
--                 (B1 and E1, the first item's own keys, are stored empty to keep records small)
--                 R(eleased), X (expired); C, R and X are tombstones kept tombstone-ttl ms
--     i:<idem>    idempotency key -> holdId (on the first item)
--     p:<holder>  units held + bought by a holder (only while the item has a limit)
--   expiry zset E: <holdId> -> expiresAt ms (a live line), t:<holdId> -> when the tombstone goes.
-- Separator \31 (unit separator): names cannot contain control characters.

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
  local info = { id, tonumber(r[2]), r[3] }
  local n = tonumber(r[5])
  for i = 0, n - 1 do
    local b = r[6 + 3 * i]
    if b == '' then b = A end
    info[#info + 1] = b
    info[#info + 1] = tonumber(r[8 + 3 * i])
  end
  return info
end

local function uncount_holder(B, holder, q)
  local v = redis.call('HINCRBY', B, 'p:' .. holder, -q)
  if v <= 0 then redis.call('HDEL', B, 'p:' .. holder) end
end

-- Returns the stock of every hold line of this item whose expiry is <= now (so an expired hold
-- gives its units back even if no sweeper ever runs), turns expired records into tombstones and
-- drops tombstones past their time. Appends {index, holdId, holder, qty} per reclaimed line to out.
local function reclaim(B, E, now, tomb_ms, out, index)
  -- `now` as an integer string: a Lua number handed to Redis is formatted with printf("%.17g").
  local due = redis.call('ZRANGEBYSCORE', E, '-inf', string.format('%d', now))
  for _, m in ipairs(due) do
    redis.call('ZREM', E, m)
    if string.sub(m, 1, 2) == 't:' then
      local id = string.sub(m, 3)
      local rec = redis.call('HGET', B, 'r:' .. id)
      if rec and string.sub(rec, 1, 1) ~= 'H' then
        local r = split(rec)
        if r[4] ~= '' then redis.call('HDEL', B, 'i:' .. r[4]) end
        redis.call('HDEL', B, 'r:' .. id)
      end
    else
      local line = redis.call('HGET', B, 'l:' .. m)
      if line then
        local l = split(line)
        local q = tonumber(l[1])
        redis.call('HINCRBY', B, 'held', -q)
        if l[3] == '1' then uncount_holder(B, l[2], q) end
        redis.call('HDEL', B, 'l:' .. m)
        out[#out + 1] = index
        out[#out + 1] = m
        out[#out + 1] = l[2]
        out[#out + 1] = q
      end
      local rec = redis.call('HGET', B, 'r:' .. m)
      if rec and string.sub(rec, 1, 1) == 'H' then
        redis.call('HSET', B, 'r:' .. m, 'X' .. string.sub(rec, 2))
        redis.call('ZADD', E, now + tomb_ms, 't:' .. m)
      end
    end
  end
end

local function state(B)
  local s = redis.call('HMGET', B, 'total', 'held', 'sold', 'max', 'limit')
  if not s[1] then return nil end
  -- All five are written when the item is defined; arithmetic converts each once.
  return { s[1] + 0, s[2] + 0, s[3] + 0, s[4] + 0, s[5] + 0 }
end
