#!/bin/bash
# tls_reload.sh: SIGHUP reloads the HTTPS certificate and key:
#
#  - after the files are replaced and SIGHUP sent, a new handshake
#    (openssl s_client) sees the new certificate's thumbprint, and pywinrm
#    works over it
#  - a connection kept alive from before the reload goes on: its next
#    request is answered on the same TLS session, with the old certificate
#  - a key that is not the certificate's, and a file that holds no
#    certificate, are refused with a log line naming the reason; the
#    certificate in use stays (new handshakes still see it), and the
#    daemon keeps serving
#  - a new CertificateFile name in the file waits for a restart (logged),
#    as winrmd.conf(5) says: the files the daemon started with are read
#  - a second reload while the first connection is still open: it goes on
#    with the first certificate; once it closes, new handshakes on both
#    listeners still work (the sanitizer build checks that what is freed
#    is no longer used, and that nothing leaks at exit)
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || missing_tool "openssl is not installed"

CRT=$WORK/winrmd.crt
KEY=$WORK/winrmd.key
OUT=$WORK/tls.out

# served_thumbprint: the SHA-1 thumbprint of what a new handshake presents
served_thumbprint() {
	with_timeout 15 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" \
	    </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha1 |
	    sed 's/.*=//; s/://g'
}
file_thumbprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'
}
# new_pair NAME: a fresh self-signed pair in $WORK/NAME.{crt,key}
new_pair() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" \
	    -out "$WORK/$1.crt" -days 2 -subj "/CN=winrmd reload $1" \
	    >/dev/null 2>&1 || hard_error "openssl: pair $1"
}
# install_pair CRT KEY: replaces the daemon's files (rename: atomic)
install_pair() {
	cp "$1" "$CRT.new" && cp "$2" "$KEY.new" && chmod 600 "$KEY.new" &&
	    mv -f "$CRT.new" "$CRT" && mv -f "$KEY.new" "$KEY" ||
	    hard_error "cannot replace the certificate files"
}

write_config "[Service]" "AllowUnencrypted = false"
start_daemon
old=$(file_thumbprint "$CRT")
[ -n "$old" ] || fail "no certificate was created"
[ "$(served_thumbprint)" = "$old" ] || fail "the served certificate is not $CRT"
ok "serving the created certificate $old"

