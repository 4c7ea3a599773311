-- One node's heartbeat: writes its entry and removes the nodes whose heartbeats stopped, atomically,
-- so each dead node is removed (and cleaned up after) by exactly one node.
-- KEYS[1] nodes sorted set (node -> expiry, epoch ms)   KEYS[2] node info hash (node -> JSON)
-- KEYS[3] the rebalance lock (its existence: a rebalance runs)
-- ARGV[1] this node   ARGV[2] now (ms)   ARGV[3] this node's expiry (ms)   ARGV[4] this node's JSON
-- Returns {fresh (1 if this node's entry was missing), rebalancing (1 if a rebalance runs), dead node ids...}.
local fresh = redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
local out = {fresh, redis.call('EXISTS', KEYS[3])}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])) do
  redis.call('ZREM', KEYS[1], node)
  redis.call('HDEL', KEYS[2], node)
  out[#out + 1] = node
end
return out
