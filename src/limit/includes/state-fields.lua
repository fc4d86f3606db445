-- The hash fields of a rate-limited key, shared by the scripts that handle any set of limits.
-- The hash fields of the limits in `argv` (the generic script's arguments: 4 per limit from
-- argv[5]), after 'blk' and 'x', in the order the scripts read them:
--   fixed window: <p>w, <p>c;  sliding window: <p>w, <p>c, <p>p;  token bucket: <p>t, <p>s;  GCRA: <p>a
local function state_fields(argv, n)
  local fields = { 'blk', 'x' }
  local nf = 2
  for i = 1, n do
    local a, p = tonumber(argv[4 * i + 1]), argv[4 * i + 2]
    if a == 1 then
      fields[nf + 1], fields[nf + 2] = p .. 'w', p .. 'c'
      nf = nf + 2
    elseif a == 2 then
      fields[nf + 1], fields[nf + 2], fields[nf + 3] = p .. 'w', p .. 'c', p .. 'p'
      nf = nf + 3
    elseif a == 3 then
      fields[nf + 1], fields[nf + 2] = p .. 't', p .. 's'
      nf = nf + 2
    else
      nf = nf + 1
      fields[nf] = p .. 'a'
    end
  end
  return fields
end