envelope_file "$WORK/identify.xml" --identify
# a kept-alive HTTPS connection, driven line by line: each line read asks
# for one more Identify on the same connection; each answer line is
# "STATUS PEER-THUMBPRINT SOCKET-ID"
coproc KEEP { with_timeout 50 "$PY" -u -c '
import hashlib, http.client, ssl, sys
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
body = open(sys.argv[2], "rb").read()
hdrs = {"Content-Type": "application/soap+xml;charset=UTF-8",
        "WSMANIDENTIFY": "unauthenticated"}
for line in sys.stdin:
    c.request("POST", "/wsman", body, hdrs)
    r = c.getresponse()
    r.read()
    der = c.sock.getpeercert(binary_form=True)
    print(r.status, hashlib.sha1(der).hexdigest().upper(), id(c.sock), flush=True)
' "$HTTPS_PORT" "$WORK/identify.xml" 2>"$WORK/keep.err"; }
keep_ask() {	# one more request on the kept connection: its answer line
	local line
	echo go >&"${KEEP[1]}"
	read -r -t 20 line <&"${KEEP[0]}" || fail "the kept connection: no answer ($(cat "$WORK/keep.err"))"
	echo "$line"
}
first=$(keep_ask)
read -r st tp sock <<<"$first"
[ "$st" = 200 ] && [ "$tp" = "$old" ] || fail "kept connection, first request: $first"
ok "a connection kept alive: Identify 200 with $old"

say "new certificate and key, SIGHUP: new handshakes use them"
new_pair second
install_pair "$WORK/second.crt" "$WORK/second.key"
new=$(file_thumbprint "$CRT")
hup_and_wait "new handshakes use certificate $CRT, SHA-1 thumbprint $new" ||
    fail "no reload log line for $new: $(grep -E 'tls:|reload' "$DLOG" | tail -n 3)"
got=$(served_thumbprint)
[ "$got" = "$new" ] || fail "after the reload a new handshake sees $got, not $new"
ok "a new handshake sees $new"
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
    fail "pywinrm over the new certificate: $(tail -n 5 "$OUT")"
ok "pywinrm (Basic) over the new certificate"

line=$(keep_ask)
read -r st2 tp2 sock2 <<<"$line"
[ "$st2" = 200 ] || fail "the kept connection after the reload: $line"
[ "$sock2" = "$sock" ] || fail "the kept connection was reopened: $line"
[ "$tp2" = "$old" ] || fail "the kept connection's certificate changed: $line"
ok "the connection from before the reload goes on (same session, $old)"

say "a key that is not the certificate's: refused, the certificate in use stays"
new_pair third
install_pair "$WORK/third.crt" "$WORK/second.key"
hup_and_wait "is not the key of CertificateFile .*; the certificate in use stays" ||
    fail "no refusal logged: $(grep -E 'tls:|reload' "$DLOG" | tail -n 3)"
daemon_alive || fail "the daemon died on a mismatched key"
got=$(served_thumbprint)
[ "$got" = "$new" ] || fail "after a refused reload a new handshake sees $got, not $new"
ok "refused and logged; new handshakes still see $new"

say "a certificate file without a certificate: refused"
install_pair "$WORK/second.key" "$WORK/second.key"
hup_and_wait "holds no usable PEM certificate" ||
    fail "no refusal logged: $(grep -E 'tls:|reload' "$DLOG" | tail -n 3)"
[ "$(grep -c "the certificate in use stays" "$DLOG")" -ge 2 ] ||
    fail "the refusal does not say the old certificate stays"
got=$(served_thumbprint)
[ "$got" = "$new" ] || fail "after a refused reload a new handshake sees $got, not $new"
line=$(keep_ask)
read -r st3 tp3 sock3 <<<"$line"
[ "$st3" = 200 ] && [ "$sock3" = "$sock" ] ||
    fail "the kept connection after the refused reloads: $line"
ok "refused and logged; $new still served, the old connection still answered"

say "a third pair: the credentials of before are freed as their connections go"
new_pair fourth
install_pair "$WORK/fourth.crt" "$WORK/fourth.key"
third=$(file_thumbprint "$CRT")
hup_and_wait "new handshakes use certificate $CRT, SHA-1 thumbprint $third" ||
    fail "no reload log line for $third"
[ "$(served_thumbprint)" = "$third" ] || fail "a new handshake does not see $third"
line=$(keep_ask)
read -r st4 tp4 sock4 <<<"$line"
[ "$st4" = 200 ] && [ "$sock4" = "$sock" ] && [ "$tp4" = "$old" ] ||
    fail "the first connection after a second reload: $line"
# the first credentials stay while the connection that uses them is open,
# and the second with them (a connection may use newer credentials than
# those current when it began); once it goes, both are freed
grep -q "thumbprint $old is no longer used" "$DLOG" &&
    fail "the first certificate was freed while a connection uses it"
exec {KEEP[1]}>&-
wait "$KEEP_PID" 2>/dev/null
wait_log "thumbprint $old is no longer used: freed" 10 ||
    fail "the first certificate was not freed once its connection closed"
wait_log "thumbprint $new is no longer used: freed" 10 ||
    fail "the second certificate was not freed once its connections closed"
grep -q "thumbprint $third is no longer used" "$DLOG" &&
    fail "the certificate in use was freed"
for i in 1 2 3; do
	[ "$(served_thumbprint)" = "$third" ] || fail "handshake $i after the old connection closed"
done
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS6" ssl "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
    fail "pywinrm over IPv6 and the third certificate: $(tail -n 5 "$OUT")"
ok "$third served on both listeners; the connection from the start answered until it closed, then the first two certificates were freed"

say "CertificateFile renamed in the file: waits for a restart, as winrmd.conf(5) says"
new_pair fifth
cp "$CONF" "$WORK/conf.before"
write_config "[Service]" "AllowUnencrypted = false" \
    "[Listener]" "CertificateFile = $WORK/fifth.crt" "KeyFile = $WORK/fifth.key"
hup_and_wait "\[Listener\] CertificateFile changed; it takes effect at the next restart" ||
    fail "no restart warning for a new CertificateFile"
# the rest of the reload happens in the same turn of the daemon's loop,
# before it serves the next handshake
[ "$(served_thumbprint)" = "$third" ] ||
    fail "a renamed CertificateFile took effect on SIGHUP: $(served_thumbprint)"
ok "a new CertificateFile name waits for a restart: $CRT ($third) is still served"

stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
ok "clean stop"
