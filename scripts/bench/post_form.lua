-- wrk script: one signed-in form-encoded server-function call, over and over.
-- OAP_BENCH_BODY is the form body (may be empty); OAP_BENCH_COOKIE the session cookie.
wrk.method = "POST"
wrk.body = os.getenv("OAP_BENCH_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")
