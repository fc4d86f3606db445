-- Applies one event to an entity: checks the idempotency key, the expected version and the
-- transition table, then updates the entity AND appends the transition to its history, in one
-- script (both happen or neither).
-- KEYS[1]  the entity hash (fields: s state, v version, c created at ms, u updated at ms, d:<field> data JSON)
-- KEYS[2]  the entity's history stream (same hash slot)
-- KEYS[3]  the idempotency record (string, same hash slot; unused when ARGV[3] is 0)
-- ARGV[1]  event
-- ARGV[2]  expected version (integer; -1 = any)
-- ARGV[3]  idempotency record TTL in ms (integer; 0 = no idempotency key)
-- ARGV[4]  history retention by count: keep at most this many entries (integer; 0 = keep all)
-- ARGV[5]  history retention by age: remove entries older than this many ms (integer ms; 0 = keep all)
-- ARGV[6]  actor ("" = none)
-- ARGV[7]  context JSON ("" = none)
-- ARGV[8]  event data JSON, recorded in the history ("" = none)
-- ARGV[9]  n, the number of transitions of this event
-- ARGV[10 … 9+2n]      from, to, from, to, … (the event's transition table)
-- ARGV[10+2n …]        data hash fields and values to merge: "d:<field>", "<value JSON>", …
-- Returns { 1, from, to, new version, server time ms, history entry id }         applied
--   or    { 2, "event\nfrom\nto\nversion\ntime ms\nhistory id" }                 replay of the key's first result
--   or    { -1 }                                                                 no such entity
--   or    { -2, current state, current version }                                 version conflict
--   or    { -3, current state, current version }                                 no transition from this state
--   or    { -6, type of KEYS[2] }                                                the history key holds another type
-- Nothing is written unless the reply is 1.
-- @include "now.lua"
-- @include "history.lua"
local idem_ttl = tonumber(ARGV[3])
if idem_ttl > 0 then
  local prior = redis.call('GET', KEYS[3])
  if prior then return { 2, prior } end
end
local cur = redis.call('HMGET', KEYS[1], 's', 'v')
if not cur[1] then return { -1 } end
local state = cur[1]
local version = tonumber(cur[2])
local expected = tonumber(ARGV[2])
if expected >= 0 and expected ~= version then return { -2, state, version } end
local n = tonumber(ARGV[9])
local to = nil
for i = 10, 9 + 2 * n, 2 do
  if ARGV[i] == state then
    to = ARGV[i + 1]
    break
  end
end
if not to then return { -3, state, version } end
-- Redis does not roll back a script that fails half-way: check what could fail before writing.
local history_type = redis.call('TYPE', KEYS[2])['ok']
if history_type ~= 'stream' and history_type ~= 'none' then return { -6, history_type } end
local now = now_ms()
local nv = version + 1
local fields = { 's', to, 'v', nv, 'u', now }
for i = 10 + 2 * n, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
local id = append_history(KEYS[2], ARGV[1], state, to, nv, now, ARGV[6], ARGV[7], ARGV[8],
  tonumber(ARGV[4]), tonumber(ARGV[5]))
if idem_ttl > 0 then
  redis.call('SET', KEYS[3], ARGV[1] .. '\n' .. state .. '\n' .. to .. '\n' .. nv .. '\n' .. now .. '\n' .. id,
    'PX', idem_ttl)
end
return { 1, state, to, nv, now, id }
