#!/bin/bash
# config_get.sh: the config plugin, http://schemas.microsoft.com/wbem/wsman/1/config
# (`winrm get winrm/config', docs/PROTOCOL.md Part B §1.5), over HTTP Basic.
#
#  - a member of [Config] AdminGroups: Get .../config is cfg:Config with
#    Windows' elements in Windows' order and the values of this test's
#    configuration (MaxEnvelopeSizekb = 600, AllowUnencrypted true, ...);
#    also through pywinrm's own transport; the same Get again (a MessageID
#    each) is answered from the reply memo: same body, RelatesTo right,
#    MessageIDs unique; a reload (MaxEnvelopeSizekb 700 below) and another
#    user (AccessDenied below) are never answered from it
#  - the sub-URIs: .../service -> cfg:Service, .../service/auth -> cfg:Auth,
#    .../winrs -> cfg:Winrs, .../client -> cfg:Client; .../listener with
#    Address + Transport -> cfg:Listener (thumbprint = openssl's SHA-1
#    fingerprint of the certificate); without selectors -> InvalidSelectors;
#    a listener that does not exist or an unknown sub-URI ->
#    DestinationUnreachable (as Windows: 2150858752 for the listener,
#    2150858811 for a URI outside the catalog)
#  - Enumerate .../config/listener: optimized (everything at once, EPR mode
#    too), and Enumerate + Pull + Pull (context gone after the end), Release,
#    a context that expires after EnumerationTimeoutms, a context pulled by
#    another user
#  - a user in none of AdminGroups: AccessDenied (WSManFault 5) on Get, every
#    sub-URI, Put, Enumerate and an unknown Action; logged
#  - Put: AccessDenied while AllowPut = false; after AllowPut = true and a
#    reload, a fixed property: InvalidParameter (nothing is written; the
#    changes Put makes: config_put.sh); the reload's new
#    MaxEnvelopeSizekb shows in the next Get
#  - no credentials -> 401, empty body
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

CONFIGPLUG=$STAGE$PLUGINDIR/config.so
[ -f "$CONFIGPLUG" ] || hard_error "the config plugin is not staged at $CONFIGPLUG"
command -v openssl >/dev/null || missing_tool "openssl is not installed"

CFG=http://schemas.microsoft.com/wbem/wsman/1/config
A_GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
A_PUT=http://schemas.xmlsoap.org/ws/2004/09/transfer/Put
A_DELETE=http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete
A_ENUM=http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate
A_PULL=http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull
A_RELEASE=http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release
WSEN=http://schemas.xmlsoap.org/ws/2004/09/enumeration

# q FILE EXPR: texts of the matches (ElementTree path; prefixes s a w n cfg
# f), one a line; exit 1 if none
q() {
	"$PY" - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
      "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
      "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
      "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config",
      "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"}
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    sys.exit("not XML: %s" % e)
found = root.findall(sys.argv[2], ns)
for e in found:
    print(e.text or "")
sys.exit(0 if found else 1)
EOF
}

# children FILE EXPR: local names of the children of the first match
children() {
	"$PY" - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config"}
e = ET.parse(sys.argv[1]).getroot().find(sys.argv[2], ns)
if e is None:
    sys.exit(1)
print(" ".join(c.tag.rpartition("}")[2] for c in e))
EOF
}

# expect VALUE FILE EXPR: the first match of EXPR is VALUE
expect() {
	local got
	got=$(q "$2" "$3") || fail "no $3 in the reply: $(head -c 600 "$2")"
	got=${got%%$'\n'*}
	[ "$got" = "$1" ] || fail "$3 is \"$got\", expected \"$1\""
}

# request USER:PASS ACTION RESOURCE [envelope args]: POSTs over HTTP, sets st
request() {
	local cred=$1 action=$2 res=$3
	shift 3
	envelope_file "$WORK/req.xml" --action "$action" --resource "$res" "$@"
	st=$(post "$URL_HTTP4" "$WORK/req.xml" -u "$cred")
}

