/**
 * The fair gates' Lua scripts (fair-gate.ts holds their keys, arguments and
 * meaning). Each runs atomically on Redis's clock; every key is under the
 * queue prefix, so on a cluster they share its hash slot.
 */

/**
 * Takes a lease in every gate or parks the job in the first gate that is
 * full. KEYS: per gate its leases, parked and promoted sets, then the first
 * gate's cap key (set to its cap when it refuses a job: what an enqueue
 * compares the webhook's backlog with, flow-priority.ts), then (with
 * ARGV[7] set) BullMQ's prioritized set of the queue, then (with
 * ARGV[5] > 0) the webhook's slow marker. ARGV: holder, lease TTL, place,
 * mode, slow threshold, slow memory, the queue's job key prefix ('': no
 * look at the queue), the text that marks a job of this webhook in its
 * data, then each gate's cap. Answers {0, 0, 0, 0} (taken, or nothing
 * refused in probe mode) or {gate index, that gate's oldest lease age (-1:
 * none), the job's rank in its parked set, 1 if the first gate refused it
 * and the next job the queue would hand out is this webhook's too, or
 * there is none (nobody else waits for a worker slot), else 0}.
 */
export const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #ARGV - 8
local member = ARGV[1]
local ttl = tonumber(ARGV[2])
local place = tonumber(ARGV[3])
-- ARGV[5] > 0: the last gate is the slow gate, passed only while the webhook (gate 1) is slow: marked so
-- (KEYS[#KEYS], kept ARGV[6] ms) by a slow exchange's release, or now, its oldest lease held ARGV[5] ms
local slowMs = tonumber(ARGV[5])
local active = n
-- mode: '0' take the leases or park, '1' take them whatever the caps, '2' only look (park if refused, take nothing)
local force = ARGV[4] == '1'
local probe = ARGV[4] == '2'
-- a lease belongs to one run ("<job id>|<run>"): two runs of one job hold two leases; parked entries are job ids
local job = string.match(member, '^[^|]*')
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i - 2], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i], '-inf', now)
end
if slowMs > 0 and redis.call('EXISTS', KEYS[#KEYS]) == 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] ~= nil and now - (tonumber(oldest[2]) - ttl) >= slowMs then
    redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[6])
  else
    active = n - 1
  end
end
if not force then
  for i = 1, active do
    local leases, parked, promoted = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
    -- a promoted job comes for a lease kept for it: it waits only for a free lease; everyone else
    -- also counts the kept ones as taken
    local mine = redis.call('ZSCORE', promoted, job) ~= false
    local full
    if mine then
      full = redis.call('ZCARD', leases) >= tonumber(ARGV[8 + i])
    else
      full = redis.call('ZCARD', leases) + redis.call('ZCARD', promoted) >= tonumber(ARGV[8 + i])
    end
    local behind = false
    if i == 1 and not full and not mine then
      -- the webhook gate keeps each webhook's order: an earlier parked job goes first
      local head = redis.call('ZRANGE', parked, 0, 0, 'WITHSCORES')
      behind = head[1] ~= nil and head[1] ~= job and tonumber(head[2]) < place
    end
    if full or behind then
      if probe and mine then return {0, 0, 0, 0} end
      -- a promoted job refused here keeps the lease kept for it here (until it lapses): it waits in place
      -- for the next free one; any other gate's kept lease goes back
      for j = 1, n do
        if j ~= i then redis.call('ZREM', KEYS[3 * j - 1], job) end
        if j ~= i or not mine then redis.call('ZREM', KEYS[3 * j], job) end
      end
      redis.call('ZADD', parked, place, job)
      redis.call('PEXPIRE', parked, 86400000)
      local alone = 0
      if i == 1 then
        redis.call('SET', KEYS[3 * n + 1], ARGV[9], 'PX', 86400000)
        -- whose job would a free worker slot take next? (BullMQ's prioritized set: job ids by priority)
        if ARGV[7] ~= '' then
          local head = redis.call('ZRANGE', KEYS[3 * n + 2], 0, 0)[1]
          if head == nil then
            alone = 1
          else
            local data = redis.call('HGET', ARGV[7] .. head, 'data')
            if data and string.find(data, ARGV[8], 1, true) then alone = 1 end
          end
        end
      end
      local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
      local age = -1
      if oldest[2] ~= nil then age = now - (tonumber(oldest[2]) - ttl) end
      return {i, age, redis.call('ZRANK', parked, job), alone}
    end
  end
end
if probe then return {0, 0, 0, 0} end
for i = 1, n do
  if i <= active then
    redis.call('ZADD', KEYS[3 * i - 2], now + ttl, member)
    -- the key lives as long as its longest lease: a holder with a shorter ttl (another process's
    -- DELIVERY_TIMEOUT_MS) must not take the others' leases with it
    if redis.call('PTTL', KEYS[3 * i - 2]) < ttl then redis.call('PEXPIRE', KEYS[3 * i - 2], ttl) end
  end
  redis.call('ZREM', KEYS[3 * i - 1], job)
  redis.call('ZREM', KEYS[3 * i], job)
end
return {0, 0, 0, 0}
`;

/**
 * Drops a lease and answers the parked jobs to promote: per gate, as many
 * heads as there are leases free and not already kept for a promoted job,
 * or, at a fast gate (its oldest lease younger than ARGV[5] ms; ARGV[4] is
 * the lease TTL, 0: never fast), up to the cap in transit whatever the
 * leases, so the next lease freed finds a promoted job already waiting for
 * it. Each one promoted is kept (`:promoted`, until ARGV[2] ms from now) so
 * that the next release does not promote it again nor give its lease to
 * someone else. ARGV[3]: a job id parked again after its promotion (that
 * promotion may have missed it while it still ran): its kept lease is given
 * back, and it is answered again only if a lease is free for it.
 * Extra last keys: the flow (ARGV[6] = '1'), then the webhook's slow marker
 * (ARGV[7] > 0): the released exchange, if it lasted ARGV[7] ms or more,
 * marks the webhook slow for ARGV[8] ms, and a shorter one clears the mark.
 * ARGV[9 + gates] (optional): a channel on which the first gate's leases key
 * is published when that gate was full, so that other processes' jobs
 * waiting in place for it look again at once.
 */
export const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = math.floor(#KEYS / 3)
local member = ARGV[1]
local keep = tonumber(ARGV[2])
local again = ARGV[3]
local ttl = tonumber(ARGV[4])
local fastMs = tonumber(ARGV[5])
local slowMs = tonumber(ARGV[7])
local out = {}
-- the flow whose first attempt this was (flow-priority.ts): one fewer pending
if ARGV[6] == '1' then
  local flow = KEYS[3 * n + 1]
  if redis.call('HINCRBY', flow, 'pending', -1) <= 0 then redis.call('DEL', flow) end
end
if slowMs > 0 and ttl > 0 and member ~= '' then
  local expiry = redis.call('ZSCORE', KEYS[1], member)
  if expiry then
    if now - (tonumber(expiry) - ttl) >= slowMs then
      redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[8])
    else
      redis.call('DEL', KEYS[#KEYS])
    end
  end
end
local announce = ARGV[9 + n]
for i = 1, n do
  local leases, parked, promoted = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local before = -1
  if i == 1 and announce and announce ~= '' then before = redis.call('ZCARD', leases) end
  if member ~= '' then redis.call('ZREM', leases, member) end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', promoted, '-inf', now)
  -- a promoted job that was parked again gives its kept lease back: below, it is promoted like any parked
  -- job when a lease is free for it (its promotion may have missed it while it still ran), and not before;
  -- answering it whatever the leases had it fetched, refused and parked again in a loop until the kept lease lapsed
  if again ~= '' then redis.call('ZREM', promoted, again) end
  local kept = redis.call('ZCARD', promoted)
  local cap = tonumber(ARGV[8 + i])
  if before >= cap then redis.call('PUBLISH', announce, leases) end
  local held = redis.call('ZCARD', leases)
  local free = cap - held - kept
  if ttl > 0 and held > 0 then
    local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    if now - (tonumber(oldest[2]) - ttl) < fastMs then free = cap - kept end
  end
  if free > 0 then
    for _, id in ipairs(redis.call('ZRANGE', parked, 0, free + kept - 1)) do
      if free <= 0 then break end
      if redis.call('ZSCORE', promoted, id) == false then
        redis.call('ZADD', promoted, now + keep, id)
        redis.call('PEXPIRE', promoted, keep)
        table.insert(out, id)
        free = free - 1
      end
    end
  end
end
return out
`;

/** Drops parked entries and kept promotions (a job that is gone or finished). */
export const UNPARK = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
`;
