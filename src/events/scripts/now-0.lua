-- Reads the Redis server's clock (the clock every event id and history time uses).
-- No KEYS, no ARGV.
-- Returns the server time in whole ms. No negative status codes.
-- @include "now.lua"
return now_ms()