# expect_fault WHAT SUBCODE WSMANFAULT-CODE: the last reply was that fault
expect_fault() {
	local f
	[ "$st" = 500 ] || fail "$1: HTTP $st, expected 500 with a fault: $(head -c 600 "$RESP_BODY")"
	f=$("$PY" "$WSMAN_PY" fault "$RESP_BODY") || fail "$1: HTTP 500 without a SOAP fault"
	case "$f" in
	*"}$2 $3") ;;
	*) fail "$1: fault $f, expected subcode $2, WSManFault $3" ;;
	esac
}

ok200() {	# ok200 WHAT: the last reply was HTTP 200
	[ "$st" = 200 ] || fail "$1: HTTP $st: $(head -c 800 "$RESP_BODY")"
}

make_group ADMINS
make_user ADMIN ADMIN_PASS -m -G "$ADMINS"
id -nG "$ADMIN" | grep -qw "$ADMINS" || hard_error "$ADMIN is not in $ADMINS"
ADM="$ADMIN:$ADMIN_PASS"
USR="$TEST_USER:$TEST_PASS"

conf_phase1=("[Service]" "AllowUnencrypted = true" "MaxEnvelopeSizekb = 600"
    "MaxTimeoutms = 45000" "EnumerationTimeoutms = 1500" "MaxBatchItems = 900"
    "[Auth]" "Basic = true"
    "[Winrs]" "MaxShellsPerUser = 7" "IdleTimeout = 90000"
    "[Config]" "AdminGroups = wrt-no-such-group, $ADMINS" "AllowPut = false"
    "[Plugins]" "Load = $CONFIGPLUG $TESTPLUG")
write_config "${conf_phase1[@]}"
start_daemon

# ------------------------------------------------------------ Get config
say "an admin: Get $CFG"
request "$ADM" "$A_GET" "$CFG"
ok200 "Get config"
cp "$RESP_BODY" "$WORK/config.xml"
expect "$A_GET"Response "$WORK/config.xml" "s:Header/a:Action"
expect 600 "$WORK/config.xml" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
expect 45000 "$WORK/config.xml" "s:Body/cfg:Config/cfg:MaxTimeoutms"
expect 900 "$WORK/config.xml" "s:Body/cfg:Config/cfg:MaxBatchItems"
order=$(children "$WORK/config.xml" "s:Body/cfg:Config")
[ "$order" = "MaxEnvelopeSizekb MaxTimeoutms MaxBatchItems MaxProviderRequests Client Service Winrs" ] ||
    fail "cfg:Config children: $order"
order=$(children "$WORK/config.xml" "s:Body/cfg:Config/cfg:Service")
[ "$order" = "MaxConcurrentOperations MaxConcurrentOperationsPerUser EnumerationTimeoutms MaxConnections MaxPacketRetrievalTimeSeconds AllowUnencrypted Auth DefaultPorts IPv4Filter IPv6Filter EnableCompatibilityHttpListener EnableCompatibilityHttpsListener CertificateThumbprint AllowRemoteAccess" ] ||
    fail "cfg:Service children: $order"
order=$(children "$WORK/config.xml" "s:Body/cfg:Config/cfg:Service/cfg:Auth")
[ "$order" = "Basic Kerberos Negotiate Certificate CredSSP CbtHardeningLevel" ] ||
    fail "cfg:Service/cfg:Auth children: $order"
order=$(children "$WORK/config.xml" "s:Body/cfg:Config/cfg:Winrs")
[ "$order" = "AllowRemoteShellAccess IdleTimeout MaxConcurrentUsers MaxShellRunTime MaxProcessesPerShell MaxMemoryPerShellMB MaxShellsPerUser" ] ||
    fail "cfg:Winrs children: $order"
