-- Reads an entity, and optionally the result stored under an idempotency key.
-- KEYS[1]  the entity hash
-- KEYS[2]  an idempotency record (string, same hash slot; a never-written key when not needed)
-- Returns { { field, value, … } (empty if no entity), stored idempotent result or "" }.
-- No negative status codes.
local prior = redis.call('GET', KEYS[2])
return { redis.call('HGETALL', KEYS[1]), prior or '' }
