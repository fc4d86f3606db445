-- An exclusive lock is one string key, set with its TTL in one command:
--   <owner token> "\n" <fence> "\n" <metadata>
-- (tokens and metadata never contain control characters, so "\n" is a safe separator).
-- A closed name (close-1.lua) keeps the same shape with an empty token and no TTL:
--   "" "\n" <last holder's fence> "\n" <closing metadata>
-- so every script's "is the key there?" check already sees it, and no token can match it.
-- The helpers are split by use (lock-write.lua writes a value, lock-owner.lua tells who holds one):
-- each `local function` a script includes is a closure Redis builds on every call, about 380
-- instructions each (valgrind), so a script includes only the ones it calls.

-- The token, fence (a number) and metadata of a lock value.
local function lock_fields(v)
  local a = string.find(v, '\n', 1, true)
  local b = string.find(v, '\n', a + 1, true)
  return string.sub(v, 1, a - 1), tonumber(string.sub(v, a + 1, b - 1)), string.sub(v, b + 1)
end
