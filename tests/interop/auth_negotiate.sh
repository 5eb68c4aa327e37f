#!/bin/bash
# auth_negotiate.sh: Negotiate (NTLM and Kerberos through GSSAPI), message
# encryption and channel binding, with a throw-away KDC (krb5_setup.sh)
# and an NTLM user file made by `winrmd --ntlm-passwd'.
#
#  - the 401s offer Negotiate and Kerberos (HTTP: no Basic), Identify
#    lists the spnego-kerberos profiles
#  - pywinrm ntlm over HTTP: sealed (encrypted=1), several requests on the
#    connection without Authorization; "DOMAIN\user" and "COMPUTER\user" too;
#    pending operations (suspended, resumed) get sealed replies in order
#  - pywinrm ntlm over HTTPS: channel-bound (requests_ntlm sends CBT)
#  - pywinrm kerberos over HTTPS with mutual authentication; over HTTP it
#    cannot seal: refused while AllowUnencrypted = false
#  - python-gssapi: raw Kerberos and SPNEGO(Kerberos), sealed with
#    gss_wrap_iov over HTTP; a replayed AP-REQ -> 401
#  - refusals (401, logged, nothing dispatched): wrong NTLM password,
#    unknown user, wrong domain, an NTLM or Kerberos name without a local
#    account, an expired ticket, channel bindings of another certificate,
#    a 60 KiB token (it reaches GSSAPI; 120 KiB of headers get 431)
#  - damaged sealed bodies (truncated, corrupted, bad signature, Length too
#    long or short, signature length, no closing boundary) -> 400, logged,
#    connection closed, nothing dispatched, the daemon unharmed
#  - AllowUnencrypted = true: pywinrm kerberos over HTTP in plaintext
#  - CbtHardeningLevel = Strict: NTLM with CBT passes, Kerberos (pykerberos
#    sends none) is refused; Negotiate = false: only Kerberos is offered
#  - account policy, as for Basic: an account expired (usermod -e 1) or
#    locked (passwd -l) is refused for NTLM and for Kerberos logins, and
#    on a connection authenticated before: for a new shell at once, for
#    any request after AccountCheckSeconds
[ "${WRT_TEST_TIMEOUT:-0}" -ge 180 ] 2>/dev/null || export WRT_TEST_TIMEOUT=180
. "$(dirname "$0")/lib.sh"
. "$WRT_HERE/negotiate_lib.sh"
nego_require

KPASS="Kp-$(wrt_rand 8).x"
GHOST_KPASS="Gk-$(wrt_rand 6)"		# ghost: a principal, no local account
GHOST_NPASS="Gn-$(wrt_rand 6)"		# ... and an NTLM line
# accounts to expire (X), lock (L) and lock on an open connection (B)
make_user XUSER XPASS
make_user LUSER LPASS
make_user BUSER BPASS
nego_krb5_start "$TEST_USER" "$KPASS" ghost "$GHOST_KPASS" \
    "$XUSER" "$XPASS" "$LUSER" "$LPASS" "$BUSER" "$BPASS"
# no 5-minute grace for expired tickets (the daemon reads this file too)
sed -i 's/^\[libdefaults\]$/[libdefaults]\n  clockskew = 1/' "$KRB5_CONFIG"

base_config() {
	write_config "[Service]" "AllowUnencrypted = false" \
	    "[Auth]" "Basic = true" "Keytab = $KEYTAB" "NTLMUserFile = $NTLM_FILE" \
	    "NetBIOSDomain = WINRMD" "NetBIOSComputer = WRTHOST" "$@"
}
base_config
nego_ntlm_user "$TEST_USER" "$TEST_PASS"
nego_ntlm_user ghost "$GHOST_NPASS" 2>/dev/null
for u in "$XUSER:$XPASS" "$LUSER:$LPASS" "$BUSER:$BPASS"; do
	nego_ntlm_user "${u%%:*}" "${u#*:}"
done
grep -q "^WINRMD\\\\$TEST_USER:[0-9]*:X\{32\}:[0-9A-F]\{32\}:" "$NTLM_FILE" ||
    fail "--ntlm-passwd wrote no WINRMD\\$TEST_USER line with an NT hash: $(cat "$NTLM_FILE")"
