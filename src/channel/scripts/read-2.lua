-- Reads a durable channel's history after the id a subscriber saw last, and says whether anything
-- after that id may be missing (trimmed, or lost with the history).
-- KEYS[1]  the channel's stream (its history)
-- KEYS[2]  the channel's meta hash; field `floor`: the highest id that may be missing from the
--          history. Every entry above it is still in the stream.
-- ARGV[1]  since: the last id the subscriber saw ('' = none: only report the cursor)
-- ARGV[2]  count: at most this many entries (integer >= 1)
-- ARGV[3]  maxAgeMs: entries older than this many ms are trimmed first (integer ms; 0 = no bound)
-- Returns {recovered, cursor, firstId, entries}
--   recovered  1 when every entry after `since` is still kept, 0 when some may be missing
--   cursor     the newest id of this history: where a subscriber without `since` starts
--   firstId    when recovered = 0, the oldest id still kept ('' if none); else ''
--   entries    {id, payload, id, payload, ...} after `since` (oldest first, at most `count`)
-- `since` above the floor must still be in the stream: when it is not (the history behind it was
-- lost: a failover to a replica that had not received it, a restart that lost the last writes),
-- recovered = 0. Entries up to `since` are never sent again: the subscriber saw them.
-- A channel without history (never published, expired after maxAgeMs idle, or lost with a Redis
-- restart) gets an empty one here, so every later entry sorts after the returned cursor.
-- No negative status codes.
-- @include "trim-age.lua"

local function less(a, b)
  local da = string.find(a, '-', 1, true)
  local db = string.find(b, '-', 1, true)
  local ams, bms = tonumber(string.sub(a, 1, da - 1)), tonumber(string.sub(b, 1, db - 1))
  if ams ~= bms then return ams < bms end
  return tonumber(string.sub(a, da + 1)) < tonumber(string.sub(b, db + 1))
end

local since = ARGV[1]
local max_age = tonumber(ARGV[3])
trim_age(max_age)

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local floor = redis.call('HGET', KEYS[2], 'floor')
if not floor then
  if #last > 0 then
    floor = last[1][1]
  else
    floor = redis.call('XADD', KEYS[1], '*', 'd', '')
    redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)
  end
  redis.call('HSET', KEYS[2], 'floor', floor)
  if max_age > 0 then
    redis.call('PEXPIRE', KEYS[1], max_age)
    redis.call('PEXPIRE', KEYS[2], max_age)
  end
  if since == '' then return { 1, floor, '', {} } end
  return { 0, floor, '', {} }
end

local cursor = floor
if #last > 0 then cursor = last[1][1] end
if since == '' then return { 1, cursor, '', {} } end

local lost = less(cursor, since)
if not lost and less(floor, since) then
  lost = #redis.call('XRANGE', KEYS[1], since, since) == 0
end
local recovered = 1
local first_id = ''
if lost or less(since, floor) then
  recovered = 0
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if #first > 0 then first_id = first[1][1] end
end
local page = redis.call('XRANGE', KEYS[1], '(' .. since, '+', 'COUNT', tonumber(ARGV[2]))
local out = {}
for i = 1, #page do
  out[#out + 1] = page[i][1]
  out[#out + 1] = page[i][2][2]
end
return { recovered, cursor, first_id, out }
