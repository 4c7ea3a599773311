-- Counts one connection under an address or a user, cluster-wide, unless the limit is reached.
-- KEYS[1] hash connection id -> node id
-- ARGV[1] connection id   ARGV[2] this node's id   ARGV[3] limit   ARGV[4] key ttl in seconds
-- ARGV[5..] the ids of the live nodes: only their connections count. Entries of other nodes are
-- left alone (the live list may be a heartbeat old and miss a node that has just started); the
-- node that sees a node die removes that node's entries (its index, Pnode:<node>:connections).
-- Returns 1 if counted, 0 if the limit was reached.
local live = {}
for i = 5, #ARGV do
  live[ARGV[i]] = true
end
local entries = redis.call('HGETALL', KEYS[1])
local count = 0
for i = 1, #entries, 2 do
  if entries[i] == ARGV[1] then
    return {1}
  end
  if live[entries[i + 1]] then
    count = count + 1
  end
end
if count >= tonumber(ARGV[3]) then
  return {0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {1}
