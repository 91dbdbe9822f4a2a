-- POST /v1/recommendations: a session of 20 random items (no stored user:
-- every request runs the encoder).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
request = function()
  local h = {}
  for i = 1, 20 do h[i] = '"' .. random_item() .. '"' end
  return wrk.format("POST", "/v1/recommendations", JSON,
    '{"history":[' .. table.concat(h, ",") .. '],"k":10}')
end
