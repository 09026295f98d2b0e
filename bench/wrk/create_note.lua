-- POST a public comment on a random ticket of the seeded tenant (TICKETS of them).
local tickets = tonumber(os.getenv("TICKETS") or "1000000")
-- Each wrk thread gets its own id, so the threads pick different random sequences.
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) math.randomseed(os.time() * 100 + id) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/api/v3/admin/tickets/" .. math.random(1, tickets) .. "/notes", nil,
    '{"note":"I have restarted the service; please try again."}')
end
