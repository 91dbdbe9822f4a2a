-- GET /v1/search: one or two words from movie titles, personalised for a
-- random stored user.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local words = {"love", "star", "man", "night", "war", "story", "american", "dead", "city",
               "house", "king", "girl", "life", "world", "time", "big", "last", "dark", "blue", "lost"}
request = function()
  local q = words[math.random(#words)]
  if math.random() < 0.5 then q = q .. "+" .. words[math.random(#words)] end
  return wrk.format("GET", "/v1/search?q=" .. q .. "&k=10&user=" .. random_user())
end
