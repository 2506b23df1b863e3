-- wrk script: one registration per request for the same event, each a new person, so the run
-- measures registrations queueing on the event's seat lock (a seat while any is free, then the
-- waitlist). OAP_BENCH_EVENT is the event id; OAP_BENCH_RUN keeps e-mails unique across runs.
local event = os.getenv("OAP_BENCH_EVENT")
local run = os.getenv("OAP_BENCH_RUN") or "0"
local threads = {}

function setup(thread)
  thread:set("slot", #threads)
  threads[#threads + 1] = thread
end

local sent = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")

request = function()
  sent = sent + 1
  local body = string.format(
    '{"kind":"api","event":"%s","person":{"name":"Rush %s-%d-%d","email":"rush-%s-%d-%d@bench.example","phone":"","designation":"Technician","employee_id":""}}',
    event, run, slot, sent, run, slot, sent)
  return wrk.format(nil, nil, nil, body)
end
