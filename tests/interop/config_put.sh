#!/bin/bash
# config_put.sh: `winrm set winrm/config/...', a WS-Transfer Put of the
# config plugin's resources (plugins/config/put.c, the host's conf_set),
# raw WS-Man over HTTP(S) Basic and through pywinrm's transport.
#
#  - an admin ([Config] AdminGroups, AllowPut = true) Puts
#    .../config/service with AllowUnencrypted = false (over HTTP): the
#    PutResponse is cfg:Service with the new value; the reload applied it
#    (Basic over HTTP is refused now, the rest goes over HTTPS) and a Get
#    reads it back
#  - a Put of .../config with MaxEnvelopeSizekb = 800 through pywinrm (ssl):
#    Get reads 800
#  - the file: `diff' against the copy from before shows exactly those two
#    lines changed; every comment, commented key and blank line is kept;
#    same mode and owner
#  - the whole cfg:Winrs as Get returned it with one value changed (what
#    winrm.vbs sends): only that key is written
#  - .../service/auth CbtHardeningLevel, a key the file does not have: one
#    line added right after [Auth]
#  - a non-admin's Put: AccessDenied, the file's checksum unchanged
#  - bad values (MaxEnvelopeSizekb 10 below its minimum, "lots", a value
#    with a line break) and a fixed property (MaxConcurrentOperations),
#    an unknown element: InvalidParameter, file unchanged, the running
#    value unchanged
#  - a restart-only key (Service/DefaultPorts/HTTP -> [Listener] HTTPPort):
#    written, and the Put's fault says it takes effect at restart; Get
#    still shows the running port; the next Put of another key is applied
#    without that fault
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

CONFIGPLUG=$STAGE$PLUGINDIR/config.so
[ -f "$CONFIGPLUG" ] || hard_error "the config plugin is not staged at $CONFIGPLUG"

CFG=http://schemas.microsoft.com/wbem/wsman/1/config
A_GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
A_PUT=http://schemas.xmlsoap.org/ws/2004/09/transfer/Put

# q FILE EXPR: texts of the matches, one a line; exit 1 if none
q() {
	"$PY" - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
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

expect() {	# expect VALUE FILE EXPR
	local got
	got=$(q "$2" "$3") || fail "no $3 in the reply: $(head -c 600 "$2")"
	got=${got%%$'\n'*}
	[ "$got" = "$1" ] || fail "$3 is \"$got\", expected \"$1\""
}

URL=$URL_HTTP4
request() {	# request USER:PASS ACTION RESOURCE [envelope args]: sets st
	local cred=$1 action=$2 res=$3
	shift 3
	envelope_file "$WORK/req.xml" --action "$action" --resource "$res" "$@"
	st=$(post "$URL" "$WORK/req.xml" -u "$cred")
}

expect_fault() {	# expect_fault WHAT SUBCODE WSMANFAULT-CODE
	local f
	[ "$st" = 500 ] || fail "$1: HTTP $st, expected 500 with a fault: $(head -c 600 "$RESP_BODY")"
	f=$("$PY" "$WSMAN_PY" fault "$RESP_BODY") || fail "$1: HTTP 500 without a SOAP fault"
	case "$f" in
	*"}$2 $3") ;;
	*) fail "$1: fault $f, expected subcode $2, WSManFault $3" ;;
	esac
}

ok200() { [ "$st" = 200 ] || fail "$1: HTTP $st: $(head -c 800 "$RESP_BODY")"; }

sum() { sha256sum "$CONF" | cut -d' ' -f1; }

make_group ADMINS
make_user ADMIN ADMIN_PASS -m -G "$ADMINS"
ADM="$ADMIN:$ADMIN_PASS"
USR="$TEST_USER:$TEST_PASS"