grep -q "^WRTHOST\\\\$TEST_USER:" "$NTLM_FILE" || fail "no WRTHOST\\$TEST_USER line"
[ "$(stat -c %a "$NTLM_FILE")" = 600 ] || fail "$NTLM_FILE is not mode 0600"
grep -q "$TEST_PASS" "$NTLM_FILE" && fail "the NTLM file holds the password"
ok "--ntlm-passwd: NT hashes, one line per NetBIOS name, mode 0600"
start_daemon
wait_log 'negotiate: acceptor ready: Kerberos NTLM SPNEGO' 2 ||
    fail "the acceptor is not ready for Kerberos, NTLM and SPNEGO"

envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
URL_HTTPL=http://localhost:$HTTP_PORT/wsman
URL_HTTPSL=https://localhost:$HTTPS_PORT/wsman
OUT=$WORK/out.txt

# expect_whoami WHAT EXPECTED-ENCRYPTED ARGS...: negotiate.py whoami
expect_whoami() {
	local what=$1 enc=$2
	shift 2
	nego_py whoami "$@" >"$OUT" 2>&1 || fail "$what: exit $?: $(tail -n 5 "$OUT")"
	grep -q "^name=$TEST_USER uid=$TEST_UID encrypted=$enc\$" "$OUT" ||
	    fail "$what: $(cat "$OUT")"
}

# expect_refused WHAT LOGREGEX ARGS...: InvalidCredentialsError and a log line
expect_refused() {
	local what=$1 re=$2 rc
	shift 2
	nego_py whoami "$@" >"$OUT" 2>&1
	rc=$?
	[ $rc = 3 ] || fail "$what: exit $rc, expected InvalidCredentialsError: $(tail -n 5 "$OUT")"
	wait_log "$re" 5 || fail "$what: no log line matching $re"
	ok "$what: 401, logged: $(grep -Eo -- "$re.*" "$DLOG" | tail -n 1 | cut -c1-160)"
}

say "401s: Negotiate and Kerberos offered; Basic only on HTTPS"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml")
[ "$st" = 401 ] || fail "no credentials over HTTP got $st"
www=$(tr -d '\r' <"$RESP_HDRS" | grep -i '^WWW-Authenticate:' | cut -d' ' -f2- | paste -sd,)
[ "$www" = "Negotiate,Kerberos" ] || fail "HTTP 401 offers \"$www\""
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml")
[ "$st" = 401 ] || fail "no credentials over HTTPS got $st"
www2=$(tr -d '\r' <"$RESP_HDRS" | grep -i '^WWW-Authenticate:' | cut -d' ' -f2- | paste -sd'|')
[ "$www2" = 'Basic realm="WSMAN"|Negotiate|Kerberos' ] || fail "HTTPS 401 offers \"$www2\""
ok "HTTP: $www; HTTPS: $www2"

say "pywinrm ntlm over HTTP: sealed, three requests on one connection"
expect_whoami "pywinrm ntlm http" 1 "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS" --count 3
[ "$(grep -c "^name=$TEST_USER" "$OUT")" = 3 ] || fail "not three replies: $(cat "$OUT")"
grep -Eq "auth: Negotiate handshake of $TEST_USER \(NTLM\) from 127\.0\.0\.1:[0-9]+ complete, sealing" "$DLOG" ||
    fail "the log has no sealing NTLM handshake"
nhs=$(grep -c "auth: NTLM login of $TEST_USER" "$DLOG")
[ "$nhs" = 1 ] || fail "$nhs NTLM logins for one session, expected 1 (the connection stays authenticated)"
ok "3 sealed Whoami, one handshake"
for u in "WINRMD\\$TEST_USER" "wrthost\\$TEST_USER" "$(echo "$TEST_USER" | tr a-z A-Z)"; do
	expect_whoami "pywinrm ntlm as $u" 1 "$URL_HTTP6" ntlm "$u" "$TEST_PASS"
done
ok "as WINRMD\\user, wrthost\\user and in upper case (IPv6)"
nego_py whoami "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS" --count 3 --delay-ms 300 >"$OUT" 2>&1 ||
    fail "sealed Delay: $(tail -n 5 "$OUT")"
[ "$(grep -c '^waited=True encrypted=1$' "$OUT")" = 3 ] || fail "sealed Delay: $(cat "$OUT")"
ok "3 pending operations (Delay 300 ms): suspended, resumed, replies sealed in order"

say "pywinrm ntlm over HTTPS: channel binding"
expect_whoami "pywinrm ntlm https" 0 "$URL_HTTPS4" ntlm "$TEST_USER" "$TEST_PASS" --count 2
wait_log "auth: Negotiate handshake of $TEST_USER \(NTLM\) .* complete, channel-bound" 2 ||
    fail "the NTLM handshake over HTTPS was not channel-bound"
ok "channel-bound, plaintext inside TLS"

