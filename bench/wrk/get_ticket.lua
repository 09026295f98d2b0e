-- GET a random ticket of the seeded tenant: TICKETS sets how many there are.
local tickets = tonumber(os.getenv("TICKETS") or "1000000")
-- Each wrk thread gets its own id, so the threads pick different random sequences.
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) math.randomseed(os.time() * 100 + id) end
request = function()
  return wrk.format("GET", "/api/v3/admin/tickets/" .. math.random(1, tickets))
end
