-- Appends a transition to an entity's history stream and trims the stream (XADD, then at most two
-- XTRIM, as many as the retention asks for): `actor`, `context` and `data` are left out when "";
-- `max_len` (entries) and `max_age` (ms before `now`) are 0 to keep all.
-- Returns the new entry's id.
local function append_history(key, event, from, to, version, now, actor, context, data, max_len, max_age)
  local entry = { 'e', event, 'f', from, 't', to, 'v', version, 'at', now }
  if actor ~= '' then entry[#entry + 1] = 'a'; entry[#entry + 1] = actor end
  if context ~= '' then entry[#entry + 1] = 'x'; entry[#entry + 1] = context end
  if data ~= '' then entry[#entry + 1] = 'd'; entry[#entry + 1] = data end
  local id = redis.call('XADD', key, '*', unpack(entry))
  if max_len > 0 then redis.call('XTRIM', key, 'MAXLEN', '=', max_len) end
  if max_age > 0 then redis.call('XTRIM', key, 'MINID', '=', now - max_age) end
  return id
end
