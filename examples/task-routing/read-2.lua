-- Reads the shared routing stats.
-- KEYS[1]  the counts hash (field `total`, and `agent:<id>` per agent)
-- KEYS[2]  the recent decisions, newest first ("<agentId> <decision JSON>")
-- ARGV[1]  how many recent decisions to return (an integer >= 1)
-- Returns {countsFlat, recent}: HGETALL's field/value array, and up to ARGV[1] list entries,
-- newest first. No negative status codes.
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)}
