#!/bin/bash
# auth_basic.sh: Basic authentication with PAM, driven by pywinrm's own
# transport (docs/PROTOCOL.md Part A §2) and by raw HTTP/1.1 (docs/SECURITY.md §4.1).
#
#  - pywinrm 'ssl' (Basic over HTTPS) -> the Whoami names the user and uid;
#    a second request does not call PAM again (the cache)
#  - pywinrm 'plaintext' with AllowUnencrypted = false -> 401, logged why;
#    with AllowUnencrypted = true -> works
#  - a wrong password -> 401 + WWW-Authenticate after PAM's failure delay
#  - a uid-0 account -> 401 while PermitRoot = false
#  - AllowedGroups: not a member -> 401; a member -> 200
#  - keep-alive: Basic is per request, never per connection
#  - log injection: a user name with a newline and ESC is logged on one
#    line, escaped (\x0a, \x1b); no forged line, no raw control byte
#  - a login remembered by the cache, then the account locked (passwd -l)
#    or expired (usermod -e 1): a new shell is refused (the account is
#    checked again for every Create); with AccountCheckSeconds = 1 any
#    request is refused a second later
# five daemon starts and PAM's failure delays: about 30 s on a quiet machine,
# twice that on a loaded one; the watchdog is for hangs
WRT_TEST_TIMEOUT=90
. "$(dirname "$0")/lib.sh"

WHOAMI_OUT=$WORK/pywinrm.out

# pywinrm_whoami URL TRANSPORT USER PASSWORD: 0 ok (reply in WHOAMI_OUT),
# 3 InvalidCredentialsError, other: failure
pywinrm_whoami() {
	with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$@" >"$WHOAMI_OUT" 2>&1
}

expect_whoami() {	# expect_whoami WHAT USER UID
	local name uid
	name=$(xpath "$WHOAMI_OUT" ".//t:Whoami/t:Name") ||
	    fail "$1: no t:Name in the reply: $(head -c 500 "$WHOAMI_OUT")"
	uid=$(xpath "$WHOAMI_OUT" ".//t:Whoami/t:Uid") || fail "$1: no t:Uid"
	[ "$name" = "$2" ] || fail "$1: the reply names \"$name\", expected $2"
	[ "$uid" = "$3" ] || fail "$1: the reply has uid $uid, expected $3"
}

# ------------------------------------------------ phase 1: the defaults
write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "Basic = true" "PermitRoot = false" "BasicCacheSeconds = 60"
start_daemon

say "pywinrm transport='ssl' (Basic over HTTPS): Whoami twice"
for i in 1 2; do
	pywinrm_whoami "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" ||
	    fail "pywinrm ssl request $i failed: $(cat "$WHOAMI_OUT")"
	expect_whoami "pywinrm ssl request $i" "$TEST_USER" "$TEST_UID"
done
ok "the reply names $TEST_USER, uid $TEST_UID"
counters
[ "$C_dispatched" = 2 ] || fail "dispatched=$C_dispatched after two Whoami, expected 2"
[ "$C_pam" = 1 ] || fail "pam=$C_pam after two successful logins with the same credentials, expected 1"
ok "two successful requests, one PAM call (pam=1)"

say "pywinrm transport='plaintext' with AllowUnencrypted = false"
pywinrm_whoami "$URL_HTTP4" plaintext "$TEST_USER" "$TEST_PASS"
rc=$?
[ $rc = 3 ] || fail "pywinrm plaintext: exit $rc, expected InvalidCredentialsError: $(cat "$WHOAMI_OUT")"
grep -q 'InvalidCredentialsError' "$WHOAMI_OUT" || fail "no InvalidCredentialsError"
wait_log 'Basic over plain HTTP from 127\.0\.0\.1 refused: AllowUnencrypted is false' 2 ||
    fail "the log does not say why Basic over HTTP was refused"
ok "InvalidCredentialsError; the log: $(grep -o 'Basic over plain HTTP.*' "$DLOG" | head -n 1)"

say "wrong password -> 401 with WWW-Authenticate, after PAM's failure delay"
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
t0=$(date +%s%N)
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -u "$TEST_USER:wrong-$TEST_PASS")
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$st" = 401 ] || fail "a wrong password got $st, expected 401"
[ "$(resp_header WWW-Authenticate)" = 'Basic realm="WSMAN"' ] ||
    fail "the 401 lacks WWW-Authenticate: Basic realm=\"WSMAN\""
[ -s "$RESP_BODY" ] && fail "the 401 has a body"
# pam_unix asks for a 2 s delay (libpam randomises it by up to 25%);
# the daemon caps delays at 5 s
[ "$ms" -ge 1000 ] || fail "a wrong password was refused after $ms ms: no failure delay"
[ "$ms" -le 6000 ] || fail "a wrong password took $ms ms (more than the 5 s cap)"
wait_log "Basic login of $TEST_USER from 127\.0\.0\.1 refused: PAM" 2 ||
    fail "the log does not say why the wrong password was refused"
