#!/bin/bash
# sessions.sh: login sessions and the audit trail (issue 17 items 2, 3).
#  - during a running command (pywinrm, Basic over HTTP on loopback): `who'
#    shows the session (a winrm/N line, the client's address), the user's
#    command has loginuid = the user's uid, and the environment pam_env set
#    for the session
#  - after the shell's Delete: the utmp entry is gone, `last' shows the
#    session ended
#  - a nologin file: a non-root login is refused (401, pywinrm's
#    InvalidCredentialsError) with the reason in the log; gone again after
#  - the audit lines: Accepted/Failed (invalid user too), session
#    opened/closed, command started (user, shell, pid) and its exit code; a
#    user name with a newline gives one escaped line
#  - the daemon's stop, and the idle timeout, end the session of a shell
#    left open; a Create takes one of the two spare session helpers started
#    ahead (the other is for a pool's spare, plugins/shell/psrp_spare.c),
#    and the stop ends the spares too
#  - fail2ban-regex with the shipped filter against this run's log: every
#    Failed line matches, no Accepted line does
# The daemon runs on a PAM service of its own, the shipped file with
# pam_nologin reading $WORK/nologin and a pam_env file of the test: the
# machine's /etc/nologin is never created (other tests may run meanwhile).
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

# who_tty PID: the utmp line of the session whose helper is PID (who -u's
# PID column: the last number of a line, whatever the date's format);
# who_pid LINE: the helper pid of that line
who_rows() {
	who -u | awk '{ p = ""; for (i = NF; i > 2; i--) if ($i ~ /^[0-9]+$/) { p = $i; break }
	    print $2, p }'
}
who_tty() { who_rows | awk -v p="$1" '$2 == p { print $1; exit }'; }
who_pid() { who_rows | awk -v l="$1" '$1 == l { print $2; exit }'; }

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
command -v who >/dev/null && command -v last >/dev/null ||
    missing_tool "who and last (util-linux, coreutils)"
command -v fail2ban-regex >/dev/null || missing_tool "fail2ban-regex (fail2ban)"
[ -r /etc/fail2ban/filter.d/common.conf ] ||
    missing_tool "fail2ban's filter.d/common.conf"

# utmp: systemd-update-utmp creates it at boot; a container may have none
[ -e /run/utmp ] || install -m 664 -g utmp /dev/null /run/utmp ||
    hard_error "cannot create /run/utmp"

SERVICE=winrm-sessions-$$
PAMFILE=/etc/pam.d/$SERVICE
sed -e "s|pam_nologin.so|pam_nologin.so file=$WORK/nologin|" \
    "$top_srcdir/conf/pam.d/winrm" >"$PAMFILE" ||
    hard_error "cannot write $PAMFILE"
grep -q "pam_nologin.so file=$WORK/nologin" "$PAMFILE" ||
    hard_error "the shipped PAM file has no pam_nologin line"
echo "session required pam_env.so readenv=1 envfile=$WORK/pam_env" >>"$PAMFILE"
echo "WINRMD_SESSION_TEST=from-pam-env" >"$WORK/pam_env"
trap 'rc=$?; rm -f "$PAMFILE" "$WORK/nologin"; (exit $rc); wrt_cleanup' EXIT

write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "BasicCacheSeconds = 0" "PamService = $SERVICE" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

# ----------------------------------------------- a session during a command
say "a command running in a shell: who, loginuid, PAM's environment"
cat >"$WORK/run.py" <<'EOF'
import sys, time
sys.path.insert(0, sys.argv[5])
import shell_common as sc
url, user, pw, work = sys.argv[1:5]
s = sc.pywinrm_session(url, "plaintext", user, pw)
p = s.protocol
shell = p.open_shell()
open(work + "/shell_id", "w").write(shell)
cmd = p.run_command(shell, 'echo "env=$WINRMD_SESSION_TEST"; '
                    'sleep 4; echo done')
out, err, code = p.get_command_output(shell, cmd)
p.cleanup_command(shell, cmd)
open(work + "/out", "wb").write(out)
open(work + "/code", "w").write(str(code))
# the Delete ends the session; the test looks at utmp after this line
while not __import__("os").path.exists(work + "/go"):
    time.sleep(0.05)
p.close_shell(shell)
EOF
"$PY" "$WORK/run.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WORK" \
    "$WRT_HERE" >"$WORK/run.log" 2>&1 &
RUN=$!
pid=
for i in $(seq 1 100); do
	pid=$(pgrep -u "$TEST_USER" -x sleep | head -n 1)
	[ -n "$pid" ] && break
	sleep 0.1
