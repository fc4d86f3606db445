-- Takes one WebSocket token: reads its record and deletes it, so a token opens one socket only.
-- KEYS[1]  the token's key (<prefix>wstoken:{<sha256 of the token>})
-- Returns the record as JSON, or nil when the token is unknown, expired (Redis dropped it) or
-- already used. GET then DEL rather than GETDEL, which Redis before 6.2 lacks.
local record = redis.call('GET', KEYS[1])
if record then redis.call('DEL', KEYS[1]) end
return record
