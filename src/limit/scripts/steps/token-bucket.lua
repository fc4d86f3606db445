-- Token bucket, limit $i: burst ARGV[$q], rate per second ARGV[$p], state '<dd' (tokens, when
-- they were counted) at byte $o of v, the key's state field, when there, then '<d' when it stops
-- mattering.
local q$i, R$i = ARGV[$q] + 0, ARGV[$p] + 0
local t$i = q$i
if v then
  local tokens, stamp = struct.unpack('<dd', v, $o)
  local elapsed = now - stamp
  if elapsed < 0 then elapsed = 0 end
  t$i = tokens + elapsed * R$i / 1000
  if t$i > q$i then t$i = q$i end
end
if cost <= q$i and cost <= t$i + 1e-6 then
  t$i = t$i - cost
  local r$i, e$i = math.floor(t$i + 1e-6), 0
  if r$i < 0 then r$i = 0 end
  if t$i < q$i then e$i = math.ceil((q$i - t$i) * 1000 / R$i - 1e-6) end
  $next
end
