-- Reads a slice of a room's log together with the room's position, atomically.
-- KEYS[1] room meta hash   KEYS[2] room log stream
-- ARGV[1] epoch to use if the room has none   ARGV[2] mode: 'since' or 'before'
-- ARGV[3] offset (since: exclusive lower bound; before: exclusive upper bound, 0 = none)   ARGV[4] limit
-- ARGV[5] seconds a room created by this read (never written) lives; its members' presence calls
--         extend it (presence.lua) while it holds no message
-- ARGV[6] '1': create the room if it does not exist; '0': answer {''} and write nothing
-- Returns {epoch, offset, firstOffset, created (0|1), id1, body1, id2, body2, ...} oldest first; ids
-- are 'N-0'.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local created = 0
if not epoch then
  if ARGV[6] ~= '1' then
    return {''}
  end
  epoch = ARGV[1]
  created = 1
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset'))
local first = offset + 1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then
  first = tonumber(string.match(head[1][1], '^(%d+)'))
end
local out = {epoch, offset, first, created}
local limit = tonumber(ARGV[4])
if limit > 0 then
  local bound = tonumber(ARGV[3])
  if ARGV[2] == 'since' then
    local entries = redis.call('XRANGE', KEYS[2], (bound + 1) .. '-0', '+', 'COUNT', limit)
    for _, e in ipairs(entries) do
      out[#out + 1] = e[1]
      out[#out + 1] = e[2][2]
    end
  else
    local top = '+'
    if bound > 0 then top = '(' .. bound .. '-0' end
    local entries = redis.call('XREVRANGE', KEYS[2], top, '-', 'COUNT', limit)
    for i = #entries, 1, -1 do
      out[#out + 1] = entries[i][1]
      out[#out + 1] = entries[i][2][2]
    end
  end
end
return out