S="s:Body/cfg:Config/cfg:Service"
expect true "$WORK/config.xml" "$S/cfg:AllowUnencrypted"
expect 1500 "$WORK/config.xml" "$S/cfg:EnumerationTimeoutms"
expect true "$WORK/config.xml" "$S/cfg:Auth/cfg:Basic"
expect false "$WORK/config.xml" "$S/cfg:Auth/cfg:CredSSP"
cbt=$(q "$WORK/config.xml" "$S/cfg:Auth/cfg:CbtHardeningLevel") || fail "no CbtHardeningLevel"
case $cbt in None|Relaxed|Strict) ;; *) fail "CbtHardeningLevel is \"$cbt\"" ;; esac
for k in Kerberos Negotiate Certificate; do
	v=$(q "$WORK/config.xml" "$S/cfg:Auth/cfg:$k") || fail "no Auth/$k"
	case $v in true|false) ;; *) fail "Auth/$k is \"$v\", not true or false" ;; esac
done
expect "$HTTP_PORT" "$WORK/config.xml" "$S/cfg:DefaultPorts/cfg:HTTP"
expect "$HTTPS_PORT" "$WORK/config.xml" "$S/cfg:DefaultPorts/cfg:HTTPS"
expect 127.0.0.1-127.0.0.1 "$WORK/config.xml" "$S/cfg:IPv4Filter"
expect ::1-::1 "$WORK/config.xml" "$S/cfg:IPv6Filter"
expect 7 "$WORK/config.xml" "s:Body/cfg:Config/cfg:Winrs/cfg:MaxShellsPerUser"
expect 90000 "$WORK/config.xml" "s:Body/cfg:Config/cfg:Winrs/cfg:IdleTimeout"
expect true "$WORK/config.xml" "s:Body/cfg:Config/cfg:Winrs/cfg:AllowRemoteShellAccess"
q "$WORK/config.xml" "$S/cfg:RootSDDL" >/dev/null && fail "a RootSDDL was invented"
ok "cfg:Config in Windows' order; MaxEnvelopeSizekb 600, AllowUnencrypted true, Auth/Basic true, ports $HTTP_PORT/$HTTPS_PORT, MaxShellsPerUser 7"

say "the same Get through pywinrm's transport (Basic over HTTP and over HTTPS)"
for t in "plaintext $URL_HTTP4" "ssl $URL_HTTPS6"; do
	"$PY" - "${t#* }" "${t%% *}" "$ADMIN" "$ADMIN_PASS" "$CFG" >"$WORK/pywinrm.out" 2>&1 <<'EOF' ||
import sys, winrm, wsman
url, transport, user, pw, res = sys.argv[1:6]
p = winrm.Protocol(url, transport=transport, username=user, password=pw,
                   server_cert_validation="ignore")
