-- A room's log went back in time: the room still has the epoch a node knows, but an offset below
-- the last one that node delivered (Redis restored from an older snapshot, or a replica promoted
-- before it had everything). Gives the room a new epoch, keeping its log, so that nothing stored
-- from now on reuses a position somebody already holds. Atomic, and done once: a second node that
-- sees the same rollback finds the epoch changed already.
-- KEYS[1] room meta hash   ARGV[1] the epoch the caller knows   ARGV[2] the last offset it delivered
-- ARGV[3] the new epoch
-- Returns {epoch, offset} as they are after the call.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
if epoch == ARGV[1] and offset < tonumber(ARGV[2]) then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
return {epoch or '', offset}
