#!/bin/bash
# listeners.sh: several listeners, each with its own certificate
# ([Listener NAME] sections, winrmd.conf(5)):
#
#  - two HTTPS listeners on one port, on 127.0.0.1 (CertificateFile and
#    KeyFile) and on ::1 (CertificateThumbprint, found among the files of
#    [Listener] CertificateDirectory, its key in STEM.key), a third on ::1
#    on another port (a thumbprint whose file holds its key), an HTTP
#    listener on 127.0.0.1 and a disabled HTTPS listener on *: winrmd -t
#    accepts the file
#  - each HTTPS listener presents its own certificate (openssl s_client's
#    SHA-1 thumbprint) and pywinrm works on both
#  - Enumerate winrm/config/listener (raw WS-Man) lists all five with their
#    Address, Transport, Port, Enabled and thumbprints; Get with the
#    selectors Address=*+Transport=HTTPS names the disabled one,
#    Address=IP:[::1]+Transport=HTTPS the ::1 one
#  - SIGHUP after the 127.0.0.1 listener's files were replaced: its new
#    handshakes present the new certificate, the ::1 listener's do not
#    change, and Get shows the new thumbprint
#  - SIGHUP with a new URLPrefix for one listener: that one serves it
#    (and 404 on the old path), the others keep theirs
#  - under systemd-socket-activate, a socket whose FileDescriptorName is a
#    listener's NAME is that listener (names crossed over the addresses),
#    and unnamed sockets are the listener on their address and port
#  - winrmd -t refuses, naming FILE:LINE, a second listener on an address
#    and port already taken (the same address, or * over an address), the
#    [Listener] form's Address beside named sections, a thumbprint no file
#    of CertificateDirectory has, and an HTTPS listener without Transport
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || missing_tool "openssl is not installed"

CONFIGPLUG=$STAGE$PLUGINDIR/config.so
[ -f "$CONFIGPLUG" ] || hard_error "the config plugin is not staged at $CONFIGPLUG"

CFG=http://schemas.microsoft.com/wbem/wsman/1/config
A_GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
A_ENUM=http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate
WSEN=http://schemas.xmlsoap.org/ws/2004/09/enumeration
CERTS=$WORK/certs
mkdir -p "$CERTS"

# new_pair DIR NAME: a fresh self-signed pair DIR/NAME.{crt,key}
new_pair() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/$2.key" \
	    -out "$1/$2.crt" -days 2 -subj "/CN=winrmd listener $2" \
	    >/dev/null 2>&1 || hard_error "openssl: pair $2"
	chmod 600 "$1/$2.key"
}
file_thumbprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'
}
# served_thumbprint HOST [PORT]: what a new handshake on HOST:PORT
# (HTTPS_PORT) presents
served_thumbprint() {
	local host=$1 port=${2:-$HTTPS_PORT}
	case $host in *:*) host="[$host]" ;; esac
	with_timeout 15 openssl s_client -connect "$host:$port" </dev/null \
	    2>/dev/null | openssl x509 -noout -fingerprint -sha1 |
	    sed 's/.*=//; s/://g'
}

# q FILE EXPR: texts of the matches (ElementTree path), one a line
q() {
	"$PY" - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
      "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
      "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config"}
found = ET.parse(sys.argv[1]).getroot().findall(sys.argv[2], ns)
for e in found:
    print(e.text or "")
sys.exit(0 if found else 1)
EOF
}
# listeners FILE: one line per cfg:Listener: Address Transport Port Enabled
# Thumbprint ListeningOn... ("-" for an empty text)
listeners() {
	"$PY" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
C = "{http://schemas.microsoft.com/wbem/wsman/1/config}"
for l in ET.parse(sys.argv[1]).getroot().iter(C + "Listener"):
    t = lambda k: (l.findtext(C + k) or "-")
    on = [e.text for e in l.findall(C + "ListeningOn")]
    print(t("Address"), t("Transport"), t("Port"), t("Enabled"),
          t("CertificateThumbprint"), *on)
EOF
}
request() {	# request ACTION RESOURCE [envelope args]: over HTTP, sets st
	local action=$1 res=$2
	shift 2
	envelope_file "$WORK/req.xml" --action "$action" --resource "$res" "$@"
	st=$(post "$URL_HTTP4" "$WORK/req.xml" -u "$ADMIN:$ADMIN_PASS")
	[ "$st" = 200 ] || fail "$action $res $*: HTTP $st: $(head -c 600 "$RESP_BODY")"
}

make_group ADMINS
make_user ADMIN ADMIN_PASS -m -G "$ADMINS"

