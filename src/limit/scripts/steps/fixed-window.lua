-- Fixed window, limit $i: quota ARGV[$q], window ms ARGV[$p], state '<dd' (window start, count) at
-- byte $o of v, the key's state field, when there, then '<d' when it stops mattering.
local q$i, W$i = ARGV[$q] + 0, ARGV[$p] + 0
local w$i = now - now % W$i
local c$i = cost
if v then
  local start, count = struct.unpack('<dd', v, $o)
  if start == w$i then c$i = c$i + count end
end
if c$i <= q$i then
  local r$i, e$i = q$i - c$i, w$i + W$i - now
  $next
end
