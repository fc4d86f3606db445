-- Deletes a lock whoever holds it (admin). The fence counter is kept, so later fences still increase.
-- KEYS[1]  the lock
-- KEYS[2]  the readers sorted set
-- Returns  1 when a writer or reader lease was removed, 0 when the key was free
return redis.call('DEL', KEYS[1], KEYS[2]) > 0 and 1 or 0
