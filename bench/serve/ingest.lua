-- POST /v1/events: BATCH (environment, default 1) random events per request.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local batch = tonumber(os.getenv("BATCH") or "1")
request = function()
  local e = {}
  for i = 1, batch do
    e[i] = string.format('{"user":"%s","item":"%s","type":"view"}', random_user(), random_item())
  end
  if batch == 1 then return wrk.format("POST", "/v1/events", JSON, e[1]) end
  return wrk.format("POST", "/v1/events", JSON, '{"events":[' .. table.concat(e, ",") .. ']}')
end
