-- Bans a user from a room until a time, or lifts the ban, or lists the bans; expired bans are dropped.
-- KEYS[1] room bans sorted set: user -> until (epoch ms, 'inf' for good)
-- ARGV[1] 'ban', 'unban' or 'list'   ARGV[2] now (epoch ms)   ARGV[3] user   ARGV[4] until ('inf': for good)
-- Returns ban: {}; unban: {1} if there was a ban, else {0}; list: {user1, until1, user2, until2, ...}.
-- The set expires with its last ban; join (history.lua) and send (publish.lua) read it in their own scripts.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if ARGV[1] == 'list' then
  return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
end
if ARGV[1] == 'unban' then
  return {redis.call('ZREM', KEYS[1], ARGV[3])}
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == 'inf' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return {}
