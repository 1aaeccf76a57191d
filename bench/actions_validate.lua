-- actions_validate.lua: POST /v1/validate with a track token (BENCH_AS_TOKEN) as
-- @authsignal/node's validateChallenge sends it.
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AS_BASIC")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. os.getenv("BENCH_AS_TOKEN") .. '","userId":"bench-validate"}'