done
[ -n "$pid" ] || fail "no sleep of $TEST_USER within 10 s: $(cat "$WORK/run.log")"
SHELL_ID=$(cat "$WORK/shell_id")
line=$(who | grep -E "^$TEST_USER +winrm/[0-9]+ .*\(127\.0\.0\.1\)")
[ -n "$line" ] || fail "who does not show the session: $(who)"
ok "who: $line"
TTY=$(echo "$line" | awk '{print $2}')
luid=$(cat "/proc/$pid/loginuid" 2>/dev/null)
if [ -e /proc/self/loginuid ]; then
	[ "$luid" = "$TEST_UID" ] ||
	    fail "/proc/$pid/loginuid of $TEST_USER's command is '$luid', not $TEST_UID"
	ok "/proc/$pid/loginuid = $luid ($TEST_USER)"
else
	say "(no /proc/PID/loginuid: a kernel without audit)"
fi
helper=$(grep -oE "shell $SHELL_ID, helper [0-9]+" "$DLOG" | grep -oE "[0-9]+$" | head -n 1)
[ -n "$helper" ] || fail "no session helper logged for shell $SHELL_ID"
[ "$(who_pid "$TTY")" = "$helper" ] ||
    fail "utmp's $TTY is not the helper $helper's: $(who -u)"
[ "$(cat "/proc/$helper/loginuid" 2>/dev/null)" = "$TEST_UID" ] ||
    [ ! -e /proc/self/loginuid ] ||
    fail "the session helper $helper has loginuid $(cat "/proc/$helper/loginuid"), not $TEST_UID (pam_loginuid)"
ok "the session helper (pid $helper) is in the session: loginuid $TEST_UID"
last -w "$TEST_USER" | grep -E "^$TEST_USER +$TTY .*still logged in" >/dev/null ||
    fail "last does not show the session logged in: $(last -w "$TEST_USER")"
ok "last: $(last -w "$TEST_USER" | grep -E "^$TEST_USER +$TTY " | head -n 1)"

for i in $(seq 1 100); do
	[ -e "$WORK/code" ] && break
	sleep 0.1
done
[ "$(cat "$WORK/code" 2>/dev/null)" = 0 ] ||
    fail "the command did not end with 0: $(cat "$WORK/run.log")"
grep -q '^env=from-pam-env$' "$WORK/out" ||
    fail "the command did not get pam_env's variable: $(cat "$WORK/out")"
ok "the command saw WINRMD_SESSION_TEST=from-pam-env and exited 0"

say "after the Delete: no utmp entry, last shows the session ended"
touch "$WORK/go"
wait "$RUN" || fail "the pywinrm run failed: $(cat "$WORK/run.log")"
for i in $(seq 1 50); do
	[ -n "$(who_tty "$helper")" ] || break
	sleep 0.1
done
[ -n "$(who_tty "$helper")" ] && fail "who still shows $TTY after the Delete: $(who -u)"
ok "who no longer shows $TTY"
for i in $(seq 1 50); do	# wtmp is written after utmp
	kill -0 "$helper" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$helper" 2>/dev/null && fail "the session helper $helper still runs"
ok "the session helper has exited"
# last(1) calls a session that ended this very second "still running"
sleep 1.2
ended=$(last -w "$TEST_USER" | grep -E "^$TEST_USER +$TTY " | head -n 1)
echo "$ended" | grep -qE " - [0-9]{2}:[0-9]{2} " ||
    fail "last shows no end: $ended; wtmp: $(utmpdump /var/log/wtmp 2>/dev/null | grep "$TTY")"
ok "last: $ended"

say "utmp does not grow with sessions: an ended session's slot is taken again"
cat >"$WORK/cycle.py" <<EOF
import sys
sys.path.insert(0, sys.argv[4])
import shell_common as sc
s = sc.pywinrm_session(sys.argv[1], "plaintext", sys.argv[2], sys.argv[3])
for i in range(8):
    s.protocol.close_shell(s.protocol.open_shell())
EOF
n0=$(utmpdump /run/utmp 2>/dev/null | grep -c '\[winrm/')
"$PY" "$WORK/cycle.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE" ||
    fail "eight shells one after another failed"
n1=$(utmpdump /run/utmp 2>/dev/null | grep -c '\[winrm/')
# other tests' sessions may open meanwhile; a line per session would add 8
[ $((n1 - n0)) -lt 8 ] || fail "utmp grew from $n0 to $n1 winrm entries for 8 sessions one after another"
ok "8 sessions one after another: utmp's winrm entries $n0 -> $n1"

