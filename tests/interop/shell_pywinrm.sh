#!/bin/bash
# shell_pywinrm.sh: the WinRS shell plugin through pywinrm (Session.run_cmd,
# run_ps, Protocol), over HTTP Basic (AllowUnencrypted = true) and over
# HTTPS (transport 'ssl', certificate not checked).  Each transport:
#
#  - run_cmd('id', ['-un']) names the test user; id -u is its uid, not 0
#  - stdout and stderr come back separated; exit codes 0, 3 and 130
#    (kill -INT $$)
#  - a 4 s command with OperationTimeout PT2S (read timeout 3 s): every
#    Receive is answered with w:TimedOut (2150858793) after 1.5 s and
#    pywinrm retries
#  - run_ps('echo hi') -> hi, with no pwsh installed (decoded, run by the
#    user's shell)
#  - 5,000,000 random bytes: base64 -w0 through run_cmd, and raw through
#    Protocol with codepage 65001 (sha256), byte-exact
#  - 'héllo ✓ 日本' as UTF-8 with codepage 65001; with the default 437
#    'é' is 0x82 and what 437 lacks is '?', also a UTF-8 sequence cut by
#    the end of the output
#  - WorkingDirectory and an Environment variable are honoured
#  - a nonexistent WorkingDirectory, or one the user may not enter (root's,
#    mode 0700): the Command is a fault (pywinrm raises), and the daemon
#    goes on serving
# about 20 s alone, more under load: the watchdog gets at least 120 s
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
for pw in /usr/bin/pwsh /usr/local/bin/pwsh /opt/microsoft/powershell/7/pwsh /snap/bin/pwsh; do
	[ -x "$pw" ] && missing_tool "$pw is installed: run_ps would not test the built-in decoder"
done

# the test user reads these through the shell
head -c 5000000 /dev/urandom >"$WORK/random.bin" || hard_error "no random file"
chmod 644 "$WORK/random.bin"
mkdir -p "$WORK/wd dir" "$WORK/closed" && chmod 755 "$WORK/wd dir" &&
    chmod 700 "$WORK/closed" && touch "$WORK/closed/secret"
runuser -u "$TEST_USER" -- test -r "$WORK/random.bin" ||
    hard_error "$TEST_USER cannot read $WORK/random.bin (a directory above is closed)"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

# a failure over one transport does not hide the other's results
failed=()
for t in "plaintext $URL_HTTP4" "ssl $URL_HTTPS4"; do
	transport=${t%% *}
	url=${t#* }
	say "pywinrm transport='$transport' $url"
	with_timeout 120 "$PY" "$WRT_HERE/shell_pywinrm.py" "$url" "$transport" \
	    "$TEST_USER" "$TEST_PASS" "$TEST_UID" "$WORK" ||
	    failed+=("$transport")
	daemon_alive || fail "the daemon died during the $transport run"
done
[ ${#failed[@]} = 0 ] || fail "pywinrm over ${failed[*]}: see above"

say "the Receives of the PT2S run were answered 500 (w:TimedOut) after 1.5-2 s"
timedout=$(grep -cE "action=Receive .*status=500 ms=1[5-9][0-9][0-9]\." "$DLOG")
[ "$timedout" -ge 2 ] ||
    fail "$timedout Receive(s) answered 500 after 1.5-2 s, expected one or more per transport"
ok "$timedout of them, e.g. $(grep -oE "action=Receive .*status=500 ms=1[5-9][0-9][0-9]\.[0-9]+" "$DLOG" | head -n 1)"

say "the daemon logged the nonexistent WorkingDirectory and no crash"
grep -q "could not be started as $TEST_USER in /nonexistent/" "$DLOG" ||
    fail "no log line about the nonexistent WorkingDirectory"
ok "$(grep -o "fault client=[^ ]* action=Command: The command could not be started.*" "$DLOG" | head -n 1)"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null && fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
