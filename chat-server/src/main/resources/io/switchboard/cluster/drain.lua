-- Marks a node draining unless that breaks the cluster's rules; the check and the mark are one
-- atomic step, so two nodes asked at the same moment cannot both pass.
-- KEYS[1] nodes sorted set   KEYS[2] node info hash
-- ARGV[1] this node   ARGV[2] now (ms)   ARGV[3] most nodes draining at once   ARGV[4] force ('1' skips the checks)
-- ARGV[5] this node's JSON, state draining
-- Returns {''} when the node is now draining, else {why not}: 'busy: ...' while other nodes drain,
-- 'alone: ...' when no other node is ready.
if ARGV[4] ~= '1' then
  local draining = {}
  local ready = 0
  for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')) do
    if node ~= ARGV[1] then
      local info = redis.call('HGET', KEYS[2], node)
      if info then
        local state = cjson.decode(info)['state']
        if state == 'draining' then
          draining[#draining + 1] = node
        elseif state == 'ready' then
          ready = ready + 1
        end
      end
    end
  end
  if #draining >= tonumber(ARGV[3]) then
    return {'busy: another node is draining (' .. table.concat(draining, ', ') .. '); at most ' .. ARGV[3]
        .. ' may drain at once (switchboard.drain.max-concurrent)'}
  end
  if ready == 0 then
    return {'alone: no other node is ready to take this node\'s sessions'}
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
return {''}
