#!/bin/bash
# pypsrp.sh: the client matrix's pypsrp (PyPI, the venv of
# scripts/install-clients): Client.execute_cmd, its WinRS side, with Basic
# over HTTP (AllowUnencrypted) and HTTPS: output, stderr, exit code.  Its
# PowerShell remoting side: pypsrp_psrp.sh and the other pypsrp_*.sh.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
for url in "$URL_HTTP4" "$URL_HTTPS4"; do
	scheme=${url%%:*}
	say "pypsrp $version execute_cmd over ${scheme^^}"
	with_timeout 60 "$CLIENTS_VENV/bin/python" "$WRT_TEST_HERE/pywinrm_client.py" \
	    pypsrp "$url" "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
		fail "pypsrp over $scheme: $(tail -n 8 "$OUT")"
	grep -q '^ok execute_cmd$' "$OUT" || fail "pypsrp over $scheme: $(cat "$OUT")"
	ok "execute_cmd: output, stderr, exit code"
	matrix pypsrp "$version" PyPI "Client.execute_cmd, basic over ${scheme^^}"
done
grep -Eq "request client=[^ ]+ user=$TEST_USER action=Command .*status=200" "$DLOG" ||
    fail "no Command in the log"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
