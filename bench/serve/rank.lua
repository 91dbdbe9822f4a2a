-- POST /v1/rank: 100 random candidates for a random stored user.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local users = tonumber(os.getenv("USERS") or "6040")
local items = tonumber(os.getenv("ITEMS") or "3416")
local json = {["Content-Type"] = "application/json"}
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end
request = function()
  local c = {}
  for i = 1, 100 do c[i] = '"' .. math.random(1, items) .. '"' end
  return wrk.format("POST", "/v1/rank", json,
    '{"user":"' .. math.random(1, users) .. '","items":[' .. table.concat(c, ",") .. ']}')
end
