-- token_verify.lua: POST /api/v1/token/verify with the bench project's API key and a
-- session JWT of the bench user (BENCH_API_KEY, BENCH_TOKEN exported by the setup).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_API_KEY")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. os.getenv("BENCH_TOKEN") .. '"}'
