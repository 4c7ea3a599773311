-- Relays a stored message to the room's subscribers, as publish.lua would have: with ack-replicas,
-- once WAIT said the replicas have it, so that no member is shown what a failover could take back.
-- KEYS[1] room meta hash   KEYS[2] room log stream
-- ARGV[1] the message's epoch   ARGV[2] its offset   ARGV[3] room channel   ARGV[4] 'PUBLISH'
-- The body is read from the log: a retried send relays what was stored, not its own copy. Moves the
-- room's 'acked' offset on to it: readers (history.lua) see the log up to there. (The replicas having
-- offset N means they have every offset below it: the replication stream is in order.)
-- Returns 1 if relayed, 0 if the room has left that epoch or the log no longer holds the message.
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then
  return {0}
end
local id = ARGV[2] .. '-0'
local entry = redis.call('XRANGE', KEYS[2], id, id)
if #entry == 0 then
  return {0}
end
if tonumber(redis.call('HGET', KEYS[1], 'acked') or '0') < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'acked', ARGV[2])
end
redis.call(ARGV[4], ARGV[3], 'p' .. ARGV[1] .. '\n' .. ARGV[2] .. '\n' .. entry[1][2][2])
return {1}
