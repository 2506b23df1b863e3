-- wrk script: one workflow step per request ("take for review"), each on a different pending PCC
-- application, so the run measures the transition (lock, decide, write, history, audit,
-- notifications, NOTIFY, commit), not clients queueing on one row. OAP_BENCH_IDS_FILE lists the
-- application ids, one per line; thread k of n takes ids k, k+n, k+2n, ...
local ids = {}
for line in io.lines(os.getenv("OAP_BENCH_IDS_FILE")) do
  ids[#ids + 1] = line
end
local threads = {}

function setup(thread)
  thread:set("slot", #threads)
  threads[#threads + 1] = thread
end

local sent = 0
-- The step (OAP_BENCH_STEP, "take_for_review" by default) and, for modules whose step function
-- also takes a kind (the surveys), OAP_BENCH_KIND.
local step = os.getenv("OAP_BENCH_STEP") or "take_for_review"
local kind = os.getenv("OAP_BENCH_KIND") and string.format('"kind":"%s",', os.getenv("OAP_BENCH_KIND")) or ""
-- wrk's thread count, as bench.sh passes it: thread k takes every stride-th id from k.
local stride = tonumber(os.getenv("OAP_BENCH_THREADS") or "1")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")

request = function()
  local id = ids[1 + slot + sent * stride]
  if id == nil then
    error("step.lua ran out of records: make bench.sh create more")
  end
  sent = sent + 1
  local body = string.format('{%s"request":{"id":"%s","step":"%s","version":1,"comment":""}}', kind, id, step)
  return wrk.format(nil, nil, nil, body)
end
