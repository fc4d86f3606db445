-- Lists an item's live hold lines, soonest expiry first, after giving back its expired holds (so
-- the list and the stock agree). Read-mostly: the only writes are the reclaim every script does.
-- KEYS[1]  item hash
-- KEYS[2]  item expiry zset
-- ARGV[1]  tombstone ttl in ms
-- ARGV[2]  limit: the most lines to return (integer >= 1)
-- ARGV[3]  budget: the most expiry-zset members to examine (integer >= 1); tombstones share the
--          zset with live lines, so the budget bounds the call whatever was left behind.
-- Returns {0, {more, holdId, expiresAt (ms), holder, quantity, ...}, reclaimed}; more = 1 when
--   lines may follow the ones returned.
-- Status codes: -1 item not found.
-- @include "now.lua"
-- @include "common.lua"
local B, E = KEYS[1], KEYS[2]
local out = {}
reclaim(B, E, now_ms(), ARGV[1] + 0, out, 0)
if not state(B) then return { -1, {}, out } end
local limit, budget = ARGV[2] + 0, ARGV[3] + 0
local lines = { 0 }
local found, start = 0, 0
while found < limit and start < budget do
  local stop = math.min(start + 99, budget - 1)
  local batch = redis.call('ZRANGE', E, start, stop, 'WITHSCORES')
  if #batch == 0 then return { 0, lines, out } end
  for i = 1, #batch, 2 do
    local m = batch[i]
    if string.sub(m, 1, 2) ~= 't:' then
      local line = redis.call('HGET', B, 'l:' .. m)
      if line then
        local l = split(line)
        lines[#lines + 1] = m
        lines[#lines + 1] = batch[i + 1] + 0
        lines[#lines + 1] = l[2]
        lines[#lines + 1] = l[1] + 0
        found = found + 1
        if found >= limit then
          lines[1] = 1
          return { 0, lines, out }
        end
      end
    end
  end
  start = stop + 1
end
if start >= budget then lines[1] = 1 end
return { 0, lines, out }
