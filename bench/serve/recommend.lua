-- GET /v1/users/{user}/recommendations?k=10 for users drawn uniformly from
-- 1..USERS (wrk_common.lua).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local headers = {}
local key = os.getenv("API_KEY")
if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
-- RATE (requests/s over all CONNS connections) paces each connection: the
-- offered load stays the same whatever the number of connections.
local rate, conns = tonumber(os.getenv("RATE") or ""), tonumber(os.getenv("CONNS") or "")
if rate and conns then
  local gap = 1000 * conns / rate
  function delay() return gap end
end
request = function()
  return wrk.format("GET", "/v1/users/" .. random_user() .. "/recommendations?k=10", headers)
end
