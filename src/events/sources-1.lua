-- Lists the index of sources, oldest registration first.
-- KEYS[1]  the sources index (sorted set)
-- Returns an array of source names (empty when none). No negative status codes.
return redis.call('ZRANGE', KEYS[1], 0, -1)
