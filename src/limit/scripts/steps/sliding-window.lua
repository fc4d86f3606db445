-- Sliding window, limit $i: quota ARGV[$q], window ms ARGV[$p], state '<ddd' (window start,
-- count, previous window's count) at byte $o of v, the key's state field, when there, then '<d'
-- when it stops mattering.
local q$i, W$i = ARGV[$q] + 0, ARGV[$p] + 0
local w$i = now - now % W$i
local c$i, p$i = 0, 0
if v then
  local start, count, prev = struct.unpack('<ddd', v, $o)
  if start == w$i then
    c$i, p$i = count, prev
  elseif start == w$i - W$i then
    p$i = count
  end
end
-- The previous window's count weighted by how much of it still overlaps, plus this one's.
local o$i = p$i * (W$i - (now - w$i)) / W$i
if cost <= q$i and o$i + c$i + cost <= q$i + 1e-6 then
  c$i = c$i + cost
  local r$i, e$i = math.floor(q$i - (o$i + c$i) + 1e-6), w$i + 2 * W$i - now
  if r$i < 0 then r$i = 0 elseif r$i > q$i then r$i = q$i end
  $next
end
