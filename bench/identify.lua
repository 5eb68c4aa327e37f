-- wrk script: an unauthenticated WS-Man Identify (bench/run)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/soap+xml;charset=UTF-8"
wrk.headers["WSMANIDENTIFY"] = "unauthenticated"
wrk.body = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
if os.getenv("WRK_CLOSE") == "1" then
	wrk.headers["Connection"] = "close"
end
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
end
