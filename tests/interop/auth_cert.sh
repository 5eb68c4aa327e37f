#!/bin/bash
# auth_cert.sh: client certificates (secprofile https/mutual) with
# pywinrm's `certificate' transport, against a throw-away CA made with
# openssl(1):
#
#  - a certificate with the UPN user@WINRMD.TEST, mapped by
#    "* = upn=*@WINRMD.TEST" -> Whoami names the user
#  - a certificate mapped by thumbprint to a second account
#  - refused with 401 and a log line, nothing dispatched: a certificate of
#    another CA, one without the clientAuth purpose, a mapped certificate
#    whose account does not exist, an unmapped one, the https/mutual header
#    without a certificate, and the header over plain HTTP
#  - Basic over HTTPS still works with Certificate = true (no client
#    certificate sent); Identify lists https/mutual
#  - Certificate = false: the same certificate gets 401
#  - an account expired (usermod -e 1) or locked (passwd -l) after its
#    certificate worked: its certificate gets 401, logged (PAM account
#    management and the lock are checked for every certificate login)
. "$(dirname "$0")/lib.sh"
. "$WRT_HERE/pki_lib.sh"

make_user USER2 PASS2
make_user XUSER XPASS		# to expire
make_user LUSER LPASS		# to lock

pki_ca ca
pki_ca otherca
pki_client upn ca "/CN=$TEST_USER" "$TEST_USER@WINRMD.TEST"
pki_client thumb ca "/CN=someone/O=winrmd test"
pki_client other otherca "/CN=$TEST_USER" "$TEST_USER@WINRMD.TEST"
pki_client nouser ca "/CN=nosuchuser" "nosuch$(wrt_rand 3)@WINRMD.TEST"
pki_client unmapped ca "/CN=$TEST_USER" "$TEST_USER@OTHER.TEST"
pki_client server ca "/CN=$TEST_USER" "$TEST_USER@WINRMD.TEST" serverAuth
pki_client expired ca "/CN=$XUSER" "$XUSER@WINRMD.TEST"
pki_client locked ca "/CN=$LUSER" "$LUSER@WINRMD.TEST"
ok "a CA, another CA and eight client certificates"

write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "Basic = true" "Certificate = true" "ClientCAFile = $PKI/ca.crt" \
    "[CertMapping]" "* = upn=*@WINRMD.TEST" \
    "$USER2 = thumbprint=$(pki_thumbprint thumb) | subject=CN=nobody"
start_daemon
OUT=$WORK/out.txt

cert_whoami() {	# cert_whoami CERTNAME [URL]: negotiate.py whoami, certificate transport
	with_timeout 60 "$PY" "$WRT_HERE/negotiate.py" whoami "${2:-$URL_HTTPS4}" \
	    certificate x x --cert "$PKI/$1.crt" "$PKI/$1.key" >"$OUT" 2>&1
}

say "pywinrm certificate: mapped by UPN (* = upn=*@WINRMD.TEST)"
cert_whoami upn || fail "certificate upn: $(tail -n 5 "$OUT")"
grep -q "^name=$TEST_USER uid=$TEST_UID encrypted=0\$" "$OUT" || fail "certificate upn: $(cat "$OUT")"
wait_log "auth: Certificate login of $TEST_USER from" 2 || fail "no Certificate login in the log"
cert_whoami upn "$URL_HTTPS6" || fail "certificate upn over IPv6: $(tail -n 5 "$OUT")"
ok "Whoami names $TEST_USER (IPv4 and IPv6)"

say "pywinrm certificate: mapped by thumbprint"
cert_whoami thumb || fail "certificate thumb: $(tail -n 5 "$OUT")"
grep -q "^name=$USER2 " "$OUT" || fail "certificate thumb: $(cat "$OUT")"
ok "Whoami names $USER2"
counters
dispatched0=$C_dispatched

