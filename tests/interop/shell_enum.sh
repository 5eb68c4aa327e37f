#!/bin/bash
# shell_enum.sh: shells as resources (plugins/shell/shell_enum.c), raw
# WS-Man (wsman.py, shell_common.py) and pypsrp from the client venv, over
# HTTPS Basic, two users (shell_enum.py):
#  - Create of WinRS shells (.../shell/cmd) and of a pypsrp pool still work
#    beside the new .../windows/shell route
#  - Enumerate .../windows/shell (OptimizeEnumeration; and Enumerate + Pull
#    one item at a time): exactly the caller's WinRS shell and pool, each an
#    rsp:Shell with MS-WSMV 2.2.4.37's fields in order (ResourceUri, Owner,
#    State Connected, ShellRunTime, ChildProcesses of a running sleep, ...);
#    never the other user's shell
#  - Enumerate .../shell/cmd: WinRS shells only; the PowerShell URI: pools
#    only; a SelectorFilter on ResourceUri or ShellId; a WQL filter is
#    FilterDialectRequestedUnavailable, an Owner selector CannotProcessFilter
#  - Enumerate .../shell/Command with a ShellId SelectorFilter: the shell's
#    CommandId; another user's ShellId: 2150858843 (shell not found)
#  - Get by ShellId on .../shell, .../shell/cmd, the PowerShell URI; another
#    user's, an unknown ShellId: 2150858843; none: InvalidSelectors; an
#    unknown configuration or .../shell/nosuch: DestinationUnreachable
#  - pypsrp's RunspacePool.get_runspace_pools (Enumerate of the shells, then
#    of each one's commands) lists the pool it opened; for the other user
#    only that user's shell
#  - after Delete and close nothing is listed; the daemon is alive
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
env_file=$top_builddir/tests/clients/clients.env
[ -s "$env_file" ] || missing_tool "$env_file is missing (scripts/install-clients, run by make check)"
# shellcheck disable=SC1090
. "$env_file"
[ -n "${CLIENTS_VENV:-}" ] && [ -e "$CLIENTS_VENV/.complete" ] ||
	missing_tool "the client venv ${CLIENTS_VENV:-} is not installed"
"$CLIENTS_VENV/bin/python" -c 'import pypsrp' 2>/dev/null ||
	missing_tool "pypsrp is not in the client venv $CLIENTS_VENV"
export XDG_CACHE_HOME=$WORK/cache

make_user USER2 PASS2
write_config "[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
say "shells as resources: Enumerate, Pull, Get, filters, two users, pypsrp"
OUT=$WORK/out.txt
with_timeout 100 "$CLIENTS_VENV/bin/python" "$WRT_HERE/shell_enum.py" \
    "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$USER2" "$PASS2" >"$OUT" 2>&1
rc=$?
sed -n 's/^ok /   ok: /p' "$OUT"
[ $rc = 0 ] && grep -qx done "$OUT" || fail "shell_enum.py (exit $rc): $(tail -n 15 "$OUT")"
daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
