-- Stores one chat message and relays it, atomically: one round trip per send.
-- KEYS[1] room meta hash {epoch, offset}   KEYS[2] room log stream   KEYS[3] dedupe key of the clientMsgId
-- KEYS[4] room bans sorted set (ban.lua)
-- KEYS[5] room events stream, KEYS[6] its state hash, KEYS[7] (not on a Redis Cluster) the webhooks'
--         due index: where a stored message's message.created event goes, for the webhooks
-- ARGV[1] epoch to use if the room has none (new room, or Redis lost it)   ARGV[2] message body (JSON)
-- ARGV[3] room channel   ARGV[4] log size   ARGV[5] dedupe ttl in seconds
-- ARGV[6] retention in seconds: the room's keys expire this long after its last message
-- ARGV[7] 'PUBLISH', or 'SPUBLISH' on a Redis Cluster (the channel shares the keys' hash slot)
-- ARGV[8] '1': relay it now; '0': store only (with ack-replicas, relay.lua relays it once replicated,
--         and moves the room's 'acked' offset, below which readers see the log, on to it)
-- ARGV[9] the sender's user ('': nobody to check, the server API's posts)   ARGV[10] now (epoch ms)
-- ARGV[11] '1': append a message.created event (a webhook wants it)   ARGV[12] the room's name
-- Returns {epoch, offset, duplicate (0|1)}, or {'banned', until} if the sender is banned from the room.
if ARGV[9] ~= '' then
  local banned = redis.call('ZSCORE', KEYS[4], ARGV[9])
  if banned and (banned == 'inf' or tonumber(banned) > tonumber(ARGV[10])) then
    return {'banned', banned}
  end
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
end
if ARGV[8] == '0' and not redis.call('HGET', KEYS[1], 'acked') then
  -- ack-replicas: what the room held before was relayed as it was stored
  redis.call('HSET', KEYS[1], 'acked', redis.call('HGET', KEYS[1], 'offset'))
end
local seen = redis.call('GET', KEYS[3])
if seen then
  local sep = string.find(seen, ':', 1, true)
  if sep and string.sub(seen, 1, sep - 1) == epoch then
    return {epoch, tonumber(string.sub(seen, sep + 1)), 1}
  end
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], offset .. '-0', 'd', ARGV[2])
redis.call('SET', KEYS[3], epoch .. ':' .. offset, 'EX', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
if ARGV[8] ~= '0' then
  redis.call(ARGV[7], ARGV[3], 'p' .. epoch .. '\n' .. offset .. '\n' .. ARGV[2])
end
if ARGV[11] == '1' then
  -- the event is stored with the message, or neither is (webhooks: RoomEventCapture)
  local seq = redis.call('HINCRBY', KEYS[6], 'seq', 1)
  redis.call('XADD', KEYS[5], '*', 't', 'message.created', 's', seq, 'e', epoch, 'o', offset, 'd', ARGV[2])
  redis.call('EXPIRE', KEYS[5], ARGV[6])
  redis.call('EXPIRE', KEYS[6], ARGV[6])
  if KEYS[7] then
    redis.call('ZADD', KEYS[7], 'LT', ARGV[10], ARGV[12])
  end
end
return {epoch, offset, 0}
