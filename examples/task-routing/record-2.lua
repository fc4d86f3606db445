-- Records one routing decision in the shared stats: counts it, keeps it among the recent ones,
-- and measures the chosen agent's share of the recent window (its "load").
-- KEYS[1]  the counts hash: field `total`, and `agent:<id>` per agent
-- KEYS[2]  the recent decisions, newest first: a list of "<agentId> <decision JSON>"
-- ARGV[1]  the agent id (no spaces)
-- ARGV[2]  the decision as JSON text
-- ARGV[3]  how many recent decisions to keep (an integer >= 1)
-- Returns {total, agentTotal, agentInWindow, windowSize}: the counts after this decision, how many
-- of the kept recent decisions went to this agent, and how many are kept. No negative status codes.
local total = redis.call('HINCRBY', KEYS[1], 'total', 1)
local agentTotal = redis.call('HINCRBY', KEYS[1], 'agent:' .. ARGV[1], 1)
redis.call('LPUSH', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
local recent = redis.call('LRANGE', KEYS[2], 0, -1)
local prefix = ARGV[1] .. ' '
local n = 0
for i = 1, #recent do
  if string.sub(recent[i], 1, #prefix) == prefix then
    n = n + 1
  end
end
return {total, agentTotal, n, #recent}
