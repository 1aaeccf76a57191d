-- forward_auth_token.lua: nginx's auth_request as it asks: the user's 30-day token and
-- the original URI, a path only the business plan may use (run.sh exports the token).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_USER_TOKEN")
wrk.headers["X-Original-URI"] = "/advanced-feature/reports?q=1"
wrk.headers["X-Original-Method"] = "GET"
