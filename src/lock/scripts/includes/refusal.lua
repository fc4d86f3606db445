-- The refusal of a refresh, release or close whose token does not hold the lock value `v` (false
-- when the key is absent): {-6, the closing lease's fence} for a closed name, -3 when another owner
-- holds it, -2 when nothing does.
-- @include "lock-value.lua"
-- @include "lock-owner.lua"
local function refusal(v)
  if not v then return -2 end
  if is_closed(v) then
    local _, fence = lock_fields(v)
    return { -6, fence }
  end
  return -3
end