say "pywinrm kerberos over HTTPS, mutual authentication"
nego_kinit "$TEST_USER" "$KPASS"
expect_whoami "pywinrm kerberos https" 0 "$URL_HTTPSL" kerberos "$TEST_USER@WINRMD.TEST" "" --count 2
wait_log "auth: Kerberos login of $TEST_USER" 2 || fail "no Kerberos login in the log"
ok "two Whoami; pywinrm checked the AP-REP (mutual authentication)"

say "pywinrm kerberos over HTTP cannot seal: refused (AllowUnencrypted = false)"
expect_refused "pywinrm kerberos http" "unsealed request from .* \(Kerberos\) over HTTP refused: AllowUnencrypted is false" \
    "$URL_HTTPL" kerberos "$TEST_USER@WINRMD.TEST" ""

say "python-gssapi: Kerberos and SPNEGO(Kerberos), sealed with gss_wrap_iov over HTTP"
for spnego in "" --spnego; do
	nego_py gss "$URL_HTTPL" $spnego --count 3 >"$OUT" 2>&1 ||
	    fail "gss $spnego: $(tail -n 5 "$OUT")"
	[ "$(grep -c "^name=$TEST_USER sealed=1 siglen=60" "$OUT")" = 3 ] ||
	    fail "gss $spnego: $(cat "$OUT")"
done
ok "3 + 3 sealed Whoami (60-byte wrap headers), replies unsealed by the client"
nego_py gss "$URL_HTTPL" --replay >"$OUT" 2>&1 || fail "gss --replay: $(cat "$OUT")"
grep -q '^replay: status=401' "$OUT" || fail "a replayed AP-REQ: $(cat "$OUT")"
wait_log "refused: gss_accept_sec_context: .*replay" 5 || fail "the replay is not logged as such"
ok "a replayed AP-REQ: 401, logged"

counters
dispatched0=$C_dispatched

say "refusals"
expect_refused "wrong NTLM password" "auth: Negotiate from 127\.0\.0\.1 refused: gss_accept_sec_context" \
    "$URL_HTTP4" ntlm "$TEST_USER" "x$TEST_PASS"
expect_refused "unknown NTLM user" "auth: Negotiate from 127\.0\.0\.1 refused" \
    "$URL_HTTP4" ntlm "nobody$(wrt_rand 3)" "$TEST_PASS"
expect_refused "another NTLM domain" "auth: Negotiate from 127\.0\.0\.1 refused" \
    "$URL_HTTP4" ntlm "OTHERDOM\\$TEST_USER" "$TEST_PASS"
expect_refused "an NTLM user without a local account" "NTLM login of ghost from 127\.0\.0\.1 refused: no local account ghost" \
    "$URL_HTTP4" ntlm ghost "$GHOST_NPASS"
nego_kinit ghost "$GHOST_KPASS"
expect_refused "a Kerberos principal without a local account" "Kerberos login of ghost from 127\.0\.0\.1 refused: no local account ghost" \
    "$URL_HTTPSL" kerberos ghost@WINRMD.TEST ""
export KRB5CCNAME=FILE:$KRB5DIR/cc.short
echo "$KPASS" | with_timeout 20 kinit -l 3s "$TEST_USER@WINRMD.TEST" >/dev/null ||
    hard_error "kinit -l 3s failed"
nego_py gss "$URL_HTTPL" --delay 5 >"$OUT" 2>&1
grep -q '^handshake: status 401' "$OUT" || fail "an expired ticket: $(cat "$OUT")"
wait_log "refused: gss_accept_sec_context: .*Ticket expired" 5 || fail "the expired ticket is not logged"
ok "an expired Kerberos ticket: 401, logged"
nego_py wrongcbt "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1
grep -q '^status=401' "$OUT" || fail "channel bindings of another certificate: $(cat "$OUT")"
wait_log "auth: Negotiate from 127\.0\.0\.1 refused: gss_accept_sec_context: .*Invalid token" 5 ||
    fail "the wrong channel binding is not logged"
