-- forward_auth_apikey.lua: the same with the user's API key (X-API-Key).
wrk.headers["X-API-Key"] = os.getenv("BENCH_USER_KEY")
wrk.headers["X-Original-URI"] = "/advanced-feature/reports?q=1"
wrk.headers["X-Original-Method"] = "GET"
