#!/bin/bash
# shell_pywinrm.sh: the WinRS shell plugin through pywinrm (Session.run_cmd,
# run_ps, Protocol), over HTTP Basic (AllowUnencrypted = true) and over
# HTTPS (transport 'ssl', certificate not checked).  Each transport:
#
#  - run_cmd('id', ['-un']) names the test user; id -u is its uid, not 0
#  - stdout and stderr come back separated; exit codes 0, 3 and 130
#    (kill -INT $$)
#  - run_ps('echo hi') -> hi, with no pwsh installed (decoded, run by the
#    user's shell)
#  - 5,000,000 random bytes: base64 -w0 through run_cmd, and raw through
#    Protocol with codepage 65001 (sha256), byte-exact
#  - 'héllo ✓ 日本' as UTF-8 with codepage 65001; with the default 437
#    'é' is 0x82 and what 437 lacks is '?'
#  - WorkingDirectory and an Environment variable are honoured
#  - a nonexistent WorkingDirectory: the Command is a fault (pywinrm
#    raises), and the daemon goes on serving
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
for pw in /usr/bin/pwsh /usr/local/bin/pwsh /opt/microsoft/powershell/7/pwsh /snap/bin/pwsh; do
	[ -x "$pw" ] && missing_tool "$pw is installed: run_ps would not test the built-in decoder"
done

# the test user reads these through the shell
head -c 5000000 /dev/urandom >"$WORK/random.bin" || hard_error "no random file"
chmod 644 "$WORK/random.bin"
mkdir -p "$WORK/wd dir" && chmod 755 "$WORK/wd dir"
runuser -u "$TEST_USER" -- test -r "$WORK/random.bin" ||
    hard_error "$TEST_USER cannot read $WORK/random.bin (a directory above is closed)"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

for t in "plaintext $URL_HTTP4" "ssl $URL_HTTPS4"; do
	transport=${t%% *}
	url=${t#* }
	say "pywinrm transport='$transport' $url"
	with_timeout 120 "$PY" "$WRT_HERE/shell_pywinrm.py" "$url" "$transport" \
	    "$TEST_USER" "$TEST_PASS" "$TEST_UID" "$WORK" ||
	    fail "pywinrm over $transport: see above"
	daemon_alive || fail "the daemon died during the $transport run"
done

say "the daemon logged the nonexistent WorkingDirectory and no crash"
grep -q "could not be started as $TEST_USER in /nonexistent/" "$DLOG" ||
    fail "no log line about the nonexistent WorkingDirectory"
ok "$(grep -o "fault client=[^ ]* action=Command: The command could not be started.*" "$DLOG" | head -n 1)"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null && fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