# ---------------------------------------------------------------- nologin
say "a nologin file refuses a non-root login, with the reason in the log"
echo "maintenance" >"$WORK/nologin"
cat >"$WORK/login.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[4])
import shell_common as sc
from winrm.exceptions import InvalidCredentialsError
s = sc.pywinrm_session(sys.argv[1], "plaintext", sys.argv[2], sys.argv[3])
try:
    r = s.run_cmd("true")
    print("let in: %d" % r.status_code)
    sys.exit(1)
except InvalidCredentialsError as e:
    print("refused: %s" % e)
EOF
out=$("$PY" "$WORK/login.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE" 2>&1) ||
    fail "a login with the nologin file present: $out"
ok "$out"
wait_log "Basic login of $TEST_USER from 127\.0\.0\.1 refused: PAM" 5 ||
    fail "the log does not say why"
ok "$(grep -o "Basic login of $TEST_USER from 127\.0\.0\.1 refused: PAM.*" "$DLOG" | tail -n 1)"
rm -f "$WORK/nologin"
out=$("$PY" "$WORK/login.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE" 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "let in: 0" ||
    fail "the login after the nologin file was removed: $out"
ok "the nologin file removed: let in again"

# ------------------------------------------------------------- audit lines
say "the audit lines"
"$PY" "$WORK/login.py" "$URL_HTTP4" "$TEST_USER" "wrong-$TEST_PASS" "$WRT_HERE" >/dev/null 2>&1 ||
    fail "a wrong password was let in"
"$PY" "$WORK/login.py" "$URL_HTTP4" "nosuch$$" "x" "$WRT_HERE" >/dev/null 2>&1 ||
    fail "an unknown user was let in"
"$PY" "$WORK/login.py" "$URL_HTTP4" $'evil\nFailed basic for root from 192.0.2.9 port 1' \
    "x" "$WRT_HERE" >/dev/null 2>&1 || fail "the user with a newline was let in"
wait_log "auth: Failed basic for invalid user evil" 5 ||
    fail "no Failed line for the user with a newline"
A="auth: Accepted basic for $TEST_USER from 127\.0\.0\.1 port [0-9]+$"
F="auth: Failed basic for $TEST_USER from 127\.0\.0\.1 port [0-9]+$"
FI="auth: Failed basic for invalid user nosuch$$ from 127\.0\.0\.1 port [0-9]+$"
FN="auth: Failed basic for invalid user evil\\\\x0aFailed basic for root from 192\.0\.2\.9 port 1 from 127\.0\.0\.1 port [0-9]+$"
O="session: opened for $TEST_USER from 127\.0\.0\.1 \(shell $SHELL_ID, helper $helper\)"
C="session: closed for $TEST_USER from 127\.0\.0\.1 \(shell $SHELL_ID\)"
S="shell: command started for $TEST_USER \(shell $SHELL_ID, pid [0-9]+\): .*sleep 4; echo done"
X="shell: command of $TEST_USER \(shell $SHELL_ID, pid [0-9]+\) exited with code 0"
for re in "$A" "$F" "$FI" "$FN" "$O" "$C" "$S" "$X"; do
	l=$(grep -E -- "$re" "$DLOG" | head -n 1)
	[ -n "$l" ] || fail "no log line matches: $re"
	ok "$l"
done
grep -q "^Failed basic for root" "$DLOG" &&
    fail "the newline in the user name started a line of its own"
ok "the user name with a newline stayed on one line, escaped"

# ---------------------------------------------------------------- fail2ban
say "fail2ban-regex with the shipped filter against this log"
mkdir -p "$WORK/f2b/filter.d"
cp /etc/fail2ban/filter.d/common.conf "$top_srcdir/conf/fail2ban/filter.d/winrmd.conf" \
    "$WORK/f2b/filter.d/" || hard_error "cannot copy the filter"
nfailed=$(grep -c "auth: Failed " "$DLOG")
naccepted=$(grep -c "auth: Accepted " "$DLOG")
[ "$nfailed" -ge 4 ] && [ "$naccepted" -ge 2 ] ||
    fail "$nfailed Failed and $naccepted Accepted lines in the log"
fail2ban-regex --print-all-matched "$DLOG" "$WORK/f2b/filter.d/winrmd.conf" \
    >"$WORK/f2b.out" 2>&1 || fail "fail2ban-regex: $(tail -n 20 "$WORK/f2b.out")"
matched=$(sed -n 's/^Lines: .*, \([0-9]*\) matched.*/\1/p' "$WORK/f2b.out")
[ "$matched" = "$nfailed" ] ||
    fail "fail2ban-regex matched $matched lines, the log has $nfailed Failed lines: $(tail -n 40 "$WORK/f2b.out")"
grep -A1000 "Matched line(s)" "$WORK/f2b.out" | grep -q "Accepted" &&
    fail "fail2ban-regex matched an Accepted line"
ok "$matched of $(wc -l <"$DLOG") lines matched: the $nfailed Failed lines, no Accepted one"
grep -qF 'evil\x0aFailed basic for root' "$WORK/f2b.out" ||
    fail "the escaped line is not among the matched ones"
ips=$(fail2ban-regex --out ip "$DLOG" "$WORK/f2b/filter.d/winrmd.conf" 2>&1 | sort -u)
[ "$ips" = 127.0.0.1 ] ||
    fail "fail2ban would ban '$ips', not only the client 127.0.0.1 (a forged address in a user name?)"
ok "the address fail2ban takes from each line is the client's: $ips"

# ------------------------------------------------------------- daemon stop
say "the daemon's stop ends the sessions of its shells"
cat >"$WORK/open.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[4])
import shell_common as sc
s = sc.pywinrm_session(sys.argv[1], "plaintext", sys.argv[2], sys.argv[3])
print(s.protocol.open_shell())
EOF
# the spare session helper: `winrmd --pam-session' alone, started ahead by
# this daemon (its stderr is the daemon's log), which the next Create takes
# (a spare taken keeps that command line: $2 is one in use)
spares() {
	local p
	for p in $(pgrep -x -f 'winrmd --pam-session'); do
		[ "$p" != "${1:-}" ] &&
		    [ "$(readlink "/proc/$p/fd/2")" = "$DLOG" ] && echo "$p"
	done
}
s1=$(spares)
[ "$(echo "$s1" | grep -c .)" = 2 ] ||
    fail "not two spare session helpers after the shells so far: '$s1'"
sid=$("$PY" "$WORK/open.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE") ||
    fail "no shell: $sid"
wait_log "session: opened for $TEST_USER from 127\.0\.0\.1 \(shell $sid, helper [0-9]+\)" 5 ||
    fail "no session for shell $sid"
h2=$(grep -oE "shell $sid, helper [0-9]+" "$DLOG" | grep -oE "[0-9]+$")
echo "$s1" | grep -qx "$h2" ||
    fail "the shell's session helper $h2 is not one of the spares $(echo $s1) started before its Create"
s2=$(spares "$h2")
new=$(echo "$s2" | grep -vxF "$s1")
[ "$(echo "$s2" | grep -c .)" = 2 ] && [ "$(echo "$new" | grep -c .)" = 1 ] ||
    fail "not two spare session helpers, one new, after a spare was taken: '$s2'"
ok "the Create took the spare session helper $h2; $(echo $s2) wait for the next"
t2=$(who_tty "$h2")
[ -n "$t2" ] || fail "who does not show the session of helper $h2: $(who -u)"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
for i in $(seq 1 50); do
	kill -0 "$h2" $s2 2>/dev/null || break
	sleep 0.1
done
kill -0 "$h2" 2>/dev/null && fail "the session helper $h2 outlived the daemon by 5 s"
for p in $s2; do
	kill -0 "$p" 2>/dev/null && fail "the spare session helper $p outlived the daemon by 5 s"
done
[ -n "$(who_tty "$h2")" ] && fail "who still shows $t2 after the stop"
ok "stopped: $t2 is gone from who, its helper and the spare have exited"

# ------------------------------------------------------------ idle timeout
say "the idle timeout ends the session of a shell nobody uses"
write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "PamService = $SERVICE" \
    "[Winrs]" "IdleTimeout = 2000" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
sid=$("$PY" "$WORK/open.py" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE") ||
    fail "no shell: $sid"
wait_log "session: opened for $TEST_USER from 127\.0\.0\.1 \(shell $sid, helper [0-9]+\)" 5 ||
    fail "no session for shell $sid"
h3=$(grep -oE "shell $sid, helper [0-9]+" "$DLOG" | grep -oE "[0-9]+$")
wait_log "shell: $sid of $TEST_USER deleted \(idle timeout\)" 10 ||
    fail "shell $sid was not deleted for being idle"
wait_log "session: closed for $TEST_USER from 127\.0\.0\.1 \(shell $sid\)" 2 ||
    fail "the idle shell's session was not closed"
for i in $(seq 1 50); do
	kill -0 "$h3" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$h3" 2>/dev/null && fail "the session helper $h3 still runs"
[ -n "$(who_tty "$h3")" ] && fail "who still shows helper $h3's session after the idle timeout"
ok "idle: shell $sid deleted, helper $h3's session gone from who"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null && fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
