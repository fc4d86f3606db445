-- GCRA, limit $i: burst ARGV[$q], rate per second ARGV[$p], state '<d' (theoretical arrival time,
-- ms) at byte $o of v, the key's state field, when there, then '<d' when it stops mattering.
local q$i, T$i = ARGV[$q] + 0, 1000 / ARGV[$p]
local a$i = now
if v then
  a$i = struct.unpack('<d', v, $o)
  if a$i < now then a$i = now end
end
if cost <= q$i and a$i + cost * T$i - now - q$i * T$i <= 1e-6 then
  a$i = a$i + cost * T$i
  local r$i, e$i = math.floor((q$i * T$i - (a$i - now)) / T$i + 1e-6), math.ceil(a$i - now - 1e-6)
  if r$i < 0 then r$i = 0 elseif r$i > q$i then r$i = q$i end
  $next
end
