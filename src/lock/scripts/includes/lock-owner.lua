-- Who holds a lock value (its format: lock-value.lua).

-- True when the lock value `v` (a string) is a closed name's.
local function is_closed(v)
  return string.byte(v, 1) == 10
end

-- True when the lock value `v` (false when the key is absent) belongs to `token`: `v` starts with
-- `token` and "\n". Compared in place (the byte after where the token would end, then a plain find
-- that must match at 1), not by building `token .. "\n"` and a substring of `v`: Lua interns
-- every string it makes, and both would be as long as a token.
local function held_by(v, token)
  return v and string.byte(v, #token + 1) == 10 and string.find(v, token, 1, true) == 1
end
