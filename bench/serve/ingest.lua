-- POST /v1/events: BATCH (environment, default 1) random events per request.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local users = tonumber(os.getenv("USERS") or "6040")
local items = tonumber(os.getenv("ITEMS") or "3416")
local batch = tonumber(os.getenv("BATCH") or "1")
local json = {["Content-Type"] = "application/json"}
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end
request = function()
  local e = {}
  for i = 1, batch do
    e[i] = string.format('{"user":"%d","item":"%d","type":"view"}', math.random(1, users), math.random(1, items))
  end
  if batch == 1 then return wrk.format("POST", "/v1/events", json, e[1]) end
  return wrk.format("POST", "/v1/events", json, '{"events":[' .. table.concat(e, ",") .. ']}')
end
