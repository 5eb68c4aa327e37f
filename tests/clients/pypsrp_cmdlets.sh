#!/bin/bash
# pypsrp_cmdlets.sh: objects from winrmd's small cmdlet set over PSRP, with
# the client matrix's pypsrp (PyPI), as the non-root test user: Get-Process
# against /proc read here, Get-CimInstance Win32_OperatingSystem from the
# CIM providers, Get-ChildItem | Select-Object as objects and as
# Out-String's table, Set-Location/Get-Location, TabExpansion2's
# completions, Write-*, exit N, a line
# not understood still in the shell, and a file the user may not read
# refused (tests/clients/pypsrp_cmdlets_client.py says what each proves);
# the later pipelines of cmdlets take the pool's warm winrmd-native.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"
# Get-CimInstance loads the providers the cim plugin is given
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell cim" \
    "[CIM]" "ProviderDirectory = ${WIN32PROV%/*}" "Providers = win32"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
# a process whose working set does not move, and a file only root reads
sleep 300 &
SLEEP_PID=$!
SECRET=$WORK/secret.txt
echo "not for $TEST_USER" >"$SECRET"
chmod 600 "$SECRET"
chmod 755 "$WORK"
# what Tab completes
mkdir -p "$WORK/tab/sub-one"
touch "$WORK/tab/file two.txt"
say "pypsrp $version cmdlets over HTTP"
with_timeout 120 "$CLIENTS_VENV/bin/python" \
    "$WRT_TEST_HERE/pypsrp_cmdlets_client.py" run "$URL_HTTP4" "$TEST_USER" \
    "$TEST_PASS" "$SLEEP_PID" "$SECRET" /etc "$WORK/tab" >"$OUT" 2>&1
rc=$?
kill "$SLEEP_PID" 2>/dev/null
wait "$SLEEP_PID" 2>/dev/null
[ "$rc" = 0 ] || fail "pypsrp cmdlets: $(tail -n 12 "$OUT")"
for op in Get-Process "Get-Process -Id | Select-Object" \
    "Where-Object Sort-Object" \
    "Get-CimInstance Win32_OperatingSystem" \
    "Get-ChildItem | Select-Object objects" Get-Item \
    "Set-Location Get-Location" TabExpansion2 "unreadable file refused" \
    "execute_ps Get-ChildItem | Select-Object" \
    'Write-Output Write-Host Write-Error $env' \
    "exit N, the shell for the rest"; do
	grep -qxF "ok $op" "$OUT" || fail "pypsrp: no '$op': $(cat "$OUT")"
	ok "$op"
done
matrix pypsrp "$version" PyPI \
    "PSRP objects from cmdlets (Get-Process, Get-CimInstance, Get-ChildItem | Select-Object, Set-Location), over HTTP" \
    "PSRP tab completion (TabExpansion2: paths, cmdlets, commands on PATH as CommandCompletion), over HTTP" \
    "PSRP a file the user may not read refused (PermissionDenied), over HTTP"
grep -q "psrp: pipeline .* of $TEST_USER started" "$DLOG" || fail "no pipeline in the log"
# after a pipeline of cmdlets the pool keeps a winrmd-native started ahead
# in the runspace's directory and environment, which the next one takes
# (Get-Location after Set-Location above: the state it was started with)
n=$(grep -cE "psrp: pipeline .* of $TEST_USER started in pool .* \(pid [0-9]+, warm winrmd-native\)" "$DLOG")
[ "$n" -ge 3 ] || fail "$n pipelines of cmdlets took a warm winrmd-native"
ok "$n pipelines of cmdlets took the pool's warm winrmd-native"
# the first pool's first pipeline was cmdlets (Get-Process): its second,
# 300 ms after, took the warm winrmd-native started 100 ms after the first
second=$(grep -E "psrp: pipeline .* of $TEST_USER started in pool " "$DLOG" |
    awk '{ for (i = 1; i < NF; i++) if ($i == "pool") p = $(i + 1) }
	NR == 1 { first = p } p == first && ++n == 2 { print; exit }')
case $second in
*"warm winrmd-native)"*) ok "the pool's second pipeline of cmdlets was warm" ;;
*) fail "the pool's second pipeline was not warm: $second" ;;
esac
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
