#!/bin/bash
# pypsrp_host.sh: Write-Host and Read-Host through the client's host over
# PSRP (host calls, docs/PSRP.md), with the client matrix's pypsrp (PyPI)
# as the non-root test user: Write-Host at the host's WriteLine2, Read-Host
# answered by ReadLine, Prompt and ReadLineAsSecureString, a shell
# command's read of stdin answered by ReadLine, a response for
# a call not made refused, and without a host HostFunctionNotImplemented
# (tests/clients/pypsrp_host_client.py says what each proves).
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
say "pypsrp $version host calls over HTTP"
with_timeout 60 "$CLIENTS_VENV/bin/python" \
    "$WRT_TEST_HERE/pypsrp_host_client.py" "$URL_HTTP4" "$TEST_USER" \
    "$TEST_PASS" >"$OUT" 2>&1 || fail "pypsrp host calls: $(tail -n 12 "$OUT")"
for op in "Write-Host to the host" "Read-Host ReadLine" "Read-Host prompt" \
    "Read-Host -AsSecureString" "read of stdin ReadLine" "unknown call id refused" \
    "Read-Host without a host"; do
	grep -qxF "ok $op" "$OUT" || fail "pypsrp: no '$op': $(cat "$OUT")"
	ok "$op"
done
grep -q "psrp: pipeline .* of $TEST_USER: Read-Host asks the client's host (Prompt)" \
    "$DLOG" || fail "no Read-Host host call in the log"
grep -q "psrp: pipeline .* of $TEST_USER reads its stdin: the client's host is asked (ReadLine)" \
    "$DLOG" || fail "no ReadLine for a read of stdin in the log"
grep -q "PIPELINE_HOST_RESPONSE refused: a response to call 77 (method 11) where call 1 (ReadLine) waits" "$DLOG" ||
	fail "the response for call 77 was not logged as refused"
matrix pypsrp "$version" PyPI \
    "PSRP host calls: Write-Host to the host's WriteLine, Read-Host answered by ReadLine/Prompt/ReadLineAsSecureString, a shell command's read of stdin by ReadLine, over HTTP"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
