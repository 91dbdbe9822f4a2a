-- Shared by the bench/serve scenarios: the data set's sizes, per-thread
-- seeding, the JSON header, and a JSON line of the run's figures at the end.
USERS = tonumber(os.getenv("USERS") or "6040")  -- ML-1M's users and items in ml-1m.txt
ITEMS = tonumber(os.getenv("ITEMS") or "3416")
-- Ids are PREFIX .. number, zero-padded to DIGITS: "" and 1 for ml-1m.txt,
-- "u"/"m" and 5 for the demo data (attnrec demo-data: u00001, m00001).
USER_PREFIX = os.getenv("USER_PREFIX") or ""
ITEM_PREFIX = os.getenv("ITEM_PREFIX") or ""
local digits = "%0" .. (os.getenv("DIGITS") or "1") .. "d"
function random_user() return USER_PREFIX .. string.format(digits, math.random(1, USERS)) end
function random_item() return ITEM_PREFIX .. string.format(digits, math.random(1, ITEMS)) end
JSON = {["Content-Type"] = "application/json"}
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end

-- wrk counts non-2xx/3xx answers in summary.errors.status.
function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"rps":%.0f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,' ..
    '"max_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
