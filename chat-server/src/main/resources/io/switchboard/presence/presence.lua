-- A room's presence, kept healthy: every entry expires unless its node refreshes it, and each call
-- first removes what expired (and answers it, so the caller can tell the room).
-- A room that holds no message yet lives as long as this keeps it: every call extends its meta hash.
-- KEYS[1] presence hash (member id -> member JSON)   KEYS[2] expiry sorted set (member id -> ms)
-- KEYS[3] the room's meta hash (epoch, offset; see history.lua)
-- KEYS[4] room events stream, KEYS[5] its state hash, KEYS[6] (not on a Redis Cluster) the webhooks'
--         due index: where room.occupied/vacated and member.joined/left events go
-- ARGV[1] operation: 'join' | 'leave' | 'roster' | 'count' | 'refresh' | 'reap'   ARGV[2] time to live (ms)
-- ARGV[3] most members to list   ARGV[4] how long a message-less room outlives this call (ms)
-- ARGV[5] events wanted: 'o' room.occupied/vacated, 'm' member.joined/left ('', 'o', 'm', 'om')
-- ARGV[6] the room's name   ARGV[7] events' lifetime (s)
-- join: ARGV[8] member id, ARGV[9] member JSON   leave: ARGV[8] member id
-- refresh: ARGV[8..] member ids (each still present gets a new expiry; absent ones are not re-added)
-- reap: ARGV[8..] member ids to remove (a dead node's)
-- Returns {count, number of expired, events appended (0|1), expired JSON..., listed JSON...}; lists every member for
-- join and roster while the count is at most ARGV[3] (else that many, by expiry), the removed ones (that had not
-- expired) for reap.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local occupancy = string.find(ARGV[5], 'o', 1, true) ~= nil
local members = string.find(ARGV[5], 'm', 1, true) ~= nil
local before = 0
if occupancy then
  before = redis.call('ZCARD', KEYS[2])
end
local out = {0, 0, 0}
local function event(kind, data)
  out[3] = 1
  local seq = redis.call('HINCRBY', KEYS[5], 'seq', 1)
  redis.call('XADD', KEYS[4], '*', 't', kind, 's', seq, 'e', '', 'o', 0, 'd', data)
  redis.call('EXPIRE', KEYS[4], ARGV[7])
  redis.call('EXPIRE', KEYS[5], ARGV[7])
  if KEYS[6] then
    redis.call('ZADD', KEYS[6], 'LT', now, ARGV[6])
  end
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(dead) do
  local json = redis.call('HGET', KEYS[1], id)
  if json then
    out[#out + 1] = json
    redis.call('HDEL', KEYS[1], id)
    if members then
      event('member.left', json)
    end
  end
end
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if occupancy then
    local left = redis.call('ZCARD', KEYS[2])
    if before > 0 and left == 0 then
      event('room.vacated', '')
    end
    before = left
  end
end
out[2] = #out - 3
local op = ARGV[1]
if op == 'join' then
  if occupancy and before == 0 then
    event('room.occupied', '')
  end
  local new = redis.call('HSET', KEYS[1], ARGV[8], ARGV[9])
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[8])
  if members and new == 1 then
    event('member.joined', ARGV[9])
  end
elseif op == 'leave' then
  local json = members and redis.call('HGET', KEYS[1], ARGV[8])
  if redis.call('HDEL', KEYS[1], ARGV[8]) == 1 and json then
    event('member.left', json)
  end
  redis.call('ZREM', KEYS[2], ARGV[8])
elseif op == 'refresh' then
  for i = 8, #ARGV do
    redis.call('ZADD', KEYS[2], 'XX', now + ttl, ARGV[i])
  end
elseif op == 'reap' then
  for i = 8, #ARGV do
    local json = redis.call('HGET', KEYS[1], ARGV[i])
    if json then
      out[#out + 1] = json
      redis.call('HDEL', KEYS[1], ARGV[i])
      if members then
        event('member.left', json)
      end
    end
    redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
out[1] = redis.call('ZCARD', KEYS[2])
if occupancy and before > 0 and out[1] == 0 then
  event('room.vacated', '')
end
if op == 'join' or op == 'roster' then
  local limit = tonumber(ARGV[3])
  if out[1] <= limit then
    -- every member: one call
    for _, json in ipairs(redis.call('HVALS', KEYS[1])) do
      out[#out + 1] = json
    end
  else
    local ids = redis.call('ZRANGE', KEYS[2], 0, limit - 1)
    for _, json in ipairs(redis.call('HMGET', KEYS[1], unpack(ids))) do
      if json then
        out[#out + 1] = json
      end
    end
  end
end
if redis.call('HGET', KEYS[3], 'offset') == '0' then
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
-- Both keys go with their last member, and outlive a room every node abandoned by two lifetimes:
-- their lifetime is set when the first member makes them and renewed by every node's refresh (each
-- third of a lifetime), not by each join and leave (two calls of a join's dozen, for nothing).
if (op == 'refresh' and out[1] > 0) or (op == 'join' and out[1] == 1) then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
  redis.call('PEXPIRE', KEYS[2], ttl * 2)
end
return out