r = p.send_message(wsman.envelope(
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", res).decode())
print(r.decode() if isinstance(r, bytes) else r)
EOF
	fail "pywinrm ${t%% *}: $(tail -n 5 "$WORK/pywinrm.out")"
	expect 600 "$WORK/pywinrm.out" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
done
ok "pywinrm plaintext and ssl: MaxEnvelopeSizekb 600"

say "the same Get 20 times (pywinrm, a MessageID each): answered again from the reply memo"
counters
replayed0=${C_replayed:-0}
"$PY" - "$URL_HTTP4" "$ADMIN" "$ADMIN_PASS" "$CFG" "$WORK/config.xml" >"$WORK/memo.out" 2>&1 <<'EOF' ||
import sys, re, winrm, wsman
import xml.etree.ElementTree as ET
url, user, pw, res, first = sys.argv[1:6]
NS = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing"}
def body_of(text):
    return re.search(r"<s:Body>.*</s:Body>", text, re.S).group(0)
want = body_of(open(first).read())
p = winrm.Protocol(url, transport="plaintext", username=user, password=pw)
ids = set()
for i in range(20):
    req = wsman.envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
                         res).decode()
    mid = ET.fromstring(req).find("s:Header/a:MessageID", NS).text
    r = p.send_message(req)
    r = r.decode() if isinstance(r, bytes) else r
    h = ET.fromstring(r).find("s:Header", NS)
    rel = h.find("a:RelatesTo", NS).text
    own = h.find("a:MessageID", NS).text
    assert rel == mid, "RelatesTo %s, the request's MessageID %s" % (rel, mid)
    assert re.fullmatch(r"uuid:[0-9A-F-]{36}", own), own
    assert own not in ids and own != mid, "MessageID %s again" % own
    ids.add(own)
    assert body_of(r) == want, "another body:\n%s\n%s" % (body_of(r)[:300], want[:300])
print("20 answers: RelatesTo right, MessageIDs unique, bodies the first one's")
EOF
fail "memo: $(tail -n 5 "$WORK/memo.out")"
counters
[ "$((C_replayed - replayed0))" -ge 15 ] ||
    fail "replayed went from $replayed0 to $C_replayed: the memo did not answer"
ok "$(cat "$WORK/memo.out"); replayed $replayed0 -> $C_replayed"

# -------------------------------------------------------------- sub-URIs
say "an admin: the sub-URIs"
request "$ADM" "$A_GET" "$CFG/service"
ok200 "Get config/service"
expect true "$RESP_BODY" "s:Body/cfg:Service/cfg:AllowUnencrypted"
expect 300 "$RESP_BODY" "s:Body/cfg:Service/cfg:MaxConnections"
[ "$(children "$RESP_BODY" "s:Body")" = Service ] || fail "config/service: the body is not one cfg:Service"
request "$ADM" "$A_GET" "$CFG/service/auth"
ok200 "Get config/service/auth"
expect true "$RESP_BODY" "s:Body/cfg:Auth/cfg:Basic"
expect false "$RESP_BODY" "s:Body/cfg:Auth/cfg:CredSSP"
[ "$(children "$RESP_BODY" "s:Body")" = Auth ] || fail "config/service/auth: the body is not one cfg:Auth"
request "$ADM" "$A_GET" "$CFG/winrs"
ok200 "Get config/winrs"
expect 7 "$RESP_BODY" "s:Body/cfg:Winrs/cfg:MaxShellsPerUser"
request "$ADM" "$A_GET" "$CFG/client"
ok200 "Get config/client"
expect 5000 "$RESP_BODY" "s:Body/cfg:Client/cfg:NetworkDelayms"
expect false "$RESP_BODY" "s:Body/cfg:Client/cfg:Auth/cfg:CredSSP"
request "$ADM" "$A_GET" "$CFG/Service/Auth"
ok200 "Get config/Service/Auth (case)"
ok "service, service/auth, winrs, client; URIs case-insensitive"

request "$ADM" "$A_GET" "$CFG/service" --selector Name=x
expect_fault "config/service with a selector" InvalidSelectors 2150858843
request "$ADM" "$A_GET" "$CFG/plugin"
expect_fault "config/plugin" DestinationUnreachable 2150858811
request "$ADM" "$A_GET" "http://schemas.example.org/wsman/no-such-resource"
expect_fault "a URI no plugin serves" DestinationUnreachable 2150858811
grep -q "InvalidResourceURI" "$RESP_BODY" || fail "no InvalidResourceURI detail: $(head -c 600 "$RESP_BODY")"
request "$ADM" "$A_DELETE" "$CFG"
expect_fault "Delete config" ActionNotSupported 2150858771
ok "a selector where none belongs: InvalidSelectors; config/plugin: DestinationUnreachable; Delete: ActionNotSupported"

say "an admin: Get config/listener"
request "$ADM" "$A_GET" "$CFG/listener" --selector Address=IP:127.0.0.1 --selector Transport=HTTPS
ok200 "Get listener"
L="s:Body/cfg:Listener"
expect IP:127.0.0.1 "$RESP_BODY" "$L/cfg:Address"
expect HTTPS "$RESP_BODY" "$L/cfg:Transport"
expect "$HTTPS_PORT" "$RESP_BODY" "$L/cfg:Port"
expect true "$RESP_BODY" "$L/cfg:Enabled"
expect wsman "$RESP_BODY" "$L/cfg:URLPrefix"
expect 127.0.0.1 "$RESP_BODY" "$L/cfg:ListeningOn"
expect "$(hostname)" "$RESP_BODY" "$L/cfg:Hostname"
fp=$(openssl x509 -noout -fingerprint -sha1 -in "$WORK/winrmd.crt" | sed 's/.*=//; s/://g')
expect "$fp" "$RESP_BODY" "$L/cfg:CertificateThumbprint"
order=$(children "$RESP_BODY" "$L")
[ "$order" = "Address Transport Port Hostname Enabled URLPrefix CertificateThumbprint ListeningOn" ] ||
    fail "cfg:Listener children: $order"
request "$ADM" "$A_GET" "$CFG/listener" --selector Address=IP:::1 --selector Transport=http
ok200 "Get listener ::1 HTTP"
expect "$HTTP_PORT" "$RESP_BODY" "$L/cfg:Port"
expect "" "$RESP_BODY" "$L/cfg:CertificateThumbprint"
request "$ADM" "$A_GET" "$CFG/listener"
expect_fault "Get listener without selectors" InvalidSelectors 2150858842
request "$ADM" "$A_GET" "$CFG/listener" --selector Address=* --selector Transport=HTTP
expect_fault "Get a listener that does not exist" DestinationUnreachable 2150858752
ok "cfg:Listener (thumbprint $fp); no selectors: InvalidSelectors; no such listener: DestinationUnreachable"

# ----------------------------------------------------------- enumeration
say "an admin: Enumerate config/listener"
request "$ADM" "$A_ENUM" "$CFG/listener" --body \
    "<n:Enumerate xmlns:n=\"$WSEN\"><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements></n:Enumerate>"
ok200 "optimized Enumerate"
n=$(q "$RESP_BODY" "s:Body/n:EnumerateResponse/w:Items/cfg:Listener/cfg:Address" | wc -l)
[ "$n" = 4 ] || fail "optimized Enumerate: $n listeners, expected 4 (2 addresses x 2 transports)"
q "$RESP_BODY" "s:Body/n:EnumerateResponse/w:EndOfSequence" >/dev/null ||
    fail "optimized Enumerate: no EndOfSequence"
addrs=$(q "$RESP_BODY" ".//cfg:Listener/cfg:Address" | sort -u | tr '\n' ' ')
[ "$addrs" = "IP:127.0.0.1 IP:::1 " ] || fail "listener addresses: $addrs"
ok "4 listeners and EndOfSequence in the EnumerateResponse"

request "$ADM" "$A_ENUM" "$CFG/listener" --body \
    "<n:Enumerate xmlns:n=\"$WSEN\"><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements><w:EnumerationMode>EnumerateEPR</w:EnumerationMode></n:Enumerate>"
ok200 "Enumerate EPRs"
n=$(q "$RESP_BODY" "s:Body/n:EnumerateResponse/w:Items/a:EndpointReference/a:ReferenceParameters/w:SelectorSet/w:Selector[@Name='Transport']" | wc -l)
[ "$n" = 4 ] || fail "EnumerateEPR: $n EPRs with a Transport selector, expected 4"
expect "$CFG/listener" "$RESP_BODY" ".//a:ReferenceParameters/w:ResourceURI"
ok "EnumerateEPR: 4 EPRs"

# the other user's login first, so that it is not timed by the context's
# EnumerationTimeoutms below (a PAM login on a loaded machine takes a good
# part of 1.5 s)
request "$USR" "$A_GET" "$CFG/listener" --selector Address=IP:127.0.0.1 --selector Transport=HTTP
expect_fault "Get listener by a non-admin" AccessDenied 5
request "$ADM" "$A_ENUM" "$CFG/listener" --body "<n:Enumerate xmlns:n=\"$WSEN\"/>"
ok200 "Enumerate"
ctx=$(q "$RESP_BODY" "s:Body/n:EnumerateResponse/n:EnumerationContext") || fail "no EnumerationContext"
[ -n "$ctx" ] || fail "an empty EnumerationContext"
pull_body="<n:Pull xmlns:n=\"$WSEN\"><n:EnumerationContext>$ctx</n:EnumerationContext><n:MaxElements>3</n:MaxElements></n:Pull>"
request "$USR" "$A_PULL" "$CFG/listener" --body "$pull_body"
expect_fault "another user's Pull" AccessDenied 5
request "$ADM" "$A_PULL" "$CFG/listener" --body "$pull_body"
ok200 "Pull 1"
n=$(q "$RESP_BODY" "s:Body/n:PullResponse/n:Items/cfg:Listener" | wc -l)
[ "$n" = 3 ] || fail "Pull 1: $n listeners, expected 3"
expect "$ctx" "$RESP_BODY" "s:Body/n:PullResponse/n:EnumerationContext"
q "$RESP_BODY" "s:Body/n:PullResponse/n:EndOfSequence" >/dev/null && fail "Pull 1: EndOfSequence too early"
request "$ADM" "$A_PULL" "$CFG/listener" --body "$pull_body"
ok200 "Pull 2"
n=$(q "$RESP_BODY" "s:Body/n:PullResponse/n:Items/cfg:Listener" | wc -l)
[ "$n" = 1 ] || fail "Pull 2: $n listeners, expected 1"
q "$RESP_BODY" "s:Body/n:PullResponse/n:EndOfSequence" >/dev/null || fail "Pull 2: no EndOfSequence"
request "$ADM" "$A_PULL" "$CFG/listener" --body "$pull_body"
expect_fault "Pull after the end" InvalidEnumerationContext 2150858779
ok "Enumerate, Pull 3 + Pull 1 with EndOfSequence; then the context is gone; another user: AccessDenied"

request "$ADM" "$A_ENUM" "$CFG/listener" --body "<n:Enumerate xmlns:n=\"$WSEN\"/>"
ctx=$(q "$RESP_BODY" "s:Body/n:EnumerateResponse/n:EnumerationContext") || fail "no EnumerationContext"
request "$ADM" "$A_RELEASE" "$CFG/listener" --body \
    "<n:Release xmlns:n=\"$WSEN\"><n:EnumerationContext>$ctx</n:EnumerationContext></n:Release>"
ok200 "Release"
request "$ADM" "$A_PULL" "$CFG/listener" --body \
    "<n:Pull xmlns:n=\"$WSEN\"><n:EnumerationContext>$ctx</n:EnumerationContext></n:Pull>"
expect_fault "Pull after Release" InvalidEnumerationContext 2150858779
request "$ADM" "$A_ENUM" "$CFG/listener" --body "<n:Enumerate xmlns:n=\"$WSEN\"/>"
ctx=$(q "$RESP_BODY" "s:Body/n:EnumerateResponse/n:EnumerationContext") || fail "no EnumerationContext"
sleep 2.2
request "$ADM" "$A_PULL" "$CFG/listener" --body \
    "<n:Pull xmlns:n=\"$WSEN\"><n:EnumerationContext>$ctx</n:EnumerationContext></n:Pull>"
expect_fault "Pull after EnumerationTimeoutms" InvalidEnumerationContext 2150858779
request "$ADM" "$A_ENUM" "$CFG" --body "<n:Enumerate xmlns:n=\"$WSEN\"/>"
expect_fault "Enumerate config" ActionNotSupported 2150858771
ok "Release ends a context; so does EnumerationTimeoutms (1.5 s); Enumerate of config itself: ActionNotSupported"

# --------------------------------------------------------------- access
say "a user in none of AdminGroups -> AccessDenied everywhere"
for res in "$CFG" "$CFG/service" "$CFG/service/auth" "$CFG/winrs" "$CFG/client" "$CFG/plugin"; do
	request "$USR" "$A_GET" "$res"
	expect_fault "Get $res by a non-admin" AccessDenied 5
	grep -q "$ADMIN_PASS\|<cfg:" "$RESP_BODY" && fail "the fault for $res leaks configuration"
done
request "$USR" "$A_GET" "$CFG/listener" --selector Address=IP:127.0.0.1 --selector Transport=HTTP
expect_fault "Get listener by a non-admin" AccessDenied 5
request "$USR" "$A_ENUM" "$CFG/listener" --body "<n:Enumerate xmlns:n=\"$WSEN\"/>"
expect_fault "Enumerate by a non-admin" AccessDenied 5
request "$USR" "$A_PUT" "$CFG" --body "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxEnvelopeSizekb>8192</cfg:MaxEnvelopeSizekb></cfg:Config>"
expect_fault "Put by a non-admin" AccessDenied 5
request "$USR" "$A_DELETE" "$CFG"
expect_fault "Delete by a non-admin" AccessDenied 5
wait_log "config: $TEST_USER \\(uid $TEST_UID\\) from 127\\.0\\.0\\.1 is in none of \\[Config\\] AdminGroups" 2 ||
    fail "the log does not say why $TEST_USER was refused"
ok "AccessDenied (WSManFault 5) on Get of every part, Enumerate, Put, Delete; logged"

say "Put by an admin while AllowPut = false -> AccessDenied"
request "$ADM" "$A_PUT" "$CFG" --body "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxEnvelopeSizekb>8192</cfg:MaxEnvelopeSizekb></cfg:Config>"
expect_fault "Put with AllowPut = false" AccessDenied 5
grep -q "AllowPut" "$RESP_BODY" || fail "the AccessDenied does not name AllowPut"
ok "AccessDenied, naming [Config] AllowPut"

say "no credentials -> 401"
envelope_file "$WORK/req.xml" --action "$A_GET" --resource "$CFG"
st=$(post "$URL_HTTP4" "$WORK/req.xml")
[ "$st" = 401 ] || fail "an unauthenticated Get got $st"
[ -s "$RESP_BODY" ] && fail "the 401 has a body"
[ -n "$(resp_header WWW-Authenticate)" ] || fail "the 401 has no WWW-Authenticate"
ok "401, empty body"

# ------------------------------------------- reload: AllowPut = true, 700
say "reload with AllowPut = true and MaxEnvelopeSizekb = 700"
conf_phase2=("${conf_phase1[@]}")
for i in "${!conf_phase2[@]}"; do
	case ${conf_phase2[$i]} in
	"AllowPut = false") conf_phase2[$i]="AllowPut = true" ;;
	"MaxEnvelopeSizekb = 600") conf_phase2[$i]="MaxEnvelopeSizekb = 700" ;;
	esac
