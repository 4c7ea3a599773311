-- Reads a slice of a room's log together with the room's position, atomically.
-- KEYS[1] room meta hash   KEYS[2] room log stream
-- ARGV[1] epoch to use if the room has none   ARGV[2] mode: 'since' or 'before'
-- ARGV[3] offset (since: exclusive lower bound; before: exclusive upper bound, 0 = none)   ARGV[4] limit
-- ARGV[5] seconds a room created by this read (never written) lives; its members' presence calls
--         extend it (presence.lua) while it holds no message
-- ARGV[6] '1': create the room if it does not exist; '0': answer {''} and write nothing
-- ARGV[7] '1' with ack-replicas: read only up to the room's 'acked' offset (what was relayed)
-- Returns {epoch, offset, firstOffset, created (0|1), stored offset, id1, body1, id2, body2, ...}
-- oldest first; ids are 'N-0'. offset is the position readers see; stored, the room's last offset.
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
local stored = tonumber(redis.call('HGET', KEYS[1], 'offset'))
-- with ack-replicas, readers see only what the replicas confirmed (relay.lua moves 'acked' on)
local offset = stored
if ARGV[7] == '1' then
  local acked = redis.call('HGET', KEYS[1], 'acked')
  if acked then
    offset = math.min(stored, tonumber(acked))
  end
end
local first = offset + 1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then
  first = tonumber(string.match(head[1][1], '^(%d+)'))
end
local out = {epoch, offset, first, created, stored}
local limit = tonumber(ARGV[4])
if limit > 0 then
  local bound = tonumber(ARGV[3])
  if ARGV[2] == 'since' then
    if offset > bound then
      local entries = redis.call('XRANGE', KEYS[2], (bound + 1) .. '-0', offset .. '-0', 'COUNT', limit)
      for _, e in ipairs(entries) do
        out[#out + 1] = e[1]
        out[#out + 1] = e[2][2]
      end
    end
  else
    local top = offset
    if bound > 0 and bound - 1 < top then top = bound - 1 end
    if top > 0 then
      local entries = redis.call('XREVRANGE', KEYS[2], top .. '-0', '-', 'COUNT', limit)
      for i = #entries, 1, -1 do
        out[#out + 1] = entries[i][1]
        out[#out + 1] = entries[i][2][2]
      end
    end
  end
end
return out
