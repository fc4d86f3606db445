-- Publishes one message on a channel, in one round trip. A durable channel first appends it to the
-- channel's stream (bounded by length and/or age) and then publishes "<id> <payload>"; an ephemeral
-- channel only publishes " <payload>" (an empty id).
-- KEYS[1]  the channel's stream (its history)
-- KEYS[2]  the channel's meta hash; field `floor`: the highest id that may be missing from the
--          history (the newest trimmed entry, or the first entry of this history). Every entry
--          above it is still in the stream.
-- ARGV[1]  the pub/sub channel to publish on
-- ARGV[2]  the payload (a JSON text)
-- ARGV[3]  1 = durable (append to the stream first), 0 = ephemeral
-- ARGV[4]  maxLen: entries kept (integer; 0 = no length bound)
-- ARGV[5]  maxAgeMs: entries older than this many ms are trimmed, and both keys expire after this
--          many ms without a publish (integer ms; 0 = no age bound)
-- ARGV[6]  1 = SPUBLISH (sharded pub/sub, Redis Cluster >= 7.0), 0 = PUBLISH
-- Returns {id, receivers}: the entry id ('' when ephemeral) and how many subscriber connections
-- received it. No negative status codes.
-- @include "trim-age.lua"

local id = ''
if ARGV[3] == '1' then
  local max_len = tonumber(ARGV[4])
  local max_age = tonumber(ARGV[5])
  local fresh = redis.call('EXISTS', KEYS[2]) == 0
  id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[2])
  if fresh then
    -- A new history: an id from before it cannot be resumed without a possible gap.
    redis.call('HSET', KEYS[2], 'floor', id)
  end
  if max_len > 0 then
    local len = redis.call('XLEN', KEYS[1])
    if len > max_len then
      -- At most 1000 entries go per publish (one after another publish in the steady state; more
      -- only after maxLen was lowered), so no publish pays for the whole backlog at once.
      local n = len - max_len
      if n > 1000 then n = 1000 end
      local cut = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', n)
      redis.call('XTRIM', KEYS[1], 'MAXLEN', len - n)
      redis.call('HSET', KEYS[2], 'floor', cut[#cut][1])
    end
  end
  trim_age(max_age)
  if max_age > 0 then
    redis.call('PEXPIRE', KEYS[1], max_age)
    redis.call('PEXPIRE', KEYS[2], max_age)
  end
end

local receivers
if ARGV[6] == '1' then
  receivers = redis.call('SPUBLISH', ARGV[1], id .. ' ' .. ARGV[2])
else
  receivers = redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[2])
end
return { id, receivers }
