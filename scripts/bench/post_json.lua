-- wrk script: one signed-in JSON server-function call, over and over.
-- OAP_BENCH_BODY is the JSON body; OAP_BENCH_COOKIE the session cookie ("oap_session=…").
wrk.method = "POST"
wrk.body = os.getenv("OAP_BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")