new_pair "$WORK" local
new_pair "$CERTS" six
A_FP=$(file_thumbprint "$WORK/local.crt")
B_FP=$(file_thumbprint "$CERTS/six.crt")
# another with its key inside (so readable by root only)
new_pair "$CERTS" other
cat "$CERTS/other.key" >>"$CERTS/other.crt"
rm -f "$CERTS/other.key"
chmod 600 "$CERTS/other.crt"
C_FP=$(file_thumbprint "$CERTS/other.crt")
B_SPACED=$(echo "$B_FP" | sed 's/../& /g; s/ $//' | tr 'A-F' 'a-f')

# the test's config: lib.sh's defaults without the [Listener] form's
# Address and ports, and the named sections
listener_config() {
	write_config "[Service]" "AllowUnencrypted = true" \
	    "[Listener]" "CertificateDirectory = $CERTS" \
	    "[Config]" "AdminGroups = $ADMINS" \
	    "[Plugins]" "Load = $CONFIGPLUG $TESTPLUG"
	sed -i '/^Address = /d; /^HTTPPort = /d; /^HTTPSPort = /d' "$CONF"
	cat >>"$CONF" <<EOF

[Listener plain]
Address = 127.0.0.1
Transport = HTTP
Port = $HTTP_PORT

[Listener local]
Address = IP:127.0.0.1
Transport = HTTPS
Port = $HTTPS_PORT
CertificateFile = $WORK/local.crt
KeyFile = $WORK/local.key

[Listener six]
Address = ::1
Transport = HTTPS
Port = $HTTPS_PORT
CertificateThumbprint = $B_SPACED

[Listener inside]
Address = ::1
Transport = HTTPS
Port = $HTTP_PORT
CertificateThumbprint = $C_FP

[Listener off]
Address = *
Transport = HTTPS
Port = 5986
Enabled = false
CertificateThumbprint = $B_FP
EOF
}

say "winrmd -t on five [Listener NAME] sections"
listener_config
with_timeout 20 "$WINRMD" -t -c "$CONF" >"$WORK/t.out" 2>&1 ||
    fail "winrmd -t refused the listeners: $(cat "$WORK/t.out")"
ok "accepted"

# refused WHAT REGEX N LINES...: the file with LINES added is refused by
# -t at the N-th of them (FILE:LINE), with a message matching REGEX
refused() {
	local what=$1 re=$2 n=$3 line out
	shift 3
	line=$(($(wc -l <"$CONF") + n))
	printf '%s\n' "$@" >>"$CONF"
	expect_refused "$what" "$re" "$line"
}
# expect_refused WHAT REGEX LINE: -t refuses $CONF at LINE; a fresh $CONF
expect_refused() {
	local out
	out=$(with_timeout 20 "$WINRMD" -t -c "$CONF" 2>&1) &&
	    fail "$1: winrmd -t accepted it"
	echo "$out" | grep -q -- "$CONF:$3: .*$2" ||
	    fail "$1: not refused at $CONF:$3 with /$2/: $out"
	ok "$1: $(echo "$out" | grep -o -- "$CONF:$3: .*" | head -n 1)"
	listener_config
}
refused "the same address and port" \
    "\[Listener again\]: 127.0.0.1 port $HTTPS_PORT is already \[Listener local\]'s" 5 \
    "" "[Listener again]" "Address = 127.0.0.1" "Transport = HTTPS" \
    "Port = $HTTPS_PORT"
refused "* over an address on its port" \
    "\[Listener all\]: \* port $HTTP_PORT is already \[Listener plain\]'s" 4 \
    "" "[Listener all]" "Transport = HTTP" "Port = $HTTP_PORT"
refused "a thumbprint that is not one" "CertificateThumbprint = 00: expected" 5 \
    "" "[Listener nope]" "Address = 127.0.0.2" "Transport = HTTPS" \
    "CertificateThumbprint = 00"
refused "no Transport" "\[Listener notrans\] needs Transport" 3 \
    "" "[Listener notrans]" "Address = 127.0.0.3"
sed -i "0,/^CertificateDirectory = /s||Address = 127.0.0.1\n&|" "$CONF"
expect_refused "[Listener] Address beside named sections" \
    "\[Listener\] Address: with \[Listener NAME\] sections" \
    "$(grep -n '^Address = 127.0.0.1$' "$CONF" | head -n 1 | cut -d: -f1)"
sed -i "s/^CertificateThumbprint = $B_SPACED\$/CertificateThumbprint = 0123456789ABCDEF0123456789ABCDEF01234567/" "$CONF"
out=$(with_timeout 20 "$WINRMD" -t -c "$CONF" 2>&1) &&
    fail "winrmd -t accepted a thumbprint no certificate has"
echo "$out" | grep -q "no certificate with SHA-1 thumbprint 0123456789ABCDEF0123456789ABCDEF01234567 in CertificateDirectory $CERTS" ||
    fail "no reason for the unknown thumbprint: $out"
