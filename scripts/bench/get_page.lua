-- wrk script: one signed-in page (server-rendered HTML), over and over.
wrk.method = "GET"
wrk.headers["Accept"] = "text/html"
wrk.headers["Cookie"] = os.getenv("OAP_BENCH_COOKIE")
