-- POST a ticket from the portal as one contact: of request type REQUEST_TYPE, with the answers to
-- its form when FORM=1 (the form bench/portal.sh makes).
local request_type = os.getenv("REQUEST_TYPE") or "1"
local with_form = os.getenv("FORM") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local answers = ',"formAnswers":{"device":"laptop","serial":"SN-12345","urgent":true,' ..
  '"since":"2026-11-30","details":"The screen flickers when the lid moves.","apps":["word","excel"]}'
local body = '{"requestTypeId":' .. request_type ..
  ',"summary":"Screen flickers","description":"Since Monday."' .. (with_form and answers or "") .. '}'
request = function()
  return wrk.format(nil, "/api/v2/portal/tickets", nil, body)
end