ok "channel bindings of another certificate (a relay): 401, logged"
# a Kerberos ticket with a big PAC: the token is up to 64 KiB of base64
tok=$(head -c 46080 /dev/urandom | base64 -w0)	# 61440 characters: 60 KiB
[ ${#tok} = 61440 ] || hard_error "the 60 KiB token has ${#tok} characters"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -H "Authorization: Negotiate $tok")
[ "$st" = 401 ] || fail "a 60 KiB Negotiate token got $st, expected 401 from GSSAPI (431: the headers did not fit)"
wait_log "auth: Negotiate from 127\.0\.0\.1 refused: gss_accept_sec_context: Invalid token" 5 ||
    fail "the 60 KiB token did not reach GSSAPI"
ok "a 60 KiB Negotiate token reaches gss_accept_sec_context: 401, logged"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -H "Authorization: Negotiate $tok$tok")
[ "$st" = 431 ] || fail "120 KiB of headers got $st, expected 431 (the per-connection bound)"
ok "120 KiB of headers: 431"
counters
[ "$C_dispatched" = "$dispatched0" ] || fail "a refused login reached a plugin (dispatched $dispatched0 -> $C_dispatched)"
ok "nothing dispatched"

say "damaged sealed bodies -> 400, logged, connection closed"
for mode in truncated corrupted badsig longlength shortlength siglen noboundary; do
	nego_py tamper "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$mode" >"$OUT" 2>&1 ||
	    fail "tamper $mode: $(tail -n 5 "$OUT")"
	grep -q '^status=400 connection=close body=0$' "$OUT" || fail "tamper $mode: $(cat "$OUT")"
done
[ "$(grep -c 'negotiate: malformed sealed body from\|negotiate: cannot unseal the body from' "$DLOG")" -ge 7 ] ||
    fail "the damaged bodies are not all logged"
nego_py tamper "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" plaintext >"$OUT" 2>&1
grep -q '^status=401' "$OUT" || fail "plaintext on a sealing connection over HTTP: $(cat "$OUT")"
counters
# one good Whoami per tamper run (8), nothing of the damaged ones
[ "$C_dispatched" = $((dispatched0 + 8)) ] ||
    fail "dispatched $dispatched0 -> $C_dispatched, expected +8 (the good request of each run)"
daemon_alive || fail "the daemon died"
expect_whoami "pywinrm ntlm after the damage" 1 "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS"
ok "7 x 400 + a plaintext 401, only the 8 good requests dispatched, the daemon still serves"

say "Identify (authenticated by NTLM): the spnego-kerberos profiles"
OPENSSL_CONF=$WORK/openssl-legacy.cnf with_timeout 30 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "Identify over NTLM: see above"
import sys, winrm, wsman
url, user, pw = sys.argv[1:4]
p = winrm.Protocol(url, transport="ntlm", username=user, password=pw)
r = p.send_message(wsman.identify_envelope().decode())
r = r if isinstance(r, bytes) else r.encode()
for prof in ("http/spnego-kerberos", "https/spnego-kerberos", "https/basic"):
    if (wsman.SECPROFILE + prof).encode() not in r:
        sys.exit("Identify lacks %s: %r" % (prof, r[:800]))
if b"https/mutual" in r:
    sys.exit("Identify lists https/mutual while Certificate = false")
print("   SecurityProfiles: http/spnego-kerberos https/spnego-kerberos https/basic")
EOF
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

# --------------------------------------------- AllowUnencrypted = true
say "AllowUnencrypted = true: pywinrm kerberos over HTTP in plaintext"
base_config "[Service]" "AllowUnencrypted = true"
start_daemon
nego_kinit "$TEST_USER" "$KPASS"
expect_whoami "pywinrm kerberos http plaintext" 0 "$URL_HTTPL" kerberos "$TEST_USER@WINRMD.TEST" "" --count 2
expect_whoami "pywinrm ntlm http (still sealed)" 1 "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS"
ok "Kerberos plaintext over HTTP; NTLM still sealed"
stop_daemon

# --------------------------------------------- CbtHardeningLevel = Strict
say "CbtHardeningLevel = Strict"
base_config "[Auth]" "CbtHardeningLevel = Strict"
start_daemon
expect_whoami "pywinrm ntlm https, Strict" 0 "$URL_HTTPS4" ntlm "$TEST_USER" "$TEST_PASS"
nego_kinit "$TEST_USER" "$KPASS"
expect_refused "pywinrm kerberos https (no CBT), Strict" \
    "sent no channel binding \(CbtHardeningLevel = Strict\)" \
    "$URL_HTTPSL" kerberos "$TEST_USER@WINRMD.TEST" ""
expect_whoami "pywinrm ntlm http, Strict (no TLS, no binding)" 1 "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS"
stop_daemon

# ----------------------------------------------------- Negotiate = false
say "Negotiate = false, Kerberos = true: only Kerberos is offered"
base_config "[Auth]" "Negotiate = false"
start_daemon
st=$(post "$URL_HTTP4" "$WORK/whoami.xml")
www=$(tr -d '\r' <"$RESP_HDRS" | grep -i '^WWW-Authenticate:' | cut -d' ' -f2- | paste -sd,)
[ "$www" = "Kerberos" ] || fail "Negotiate = false: the 401 offers \"$www\""
nego_py whoami "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1
[ $? = 3 ] || fail "pywinrm ntlm with Negotiate = false: $(tail -n 3 "$OUT")"
# pywinrm's NTLM NEGOTIATE message (shared vectors), sent anyway
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -H "Authorization: Negotiate TlRMTVNTUAABAAAAMpCI4gAAAAAoAAAAAAAAACgAAAAGAbEdAAAADw==")
[ "$st" = 401 ] || fail "an NTLM token with Negotiate = false got $st"
wait_log "auth: Negotiate from 127\.0\.0\.1 refused: Negotiate is off" 5 ||
    fail "the refused Negotiate token is not logged"
