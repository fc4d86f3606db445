-- The state hash of a rate-limited key, shared by every rate-limit script.

-- The hash fields of the limits in `argv` (the generic script's arguments: 4 per limit from
-- argv[5]), after 'blk' and 'x', in the order the scripts read them:
--   fixed window: <p>w, <p>c;  sliding window: <p>w, <p>c, <p>p;  token bucket: <p>t, <p>s;  GCRA: <p>a
local function state_fields(argv, n)
  local fields = { 'blk', 'x' }
  local nf = 2
  for i = 1, n do
    local a, p = tonumber(argv[4 * i + 1]), argv[4 * i + 2]
    if a == 1 then
      fields[nf + 1], fields[nf + 2] = p .. 'w', p .. 'c'
      nf = nf + 2
    elseif a == 2 then
      fields[nf + 1], fields[nf + 2], fields[nf + 3] = p .. 'w', p .. 'c', p .. 'p'
      nf = nf + 3
    elseif a == 3 then
      fields[nf + 1], fields[nf + 2] = p .. 't', p .. 's'
      nf = nf + 2
    else
      nf = nf + 1
      fields[nf] = p .. 'a'
    end
  end
  return fields
end

-- Writes field/value pairs (`...`) and keeps the hash alive for `ttl` ms from `now`: the hash lives
-- as long as its longest-lived state (a window's end, a refill, a block). The expiry is set to
-- twice what is needed and remembered in "x" (`expires_at` is its current value), so most calls
-- skip the PEXPIRE.
local function save_state(key, now, ttl, expires_at, ...)
  if ttl < 1 then ttl = 1 end
  if ttl > 1e13 then ttl = 1e13 end
  if now + ttl > expires_at then
    redis.call('HSET', key, 'x', now + 2 * ttl, ...)
    redis.call('PEXPIRE', key, 2 * ttl)
  else
    redis.call('HSET', key, ...)
  end
end
