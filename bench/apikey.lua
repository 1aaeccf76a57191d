-- apikey.lua: a GET carrying the bench project's API key (run.sh exports BENCH_API_KEY).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_API_KEY")
