-- The live nodes and their entries, read atomically.
-- KEYS[1] nodes sorted set   KEYS[2] node info hash   ARGV[1] now (ms)
-- Returns {JSON, JSON, ...} of every node whose expiry is after now.
local out = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
  local info = redis.call('HGET', KEYS[2], node)
  if info then
    out[#out + 1] = info
  end
end
return out
