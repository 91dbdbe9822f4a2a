-- 90% recommendations, 10% single-event ingest for the same users (each
-- ingest invalidates that user's cached encoder output).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
request = function()
  local u = random_user()
  if math.random() < 0.1 then
    return wrk.format("POST", "/v1/events", JSON,
      string.format('{"user":"%s","item":"%s","type":"view"}', u, random_item()))
  end
  return wrk.format("GET", "/v1/users/" .. u .. "/recommendations?k=10")
end
