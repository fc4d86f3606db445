-- The breaker's state as admit-3 and settle-3 read it, with the server's time. KEYS[1] is the state
-- hash {st, until, att, gen, consec}. Defines the locals now, st, untilMs, att and gen.
-- @include "now.lua"
local now = now_ms()
local h = redis.call('HMGET', KEYS[1], 'st', 'until', 'att', 'gen')
local st = tonumber(h[1]) or 0
local untilMs = tonumber(h[2]) or 0
local att = tonumber(h[3]) or 0
local gen = tonumber(h[4]) or 0
