-- POST /v1/recommendations: a session of 20 random items (no stored user:
-- every request runs the encoder).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local items = tonumber(os.getenv("ITEMS") or "3416")
local json = {["Content-Type"] = "application/json"}
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end
request = function()
  local h = {}
  for i = 1, 20 do h[i] = '"' .. math.random(1, items) .. '"' end
  return wrk.format("POST", "/v1/recommendations", json,
    '{"history":[' .. table.concat(h, ",") .. '],"k":10}')
end
