-- The whole rate-limit decision for any op and any number of limits (see ratelimit-1.lua for the
-- arguments and the reply). The consume scripts (consume-1.lua) call it for everything but their
-- common case, so every edge (blocks, refusals, cost above a limit) is decided here only.
-- `argv` is the generic script's ARGV (the consume scripts rebuild it from their own).
-- The states of a key's limits live in one hash field, "@" followed by the limits' own names
-- ("<algorithm letter>:<limit name>") joined by "|", e.g. "@g:per-second|f:per-minute". Its value
-- is, limit after limit in that order, the limit's state as packed little-endian doubles
-- (struct.pack: no number formatting or parsing, and exact), then when that state stops mattering
-- (ms on the server clock; from then on it reads as a full budget):
--   fixed window '<dd' window start, count;  sliding window '<ddd' window start, count, previous
--   window's count;  token bucket '<dd' tokens, when they were counted;  GCRA '<d' theoretical
--   arrival time;  each followed by '<d' until
-- A hash holds at most one such field. A list of limits whose field is not there (another
-- process runs another list, or setLimits changed it) is decided here: its limits take their
-- state from whatever field is there, and the field is written back under its own list followed
-- by the other list's limits that still matter, so processes with different lists share every
-- common limit's state exactly and never reset each other's other limits.
-- @include "now.lua"
-- @include "save-state.lua"
-- Doubles of state, then one of until, per algorithm code; the codes of the letters f, s, t, g.
local STATE_DOUBLES = { 3, 4, 3, 2 }
local LETTER_CODES = { [102] = 1, [115] = 2, [116] = 3, [103] = 4 }
local function rate_limit_decide(argv)
  local key = KEYS[1]
  local op = tonumber(argv[1])
  if op == 3 then
    redis.call('DEL', key)
    return { 1, 0, 0 }
  end
  local amount = tonumber(argv[2])
  local block_ms = tonumber(argv[3])
  local n = tonumber(argv[4])
  local now = now_ms()
  -- Float comparisons tolerate this much drift (fractional rates accumulate rounding).
  local EPS = 1e-6

  -- Per limit i: algorithm, state field, limit, parameter, and three state slots:
  --   windows: s1 = window start, s2 = count, s3 = previous window's count (sliding only)
  --   token bucket: s1 = tokens;  GCRA: s1 = theoretical arrival time, s3 = emission interval (ms)
  local A, F, LIM, PAR, S1, S2, S3 = {}, {}, {}, {}, {}, {}, {}
  for i = 1, n do
    local base = 4 * i
    A[i], F[i], LIM[i], PAR[i] = tonumber(argv[base + 1]), argv[base + 2], tonumber(argv[base + 3]), tonumber(argv[base + 4])
  end
  -- This list's state field: the consume scripts pass it last (their limits' own fields are then
  -- false, and only split out of it when another list's field must be merged).
  local own = argv[5 + 4 * n]
  if not own then own = '@' .. table.concat(F, '|') end
  -- Where each limit's state starts (SEGV: the state field's value, SEGP: the byte), and the other
  -- lists' limits that still matter. This list's own field is read as the consume script reads
  -- it; only when another list's field is there (the hash has "x" but not this field) is the
  -- whole hash read.
  local h = redis.call('HMGET', key, 'blk', 'x', own)
  local blocked_until, x = tonumber(h[1]) or 0, h[2]
  local SEGV, SEGP, others, old = {}, {}, {}, {}
  if h[3] then
    local pos = 1
    for i = 1, n do
      SEGV[i], SEGP[i] = h[3], pos
      pos = pos + 8 * STATE_DOUBLES[A[i]]
    end
  elseif x then
    if not F[1] then
      local from = 2
      for i = 1, n do
        local bar = string.find(own, '|', from, true) or #own + 1
        F[i], from = string.sub(own, from, bar - 1), bar + 1
      end
    end
    local mine, seen = {}, {}
    for i = 1, n do mine[F[i]] = i end
    local all = redis.call('HGETALL', key)
    for j = 1, #all, 2 do
      local f, v = all[j], all[j + 1]
      if f ~= 'blk' and f ~= 'x' then
        -- Written over below (a field of an older layout, such as "g:name", is dropped too).
        old[#old + 1] = f
      end
      if string.byte(f) == 64 then
        local pos = 1
        for name in string.gmatch(f, '[^@|]+') do
          local size = STATE_DOUBLES[LETTER_CODES[string.byte(name)]]
          if not size or pos + 8 * size > #v + 1 then break end
          local i = mine[name]
          if i then
            if not SEGV[i] then SEGV[i], SEGP[i] = v, pos end
          elseif not seen[name] and struct.unpack('<d', v, pos + 8 * size - 8) > now then
            seen[name] = true
            others[#others + 1] = { name, string.sub(v, pos, pos + 8 * size - 1) }
          end
          pos = pos + 8 * size
        end
      end
    end
  end
  -- Load and refresh each limit's state to `now`.
  for i = 1, n do
    local a, lim, par, packed, at = A[i], LIM[i], PAR[i], SEGV[i], SEGP[i]
    if a == 1 or a == 2 then
      local start = now - (now % par)
      local w, c, prev = -1, 0, 0
      if packed and a == 1 then
        w, c = struct.unpack('<dd', packed, at)
      elseif packed then
        w, c, prev = struct.unpack('<ddd', packed, at)
      end
      if w ~= start then
        if a == 2 and w == start - par then
          prev = c
        else
          prev = 0
        end
        c = 0
      end
      S1[i], S2[i], S3[i] = start, c, prev
    elseif a == 3 then
      local tokens, ts = lim, now
      if packed then tokens, ts = struct.unpack('<dd', packed, at) end
      local elapsed = now - ts
      if elapsed < 0 then elapsed = 0 end
      tokens = tokens + elapsed * par / 1000
      if tokens > lim then tokens = lim end
      S1[i] = tokens
    else
      local tat = now
      if packed then tat = struct.unpack('<d', packed, at) end
      if tat < now then tat = now end
      S1[i], S3[i] = tat, 1000 / par
    end
  end

  -- 0 if `cost` fits limit i now, -1 if it never can, else the wait in ms.
  local function check(i, cost)
    local a, lim = A[i], LIM[i]
    if cost > lim then return -1 end
    if a == 1 then
      if S2[i] + cost <= lim then return 0 end
      return S1[i] + PAR[i] - now
    elseif a == 2 then
      local W, start, c, prev = PAR[i], S1[i], S2[i], S3[i]
      -- The previous window's count weighted by how much of it still overlaps, plus this one's.
      if prev * (W - (now - start)) / W + c + cost <= lim + EPS then return 0 end
      local elapsed = now - start
      local room = lim - cost - c
      local wait
      if room >= 0 then
        wait = math.ceil(W - room * W / prev - elapsed)
      else
        wait = (W - elapsed) + math.max(0, math.ceil(W - (lim - cost) * W / c))
      end
      if wait < 1 then wait = 1 end
      return wait
    elseif a == 3 then
      if cost <= S1[i] + EPS then return 0 end
      local wait = math.ceil((cost - S1[i]) * 1000 / PAR[i] - EPS)
      if wait < 1 then wait = 1 end
      return wait
    else
      local T = S3[i]
      local over = S1[i] + cost * T - now - lim * T
      if over <= EPS then return 0 end
      local wait = math.ceil(over - EPS)
      if wait < 1 then wait = 1 end
      return wait
    end
  end

  -- ms until the whole of limit i is available again (0: it is)
  local function reset_ms(i)
    local a = A[i]
    if a == 1 then
      if S2[i] > 0 then return S1[i] + PAR[i] - now end
      return 0
    elseif a == 2 then
      if S2[i] > 0 then return S1[i] + 2 * PAR[i] - now end
      if S3[i] > 0 then return S1[i] + PAR[i] - now end
      return 0
    elseif a == 3 then
      if S1[i] >= LIM[i] then return 0 end
      return math.ceil((LIM[i] - S1[i]) * 1000 / PAR[i] - EPS)
    else
      return math.ceil(S1[i] - now - EPS)
    end
  end

  -- Adds `amt` to the used budget of every limit (negative: gives budget back, never beyond a full
  -- limit) and writes every state (with when it stops mattering), the other lists' limits that
  -- still matter, and the expiry bookkeeping, in one HSET of the key's one state field.
  local function apply_and_save(amt, blk)
    local w = {}
    local ttl = blk - now
    for i = 1, n do
      local a = A[i]
      local r, packed
      if a == 1 or a == 2 then
        local c = S2[i] + amt
        if c < 0 then c = 0 end
        S2[i] = c
        if a == 2 then
          packed = struct.pack('<ddd', S1[i], c, S3[i])
          r = reset_ms(i)
        else
          packed = struct.pack('<dd', S1[i], c)
          r = S1[i] + PAR[i] - now
        end
      elseif a == 3 then
        local tokens = S1[i] - amt
        if tokens > LIM[i] then tokens = LIM[i] end
        S1[i] = tokens
        packed = struct.pack('<dd', tokens, now)
        r = reset_ms(i)
      else
        local tat = S1[i] + amt * S3[i]
        if tat < now then tat = now end
        S1[i] = tat
        packed = struct.pack('<d', tat)
        r = reset_ms(i)
      end
      w[i] = packed .. struct.pack('<d', now + r)
      if r > ttl then ttl = r end
    end
    local field = own
    for _, other in ipairs(others) do
      field = field .. '|' .. other[1]
      w[#w + 1] = other[2]
    end
    for _, f in ipairs(old) do
      if f ~= field then redis.call('HDEL', key, f) end
    end
    save_state(key, now, ttl, x, field, table.concat(w))
  end

  if op == 2 then
    apply_and_save(amount, blocked_until)
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
    local w = check(i, cost)
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
      apply_and_save(cost, blocked_until)
    elseif reason == 1 and block_ms > 0 then
      blocked_until = now + block_ms
      if block_ms > retry then retry = block_ms end
      -- The block is written with the (unchanged) states' expiry bookkeeping: nothing consumed.
      local ttl = block_ms
      for i = 1, n do
        local r = reset_ms(i)
        if A[i] == 1 then r = S1[i] + PAR[i] - now end
        if r > ttl then ttl = r end
      end
      save_state(key, now, ttl, x, 'blk', blocked_until)
    end
  end

  local out = { (reason == 0) and 1 or 0, reason, retry }
  for i = 1, n do
    local r
    local a, lim = A[i], LIM[i]
    if a == 1 then
      r = lim - S2[i]
    elseif a == 2 then
      local W = PAR[i]
      r = math.floor(lim - (S3[i] * (W - (now - S1[i])) / W + S2[i]) + EPS)
    elseif a == 3 then
      r = math.floor(S1[i] + EPS)
    else
      local T = S3[i]
      r = math.floor((lim * T - (S1[i] - now)) / T + EPS)
    end
    if r < 0 then r = 0 end
    if r > lim then r = lim end
    local w = waits[i]
    if reason == 0 and op == 0 then w = 0 end
    if reason == 2 then w = retry end
    local o = 3 * i
    out[o + 1], out[o + 2], out[o + 3] = r, reset_ms(i), w
  end
  return out
end
