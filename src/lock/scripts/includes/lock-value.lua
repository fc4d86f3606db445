-- An exclusive lock is one string key, set with its TTL in one command:
--   <owner token> "\n" <fence> "\n" <metadata>
-- (tokens and metadata never contain control characters, so "\n" is a safe separator).
-- A closed name (close-1.lua) keeps the same shape with an empty token and no TTL:
--   "" "\n" <last holder's fence> "\n" <closing metadata>
-- so every script's "is the key there?" check already sees it, and no token can match it.

-- True when the lock value `v` (a string) is a closed name's.
local function is_closed(v)
  return string.byte(v, 1) == 10
end

-- The value stored for a lease.
local function lock_value(token, fence_s, meta)
  return token .. '\n' .. fence_s .. '\n' .. meta
end

-- True when the lock value `v` (false when the key is absent) belongs to `token`: `v` starts with
-- `token` and "\n". Compared in place (the byte after where the token would end, then a plain find
-- that must match at 1), not by building `token .. "\n"` and a substring of `v`: Lua interns
-- every string it makes, and both would be as long as a token.
local function held_by(v, token)
  return v and string.byte(v, #token + 1) == 10 and string.find(v, token, 1, true) == 1
end

-- The token, fence (a number) and metadata of a lock value.
local function lock_fields(v)
  local a = string.find(v, '\n', 1, true)
  local b = string.find(v, '\n', a + 1, true)
  return string.sub(v, 1, a - 1), tonumber(string.sub(v, a + 1, b - 1)), string.sub(v, b + 1)
end
