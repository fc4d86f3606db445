-- Lists one page of the index of sources, oldest registration first.
-- KEYS[1]  the sources index (sorted set: source name -> first registration, server ms)
-- ARGV[1]  page size: at most this many names (integer >= 1)
-- ARGV[2]  cursor: registration time (ms) of the last name of the previous page ('' = first page)
-- ARGV[3]  cursor: that name
-- Returns {more (1 = a next page may exist), {score, name}, {score, name}, ...}. The page resumes
--   right after the cursor's name (sources are never unregistered, so it is always found; if it
--   were not, the page would start at the first name registered at or after its time).
-- No negative status codes.
local n = tonumber(ARGV[1])
local start = 0
if ARGV[2] ~= '' then
  local rank = redis.call('ZRANK', KEYS[1], ARGV[3])
  if rank then start = rank + 1 else start = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2]) end
end
local rows = redis.call('ZRANGE', KEYS[1], start, start + n - 1, 'WITHSCORES')
local out = { 0 }
if #rows == 2 * n then out[1] = 1 end
for i = 1, #rows, 2 do out[#out + 1] = { rows[i + 1], rows[i] } end
return out
