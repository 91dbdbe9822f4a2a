-- POST /v1/rank: 100 random candidates for a random stored user.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
request = function()
  local c = {}
  for i = 1, 100 do c[i] = '"' .. math.random(1, ITEMS) .. '"' end
  return wrk.format("POST", "/v1/rank", JSON,
    '{"user":"' .. math.random(1, USERS) .. '","items":[' .. table.concat(c, ",") .. ']}')
end