ok "an unknown thumbprint: $(echo "$out" | grep -o 'no certificate with.*' | head -n 1)"
listener_config

say "two HTTPS listeners, each with its own certificate"
start_daemon
a=$(served_thumbprint 127.0.0.1)
b=$(served_thumbprint ::1)
[ "$a" = "$A_FP" ] || fail "127.0.0.1 presents $a, not $A_FP (local.crt)"
[ "$b" = "$B_FP" ] || fail "::1 presents $b, not $B_FP (six.crt by thumbprint)"
ok "127.0.0.1:$HTTPS_PORT presents $a, [::1]:$HTTPS_PORT presents $b"
c=$(served_thumbprint ::1 "$HTTP_PORT")
[ "$c" = "$C_FP" ] || fail "[::1]:$HTTP_PORT presents $c, not $C_FP (other.crt, its key inside)"
ok "[::1]:$HTTP_PORT presents $c (a thumbprint whose file holds its key)"
for url in "$URL_HTTPS4" "$URL_HTTPS6"; do
	with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$url" ssl "$TEST_USER" \
	    "$TEST_PASS" >"$WORK/py.out" 2>&1 ||
	    fail "pywinrm on $url: $(tail -n 5 "$WORK/py.out")"
done
ok "pywinrm (Basic) on both"
grep -q "listening on http://\[::1\]:$HTTP_PORT\|listening on https://\*:5986" "$DLOG" &&
    fail "a listener no section describes was opened"
ok "nothing else listens (the disabled one has no socket)"

say "Enumerate winrm/config/listener"
request "$A_ENUM" "$CFG/listener" --body \
    "<n:Enumerate xmlns:n=\"$WSEN\"><w:OptimizeEnumeration/><w:MaxElements>50</w:MaxElements></n:Enumerate>"
listeners "$RESP_BODY" | sort >"$WORK/list"
sort >"$WORK/want" <<EOF
* HTTPS 5986 false $B_FP
IP:127.0.0.1 HTTP $HTTP_PORT true - 127.0.0.1
IP:127.0.0.1 HTTPS $HTTPS_PORT true $A_FP 127.0.0.1
IP:::1 HTTPS $HTTPS_PORT true $B_FP ::1
IP:::1 HTTPS $HTTP_PORT true $C_FP ::1
EOF
diff "$WORK/want" "$WORK/list" >"$WORK/diff" ||
    fail "the listeners enumerated differ from the file: $(cat "$WORK/diff")"
ok "$(wc -l <"$WORK/list") listeners with their thumbprints"

say "Get winrm/config/listener?Address=*+Transport=HTTPS"
request "$A_GET" "$CFG/listener" --selector "Address=*" --selector Transport=HTTPS
[ "$(listeners "$RESP_BODY")" = "* HTTPS 5986 false $B_FP" ] ||
    fail "Address=*+Transport=HTTPS: $(listeners "$RESP_BODY")"
request "$A_GET" "$CFG/listener" --selector "Address=IP:[::1]" --selector Transport=https
[ "$(listeners "$RESP_BODY")" = "IP:::1 HTTPS $HTTPS_PORT true $B_FP ::1" ] ||
    fail "Address=IP:[::1]+Transport=https: $(listeners "$RESP_BODY")"
ok "the disabled * listener, and ::1 by IP:[::1]"

say "SIGHUP with a new certificate for the 127.0.0.1 listener only"
new_pair "$WORK" renewed
cp "$WORK/renewed.crt" "$WORK/local.crt.new" &&
    cp "$WORK/renewed.key" "$WORK/local.key.new" &&
    mv -f "$WORK/local.crt.new" "$WORK/local.crt" &&
    mv -f "$WORK/local.key.new" "$WORK/local.key" ||
    hard_error "cannot replace local.crt"
A2_FP=$(file_thumbprint "$WORK/local.crt")
hup_and_wait "new handshakes use certificate $WORK/local.crt, SHA-1 thumbprint $A2_FP" ||
    fail "no reload line for $A2_FP: $(grep -E 'tls:|reload' "$DLOG" | tail -n 3)"
a=$(served_thumbprint 127.0.0.1)
b=$(served_thumbprint ::1)
[ "$a" = "$A2_FP" ] || fail "after the reload 127.0.0.1 presents $a, not $A2_FP"
[ "$b" = "$B_FP" ] || fail "after the reload ::1 presents $b, not still $B_FP"
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS4" ssl "$TEST_USER" \
    "$TEST_PASS" >"$WORK/py.out" 2>&1 ||
    fail "pywinrm after the reload: $(tail -n 5 "$WORK/py.out")"
