-- A room's presence, kept healthy: every entry expires unless its node refreshes it, and each call
-- first removes what expired (and answers it, so the caller can tell the room).
-- A room that holds no message yet lives as long as this keeps it: every call extends its meta hash.
-- KEYS[1] presence hash (member id -> member JSON)   KEYS[2] expiry sorted set (member id -> ms)
-- KEYS[3] the room's meta hash (epoch, offset; see history.lua)
-- ARGV[1] operation: 'join' | 'leave' | 'roster' | 'count' | 'refresh' | 'reap'   ARGV[2] time to live (ms)
-- ARGV[3] most members to list   ARGV[4] how long a message-less room outlives this call (ms)
-- join: ARGV[5] member id, ARGV[6] member JSON   leave: ARGV[5] member id
-- refresh: ARGV[5..] member ids (each still present gets a new expiry; absent ones are not re-added)
-- reap: ARGV[5..] member ids to remove (a dead node's)
-- Returns {count, number of expired, expired JSON..., listed JSON...}; lists the first members for
-- join and roster, the removed ones (that had not expired) for reap.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local out = {0, 0}
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(dead) do
  local json = redis.call('HGET', KEYS[1], id)
  if json then
    out[#out + 1] = json
    redis.call('HDEL', KEYS[1], id)
  end
end
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
out[2] = #out - 2
local op = ARGV[1]
if op == 'join' then
  redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[5])
elseif op == 'leave' then
  redis.call('HDEL', KEYS[1], ARGV[5])
  redis.call('ZREM', KEYS[2], ARGV[5])
elseif op == 'refresh' then
  for i = 5, #ARGV do
    redis.call('ZADD', KEYS[2], 'XX', now + ttl, ARGV[i])
  end
elseif op == 'reap' then
  for i = 5, #ARGV do
    local json = redis.call('HGET', KEYS[1], ARGV[i])
    if json then
      out[#out + 1] = json
      redis.call('HDEL', KEYS[1], ARGV[i])
    end
    redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
out[1] = redis.call('ZCARD', KEYS[2])
if op == 'join' or op == 'roster' then
  local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
  if #ids > 0 then
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
-- both keys go with their last member, and outlive a room every node abandoned by two lifetimes
if out[1] > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
  redis.call('PEXPIRE', KEYS[2], ttl * 2)
end
return out
