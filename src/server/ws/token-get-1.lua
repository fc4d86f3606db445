-- Reads one WebSocket token record.
-- KEYS[1]  the token's key (<prefix>wstoken:{<sha256 of the token>})
-- Returns the record as JSON, or nil when the token is unknown or expired (Redis dropped it).
return redis.call('GET', KEYS[1])
