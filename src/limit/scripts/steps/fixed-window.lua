-- Fixed window, limit $i: quota ARGV[$q], window ms ARGV[$p], state h[$s] '<dd' (window start, count).
local q$i, W$i = ARGV[$q] + 0, ARGV[$p] + 0
local w$i = now - now % W$i
local c$i = cost
if h[$s] then
  local start, count = struct.unpack('<dd', h[$s])
  if start == w$i then c$i = c$i + count end
end
if c$i <= q$i then
  local r$i, e$i = q$i - c$i, w$i + W$i - now
  local v$i = struct.pack('<dd', w$i, c$i)
  $next
end
