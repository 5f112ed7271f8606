-- wrk script for bench/load.py: one page per run, as the sessions given.
--   BENCH_PATH     the page, e.g. /members/
--   BENCH_COOKIES  "sessionid=…; csrftoken=…" values separated by "|" (empty:
--                  anonymous); each connection's requests take them in turn
--   BENCH_RSVP     "1": POST alternately yes and no to BENCH_PATH .. "rsvp/"
--                  (the csrftoken cookie's secret is the form's token)
-- Prints one JSON line when done: requests, seconds, errors, latency in ms.
local path = os.getenv("BENCH_PATH")
local rsvp = os.getenv("BENCH_RSVP") == "1"
local cookies = {}
for cookie in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^|]+") do
  table.insert(cookies, cookie)
end
local counter = 0

request = function()
  counter = counter + 1
  local headers = {}
  local cookie = nil
  if #cookies > 0 then
    cookie = cookies[(counter % #cookies) + 1]
    headers["Cookie"] = cookie
  end
  if not rsvp then
    return wrk.format("GET", path, headers)
  end
  local token = string.match(cookie, "csrftoken=([%w]+)")
  local answer = (counter % 2 == 0) and "yes" or "no"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local body = "answer=" .. answer .. "&guests=0&csrfmiddlewaretoken=" .. token
  return wrk.format("POST", path .. "rsvp/", headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "status_errors": %d, '
      .. '"p50": %.1f, "p95": %.1f, "p99": %.1f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000
  ))
end
