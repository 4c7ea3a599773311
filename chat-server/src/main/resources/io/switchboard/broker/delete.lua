-- Turns a stored message into a tombstone at its offset, and tells the room's members: atomic, once.
-- KEYS[1] room meta hash: the tombstones are its fields 't<offset>', and 'tombstones' counts them, so
--         they live and go with the room's position (no key of their own to expire with every message)
-- KEYS[2] room log stream
-- ARGV[1] offset   ARGV[2] epoch the caller means ('' for the room's)   ARGV[3] room name
-- ARGV[4] room channel   ARGV[5] 'PUBLISH', or 'SPUBLISH' on a Redis Cluster
-- KEYS[3] room events stream, KEYS[4] its state hash, KEYS[5] (not on a Redis Cluster) the webhooks'
--         due index   ARGV[6] '1': append a message.deleted event   ARGV[7] now (epoch ms)
-- The message leaves the log (XDEL: its text is no longer in Redis); history.lua puts the tombstone
-- in its place, so offsets stay dense. The tombstone keeps the message's id, sender and time.
-- Returns {epoch, 'deleted' | 'already' | 'gone' | 'epoch'}, or {''} if the room does not exist.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  return {''}
end
if ARGV[2] ~= '' and ARGV[2] ~= epoch then
  return {epoch, 'epoch'}
end
if redis.call('HEXISTS', KEYS[1], 't' .. ARGV[1]) == 1 then
  return {epoch, 'already'}
end
local id = ARGV[1] .. '-0'
local entry = redis.call('XRANGE', KEYS[2], id, id)
if #entry == 0 then
  return {epoch, 'gone'}
end
local ok, m = pcall(cjson.decode, entry[1][2][2])
if not ok or type(m) ~= 'table' then
  m = {}
end
local fields = {}
for _, name in ipairs({'id', 'from', 'fromName', 'fromUser'}) do
  if type(m[name]) == 'string' then
    fields[#fields + 1] = '"' .. name .. '":' .. cjson.encode(m[name])
  end
end
if type(m.ts) == 'number' then
  fields[#fields + 1] = '"ts":' .. string.format('%.0f', m.ts)
end
fields[#fields + 1] = '"deleted":true'
redis.call('XDEL', KEYS[2], id)
redis.call('HSET', KEYS[1], 't' .. ARGV[1], '{' .. table.concat(fields, ',') .. '}')
redis.call('HINCRBY', KEYS[1], 'tombstones', 1)
local ttl = redis.call('PTTL', KEYS[1])
redis.call(ARGV[5], ARGV[4], 'e{"type":"deleted","room":"' .. ARGV[3] .. '","epoch":"' .. epoch
  .. '","offset":' .. ARGV[1] .. '}')
if ARGV[6] == '1' then
  local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
  redis.call('XADD', KEYS[3], '*', 't', 'message.deleted', 's', seq, 'e', epoch, 'o', ARGV[1], 'd', '')
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[3], ttl)
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
  if KEYS[5] then
    redis.call('ZADD', KEYS[5], 'LT', ARGV[7], ARGV[3])
  end
end
return {epoch, 'deleted'}
