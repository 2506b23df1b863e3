-- wrk script: sign in over and over (form post, as the login page sends it), each request as the
-- next of 200 bench accounts (login1..login200@bench.example, all with the bench password). One
-- account at a time may have a password check in flight (the sign-in throttle claims it), so
-- concurrent clients must not share one account; each wrk thread starts at its own offset.
local threads = 0
function setup(thread)
  thread:set("offset", threads * 100)
  threads = threads + 1
end

local n = 0
local password = os.getenv("OAP_BENCH_PASSWORD")
function request()
  n = n + 1
  local body = "email=login" .. ((offset + n) % 200 + 1) .. "%40bench.example&password=" .. password
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Origin"] = os.getenv("OAP_BENCH_ORIGIN"),
  }, body)
end
