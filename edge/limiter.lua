-- The stream limiter (SPEC §3): leases in sorted sets scored by their expiry in Redis
-- server time (ms), so no edge clock matters. All keys share the {wsoptv:streams} hash tag:
-- the script runs in one slot of a Redis Cluster.
--
-- KEYS: 1 all leases, 2 this user's leases, 3 the global wait queue, 4 this stream's
--       "ended" marker, 5 this content's views, 6 recently viewed contents, 7 this lease's
--       description (hash: sub, cid, edge, started, last_seen; read by the control plane)
-- ARGV: 1 op ('acquire' | 'release' | 'dequeue'), 2 sid, 3 idle ttl ms, 4 global limit,
--       5 per-user limit, 6 may start a new lease (0/1), 7 queue size (0: never wait),
--       8 queue entry lifetime ms, 9 view window ms, 10 cid, 11 edge id, 12 sub
-- acquire returns {status, count, extra}: 1 renewed, 2 started (new lease, view counted),
--   0 wait in the queue (count = leases, extra = queue position), -1 user limit
--   (count = user's leases, extra = their sids), -2 capacity (queue full or no queue),
--   -3 no live lease and no new one allowed, -4 the stream was ended by its player.

local leases, user_leases, queue, ended = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, sid = ARGV[1], ARGV[2]
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

if op == 'release' then
  redis.call('ZREM', leases, sid)
  redis.call('ZREM', user_leases, sid)
  redis.call('ZREM', queue, sid)
  -- For release, ARGV[3] is how long the marker lives: as long as the token could start the
  -- stream again, so neither a racing renewal nor the same token brings the stream back.
  redis.call('SET', ended, '1', 'PX', ttl)
  redis.call('DEL', KEYS[7])
  return {1, 0, 0}
end

if op == 'dequeue' then
  redis.call('ZREM', queue, sid)
  return {1, 0, 0}
end

redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
redis.call('ZREMRANGEBYSCORE', user_leases, '-inf', now)

if redis.call('EXISTS', ended) == 1 then
  return {-4, 0, 0}
end

local expires = now + ttl

local function describe()
  redis.call('HSET', KEYS[7], 'sub', ARGV[12], 'cid', ARGV[10], 'edge', ARGV[11], 'last_seen', now)
  redis.call('HSETNX', KEYS[7], 'started', now)
  redis.call('PEXPIRE', KEYS[7], ttl)
end

if redis.call('ZSCORE', user_leases, sid) then
  redis.call('ZADD', leases, expires, sid)
  redis.call('ZADD', user_leases, expires, sid)
  redis.call('PEXPIRE', user_leases, ttl)
  describe()
  return {1, redis.call('ZCARD', leases), 0}
end

if ARGV[6] ~= '1' then
  return {-3, 0, 0}
end

local user_count = redis.call('ZCARD', user_leases)
if user_count >= tonumber(ARGV[5]) then
  return {-1, user_count, redis.call('ZRANGE', user_leases, 0, -1)}
end

-- Waiters whose process died are forgotten once they have been waiting for too long.
redis.call('ZREMRANGEBYSCORE', queue, '-inf', now - tonumber(ARGV[8]))
local count = redis.call('ZCARD', leases)
local position = redis.call('ZRANK', queue, sid)
local queued = position ~= false
if not queued then
  position = redis.call('ZCARD', queue)
end

-- First come, first served: a free slot goes to the waiters ahead of this request first.
if count + position < tonumber(ARGV[4]) then
  redis.call('ZREM', queue, sid)
  redis.call('ZADD', leases, expires, sid)
  redis.call('ZADD', user_leases, expires, sid)
  redis.call('PEXPIRE', user_leases, ttl)
  local window = tonumber(ARGV[9])
  redis.call('ZADD', KEYS[5], now, sid)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - window)
  redis.call('PEXPIRE', KEYS[5], window)
  redis.call('ZADD', KEYS[6], now, ARGV[10])
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - window)
  describe()
  return {2, count + 1, 0}
end

if not queued then
  if position >= tonumber(ARGV[7]) then
    return {-2, count, 0}
  end
  redis.call('ZADD', queue, now, sid)
end
return {0, count, position}
