-- Rate limits of one key: every limit of the key decided together, all-or-nothing, in one call.
-- State lives in one hash (KEYS[1]); each limit keeps its fields under its own prefix, so the
-- limits themselves (quotas, windows, rates) are arguments and can change between calls.
--
-- KEYS[1]  the key's state hash: "<p>w"/"<p>c"/"<p>p" (windows), "<p>t"/"<p>s" (token bucket),
--          "<p>a" (GCRA theoretical arrival time), "blk" (blocked until, ms on the server clock),
--          "x" (when the hash expires, ms on the server clock)
-- ARGV[1]  op: 0 consume, 1 peek (decide without writing), 2 adjust (add ARGV[2] to the used
--          budget of every limit: > 0 penalty, < 0 reward), 3 reset (delete the state)
-- ARGV[2]  cost (consume, peek: integer >= 1) or signed amount (adjust)
-- ARGV[3]  block duration in ms after a refusal for "limit reached" (0: no blocking)
-- ARGV[4]  n, the number of limits; then 4 arguments per limit i (base = 4 + 4*(i-1)):
-- ARGV[base+1]  algorithm: 1 fixed window, 2 sliding window (two-window counter),
--               3 token bucket, 4 GCRA
-- ARGV[base+2]  field prefix of the limit, e.g. "f:per-second:"
-- ARGV[base+3]  limit (windows: requests per window; bucket, GCRA: burst), integer
-- ARGV[base+4]  windows: window in ms (integer); bucket, GCRA: rate in units per second (may be fractional)
--
-- Returns {allowed (1|0), reason, retryAfterMs, then per limit: remaining, resetMs, retryAfterMs}
--   reason: 0 allowed, 1 limit reached, 2 blocked, 3 cost exceeds a limit (can never pass)
--   retryAfterMs: 0 when allowed, -1 when the cost can never pass
-- Reset returns {1, 0, 0}. No negative status codes: bad input is refused by the caller.
-- @include "now.lua"

local key = KEYS[1]
local op = tonumber(ARGV[1])
if op == 3 then
  redis.call('DEL', key)
  return {1, 0, 0}
end
local amount = tonumber(ARGV[2])
local block_ms = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local now = now_ms()
-- Float comparisons tolerate this much drift (fractional rates accumulate rounding).
local EPS = 1e-6

local h = {}
local flat = redis.call('HGETALL', key)
for j = 1, #flat, 2 do h[flat[j]] = flat[j + 1] end

local function num(field, default)
  local v = h[field]
  if v == nil then return default end
  return tonumber(v)
end

local function fmt(x) return string.format('%.17g', x) end

-- Per limit: algo, prefix, lim, par, and the refreshed state a, b, c.
local L = {}
for i = 1, n do
  local base = 4 + 4 * (i - 1)
  local s = { algo = tonumber(ARGV[base + 1]), p = ARGV[base + 2],
              lim = tonumber(ARGV[base + 3]), par = tonumber(ARGV[base + 4]) }
  local p = s.p
  if s.algo == 1 or s.algo == 2 then
    local W = s.par
    local start = now - (now % W)
    local w = num(p .. 'w', -1)
    local c = num(p .. 'c', 0)
    local prev = num(p .. 'p', 0)
    if w == start then
      -- same window
    elseif s.algo == 2 and w == start - W then
      prev = c
      c = 0
    else
      prev = 0
      c = 0
    end
    if s.algo == 1 then prev = 0 end
    s.start = start
    s.c = c
    s.prev = prev
  elseif s.algo == 3 then
    local ts = num(p .. 's', now)
    local t = num(p .. 't', s.lim)
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end
    t = t + elapsed * s.par / 1000
    if t > s.lim then t = s.lim end
    s.t = t
  else
    local T = 1000 / s.par
    s.T = T
    local tat = num(p .. 'a', now)
    if tat < now then tat = now end
    s.tat = tat
  end
  L[i] = s
end

-- Sliding window estimate: the previous window's count weighted by how much of it still overlaps.
local function estimate(s)
  local W = s.par
  return s.prev * (W - (now - s.start)) / W + s.c
end

-- 0 if `cost` fits now, -1 if it never can, else the wait in ms.
local function check(s, cost)
  if cost > s.lim then return -1 end
  local a = s.algo
  if a == 1 then
    if s.c + cost <= s.lim then return 0 end
    return s.start + s.par - now
  elseif a == 2 then
    local W = s.par
    if estimate(s) + cost <= s.lim + EPS then return 0 end
    local elapsed = now - s.start
    local room = s.lim - cost - s.c
    local wait
    if room >= 0 then
      wait = math.ceil(W - room * W / s.prev - elapsed)
    else
      wait = (W - elapsed) + math.max(0, math.ceil(W - (s.lim - cost) * W / s.c))
    end
    if wait < 1 then wait = 1 end
    return wait
  elseif a == 3 then
    if cost <= s.t + EPS then return 0 end
    local wait = math.ceil((cost - s.t) * 1000 / s.par - EPS)
    if wait < 1 then wait = 1 end
    return wait
  else
    local over = s.tat + cost * s.T - now - s.lim * s.T
    if over <= EPS then return 0 end
    local wait = math.ceil(over - EPS)
    if wait < 1 then wait = 1 end
    return wait
  end
