-- A room's events after the last one a webhook has had (webhooks: RedisEventFeed).
-- KEYS[1] room events stream   KEYS[2] its state hash (c:<webhook> = last event id it had)
-- ARGV[1] webhook   ARGV[2] most events
-- Returns the stream entries, oldest first.
local cursor = redis.call('HGET', KEYS[2], 'c:' .. ARGV[1]) or '0-0'
return redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', ARGV[2])
