-- wrk script: sign in as the bench user, over and over (form post, as the login page sends it).
wrk.method = "POST"
wrk.body = "email=superadmin%40oneaftersales.com&password=" .. os.getenv("OAP_BENCH_PASSWORD")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("OAP_BENCH_ORIGIN")