ok "401 after $ms ms, WWW-Authenticate present, logged"
pywinrm_whoami "$URL_HTTPS4" ssl "$TEST_USER" "x$TEST_PASS"
[ $? = 3 ] || fail "pywinrm with a wrong password: not InvalidCredentialsError"
ok "pywinrm with a wrong password: InvalidCredentialsError"

say "log injection: a user name with a newline and ESC"
# "evil<LF>winrmd[notice] auth forged<ESC>[31m" as the user name (no colon:
# Basic splits there)
evil=$(printf 'evil\nwinrmd[notice] auth forged\033[31m:pw' | base64 -w0)
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -H "Authorization: Basic $evil")
[ "$st" = 401 ] || fail "the forged user name got $st"
wait_log 'forged' 5 || fail "the refused login is not logged"
grep -q "$(printf '\033')" "$DLOG" && fail "a raw ESC reached the log: $(grep -n "$(printf '\033')" "$DLOG" | cat -v)"
grep -q '^winrmd\[notice\] auth forged' "$DLOG" && fail "the user name forged a log line: $(grep -n -B1 '^winrmd.notice. auth forged' "$DLOG" | cat -v)"
nf=$(grep -c 'forged' "$DLOG")
ne=$(grep -c 'evil\\x0awinrmd\[notice\] auth forged\\x1b\[31m' "$DLOG")
[ "$nf" -ge 2 ] && [ "$nf" = "$ne" ] ||
    fail "the name is not escaped on one line ($nf lines name it, $ne escaped): $(grep -n 'forged' "$DLOG" | cat -v)"
ok "one line per message, escaped: $(grep -o 'Basic login of evil[^ ]*' "$DLOG" | head -n 1)"

say "an account with uid 0 (PermitRoot = false) -> 401"
make_user ROOT_USER ROOT_PASS -o -u 0 -M -d "/nonexistent-$TEST_NAME"
[ "$(id -u "$ROOT_USER")" = 0 ] || hard_error "$ROOT_USER does not have uid 0"
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -u "$ROOT_USER:$ROOT_PASS")
[ "$st" = 401 ] || fail "uid-0 account $ROOT_USER got $st, expected 401"
grep -q "<t:Uid>0<" "$RESP_BODY" && fail "a Whoami ran as uid 0"
wait_log "$ROOT_USER is root and PermitRoot is false" 2 ||
    fail "the log does not say that $ROOT_USER was refused for being root"
pywinrm_whoami "$URL_HTTPS6" ssl "$ROOT_USER" "$ROOT_PASS"
[ $? = 3 ] || fail "pywinrm as $ROOT_USER: not InvalidCredentialsError: $(cat "$WHOAMI_OUT")"
ok "401 (PAM accepted the password; the daemon refused uid 0), over IPv4 and IPv6"

say "keep-alive: request 1 with Basic, request 2 on the same connection without"
"$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "keep-alive: see above"
import sys, wsman
url, user, pw = sys.argv[1:4]
c = wsman.Connection(url, timeout=15)
port = c.local_port
r1 = c.post(wsman.whoami_envelope(), user=user, password=pw)
if r1.status != 200 or r1.text(".//t:Name") != user:
    sys.exit("request 1 (Basic) got %d: %r" % (r1.status, r1.body[:300]))
if (r1.header("Connection") or "").lower() == "close":
    sys.exit("the server closed the connection after request 1")
print("   request 1 with Basic: 200 (%s)" % user)
r2 = c.post(wsman.whoami_envelope())
if c.local_port != port:
    sys.exit("request 2 went out on another connection")
if r2.status != 401:
    sys.exit("request 2 without Authorization on the authenticated "
             "connection got %d: %r" % (r2.status, r2.body[:300]))
if r2.body:
    sys.exit("the 401 has a body")
if r2.header("WWW-Authenticate") != 'Basic realm="WSMAN"':
    sys.exit("the 401 lacks WWW-Authenticate")
print("   request 2 without Authorization, same connection: 401")
if (r2.header("Connection") or "").lower() != "close":
    r3 = c.post(wsman.whoami_envelope(), user=user, password=pw)
    if r3.status != 200:
        sys.exit("request 3 with Basic again got %d" % r3.status)
    print("   request 3 with Basic again, same connection: 200")
c.close()
EOF
ok "Basic is per request"
counters
[ "$C_dispatched" = 4 ] || fail "dispatched=$C_dispatched, expected 4 (2 pywinrm + 2 keep-alive)"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

# ------------------------------------------ phase 2: AllowUnencrypted = true
say "AllowUnencrypted = true: pywinrm transport='plaintext' over HTTP works"
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "PermitRoot = false"
start_daemon
for url in "$URL_HTTP4" "$URL_HTTP6"; do
	pywinrm_whoami "$url" plaintext "$TEST_USER" "$TEST_PASS" ||
	    fail "pywinrm plaintext on $url failed: $(cat "$WHOAMI_OUT")"
	expect_whoami "pywinrm plaintext $url" "$TEST_USER" "$TEST_UID"
