-- preflight.lua: appended by bench/run.sh for the short warm-up run before each scenario.
-- Prints the status and the start of the body of the first response each thread sees, so
-- run.sh can check the scenario gets what it is meant to measure (a 200 with the right JSON,
-- not a 401 from a wrong key) before timing it. It slows wrk, which is fine for a warm-up.
local seen = false
response = function(status, headers, body)
  if not seen then
    seen = true
    local b = (body or ""):sub(1, 160):gsub("%s+", " ")
    io.write(string.format("BENCH_PREFLIGHT status=%d body=%s\n", status, b))
    io.flush()
  end
end
