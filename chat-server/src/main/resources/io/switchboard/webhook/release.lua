-- Renews or ends a node's hold on rooms (webhooks: RedisEventFeed); a room held by another node
-- now (this node's lease ended and it was claimed) is left alone.
-- KEYS[1] due sorted set   KEYS[2] leases hash (see claim.lua)
-- ARGV[1] 'renew', 'release' or 'later'   ARGV[2] node   ARGV[3] now (ms)   ARGV[4] lease (ms), or for
-- 'later' how long until the room is due again   ARGV[5..] rooms
-- release (every event delivered): the room leaves the due set unless a new event marked it while
-- held (its score is then below 10^15), so that it is claimed again. later (the node stopped, or
-- Redis failed it midway): the room is due again after the delay, for any node.
local HELD = 1e15
local lease_end = tonumber(ARGV[3]) + tonumber(ARGV[4])
for i = 5, #ARGV do
  local room = ARGV[i]
  local lease = redis.call('HGET', KEYS[2], room)
  if lease and string.sub(lease, 1, string.find(lease, ' ', 1, true) - 1) == ARGV[2] then
    local score = tonumber(redis.call('ZSCORE', KEYS[1], room) or '0')
    if ARGV[1] == 'renew' then
      redis.call('HSET', KEYS[2], room, ARGV[2] .. ' ' .. lease_end)
      if score >= HELD then
        redis.call('ZADD', KEYS[1], HELD + lease_end, room)
      end
    elseif ARGV[1] == 'later' then
      redis.call('HDEL', KEYS[2], room)
      redis.call('ZADD', KEYS[1], lease_end, room)
    else
      redis.call('HDEL', KEYS[2], room)
      if score >= HELD then
        redis.call('ZREM', KEYS[1], room)
      end
    end
  end
end
return {}
