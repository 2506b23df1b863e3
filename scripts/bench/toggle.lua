-- wrk script: permission toggles as the grid sends them, each on a random user of
-- OAP_BENCH_USERS (comma-separated ids) and a random module and flag, on or off at random. Many
-- users, so the run measures the toggle itself, not clients queueing on one row lock.
local users = {}
for id in string.gmatch(os.getenv("OAP_BENCH_USERS"), "[^,]+") do
  users[#users + 1] = id
end
local modules = { "dealer_pcc", "api_registration", "mt_meet", "workshop_survey", "warranty_survey", "technical_survey" }
local actions = { "view", "create", "edit", "delete" }

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")

request = function()
  local body = string.format('{"user_id":"%s","module":"%s","action":"%s","on":%s}',
    users[math.random(#users)], modules[math.random(#modules)], actions[math.random(#actions)],
    math.random(2) == 1 and "true" or "false")
  return wrk.format(nil, nil, nil, body)
end
