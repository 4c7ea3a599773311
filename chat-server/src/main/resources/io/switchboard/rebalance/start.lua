-- Starts a rebalance unless one runs: takes the lock (expiring after the timeout), clears the last
-- rebalance's shed counts and writes the new one's status in one atomic step, so that a start that
-- finds the lock taken reads the running rebalance's status, never the one before it.
-- KEYS[1] lock   KEYS[2] status   KEYS[3] shed counts
-- ARGV[1] the rebalance's id   ARGV[2] timeout (ms)   ARGV[3] its status (JSON, running)
-- Returns {1} when it started, {0} when one runs already.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0}
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[2], ARGV[3])
return {1}