request "$A_GET" "$CFG/listener" --selector "Address=IP:127.0.0.1" --selector Transport=HTTPS
[ "$(listeners "$RESP_BODY")" = "IP:127.0.0.1 HTTPS $HTTPS_PORT true $A2_FP 127.0.0.1" ] ||
    fail "Get after the reload: $(listeners "$RESP_BODY")"
ok "127.0.0.1 presents $A2_FP (and Get says so), ::1 still $B_FP"

say "SIGHUP with a new URLPrefix for the 127.0.0.1 HTTPS listener"
sed -i "/^KeyFile = .*local.key\$/a URLPrefix = alt/x" "$CONF"
hup_and_wait "configuration reloaded" || fail "no reload: $(tail -n 3 "$DLOG")"
grep -q "reload: \[Listener local\]" "$DLOG" &&
    fail "the reload says a key of [Listener local] waits for a restart"
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "https://127.0.0.1:$HTTPS_PORT/alt/x" \
    ssl "$TEST_USER" "$TEST_PASS" >"$WORK/py.out" 2>&1 ||
    fail "pywinrm on /alt/x after the reload: $(tail -n 5 "$WORK/py.out")"
envelope_file "$WORK/identify.xml" --identify
st=$(post "$URL_HTTPS4" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
[ "$st" = 404 ] || fail "/wsman on the 127.0.0.1 HTTPS listener after the reload: HTTP $st, expected 404"
st=$(post "$URL_HTTPS6" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
[ "$st" = 200 ] || fail "/wsman on ::1 after the reload: HTTP $st"
request "$A_GET" "$CFG/listener" --selector "Address=IP:127.0.0.1" --selector Transport=HTTPS
q "$RESP_BODY" "s:Body/cfg:Listener/cfg:URLPrefix" | grep -qx "alt/x" ||
    fail "Get after the reload: URLPrefix $(q "$RESP_BODY" "s:Body/cfg:Listener/cfg:URLPrefix")"
ok "127.0.0.1 serves /alt/x (404 on /wsman, and Get says alt/x), ::1 still /wsman"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC on SIGTERM"

# activated SOCKET-ARGS...: the daemon under systemd-socket-activate (as
# socket_activation.sh runs it), which execs it at the first connection
activated() {
	local env=() v
	WRT_NSTART=$((WRT_NSTART + 1))
	DLOG=$WORK/daemon.$WRT_NSTART.log
	WRT_DAEMON_LOGS+=("$DLOG")
	for v in LSAN_OPTIONS ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v:-}" ] && env+=(-E "$v")
	done
	systemd-socket-activate "${env[@]}" "$@" "$WINRMD" -f -c "$CONF" \
	    2>"$DLOG" </dev/null &
	DAEMON_PID=$!
	for v in $(seq 1 100); do
		"$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()" \
		    "$HTTPS_PORT" 2>/dev/null && break
		sleep 0.05
	done
	wait_log ' ready$' 10 || fail "the activated daemon did not log ready"
}
if command -v systemd-socket-activate >/dev/null; then
	say "socket activation: FileDescriptorName=NAME is that listener"
	# the names crossed over the addresses: the name decides
	activated -l "127.0.0.1:$HTTPS_PORT" -l "[::1]:$HTTPS_PORT" \
	    --fdname=six:local
	a=$(served_thumbprint 127.0.0.1)
	b=$(served_thumbprint ::1)
	[ "$a" = "$B_FP" ] && [ "$b" = "$A2_FP" ] ||
	    fail "sockets named six and local present $a and $b, not $B_FP and $A2_FP"
	ok "the socket named six presents six's certificate, local's local's"
	stop_daemon
	say "socket activation: unnamed sockets are the listener on their address and port"
	activated -l "127.0.0.1:$HTTPS_PORT" -l "[::1]:$HTTPS_PORT"
	a=$(served_thumbprint 127.0.0.1)
	b=$(served_thumbprint ::1)
	[ "$a" = "$A2_FP" ] && [ "$b" = "$B_FP" ] ||
	    fail "unnamed sockets present $a and $b, not $A2_FP and $B_FP"
	with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS6" ssl "$TEST_USER" \
	    "$TEST_PASS" >"$WORK/py.out" 2>&1 ||
	    fail "pywinrm on the activated ::1 socket: $(tail -n 5 "$WORK/py.out")"
	ok "127.0.0.1 presents local's certificate, ::1 six's; pywinrm works"
	stop_daemon
	[ "$DAEMON_RC" = 0 ] || fail "the activated daemon exited with $DAEMON_RC"
elif [ -n "${WINRMD_REQUIRE_INTEROP:-}" ]; then
	fail "systemd-socket-activate (package systemd) is missing"
else
	echo "   (no systemd-socket-activate: socket activation not tested)"
fi
echo "PASS: $TEST_NAME"
