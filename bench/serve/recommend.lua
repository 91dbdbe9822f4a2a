-- GET /v1/users/{user}/recommendations?k=10 for users drawn uniformly from
-- 1..USERS (wrk_common.lua).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local headers = {}
local key = os.getenv("API_KEY")
if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
-- RATE (requests/s over all CONNS connections) is an open-loop schedule:
-- every request takes the next slot of a clock ticking RATE times a second
-- and waits for it (or goes at once when its slot has passed), so the
-- offered load is RATE whatever the number of connections and however long
-- the answers take (a fixed think time per connection would offer less load
-- to fewer connections when latency grows). wrk's delay() is in whole
-- milliseconds, so requests leave in bursts of up to RATE/1000 per tick, the
-- same for every number of connections.
local rate = tonumber(os.getenv("RATE") or "")
if rate then
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
             int clock_gettime(int clock, bench_timespec* out); ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local gap = 1000 / rate  -- wrk -t1: this thread offers the whole rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    if not next_slot or next_slot < now - 1000 then next_slot = now end  -- start, or a stall of a second: no catch-up burst
    local slot = next_slot
    next_slot = next_slot + gap
    return math.max(0, math.floor(slot - now + 0.5))
  end
end
request = function()
  return wrk.format("GET", "/v1/users/" .. random_user() .. "/recommendations?k=10", headers)
end
