-- The stream limiter (SPEC §3): leases in sorted sets scored by their expiry in Redis
-- server time (ms), so no edge clock matters. All keys share the {wsoptv:streams} hash tag:
-- the script runs in one slot of a Redis Cluster. The edge acquires and releases with it;
-- the control plane releases with it (shared/streams.py loads it for both).
--
-- KEYS: 1 all leases, 2 this user's leases, 3 the global wait queue, 4 this stream's
--       "ended" marker, 5 this content's views, 6 recently viewed contents, 7 this lease's
--       description (hash: sub, cid, edge, started, last_seen; read by the control plane),
--       8 (release only, optional) the control plane's owner record of the sid ("uid:cid")
-- ARGV: 1 op ('acquire' | 'release' | 'dequeue'), 2 sid, 3 idle ttl ms (release: how long
--       the ended marker lives), 4 global limit, 5 per-user limit, 6 may start a new lease
--       (0/1; release: 1 when a signed token already proves that sid belongs to sub),
--       7 queue size (0: never wait), 8 queue entry lifetime ms, 9 view window ms, 10 cid,
--       11 edge id, 12 sub, 13 bus channel prefix ('' publishes no events), 14 event source,
--       15 event origin, 16 (release) why it ends: 'player' | 'control', 17 (release) the
--       released channel, 18 (release) the id the edges acknowledge it with
-- acquire returns {status, count, extra}: 1 renewed, 2 started (new lease, view counted,
--   stream.started published), 0 wait in the queue (count = leases, extra = queue position),
--   -1 user limit (count = user's leases, extra = their sids), -2 capacity (queue full or no
--   queue), -3 no live lease and no new one allowed, -4 the stream was ended by its player.
-- release returns {1, was live (0/1), subscribers that heard it}, or {-1, 0, 0} when sid is
--   not sub's: then nothing changes. Otherwise the slot is freed, the sid is ended (its
--   token cannot start it), the edges hear "<ack id> <sid>" on the released channel (and
--   acknowledge; shared/streams.py waits for them) and stream.ended is published (once).

local leases, user_leases, queue, ended = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, sid = ARGV[1], ARGV[2]
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Bus events in the control plane's envelope (control/orchestration/bus.py, shared/events.py).
-- Numeric ids go out as JSON numbers, like the control plane's own events.
local function json_id(value)
  if string.match(value, '^[1-9]%d*$') and #value <= 15 then
    return value
  end
  return cjson.encode(value)
end

local function emit(kind, sub, cid, extra_name, extra_value)
  if ARGV[13] == nil or ARGV[13] == '' then
    return
  end
  local payload = '{"user_id":' .. json_id(sub) .. ',"content_id":' .. json_id(cid)
    .. ',"sid":' .. cjson.encode(sid) .. ',"' .. extra_name .. '":' .. cjson.encode(extra_value)
    .. '}'
  local event = '{"source":' .. cjson.encode(ARGV[14]) .. ',"type":"' .. kind
    .. '","payload":' .. payload .. ',"correlation_id":null,"reply_to":null,"id":'
    .. cjson.encode(kind .. ':' .. sid) .. ',"timestamp":' .. string.format('%.3f', now / 1000)
    .. '}'
  redis.call('PUBLISH', ARGV[13] .. kind,
    '{"origin":' .. cjson.encode(ARGV[15]) .. ',"event":' .. event .. '}')
end

if op == 'release' then
  local sub = ARGV[12]
  local described = redis.call('HGET', KEYS[7], 'sub')
  if described and described ~= sub then
    return {-1, 0, 0}
  end
  local cid = redis.call('HGET', KEYS[7], 'cid')
  local record = KEYS[8] and redis.call('GET', KEYS[8])
  local owner, owned_cid = nil, nil
  if record then
    owner, owned_cid = string.match(record, '^([^:]*):(.*)$')
    if owner ~= sub then
      return {-1, 0, 0}
    end
  end
  local live = redis.call('ZSCORE', user_leases, sid)
  if ARGV[6] ~= '1' and not (live or described or record) then
    return {-1, 0, 0}
  end
  redis.call('ZREM', leases, sid)
  redis.call('ZREM', user_leases, sid)
  redis.call('ZREM', queue, sid)
  local already_ended = redis.call('EXISTS', ended) == 1
  -- The marker lives as long as the token could start the stream again, so neither a
  -- racing renewal nor the same token brings the stream back.
  redis.call('SET', ended, '1', 'PX', ttl)
  redis.call('DEL', KEYS[7])
  if KEYS[8] then
    redis.call('DEL', KEYS[8])
  end
  local listeners = redis.call('PUBLISH', ARGV[17], (ARGV[18] or '') .. ' ' .. sid)
  if not already_ended then
    emit('stream.ended', sub, cid or owned_cid or ARGV[10] or '', 'reason', ARGV[16] or 'player')
  end
  local was_live = 0
  if live and tonumber(live) > now then
    was_live = 1
  end
  return {1, was_live, listeners}
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
  emit('stream.started', ARGV[12], ARGV[10], 'edge', ARGV[11])
  return {2, count + 1, 0}
end

if not queued then
  if position >= tonumber(ARGV[7]) then
    return {-2, count, 0}
  end
  redis.call('ZADD', queue, now, sid)
end
return {0, count, position}
