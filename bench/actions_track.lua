-- actions_track.lua: POST /v1/users/bench-user/actions/signIn as @authsignal/node's track
-- sends it (HTTP Basic with the project key, empty password); each request tracks a new
-- action (no idempotencyKey). BENCH_AS_BASIC is exported by the setup.
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AS_BASIC")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"ipAddress":"192.0.2.10","deviceId":"bench-device"}'
