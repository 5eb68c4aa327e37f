#!/bin/bash
# pypsrp_cim.sh: the client matrix's pypsrp (PyPI, the venv of
# scripts/install-clients) as a CIM client: its WSMan.get of
# Win32_OperatingSystem from 12 connections at once, 25 rounds started
# together, without selectors, with the Name key and with a Name of no
# instance (tests/clients/pypsrp_cim_client.py): each answer its own
# request's (pypsrp checks RelatesTo), with the instance and live values,
# or the WS-Management fault for no instance; the Gets that arrive
# together are answered from one provider call per pass of the loop
# (plugins/cim/get.c).
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $WIN32PROV"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
say "pypsrp $version WSMan.get of Win32_OperatingSystem, 12 clients at once"
with_timeout 120 "$CLIENTS_VENV/bin/python" "$WRT_TEST_HERE/pypsrp_cim_client.py" \
    "$HTTP_PORT" "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
	fail "pypsrp WSMan.get: $(tail -n 8 "$OUT")"
grep -q '^ok cim-get 200$' "$OUT" || fail "pypsrp WSMan.get: $(cat "$OUT")"
ok "200 Gets from 12 connections at once: every answer its request's, live values, the fault where no instance ($(tail -n 1 "$OUT"))"
matrix pypsrp "$version" PyPI "WSMan.get of Win32_OperatingSystem, 12 connections at once"
n=$(grep -c "request client=[^ ]* user=$TEST_USER action=Get .*status=200" "$DLOG")
[ "$n" -ge 200 ] || fail "the log has $n answered Gets, expected at least 200"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