done
write_config "${conf_phase2[@]}"
kill -HUP "$DAEMON_PID"
wait_log "configuration reloaded" 5 || fail "no \"configuration reloaded\" after SIGHUP"
request "$ADM" "$A_GET" "$CFG"
ok200 "Get config after the reload"
expect 700 "$RESP_BODY" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
request "$ADM" "$A_PUT" "$CFG" --body "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxProviderRequests>8192</cfg:MaxProviderRequests></cfg:Config>"
expect_fault "Put of a fixed property with AllowPut = true" InvalidParameter 2150858810
grep -q "MaxProviderRequests" "$RESP_BODY" || fail "the InvalidParameter does not name MaxProviderRequests"
request "$ADM" "$A_GET" "$CFG"
expect 700 "$RESP_BODY" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
grep -q "MaxEnvelopeSizekb = 700" "$CONF" || fail "the configuration file changed"
request "$USR" "$A_PUT" "$CFG" --body "<cfg:Config xmlns:cfg=\"$CFG\"/>"
expect_fault "Put by a non-admin with AllowPut = true" AccessDenied 5
ok "Get shows 700; Put of a fixed property: InvalidParameter, nothing written (config_put.sh: the rest); a non-admin's Put: AccessDenied"

counters
[ "$C_faults" -ge 20 ] || fail "faults=$C_faults: the faults above were not counted"
daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
