#!/bin/bash
# daemon_cli.sh: the command line (--help --version -t --example-config
# --list-operations -d), the self-signed certificate, SIGHUP reloads (a
# broken file is refused; a good one takes effect without a restart), a
# port of 0 disabling a listener, and SIGTERM -> exit 0.  -t and the
# example cover the keys the staged plugins and providers declare.
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------ --help etc
say "--help and --version"
"$WINRMD" --help >"$WORK/help.out" 2>&1 || fail "--help exited $?"
grep -q '^Usage: winrmd' "$WORK/help.out" || fail "--help prints no Usage line"
for o in --config --foreground --test --debug --list-operations --example-config --help --version; do
	grep -q -- "$o" "$WORK/help.out" || fail "--help does not mention $o"
done
"$WINRMD" -h >/dev/null 2>&1 || fail "-h exited $?"
"$WINRMD" --version >"$WORK/version.out" 2>&1 || fail "--version exited $?"
grep -Eq '^winrmd [0-9]+\.[0-9]+' "$WORK/version.out" ||
    fail "--version prints \"$(cat "$WORK/version.out")\""
"$WINRMD" -V >/dev/null 2>&1 || fail "-V exited $?"
ok "exit 0; $(cat "$WORK/version.out")"

"$WINRMD" --no-such-option >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
[ $rc = 2 ] || fail "an unknown option exited $rc, expected 2"
grep -q 'Usage' "$WORK/bad.err" || fail "an unknown option prints no usage on stderr"
"$WINRMD" -t stray-argument >/dev/null 2>&1
rc=$?
[ $rc = 2 ] || fail "a stray argument exited $rc, expected 2"
ok "an unknown option or a stray argument: exit 2 with usage"

# ---------------------------------------------------------------- -t
write_config "[Service]" "AllowUnencrypted = false"
say "-t on a good configuration"
out=$(with_timeout 20 "$WINRMD" -t -c "$CONF" 2>&1) || fail "-t on a good config exited $?: $out"
echo "$out" | grep -q "configuration OK" || fail "-t prints \"$out\""
ok "$out"