say "refusals"
expect_cert_refused() {	# WHAT CERT LOGREGEX
	cert_whoami "$2"
	local rc=$?
	[ $rc = 3 ] || fail "$1: exit $rc, expected InvalidCredentialsError: $(tail -n 5 "$OUT")"
	wait_log "$3" 5 || fail "$1: no log line matching $3"
	ok "$1: 401, logged: $(grep -Eo -- "$3.*" "$DLOG" | tail -n 1 | cut -c1-150)"
}
expect_cert_refused "a certificate of another CA" other \
    "certificate login from 127\.0\.0\.1 refused: client certificate refused"
expect_cert_refused "a certificate without clientAuth" server \
    "certificate login from 127\.0\.0\.1 refused: client certificate refused"
expect_cert_refused "a mapped certificate of no local account" nouser \
    "Certificate login of nosuch[0-9a-f]+ from 127\.0\.0\.1 refused: no local account"
expect_cert_refused "an unmapped certificate" unmapped \
    "certificate login from 127\.0\.0\.1 refused: no \[CertMapping\] rule matches"
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
MUTUAL=http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -H "Authorization: $MUTUAL")
[ "$st" = 401 ] || fail "https/mutual without a certificate got $st"
wait_log "refused: no client certificate was sent" 2 || fail "no log line for a missing certificate"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -H "Authorization: $MUTUAL")
[ "$st" = 401 ] || fail "https/mutual over HTTP got $st"
wait_log "certificate login from 127\.0\.0\.1 refused: not over HTTPS" 2 || fail "no log line for https/mutual over HTTP"
ok "https/mutual without a certificate, and over HTTP: 401, logged"
counters
[ "$C_dispatched" = "$dispatched0" ] || fail "a refused certificate reached a plugin"
ok "nothing dispatched"

say "an account expired or locked after its certificate worked: 401"
for c in expired locked; do
	cert_whoami "$c" || fail "certificate $c before: $(tail -n 5 "$OUT")"
done
wrt_userdb usermod -e 1 "$XUSER" || hard_error "usermod -e 1 failed"
wrt_userdb passwd -q -l "$LUSER" || hard_error "passwd -l failed"
expect_cert_refused "the certificate of an expired account" expired \
    "Certificate login of $XUSER from 127\.0\.0\.1 refused: PAM: account"
expect_cert_refused "the certificate of a locked account" locked \
    "Certificate login of $LUSER from 127\.0\.0\.1 refused: the password of $LUSER is locked"
counters
[ "$C_dispatched" = $((dispatched0 + 2)) ] ||
    fail "dispatched $dispatched0 -> $C_dispatched: a refused certificate reached a plugin"

say "Basic over HTTPS still works (no client certificate); Identify lists https/mutual"
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
    fail "Basic over HTTPS with Certificate = true: $(tail -n 5 "$OUT")"
envelope_file "$WORK/identify.xml" --identify
st=$(post "$URL_HTTPS4" "$WORK/identify.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 200 ] || fail "Identify with Basic got $st"
grep -q "secprofile/https/mutual<" "$RESP_BODY" || fail "Identify lacks https/mutual: $(cat "$RESP_BODY")"
ok "Basic 200; Identify lists https/mutual"
stop_daemon

say "Certificate = false: the same certificate gets 401"
write_config "[Auth]" "Certificate = false" \
    "[CertMapping]" "* = upn=*@WINRMD.TEST"
start_daemon
cert_whoami upn
[ $? = 3 ] || fail "Certificate = false: $(tail -n 5 "$OUT")"
wait_log "refused: \[Auth\] Certificate is false" 2 || fail "not logged"
ok "401, logged"
stop_daemon

say "Certificate = true without ClientCAFile: the daemon does not start"
write_config "[Auth]" "Certificate = true"
"$WINRMD" -f -c "$CONF" >"$WORK/noca.log" 2>&1 </dev/null &
pid=$!
for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then
	kill $pid
	fail "the daemon runs without ClientCAFile"
fi
grep -q "needs ClientCAFile" "$WORK/noca.log" || fail "no message: $(cat "$WORK/noca.log")"
ok "refused to start: $(grep -o 'http: .*ClientCAFile.*' "$WORK/noca.log")"
echo "PASS: $TEST_NAME"
