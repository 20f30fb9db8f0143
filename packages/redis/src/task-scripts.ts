// The Lua scripts behind the Redis task store: each status change runs as one script, so two
// instances racing (a settle on A against a cancel on B) cannot both win, and a tasks/get right
// after an acknowledgement reads the new state. A task is one hash:
//   owner, tool, status, message (status message), createdAt, updatedAt, ttlMs ('' for null),
//   pollIntervalMs, pending (count of outstanding input requests), in:<key> (each request, JSON),
//   ans:<key> (each answer taken, JSON, so a running instance that missed its signal can read it),
//   result / error (JSON, once settled), instance (the id of the instance running it, whose
//   heartbeat key <prefix>instance:<id> lives while that instance does).

const PRELUDE = `
local function terminal(status)
  return status == 'completed' or status == 'failed' or status == 'cancelled'
end
local function clearInput(key)
  for _, field in ipairs(redis.call('HKEYS', key)) do
    local kind = string.sub(field, 1, 4)
    if string.sub(field, 1, 3) == 'in:' or kind == 'ans:' then redis.call('HDEL', key, field) end
  end
  redis.call('HSET', key, 'pending', 0)
end
`;

// Every script touches one key (the task, one heartbeat, or one owner's index), so none crosses
// Redis Cluster slots.

/** KEYS: task. ARGV: expiry ms, then the hash's field/value pairs. 0 when the id is taken. */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * KEYS: an owner's index (a sorted set of its task ids, scored by when each expires). ARGV: now,
 * the cap, the task id, its expiry time. Drops the expired ids, then takes a place for the task
 * when the owner holds fewer than the cap: 1 (0 when that id holds one already). A refusal
 * answers the ms until the owner's next task expires, negated (at least 1, so always < 0).
 */
export const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return -math.max(1, tonumber(first[2]) - tonumber(ARGV[1]))
end
if redis.call('ZADD', KEYS[1], 'NX', ARGV[4], ARGV[3]) == 0 then return 0 end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

/** KEYS: an owner's index. ARGV: the task id. Gives back a place taken for a task that was not created. */
export const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

/** KEYS: an instance's heartbeat key. ARGV: heartbeat ms. */
export const BEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1`;

/** KEYS: an instance's heartbeat key. 1 while that instance beats. */
export const BEATING = `return redis.call('EXISTS', KEYS[1])`;

/**
 * KEYS: task. ARGV: now, error JSON, status message, the instance whose heartbeat was found
 * lapsed, channel, taskId. Fails the task if it is still running there (its instance died without
 * settling it), and publishes a stop signal in case that instance was only cut off and comes back.
 */
export const FAIL_ORPHAN = `${PRELUDE}
local head = redis.call('HMGET', KEYS[1], 'status', 'instance')
if not head[1] or terminal(head[1]) or head[2] ~= ARGV[4] then return 0 end
clearInput(KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2], 'message', ARGV[3], 'updatedAt', ARGV[1])
redis.call('PUBLISH', ARGV[5], '{"taskId":' .. cjson.encode(ARGV[6]) .. ',"kind":"cancelled"}')
return 1`;

/** KEYS: task. ARGV: now, then key/request-JSON pairs. Adds requests to a running task. */
export const REQUEST_INPUT = `${PRELUDE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status or terminal(status) then return 0 end
local added = 0
for i = 2, #ARGV, 2 do
  added = added + redis.call('HSET', KEYS[1], 'in:' .. ARGV[i], ARGV[i + 1])
end
redis.call('HINCRBY', KEYS[1], 'pending', added)
redis.call('HSET', KEYS[1], 'status', 'input_required', 'updatedAt', ARGV[1])
return 1`;

/**
 * KEYS: task. ARGV: owner, now, channel, taskId, then key/answer-JSON pairs (already validated).
 * Takes the answers whose key is still outstanding (kept under ans:<key>), returns the task to
 * working when none remain, and publishes the taken answers. 0 when the task is unknown to the owner.
 */
export const ANSWER = `${PRELUDE}
local head = redis.call('HMGET', KEYS[1], 'owner', 'status')
if not head[1] or head[1] ~= ARGV[1] then return 0 end
if terminal(head[2]) then return 1 end
local parts = {}
for i = 5, #ARGV, 2 do
  if redis.call('HDEL', KEYS[1], 'in:' .. ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], 'ans:' .. ARGV[i], ARGV[i + 1])
    parts[#parts + 1] = cjson.encode(ARGV[i]) .. ':' .. ARGV[i + 1]
  end
end
if #parts == 0 then return 1 end
if redis.call('HINCRBY', KEYS[1], 'pending', -#parts) <= 0 then
  redis.call('HSET', KEYS[1], 'status', 'working', 'pending', 0)
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
redis.call('PUBLISH', ARGV[3], '{"taskId":' .. cjson.encode(ARGV[4]) .. ',"kind":"answered","answers":{' .. table.concat(parts, ',') .. '}}')
return 1`;

/** KEYS: task. ARGV: now, status, 'result' or 'error', its JSON, [status message]. Only from a running status. */
export const SETTLE = `${PRELUDE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status or terminal(status) then return 0 end
clearInput(KEYS[1])
redis.call('HSET', KEYS[1], 'status', ARGV[2], ARGV[3], ARGV[4], 'updatedAt', ARGV[1])
if ARGV[5] then redis.call('HSET', KEYS[1], 'message', ARGV[5]) end
return 1`;

/** KEYS: task. ARGV: now, message. Only on a running task. */
export const SET_STATUS_MESSAGE = `${PRELUDE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status or terminal(status) then return 0 end
redis.call('HSET', KEYS[1], 'message', ARGV[2], 'updatedAt', ARGV[1])
return 1`;

/**
 * KEYS: task. ARGV: owner, now, channel, taskId, status message. Cancels a running task and
 * publishes the signal; a terminal task stays as it is. 0 when the task is unknown to the owner.
 */
export const CANCEL = `${PRELUDE}
local head = redis.call('HMGET', KEYS[1], 'owner', 'status')
if not head[1] or head[1] ~= ARGV[1] then return 0 end
if terminal(head[2]) then return 1 end
clearInput(KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'message', ARGV[5], 'updatedAt', ARGV[2])
redis.call('PUBLISH', ARGV[3], '{"taskId":' .. cjson.encode(ARGV[4]) .. ',"kind":"cancelled"}')
return 1`;
