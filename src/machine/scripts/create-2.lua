-- Creates an entity in its initial state at version 1 and records that in its history, atomically.
-- KEYS[1]  the entity hash (fields: s state, v version, c created at ms, u updated at ms, d:<field> data JSON)
-- KEYS[2]  the entity's history stream (same hash slot)
-- ARGV[1]  initial state
-- ARGV[2]  history retention by count: keep at most this many entries (integer; 0 = keep all)
-- ARGV[3]  history retention by age: remove entries older than this many ms (integer ms; 0 = keep all)
-- ARGV[4]  actor ("" = none)
-- ARGV[5]  context JSON ("" = none)
-- ARGV[6]  data JSON, recorded in the history ("" = none)
-- ARGV[7…] data hash fields and values: "d:<field>", "<value JSON>", …
-- Returns { 1, version (1), server time ms, history entry id }
--   or    { -5, current state, current version }  (the entity exists; nothing written)
-- @include "now.lua"
-- @include "history.lua"
local cur = redis.call('HMGET', KEYS[1], 's', 'v')
if cur[1] then
  return { -5, cur[1], tonumber(cur[2]) }
end
-- A history left without its entity (e.g. by a manual DEL) must not run into the new one's.
redis.call('DEL', KEYS[2])
local now = now_ms()
local fields = { 's', ARGV[1], 'v', 1, 'c', now, 'u', now }
for i = 7, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
local id = append_history(KEYS[2], '$create', '', ARGV[1], 1, now, ARGV[4], ARGV[5], ARGV[6],
  tonumber(ARGV[2]), tonumber(ARGV[3]))
return { 1, 1, now, id }
