-- Hands a node due rooms that no live lease holds (webhooks: RedisEventFeed).
-- KEYS[1] due sorted set: room -> when its events were marked undelivered (epoch ms); a room a node
--         holds has 10^15 + the lease's end, until a new event marks it again
-- KEYS[2] leases hash: room -> '<node> <lease end ms>'
-- ARGV[1] node   ARGV[2] now (ms)   ARGV[3] lease (ms)   ARGV[4] most rooms to hand out
-- Returns the rooms now held by the node.
local HELD = 1e15
local now = tonumber(ARGV[2])
local lease_end = now + tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local claimed = {}
local function try(room)
  if #claimed >= max then
    return
  end
  local lease = redis.call('HGET', KEYS[2], room)
  if lease then
    local sep = string.find(lease, ' ', 1, true)
    if tonumber(string.sub(lease, sep + 1)) > now then
      return -- a live lease, this node's own included: its holder delivers and releases it
    end
  end
  redis.call('HSET', KEYS[2], room, ARGV[1] .. ' ' .. lease_end)
  redis.call('ZADD', KEYS[1], HELD + lease_end, room)
  claimed[#claimed + 1] = room
end
for _, room in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max * 4)) do
  try(room)
end
-- held by a node whose lease ended (it died): taken over
for _, room in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], HELD, HELD + now, 'LIMIT', 0, max * 4)) do
  try(room)
end
return claimed