say "-t on bad configurations: exit 1, FILE:LINE"
bad_conf() {	# bad_conf NAME LINE: -t on $WORK/NAME.conf must fail at LINE ($out)
	local f=$WORK/$1.conf rc
	out=$(with_timeout 20 "$WINRMD" -t -c "$f" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "-t on $1 exited $rc, expected 1: $out"
	echo "$out" | grep -qF "$f:$2" || fail "-t on $1 does not name $f:$2: $out"
	echo "   $1: $out"
}
printf '[Service]\nLogLevel = info\nNoSuchKey = 1\n' >"$WORK/unknown_key.conf"
bad_conf unknown_key 3
printf '# comment\n\n[Listener]\nHTTPPort = 1\n[Service]\nMaxEnvelopeSizekb = 1\n' >"$WORK/bad_value.conf"
bad_conf bad_value 6
printf '[Service]\nLogLevel = info\n[Nowhere]\nx = 1\n' >"$WORK/unknown_section.conf"
bad_conf unknown_section 4
printf '[Auth]\nBasic = true\nPermitRoot = false\nBasic = false\n' >"$WORK/twice.conf"
bad_conf twice 4
printf '[Auth]\nBasic = maybe\n' >"$WORK/bad_bool.conf"
bad_conf bad_bool 2
printf '[Plugins]\nLoad = /nonexistent/plugin.so\n' >"$WORK/no_plugin.conf"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/no_plugin.conf" 2>&1)
[ $? = 1 ] || fail "-t with a missing plugin did not exit 1: $out"
ok "unknown key, bad value, unknown section, key twice, bad boolean, missing plugin"

# ----------------------------------------------------- --example-config
# The example lists the keys of the daemon and of the plugins (and CIM
# providers) the configuration loads.  The built-in plugin list names
# plugins in the installed directory, which a staged build does not have:
# it is printed, and checked, for the staged ones.
PROVDIR=$STAGE${PLUGINDIR%/plugins}/providers
if [ -f "$SHELLPLUG" ]; then
	PLUG_LINES=("[Plugins]" "Directory = $STAGE$PLUGINDIR"
	    "Load = shell config cim" "[CIM]" "ProviderDirectory = $PROVDIR")
	PLUG_SECTIONS="Winrs Config CIM Win32"
	[ -f "$PROVDIR/ipmi.so" ] && PLUG_SECTIONS="$PLUG_SECTIONS IPMI"
else
	PLUG_LINES=("[Plugins]" "Load = $TESTPLUG")
	PLUG_SECTIONS=
fi
printf '%s\n' "${PLUG_LINES[@]}" >"$WORK/plugins.conf"
say "--example-config passes -t"
"$WINRMD" -c "$WORK/plugins.conf" --example-config >"$WORK/example.conf" ||
    fail "--example-config exited $?"
grep -q '^\[Listener\]' "$WORK/example.conf" || fail "the example has no [Listener]"
grep -q '^\[Plugins\]' "$WORK/example.conf" || fail "the example has no [Plugins]"
for sec in $PLUG_SECTIONS; do
	grep -q "^\[$sec\]" "$WORK/example.conf" ||
	    fail "the example has no [$sec] (the staged plugins declare it)"
done
tail -n 1 "$WORK/example.conf" | grep -q '^#' ||
    hard_error "the example no longer ends in commented keys; adapt this test"
# the staged [Plugins] and [CIM] lines again at the end (INI allows that)
cat "$WORK/example.conf" "$WORK/plugins.conf" >"$WORK/example1.conf"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/example1.conf" 2>&1) ||
    fail "the example configuration fails -t: $out"
ok "as printed, sections ${PLUG_SECTIONS:-of the daemon}: $out"
# every default, uncommented, must be accepted as a value too
sed -E 's/^#([A-Za-z][A-Za-z0-9]* = )/\1/' "$WORK/example.conf" |
    grep -Ev '^(Directory|Load|ProviderDirectory) = ' >"$WORK/example2.conf"
cat "$WORK/plugins.conf" >>"$WORK/example2.conf"
nkeys=$(grep -Ec '^[A-Za-z][A-Za-z0-9]* = ' "$WORK/example2.conf")
[ "$nkeys" -ge 20 ] || fail "only $nkeys keys in the uncommented example"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/example2.conf" 2>&1) ||
    fail "the example with every key uncommented fails -t: $out"
ok "every key uncommented ($nkeys keys): $out"

if [ -f "$SHELLPLUG" ]; then
	say "-t on the plugins' and providers' sections: exit 1, FILE:LINE"
	cp "$WORK/plugins.conf" "$WORK/winrs_key.conf"
	printf '[Winrs]\nMaxShellPerUser = 3\n' >>"$WORK/winrs_key.conf"
	bad_conf winrs_key 7
	grep -q 'unknown key MaxShellPerUser in \[Winrs\]' <<<"$out" ||
	    fail "a renamed [Winrs] key is not called unknown: $out"
	cp "$WORK/plugins.conf" "$WORK/win32_value.conf"
	printf '[Win32]\nMaxProcessesPerUser = 0\n' >>"$WORK/win32_value.conf"
	bad_conf win32_value 7
	ok "a renamed [Winrs] key (the shell plugin's), a bad [Win32] value (the win32 provider's)"
fi

# ---------------------------------------------------- --list-operations
say "--list-operations"
with_timeout 20 "$WINRMD" -c "$CONF" --list-operations >"$WORK/ops.txt" 2>"$WORK/ops.err" ||
    fail "--list-operations exited $?: $(cat "$WORK/ops.err")"
grep -Evq '^[^ ]+ [^ ]+$' "$WORK/ops.txt" &&
    fail "--list-operations prints a line that is not \"URI ACTION\": $(grep -Ev '^[^ ]+ [^ ]+$' "$WORK/ops.txt" | head -n 3)"
for a in Delay Whoami; do
	grep -qx "http://winrmd.test/plugin http://winrmd.test/$a" "$WORK/ops.txt" ||
	    fail "--list-operations lacks the test plugin's $a: $(cat "$WORK/ops.txt")"
done
[ "$(wc -l <"$WORK/ops.txt")" = 2 ] || fail "--list-operations prints more than the test plugin's 2 operations"
ok "$(wc -l <"$WORK/ops.txt") lines \"URI ACTION\""

# --------------------------------------------------- certificate, -d
say "first start: the self-signed certificate is created (-d: debug logging)"
CERT=$WORK/tls/winrmd.crt
KEY=$WORK/tls/winrmd.key
write_config "[Listener]" "CertificateFile = $CERT" "KeyFile = $KEY" \
    "[Service]" "AllowUnencrypted = false" "LogLevel = warning"
[ -e "$CERT" ] && hard_error "$CERT exists already"
start_daemon -d
[ -f "$CERT" ] || fail "no certificate at $CERT"
[ -f "$KEY" ] || fail "no key at $KEY"
mode=$(stat -c %a "$KEY")
[ "$mode" = 600 ] || fail "the key has mode $mode, expected 600"
logged=$(grep -o 'created self-signed certificate .*SHA-1 thumbprint [0-9A-F]*' "$DLOG" |
    grep -o '[0-9A-F]*$') || fail "no \"created self-signed certificate ... SHA-1 thumbprint\" log line"
real=$(openssl x509 -in "$CERT" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
[ "$logged" = "$real" ] || fail "the logged thumbprint $logged is not the certificate's $real"
served=$("$PY" - "$URL_HTTPS6" <<'EOF'
import hashlib, sys, wsman
s = wsman.raw_socket(sys.argv[1])
print(hashlib.sha1(s.getpeercert(binary_form=True)).hexdigest().upper())
EOF
) || fail "cannot read the served certificate"
[ "$served" = "$real" ] || fail "HTTPS serves a certificate with thumbprint $served, not $real"
grep -q 'plugins: loaded testplug' "$DLOG" ||
    fail "-d did not override LogLevel = warning (no info lines logged)"
ok "key mode 0600, thumbprint $logged logged and served; -d logs info lines"

# ------------------------------------------------------------ reloads
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
whoami_ok() {	# whoami_ok URL [curl args]: authenticated Whoami -> 200
	local url=$1
	shift
	st=$(post "$url" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS" "$@")
	[ "$st" = 200 ] && [ "$(xpath "$RESP_BODY" ".//t:Whoami/t:Name")" = "$TEST_USER" ]
}

say "SIGHUP with a broken configuration file: refused, the old one stays"
whoami_ok "$URL_HTTPS4" || fail "Whoami before the reload failed ($st)"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 401 ] || fail "Basic over HTTP got $st with AllowUnencrypted = false"
cp "$CONF" "$WORK/good.conf"
# broken: AllowUnencrypted flips (must not take effect), and a bad key
sed 's/^AllowUnencrypted = false$/AllowUnencrypted = true/' "$WORK/good.conf" >"$CONF"
grep -q '^AllowUnencrypted = true$' "$CONF" || hard_error "could not flip AllowUnencrypted"
printf '[Auth]\nNoSuchKey = 1\n' >>"$CONF"
hup_and_wait 'reload refused' || fail "no \"reload refused\" after SIGHUP with a broken file"
sleep 0.2
daemon_alive || fail "the daemon died on SIGHUP with a broken file"
grep 'reload refused' "$DLOG" | tail -n 1 | grep -qF "$CONF" ||
    fail "the refusal does not name the file"
whoami_ok "$URL_HTTPS6" || fail "Whoami after a refused reload failed"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 401 ] || fail "a refused reload changed AllowUnencrypted (Basic over HTTP got $st)"
ok "$(grep -o 'reload refused.*' "$DLOG" | tail -n 1)"
ok "still running on the old configuration"

say "SIGHUP after AllowUnencrypted false -> true: Basic over HTTP works, no restart"
pid_before=$DAEMON_PID
cp "$WORK/good.conf" "$CONF"
sed -i 's/^AllowUnencrypted = false$/AllowUnencrypted = true/' "$CONF"
grep -q '^AllowUnencrypted = true$' "$CONF" || hard_error "could not flip AllowUnencrypted"
hup_and_wait 'configuration reloaded' || fail "no \"configuration reloaded\" after SIGHUP"
daemon_alive || fail "the daemon died on reload"
[ "$DAEMON_PID" = "$pid_before" ] || fail "the daemon changed"
whoami_ok "$URL_HTTP4" || fail "Basic over HTTP after the reload got $st, expected 200"
whoami_ok "$URL_HTTP6" || fail "Basic over HTTP ([::1]) after the reload got $st"
whoami_ok "$URL_HTTPS4" || fail "Basic over HTTPS after the reload got $st"
ok "200 over HTTP on IPv4 and IPv6 from the same process ($DAEMON_PID)"

say "SIGTERM -> exit status 0"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC on SIGTERM"
grep -q 'stopping (signal 15)' "$DLOG" || fail "no \"stopping\" log line"
ok "exit 0"

# ---------------------------------------------------------- HTTPPort = 0
say "HTTPPort = 0: nothing listens on the HTTP port"
write_config "[Listener]" "HTTPPort = 0" "CertificateFile = $CERT" "KeyFile = $KEY"
start_daemon
grep -q 'listening on http://' "$DLOG" && fail "an HTTP listener started with HTTPPort = 0"
grep -q "using certificate $CERT, SHA-1 thumbprint $real" "$DLOG" ||
    fail "the certificate was not reused on the second start"
grep -q 'created self-signed' "$DLOG" && fail "a second certificate was created"
"$PY" - "$HTTP_PORT" <<'EOF' || fail "something listens on the HTTP port $HTTP_PORT"
import socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((addr, port))
    except ConnectionRefusedError:
        continue
    sys.exit("%s port %d accepts connections" % (addr, port))
EOF
whoami_ok "$URL_HTTPS4" || fail "HTTPS does not work with HTTPPort = 0"
ok "connection refused on $HTTP_PORT (IPv4 and IPv6), HTTPS works"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC on SIGTERM"

say "HTTPPort = 0 and HTTPSPort = 0: refused at start"
write_config "[Listener]" "HTTPPort = 0" "HTTPSPort = 0"
with_timeout 20 "$WINRMD" -f -c "$CONF" >"$WORK/noport.out" 2>&1
rc=$?
[ $rc != 0 ] || fail "the daemon started with both ports 0"
[ $rc != 124 ] || fail "the daemon ran with both ports 0"
grep -q 'nothing to listen on' "$WORK/noport.out" || fail "no reason given: $(cat "$WORK/noport.out")"
ok "exit $rc: $(grep -o 'both HTTPPort.*' "$WORK/noport.out")"
echo "PASS: $TEST_NAME"
