-- Writing a lock value (its format: lock-value.lua).

-- The value stored for a lease.
local function lock_value(token, fence_s, meta)
  return token .. '\n' .. fence_s .. '\n' .. meta
end
