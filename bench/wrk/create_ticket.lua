-- POST a new ticket for a random contact of the seeded tenant (CONTACTS of them).
local contacts = tonumber(os.getenv("CONTACTS") or "20000")
-- Each wrk thread gets its own id, so the threads pick different random sequences.
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) math.randomseed(os.time() * 100 + id) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = string.format(
    '{"summary":"Outlook keeps asking for my password","description":"Since this morning.","contactId":%d,"requestTypeId":1}',
    math.random(1, contacts))
  return wrk.format(nil, "/api/v3/admin/tickets", nil, body)
end
