-- wrk script (bench/run): an unauthenticated WS-Man Identify, or with
-- WRK_BASIC (base64 "user:password") and WRK_BODY_FILE an authenticated
-- request of that body.  A body holding the MessageID
-- uuid:00000000-0000-0000-0000-000000000001 is sent with a MessageID of
-- its own on every request, as clients do: from a pool of requests made
-- up front, so that the client spends no more per request than with one.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/soap+xml;charset=UTF-8"
wrk.headers["WSMANIDENTIFY"] = "unauthenticated"
wrk.body = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
if os.getenv("WRK_CLOSE") == "1" then
	wrk.headers["Connection"] = "close"
end

local POOL = 8192
local TEMPLATE = "uuid:00000000%-0000%-0000%-0000%-000000000001"
local pool = nil

local auth = os.getenv("WRK_BASIC")
if auth and auth ~= "" then
	wrk.headers["Authorization"] = "Basic " .. auth
	wrk.headers["WSMANIDENTIFY"] = nil
	local body = os.getenv("WRK_BODY_FILE")
	if body and body ~= "" then
		local f = io.open(body, "r")
		wrk.body = f:read("*a")
		f:close()
	end
	if wrk.body:find(TEMPLATE) then
		pool = {}
	end
end

function init(args)
	if pool == nil then
		return
	end
	-- distinct per thread and per run
	local seed = tostring({}):match("0x(%x+)") or "0"
	for i = 1, POOL do
		local id = string.format("uuid:%08x-%04x-4000-8000-%012x",
		    tonumber(seed:sub(-8), 16) or 0, math.random(0, 65535), i)
		pool[i] = wrk.format(nil, nil, nil,
		    (wrk.body:gsub(TEMPLATE, id)))
	end
end

local n = 0
if pool ~= nil then
	function request()
		n = n % POOL + 1
		return pool[n]
	end
end
