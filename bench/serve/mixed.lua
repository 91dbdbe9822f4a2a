-- 90% recommendations, 10% single-event ingest for the same users (each
-- ingest invalidates that user's cached encoder output).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local users = tonumber(os.getenv("USERS") or "6040")
local items = tonumber(os.getenv("ITEMS") or "3416")
local json = {["Content-Type"] = "application/json"}
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end
request = function()
  local u = math.random(1, users)
  if math.random() < 0.1 then
    return wrk.format("POST", "/v1/events", json,
      string.format('{"user":"%d","item":"%d","type":"view"}', u, math.random(1, items)))
  end
  return wrk.format("GET", "/v1/users/" .. u .. "/recommendations?k=10")
end
