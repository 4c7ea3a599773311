-- A join in one call (RedisPresence.open): the room's page for the joiner, as history.lua reads it (the
-- function page), then, unless that found no room or a ban, the joiner added as presence.lua adds it (the
-- function presence). LuaScript.compose puts both scripts' texts in front of this one.
-- KEYS: history.lua's keys, then presence.lua's (all in the room's slot)
-- ARGV[1] how many of KEYS are history.lua's   ARGV[2] how many arguments are history.lua's
-- ARGV[3..]: history.lua's arguments, then presence.lua's
-- Returns {history.lua's answer} when it wrote nothing (no such room, banned: nobody joined), else
-- {history.lua's answer, presence.lua's answer}.
local readKeys = tonumber(ARGV[1])
local readArgs = tonumber(ARGV[2])
local read = page({unpack(KEYS, 1, readKeys)}, {unpack(ARGV, 3, 2 + readArgs)})
if #read <= 2 then
  return {read}
end
return {read, presence({unpack(KEYS, readKeys + 1)}, {unpack(ARGV, 3 + readArgs)})}