done
ok "Whoami over HTTP, IPv4 and IPv6, names $TEST_USER"
st=$(post "$URL_HTTP4" "$WORK/whoami.xml" -u "$ROOT_USER:$ROOT_PASS")
[ "$st" = 401 ] || fail "uid 0 over HTTP got $st, expected 401"
ok "uid 0 still refused"
stop_daemon

# ------------------------------------------------- phase 3: AllowedGroups
make_group GROUP
say "AllowedGroups = $GROUP (the user is not a member) -> 401"
write_config "[Auth]" "AllowedGroups = $GROUP"
start_daemon
pywinrm_whoami "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS"
rc=$?
[ $rc = 3 ] || fail "a non-member of AllowedGroups: exit $rc, expected InvalidCredentialsError: $(cat "$WHOAMI_OUT")"
st=$(post "$URL_HTTPS6" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 401 ] || fail "a non-member of AllowedGroups got $st"
[ "$(resp_header WWW-Authenticate)" = 'Basic realm="WSMAN"' ] || fail "no WWW-Authenticate"
wait_log "$TEST_USER is in none of AllowedGroups" 2 ||
    fail "the log does not say the user is in none of AllowedGroups"
ok "401, logged"

say "the user joins $GROUP -> 200 (no restart: groups are read at login)"
wrt_userdb gpasswd -a "$TEST_USER" "$GROUP" >/dev/null || hard_error "gpasswd -a failed"
pywinrm_whoami "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" ||
    fail "a member of AllowedGroups failed: $(cat "$WHOAMI_OUT")"
expect_whoami "member of $GROUP" "$TEST_USER" "$TEST_UID"
ok "200"
counters
[ "$C_dispatched" = 1 ] || fail "dispatched=$C_dispatched, expected 1"
stop_daemon

say "AllowedGroups = a group that does not exist and $GROUP -> 200"
write_config "[Auth]" "AllowedGroups = wrt-no-such-group, $GROUP"
start_daemon
pywinrm_whoami "$URL_HTTPS6" ssl "$TEST_USER" "$TEST_PASS" ||
    fail "a member of the second AllowedGroups entry failed: $(cat "$WHOAMI_OUT")"
expect_whoami "member of the second group" "$TEST_USER" "$TEST_UID"
ok "200"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

# ------------------------------- phase 4: accounts locked after a login
make_user LOCK_USER LOCK_PASS
make_user EXP_USER EXP_PASS
make_user BOUND_USER BOUND_PASS
# lockout USER PASSWORD COMMAND [args]: negotiate.py lockout, Basic over HTTPS
lockout() {
	with_timeout 60 "$PY" "$WRT_HERE/negotiate.py" lockout "$URL_HTTPS4" ssl \
	    "$1" "$2" "flock -w 30 $WRT_LOCK $3" "${@:4}" >"$WHOAMI_OUT" 2>&1 ||
	    fail "lockout $1: $(tail -n 5 "$WHOAMI_OUT")"
	grep -q '^before=ok$' "$WHOAMI_OUT" || fail "lockout $1: the first shell: $(cat "$WHOAMI_OUT")"
}
write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "BasicCacheSeconds = 60" "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
say "a remembered Basic login, then passwd -l: no new shell"
lockout "$LOCK_USER" "$LOCK_PASS" "passwd -l $LOCK_USER"
grep -q '^after=refused' "$WHOAMI_OUT" ||
    fail "a new shell for a remembered login of a locked account: $(cat "$WHOAMI_OUT")"
wait_log "auth: Basic login of $LOCK_USER from 127\.0\.0\.1 refused when its account was checked again: the password of $LOCK_USER is locked" 5 ||
    fail "the refusal of the locked account is not logged"
ok "InvalidCredentialsError; $(grep -o "refused when its account was checked again.*" "$DLOG" | head -n 1)"
say "a remembered Basic login, then usermod -e 1: no new shell"
lockout "$EXP_USER" "$EXP_PASS" "usermod -e 1 $EXP_USER"
grep -q '^after=refused' "$WHOAMI_OUT" ||
    fail "a new shell for a remembered login of an expired account: $(cat "$WHOAMI_OUT")"
wait_log "auth: Basic login of $EXP_USER from 127\.0\.0\.1 refused when its account was checked again: PAM: account" 5 ||
    fail "the refusal of the expired account is not logged"
ok "InvalidCredentialsError; $(grep -o "refused when its account was checked again: PAM.*" "$DLOG" | head -n 1)"
stop_daemon

say "AccountCheckSeconds = 1: any request a second after passwd -l is refused"
write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "BasicCacheSeconds = 60" "AccountCheckSeconds = 1" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
lockout "$BOUND_USER" "$BOUND_PASS" "passwd -l $BOUND_USER" --whoami --wait 1.5
grep -q '^after=refused' "$WHOAMI_OUT" ||
    fail "a Whoami 1.5 s after the account was locked: $(cat "$WHOAMI_OUT")"
wait_log "auth: Basic login of $BOUND_USER from 127\.0\.0\.1 refused" 5 ||
    fail "the refusal is not logged"
ok "InvalidCredentialsError"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
