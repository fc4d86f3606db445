-- Lists an item's live hold lines, soonest expiry first. Read-only: a line whose expiry is due is
-- left out (any script that writes gives its units back), so nothing is reclaimed here.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  limit: the most lines to return (integer >= 1)
-- ARGV[2]  scan budget: the most expiry-zset members to examine (integer >= 1); tombstones share
--          the zset with live lines, so it bounds the call whatever was left behind.
-- Returns {0, {more, holdId, expiresAt (ms), holder, quantity, ...}}; more = 1 when lines may
--   follow the ones returned.
-- Status codes: -1 item not found.
-- A live hold's line on this item is its record r:<holdId> when this is the hold's first item
-- ("H\31expiresAt\31holder\31idem\31counted\31qty…"), else l:<holdId> ("qty\31holder\31counted"):
-- see includes/common.lua.
-- @include "now.lua"
local function field(s, n)
  local start = 1
  for _ = 2, n do start = string.find(s, '\31', start, true) + 1 end
  local stop = string.find(s, '\31', start, true)
  return string.sub(s, start, (stop or 0) - 1)
end
local B, E = KEYS[1], KEYS[2]
if redis.call('HEXISTS', B, 'total') == 0 then return { -1, {} } end
local now = now_ms()
local limit, scan = ARGV[1] + 0, ARGV[2] + 0
local lines = { 0 }
local found = 0
-- Due entries (expired lines, tombstones past their time) sort first: start after them.
local start = redis.call('ZCOUNT', E, '-inf', string.format('%d', now))
local budget_end = start + scan
while found < limit and start < budget_end do
  local stop = math.min(start + 99, budget_end - 1)
  local batch = redis.call('ZRANGE', E, start, stop, 'WITHSCORES')
  if #batch == 0 then return { 0, lines } end
  for i = 1, #batch, 2 do
    local m = batch[i]
    if string.sub(m, 1, 2) ~= 't:' then
      local holder, qty
      local rec = redis.call('HGET', B, 'r:' .. m)
      if rec and string.sub(rec, 1, 1) == 'H' then
        holder, qty = field(rec, 3), field(rec, 6)
      else
        local line = redis.call('HGET', B, 'l:' .. m)
        if line then holder, qty = field(line, 2), field(line, 1) end
      end
      if holder then
        lines[#lines + 1] = m
        lines[#lines + 1] = batch[i + 1] + 0
        lines[#lines + 1] = holder
        lines[#lines + 1] = qty + 0
        found = found + 1
        if found >= limit then
          lines[1] = 1
          return { 0, lines }
        end
      end
    end
  end
  start = stop + 1
end
if start >= budget_end then lines[1] = 1 end
return { 0, lines }