end

-- Adds `amount` to the used budget (negative: gives budget back, never beyond a full limit).
local function apply(s, amt)
  local a = s.algo
  if a == 1 or a == 2 then
    s.c = s.c + amt
    if s.c < 0 then s.c = 0 end
  elseif a == 3 then
    s.t = s.t - amt
    if s.t > s.lim then s.t = s.lim end
  else
    s.tat = s.tat + amt * s.T
    if s.tat < now then s.tat = now end
  end
end

local function remaining(s)
  local a = s.algo
  local r
  if a == 1 then
    r = s.lim - s.c
  elseif a == 2 then
    r = math.floor(s.lim - estimate(s) + EPS)
  elseif a == 3 then
    r = math.floor(s.t + EPS)
  else
    r = math.floor((s.lim * s.T - (s.tat - now)) / s.T + EPS)
  end
  if r < 0 then r = 0 end
  if r > s.lim then r = s.lim end
  return r
end

-- ms until the whole limit is available again (0: it is)
local function reset_ms(s)
  local a = s.algo
  if a == 1 then
    if s.c > 0 then return s.start + s.par - now end
    return 0
  elseif a == 2 then
    if s.c > 0 then return s.start + 2 * s.par - now end
    if s.prev > 0 then return s.start + s.par - now end
    return 0
  elseif a == 3 then
    if s.t >= s.lim then return 0 end
    return math.ceil((s.lim - s.t) * 1000 / s.par - EPS)
  else
    return math.ceil(s.tat - now - EPS)
  end
end

local function save(s)
  local p = s.p
  local a = s.algo
  if a == 1 then
    redis.call('HSET', key, p .. 'w', s.start, p .. 'c', s.c)
  elseif a == 2 then
    redis.call('HSET', key, p .. 'w', s.start, p .. 'c', s.c, p .. 'p', s.prev)
  elseif a == 3 then
    redis.call('HSET', key, p .. 't', fmt(s.t), p .. 's', now)
  else
    redis.call('HSET', key, p .. 'a', fmt(s.tat))
  end
end

-- The hash lives as long as its longest-lived state (a window's end, a refill, a block). The expiry
-- is set to twice what is needed and remembered in "x", so most calls skip the PEXPIRE.
local MAX_TTL = 1e13
local function expire(blocked_until)
  local ttl = blocked_until - now
  for i = 1, n do
    local r = reset_ms(L[i])
    if L[i].algo == 1 then r = L[i].start + L[i].par - now end
    if r > ttl then ttl = r end
  end
  if ttl < 1 then ttl = 1 end
  if ttl > MAX_TTL then ttl = MAX_TTL end
  if now + ttl > num('x', 0) then
    redis.call('HSET', key, 'x', fmt(now + 2 * ttl))
    redis.call('PEXPIRE', key, fmt(2 * ttl))
  end
end

local blocked_until = num('blk', 0)
local out = {}

if op == 2 then
  for i = 1, n do
    apply(L[i], amount)
    save(L[i])
  end
  expire(blocked_until)
  amount = 1
end

local cost = amount
local reason = 0
local retry = 0
if blocked_until > now then
  reason = 2
  retry = blocked_until - now
end
local waits = {}
for i = 1, n do
  local w = check(L[i], cost)
  waits[i] = w
  if reason ~= 2 then
    if w < 0 then
      reason = 3
      retry = -1
    elseif w > 0 and reason ~= 3 then
      reason = 1
      if w > retry then retry = w end
    end
  end
end

if op == 0 then
  if reason == 0 then
    for i = 1, n do
      apply(L[i], cost)
      save(L[i])
    end
    expire(blocked_until)
  elseif reason == 1 and block_ms > 0 then
    blocked_until = now + block_ms
    redis.call('HSET', key, 'blk', blocked_until)
    if block_ms > retry then retry = block_ms end
    expire(blocked_until)
  end
end

out[1] = (reason == 0) and 1 or 0
out[2] = reason
out[3] = retry
for i = 1, n do
  local s = L[i]
  out[3 + 3 * (i - 1) + 1] = remaining(s)
  out[3 + 3 * (i - 1) + 2] = reset_ms(s)
  local w = waits[i]
  if reason == 0 and op == 0 then w = 0 end
  if reason == 2 then w = retry end
  out[3 + 3 * (i - 1) + 3] = w
end
return out
