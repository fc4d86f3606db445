-- Reads a range of a stream, optionally keeping only entries whose field equals a value, and
-- examining at most a budget of entries so one call never blocks the server for long.
-- KEYS[1]  the stream
-- ARGV[1]  order: "asc" (oldest first) or "desc" (newest first)
-- ARGV[2]  low bound, XRANGE syntax: "-", "<ms>-<seq>" (inclusive) or "(<ms>-<seq>" (exclusive)
-- ARGV[3]  high bound, XRANGE syntax: "+", "<ms>-<seq>" (inclusive) or "(<ms>-<seq>" (exclusive)
-- ARGV[4]  limit: the most matching entries to return (integer >= 1)
-- ARGV[5]  filter field name ("" = keep every entry)
-- ARGV[6]  filter value (compared exactly)
-- ARGV[7]  budget: the most entries to examine (integer >= 1)
-- Returns { last examined id ("" if none), exhausted (1 = nothing further in the range, 0 = maybe
--   more), entry, entry, ... } where entry = { id, { field, value, ... } } as XRANGE returns it.
-- No negative status codes.
local asc = ARGV[1] == 'asc'
local low, high = ARGV[2], ARGV[3]
local limit = tonumber(ARGV[4])
local field, value = ARGV[5], ARGV[6]
local budget = tonumber(ARGV[7])
local out = { '', 0 }
local found, examined = 0, 0
while true do
  local batch = budget - examined
  if batch > 256 then batch = 256 end
  if batch <= 0 then return out end
  local rows
  if asc then
    rows = redis.call('XRANGE', KEYS[1], low, high, 'COUNT', batch)
  else
    rows = redis.call('XREVRANGE', KEYS[1], high, low, 'COUNT', batch)
  end
  for i = 1, #rows do
    local row = rows[i]
    examined = examined + 1
    out[1] = row[1]
    local keep = field == ''
    if not keep then
      local fv = row[2]
      for j = 1, #fv, 2 do
        if fv[j] == field then
          keep = fv[j + 1] == value
          break
        end
      end
    end
    if keep then
      found = found + 1
      out[#out + 1] = row
      if found >= limit then
        if i == #rows and #rows < batch then out[2] = 1 end
        return out
      end
    end
  end
  if #rows < batch then
    out[2] = 1
    return out
  end
  if asc then low = '(' .. out[1] else high = '(' .. out[1] end
end
