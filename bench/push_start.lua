-- push_start.lua: POST /auth/start as login screens do, each request for a new email (so
-- every request writes a session; run.sh lifts the per-email and per-address limits).
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads) -- a global in that thread's script
end

local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"app_id":"bench","email":"start-%d-%d@bench.example"}', tid or 0, counter)
  return wrk.format("POST", "/auth/start", { ["Content-Type"] = "application/json" }, body)
end