write_config "[Service]" "AllowUnencrypted = true" "MaxEnvelopeSizekb = 600" \
    "[Auth]" "Basic = true" \
    "[Winrs]" "MaxShellsPerUser = 7" \
    "[Config]" "AdminGroups = $ADMINS" "AllowPut = true" \
    "[Plugins]" "Load = $CONFIGPLUG $TESTPLUG"
# an administrator's file: comments, a commented key, blank lines
sed -i -e 's/^\[Service\]$/# the service: limits and encryption\n[Service]\n#MaxEnvelopeSizekb = 150\n; envelope in KiB, below:/' \
    -e 's/^MaxShellsPerUser = 7$/MaxShellsPerUser = 7   \n\n# end of [Winrs]/' "$CONF"
chmod 0640 "$CONF"
cp -p "$CONF" "$WORK/conf.orig"
grep -q '^# the service' "$CONF" && grep -q '^#MaxEnvelopeSizekb = 150' "$CONF" ||
    hard_error "the test's comments are not in $CONF"
start_daemon

# -------------------------------------------- AllowUnencrypted, raw WS-Man
say "an admin: winrm set winrm/config/service @{AllowUnencrypted=\"false\"} (over HTTP)"
request "$ADM" "$A_PUT" "$CFG/service" --body \
    "<cfg:Service xmlns:cfg=\"$CFG\"><cfg:AllowUnencrypted>false</cfg:AllowUnencrypted></cfg:Service>"
ok200 "Put service"
expect "$A_PUT"Response "$RESP_BODY" "s:Header/a:Action"
expect false "$RESP_BODY" "s:Body/cfg:Service/cfg:AllowUnencrypted"
q "$RESP_BODY" "s:Body/cfg:Service/cfg:MaxConnections" >/dev/null ||
    fail "the PutResponse is not the whole cfg:Service"
grep -q '^AllowUnencrypted = false$' "$CONF" || fail "AllowUnencrypted = false is not in the file"
wait_log "configuration reloaded" 5 || fail "no reload after the Put"
# applied: Basic over HTTP is refused now
request "$ADM" "$A_GET" "$CFG/service"
[ "$st" = 401 ] || fail "Basic over HTTP after AllowUnencrypted = false: HTTP $st, expected 401"
URL=$URL_HTTPS4
request "$ADM" "$A_GET" "$CFG/service"
ok200 "Get service over HTTPS"
expect false "$RESP_BODY" "s:Body/cfg:Service/cfg:AllowUnencrypted"
ok "PutResponse cfg:Service with false; applied (Basic over HTTP now 401); Get reads false"

# ------------------------------------------ MaxEnvelopeSizekb, via pywinrm
say "pywinrm (ssl): Put winrm/config @{MaxEnvelopeSizekb=\"800\"}"
"$PY" - "$URL_HTTPS6" "$ADMIN" "$ADMIN_PASS" "$CFG" >"$WORK/pywinrm.out" 2>&1 <<'EOF' ||
import sys, winrm, wsman
url, user, pw, res = sys.argv[1:5]
p = winrm.Protocol(url, transport="ssl", username=user, password=pw,
                   server_cert_validation="ignore")
r = p.send_message(wsman.envelope(
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put", res,
    body='<cfg:Config xmlns:cfg="%s"><cfg:MaxEnvelopeSizekb>800'
         '</cfg:MaxEnvelopeSizekb></cfg:Config>' % res).decode())
print(r.decode() if isinstance(r, bytes) else r)
EOF
fail "pywinrm Put: $(tail -n 5 "$WORK/pywinrm.out")"
expect 800 "$WORK/pywinrm.out" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
request "$ADM" "$A_GET" "$CFG"
ok200 "Get config"
expect 800 "$RESP_BODY" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
ok "PutResponse and Get: MaxEnvelopeSizekb 800"

