-- wrk script: POSTs the JSON bodies in BENCH_BODIES (separated by "|"), in
-- turn, to the URL wrk was given. Alternating bodies keep a convoy on its
-- track (+1, -1, ...) however many requests run.
local bodies = {}
for body in string.gmatch(os.getenv("BENCH_BODIES") or "{}", "[^|]+") do
    bodies[#bodies + 1] = body
end
local next_body = 0

request = function()
    next_body = next_body % #bodies + 1
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[next_body])
end
