-- Reads a slice of a room's log together with the room's position, atomically.
-- KEYS[1] room meta hash (with the tombstones of deleted messages: delete.lua)   KEYS[2] room log stream
-- KEYS[3] room bans sorted set (ban.lua)
-- ARGV[1] epoch to use if the room has none   ARGV[2] mode: 'since' or 'before'
-- ARGV[3] offset (since: exclusive lower bound; before: exclusive upper bound, 0 = none)   ARGV[4] limit
-- ARGV[5] seconds a room created by this read (never written) lives; its members' presence calls
--         extend it (presence.lua) while it holds no message
-- ARGV[6] '1': create the room if it does not exist; '0': answer {''} and write nothing
-- ARGV[7] '1' with ack-replicas: read only up to the room's 'acked' offset (what was relayed)
-- ARGV[8] a joiner's user, refused if banned ('': no check)   ARGV[9] now (epoch ms)
-- Returns {epoch, offset, firstOffset, created (0|1), stored offset, id1, body1, id2, body2, ...}
-- oldest first; ids are 'N-0'. offset is the position readers see; stored, the room's last offset.
-- A deleted message's tombstone stands at its offset, so the offsets of a page are dense.
-- Returns {'banned', until} if the joiner is banned (nothing is written).
if ARGV[8] ~= '' then
  local banned = redis.call('ZSCORE', KEYS[3], ARGV[8])
  if banned and (banned == 'inf' or tonumber(banned) > tonumber(ARGV[9])) then
    return {'banned', banned}
  end
end
-- the room's fields in one call: a join runs this script, and each call costs Redis more than its work
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'offset', 'acked', 'tombstones')
local epoch = meta[1]
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
  meta = {epoch, '0', false, false}
end
local stored = tonumber(meta[2])
-- with ack-replicas, readers see only what the replicas confirmed (relay.lua moves 'acked' on)
local offset = stored
if ARGV[7] == '1' and meta[3] then
  offset = math.min(stored, tonumber(meta[3]))
end
local tombs = meta[4] ~= false
local first = offset + 1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then
  first = tonumber(string.match(head[1][1], '^(%d+)'))
end
if tombs then
  -- the oldest messages may be tombstones (no longer in the log)
  while first > 1 and redis.call('HEXISTS', KEYS[1], 't' .. (first - 1)) == 1 do
    first = first - 1
  end
end
local out = {epoch, offset, first, created, stored}
local limit = tonumber(ARGV[4])
if limit > 0 then
  -- the offsets of the page: dense, from the log's first on
  local bound = tonumber(ARGV[3])
  local lo, hi
  if ARGV[2] == 'since' then
    lo = math.max(bound + 1, first)
    hi = math.min(offset, lo + limit - 1)
  else
    hi = offset
    if bound > 0 and bound - 1 < hi then hi = bound - 1 end
    lo = math.max(first, hi - limit + 1)
  end
  if lo <= hi then
    local entries = redis.call('XRANGE', KEYS[2], lo .. '-0', hi .. '-0')
    if not tombs then
      for _, e in ipairs(entries) do
        out[#out + 1] = e[1]
        out[#out + 1] = e[2][2]
      end
    else
      local next = 1
      for o = lo, hi do
        local id = o .. '-0'
        if entries[next] and entries[next][1] == id then
          out[#out + 1] = id
          out[#out + 1] = entries[next][2][2]
          next = next + 1
        else
          local tomb = redis.call('HGET', KEYS[1], 't' .. o)
          if tomb then
            out[#out + 1] = id
            out[#out + 1] = tomb
          end
        end
      end
    end
  end
end
return out