say "the file: only those two lines changed, comments kept, mode and owner kept"
diff "$WORK/conf.orig" "$CONF" >"$WORK/diff.out"
changed=$(grep -c '^[<>]' "$WORK/diff.out")
grep -qx '< AllowUnencrypted = true' "$WORK/diff.out" &&
    grep -qx '> AllowUnencrypted = false' "$WORK/diff.out" &&
    grep -qx '< MaxEnvelopeSizekb = 600' "$WORK/diff.out" &&
    grep -qx '> MaxEnvelopeSizekb = 800' "$WORK/diff.out" && [ "$changed" = 4 ] ||
    fail "diff of the file: $(cat "$WORK/diff.out")"
[ "$(stat -c %a:%u:%g "$CONF")" = "$(stat -c %a:%u:%g "$WORK/conf.orig")" ] ||
    fail "mode/owner changed: $(stat -c %a:%u:%g "$CONF")"
ls "$WORK" | grep -q 'winrmd.conf.new' && fail "a temporary file was left: $(ls "$WORK")"
ok "diff: $(tr '\n' ' ' <"$WORK/diff.out")"

# --------------------------------------------- the whole resource, changed
say "winrm.vbs style: the whole cfg:Winrs as Get returned it, MaxShellsPerUser 9"
request "$ADM" "$A_GET" "$CFG/winrs"
ok200 "Get winrs"
"$PY" - "$RESP_BODY" >"$WORK/winrs.xml" <<'EOF' || fail "cannot cut cfg:Winrs out of the Get"
import sys, re
t = open(sys.argv[1]).read()
w = re.search(r"<cfg:Winrs.*</cfg:Winrs>", t, re.S).group(0)
print(w.replace("<cfg:MaxShellsPerUser>7<", "<cfg:MaxShellsPerUser>9<"))
EOF
grep -q '>9<' "$WORK/winrs.xml" || fail "MaxShellsPerUser 7 is not in the Get: $(cat "$WORK/winrs.xml")"
cp "$CONF" "$WORK/conf.2"
request "$ADM" "$A_PUT" "$CFG/winrs" --body "$(cat "$WORK/winrs.xml")"
ok200 "Put of the whole cfg:Winrs"
expect 9 "$RESP_BODY" "s:Body/cfg:Winrs/cfg:MaxShellsPerUser"
d=$(diff "$WORK/conf.2" "$CONF" | grep '^[<>]' | tr '\n' '|')
[ "$d" = "< MaxShellsPerUser = 7   |> MaxShellsPerUser = 9|" ] || fail "diff: $d"
ok "only MaxShellsPerUser written"

# ------------------------------------------ service/auth: a key not in the file
say "winrm set winrm/config/service/auth @{CbtHardeningLevel=\"None\"}: a key the file lacks"
cp "$CONF" "$WORK/conf.3"
request "$ADM" "$A_PUT" "$CFG/service/auth" --body \
    "<cfg:Auth xmlns:cfg=\"$CFG\"><cfg:CbtHardeningLevel>None</cfg:CbtHardeningLevel></cfg:Auth>"
ok200 "Put service/auth"
expect None "$RESP_BODY" "s:Body/cfg:Auth/cfg:CbtHardeningLevel"
d=$(diff "$WORK/conf.3" "$CONF" | grep '^[<>]' | tr '\n' '|')
[ "$d" = "> CbtHardeningLevel = None|" ] || fail "diff: $d"
grep -A1 '^\[Auth\]$' "$CONF" | grep -qx 'CbtHardeningLevel = None' ||
    fail "CbtHardeningLevel is not right after [Auth]: $(cat "$CONF")"
request "$ADM" "$A_GET" "$CFG/service/auth"
expect None "$RESP_BODY" "s:Body/cfg:Auth/cfg:CbtHardeningLevel"
ok "added after [Auth], one line; Get reads None"

# ------------------------------------------------------------ refusals
say "a non-admin's Put: AccessDenied, nothing written"
before=$(sum)
request "$USR" "$A_PUT" "$CFG" --body \
    "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxEnvelopeSizekb>8192</cfg:MaxEnvelopeSizekb></cfg:Config>"
