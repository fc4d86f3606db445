/**
 * The flash-sale seed's reserve script (seed 001), as its authors wrote it: GET + DECRBY on a
 * counter, HSET of a reservation hash, EXPIRE. One round trip too, but the stock of every
 * reservation that expires is never returned. Benchmarks compare Holdfast's hold() with it.
 * KEYS: counter, reservation hash. ARGV: quantity, reserved at (ms), user, TTL (s).
 */
export const SEED_RESERVE_LUA = `
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
local qty = tonumber(ARGV[1])
if stock < qty then return -1 end
redis.call('DECRBY', KEYS[1], qty)
redis.call('HSET', KEYS[2], 'quantity', qty, 'reserved_at', ARGV[2], 'user_id', ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return 1`;