ok "pywinrm ntlm: InvalidCredentialsError; a Negotiate token: 401, logged"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

# ---------------------------------------- expired and locked accounts
say "accounts expired or locked: refused for NTLM and Kerberos, as for Basic"
base_config "[Auth]" "AccountCheckSeconds = 2" "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
# lockout WHAT USER PASSWORD COMMAND URL TRANSPORT [args]: negotiate.py
# lockout (a shell, COMMAND, then a shell again on the same session)
lockout() {
	local what=$1 user=$2 pass=$3 cmd=$4 url=$5 transport=$6
	shift 6
	nego_py lockout "$url" "$transport" "$user" "$pass" \
	    "flock -w 30 $WRT_LOCK $cmd" "$@" >"$OUT" 2>&1 ||
	    fail "$what: $(tail -n 5 "$OUT")"
	grep -q '^before=ok$' "$OUT" || fail "$what: the first shell: $(cat "$OUT")"
	grep -q '^after=refused' "$OUT" || fail "$what: not refused after $cmd: $(cat "$OUT")"
}
nego_kinit "$XUSER" "$XPASS"
lockout "Kerberos, then usermod -e 1" "$XUSER@WINRMD.TEST" "" \
    "usermod -e 1 $XUSER" "$URL_HTTPSL" kerberos
wait_log "Kerberos login of $XUSER from 127\.0\.0\.1 refused.*: PAM: account" 5 ||
    fail "the expired account's Kerberos login is not refused by PAM in the log"
ok "Kerberos: a shell, usermod -e 1, then a new shell refused: $(grep -o "Kerberos login of $XUSER from [^ ]* refused.*" "$DLOG" | head -n 1)"
expect_refused "Kerberos login of the expired account" \
    "Kerberos login of $XUSER from 127\.0\.0\.1 refused: PAM: account" \
    "$URL_HTTPSL" kerberos "$XUSER@WINRMD.TEST" ""
expect_refused "NTLM login of the expired account" \
    "NTLM login of $XUSER from 127\.0\.0\.1 refused: PAM: account" \
    "$URL_HTTP4" ntlm "$XUSER" "$XPASS"
lockout "NTLM, then passwd -l" "$LUSER" "$LPASS" "passwd -l $LUSER" \
    "$URL_HTTP4" ntlm
wait_log "NTLM login of $LUSER from 127\.0\.0\.1 refused when its account was checked again: the password of $LUSER is locked" 5 ||
    fail "the locked account is not refused on its NTLM connection"
ok "NTLM: a shell, passwd -l, then a new shell on the same connection refused"
expect_refused "NTLM login of the locked account" \
    "NTLM login of $LUSER from 127\.0\.0\.1 refused: the password of $LUSER is locked" \
    "$URL_HTTP4" ntlm "$LUSER" "$LPASS"
nego_kinit "$LUSER" "$LPASS"
expect_refused "Kerberos login of the locked account" \
    "Kerberos login of $LUSER from 127\.0\.0\.1 refused: the password of $LUSER is locked" \
    "$URL_HTTPSL" kerberos "$LUSER@WINRMD.TEST" ""
say "AccountCheckSeconds = 2: a Whoami on an NTLM connection 2.5 s after passwd -l"
lockout "NTLM Whoami after AccountCheckSeconds" "$BUSER" "$BPASS" \
    "passwd -l $BUSER" "$URL_HTTP4" ntlm --whoami --wait 2.5
wait_log "NTLM login of $BUSER from 127\.0\.0\.1 refused when its account was checked again: the password of $BUSER is locked" 5 ||
    fail "the locked account's connection was not checked again"
ok "refused, logged"
expect_whoami "pywinrm ntlm of an account in good standing" 1 "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
