-- Consume on a key with several limits: the common case (not blocked, every limit allows) in one
-- pass with no tables or closures per limit; everything else goes to rate_limit_decide
-- (includes/decide.lua).
-- ARGV     cost, block ms, n, then code, quota, param per limit, then the limits' state fields in
--          order (see state-fields.lua), so the script builds no strings
-- Returns  {remaining 1, resetMs 1, remaining 2, resetMs 2, ...} when allowed; otherwise the reply
--          of ratelimit-1.lua (3 + 3n long, so the two cannot be confused).
-- The memory store runs the generic twin for it, reshaped the same way.
-- @include "now.lua"
-- @include "save-state.lua"
local now = now_ms()
local key = KEYS[1]
local cost = ARGV[1] + 0
local n = ARGV[3] + 0
local base = 1 + 3 * n -- ARGV[base + i] is the name of h[i] (h[1] is 'blk', h[2] is 'x')
local h = redis.call('HMGET', key, 'blk', 'x', unpack(ARGV, base + 3))
-- The new state of every limit goes into `w` (one HSET), the reply into `out`, the longest-lived
-- state into `ttl`; a block, or the first limit that does not allow, ends the pass (ok = false) and
-- hands the call to the generic decision.
local ok = not h[1] or h[1] + 0 <= now
-- Both tables are made at the size of two limits, so filling them does not grow them step by step.
local w, nw, out, ttl = { 0, 0, 0, 0, 0, 0, 0, 0 }, 0, { 0, 0, 0, 0 }, 0
local f = 2
for i = 1, ok and n or 0 do
  local o = 3 * i + 1
  local a, lim, par = ARGV[o], ARGV[o + 1] + 0, ARGV[o + 2] + 0
  local r, reset
  if cost > lim then
    ok = false
    break
  end
  if a == '1' then
    local start = now - (now % par)
    local same_window = h[f + 1] and h[f + 1] + 0 == start
    local c = cost
    if same_window then c = c + (h[f + 2] or 0) end
    if c > lim then
      ok = false
      break
    end
    if same_window then -- only the count changed
      w[nw + 1], w[nw + 2] = ARGV[base + f + 2], c
      nw = nw + 2
    else
      w[nw + 1], w[nw + 2], w[nw + 3], w[nw + 4] = ARGV[base + f + 1], start, ARGV[base + f + 2], c
      nw = nw + 4
    end
    f = f + 2
    r, reset = lim - c, start + par - now
  elseif a == '2' then
    local start = now - (now % par)
    local prev_w = h[f + 1] and h[f + 1] + 0 or -1
    local c = (h[f + 2] or 0) + 0
    local prev = (h[f + 3] or 0) + 0
    local same_window = prev_w == start
    if not same_window then
      if prev_w == start - par then prev = c else prev = 0 end
      c = 0
    end
    if prev * (par - (now - start)) / par + c + cost > lim + 1e-6 then
      ok = false
      break
    end
    c = c + cost
    if same_window then -- only the count changed
      w[nw + 1], w[nw + 2] = ARGV[base + f + 2], c
      nw = nw + 2
    else
      w[nw + 1], w[nw + 2], w[nw + 3], w[nw + 4], w[nw + 5], w[nw + 6] =
        ARGV[base + f + 1], start, ARGV[base + f + 2], c, ARGV[base + f + 3], prev
      nw = nw + 6
    end
    f = f + 3
    r = math.floor(lim - (prev * (par - (now - start)) / par + c) + 1e-6)
    reset = start + 2 * par - now
  elseif a == '3' then
    local tokens = (h[f + 1] or lim) + 0
    local elapsed = now - (h[f + 2] or now)
    if elapsed < 0 then elapsed = 0 end
    tokens = tokens + elapsed * par / 1000
    if tokens > lim then tokens = lim end
    if cost > tokens + 1e-6 then
      ok = false
      break
    end
    tokens = tokens - cost
    w[nw + 1], w[nw + 2], w[nw + 3], w[nw + 4] = ARGV[base + f + 1], tokens, ARGV[base + f + 2], now
    nw, f = nw + 4, f + 2
    r = math.floor(tokens + 1e-6)
    reset = 0
    if tokens < lim then reset = math.ceil((lim - tokens) * 1000 / par - 1e-6) end
  else
    local T = 1000 / par
    local tat = (h[f + 1] or now) + 0
    if tat < now then tat = now end
    if tat + cost * T - now - lim * T > 1e-6 then
      ok = false
      break
    end
    tat = tat + cost * T
    w[nw + 1], w[nw + 2] = ARGV[base + f + 1], tat
    nw, f = nw + 2, f + 1
    r = math.floor((lim * T - (tat - now)) / T + 1e-6)
    reset = math.ceil(tat - now - 1e-6)
  end
  if r < 0 then r = 0 end
  if r > lim then r = lim end
  out[2 * i - 1], out[2 * i] = r, reset
  if reset > ttl then ttl = reset end
end
if ok then
  save_state(key, now, ttl, h[2], unpack(w, 1, nw))
  return out
end
-- Everything else: the generic decision, defined only on this path (a closure less per check).
-- @include "decide.lua"
-- Its arguments are the generic ones (ratelimit-1.lua): the prefix of each limit is its first
-- field without the last letter.
local argv = { 0, ARGV[1], ARGV[2], n }
local f = base + 3
for i = 1, n do
  local o = 3 * i + 1
  local a = ARGV[o]
  argv[4 * i + 1], argv[4 * i + 2] = a, string.sub(ARGV[f], 1, -2)
  argv[4 * i + 3], argv[4 * i + 4] = ARGV[o + 1], ARGV[o + 2]
  if a == '1' or a == '3' then f = f + 2 elseif a == '2' then f = f + 3 else f = f + 1 end
end
return rate_limit_decide(argv)
