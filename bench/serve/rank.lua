-- POST /v1/rank: 100 random candidates for a random stored user.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
request = function()
  local c = {}
  for i = 1, 100 do c[i] = '"' .. random_item() .. '"' end
  return wrk.format("POST", "/v1/rank", JSON,
    '{"user":"' .. random_user() .. '","items":[' .. table.concat(c, ",") .. ']}')
end