expect_fault "Put by a non-admin" AccessDenied 5
[ "$(sum)" = "$before" ] || fail "a non-admin's Put changed the file"
ok "AccessDenied (WSManFault 5), checksum unchanged"

say "bad values, a fixed property, an unknown element: InvalidParameter, nothing written"
for v in 10 lots "800&#10;[Auth]&#10;PermitRoot = true"; do
	request "$ADM" "$A_PUT" "$CFG" --body \
	    "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxEnvelopeSizekb>$v</cfg:MaxEnvelopeSizekb></cfg:Config>"
	expect_fault "MaxEnvelopeSizekb = $v" InvalidParameter 2150858810
	[ "$(sum)" = "$before" ] || fail "MaxEnvelopeSizekb = $v changed the file"
done
grep -q 'MaxEnvelopeSizekb' "$RESP_BODY" || fail "the fault does not name the key"
request "$ADM" "$A_PUT" "$CFG/service" --body \
    "<cfg:Service xmlns:cfg=\"$CFG\"><cfg:MaxConcurrentOperations>5</cfg:MaxConcurrentOperations></cfg:Service>"
expect_fault "a fixed property" InvalidParameter 2150858810
request "$ADM" "$A_PUT" "$CFG/service" --body \
    "<cfg:Service xmlns:cfg=\"$CFG\"><cfg:NoSuchThing>5</cfg:NoSuchThing></cfg:Service>"
expect_fault "an unknown element" InvalidParameter 2150858810
request "$ADM" "$A_PUT" "$CFG/service" --body \
    "<cfg:Winrs xmlns:cfg=\"$CFG\"><cfg:IdleTimeout>5000</cfg:IdleTimeout></cfg:Winrs>"
expect_fault "the wrong element" SchemaValidationError 2150858817
[ "$(sum)" = "$before" ] || fail "a refused Put changed the file"
request "$ADM" "$A_GET" "$CFG"
expect 800 "$RESP_BODY" "s:Body/cfg:Config/cfg:MaxEnvelopeSizekb"
ok "InvalidParameter (2150858810) each time; file and running value unchanged"

# ------------------------------------------------------ restart-only key
say "a restart-only key: Service/DefaultPorts/HTTP ([Listener] HTTPPort)"
newport=$((HTTP_PORT + 1))
request "$ADM" "$A_PUT" "$CFG/service" --body \
    "<cfg:Service xmlns:cfg=\"$CFG\"><cfg:DefaultPorts><cfg:HTTP>$newport</cfg:HTTP></cfg:DefaultPorts></cfg:Service>"
expect_fault "a restart-only key" InvalidParameter 2150858810
grep -q 'HTTPPort.*restart' "$RESP_BODY" || fail "the fault does not say HTTPPort takes effect at restart: $(head -c 800 "$RESP_BODY")"
grep -qx "HTTPPort = $newport" "$CONF" || fail "HTTPPort = $newport was not written"
request "$ADM" "$A_GET" "$CFG/service"
expect "$HTTP_PORT" "$RESP_BODY" "s:Body/cfg:Service/cfg:DefaultPorts/cfg:HTTP"
ok "written, the fault says restart; Get shows the running port $HTTP_PORT"

say "then a Put of another key: applied, no word of HTTPPort (not this Put's)"
request "$ADM" "$A_PUT" "$CFG" --body \
    "<cfg:Config xmlns:cfg=\"$CFG\"><cfg:MaxTimeoutms>45000</cfg:MaxTimeoutms></cfg:Config>"
ok200 "Put MaxTimeoutms while HTTPPort waits for a restart"
expect 45000 "$RESP_BODY" "s:Body/cfg:Config/cfg:MaxTimeoutms"
grep -qx "HTTPPort = $newport" "$CONF" || fail "HTTPPort = $newport is gone from the file"
ok "200, MaxTimeoutms 45000"

daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
