-- A webhook has had a room's events up to an id; drops what every webhook has had.
-- KEYS[1] room events stream   KEYS[2] its state hash
-- ARGV[1] webhook   ARGV[2] event id   ARGV[3..] every configured webhook
local function older(a, b) -- stream ids 'ms-n'
  local am, an = string.match(a, '^(%d+)-(%d+)$')
  local bm, bn = string.match(b, '^(%d+)-(%d+)$')
  am, an, bm, bn = tonumber(am), tonumber(an), tonumber(bm), tonumber(bn)
  return am < bm or (am == bm and an < bn)
end
local mine = redis.call('HGET', KEYS[2], 'c:' .. ARGV[1])
if mine and not older(mine, ARGV[2]) then
  return 0 -- had it already (a replayed or overtaken hold)
end
redis.call('HSET', KEYS[2], 'c:' .. ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local low = nil
for i = 3, #ARGV do
  local c = redis.call('HGET', KEYS[2], 'c:' .. ARGV[i])
  if not c then
    return 1
  end
  if not low or older(c, low) then
    low = c
  end
end
redis.call('XTRIM', KEYS[1], 'MINID', low)
redis.call('XDEL', KEYS[1], low)
return 1
