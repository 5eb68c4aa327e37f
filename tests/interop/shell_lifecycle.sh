#!/bin/bash
# shell_lifecycle.sh: the life of WinRS shells and commands, with raw
# WS-Man requests (shell_common.py on wsman.py) over HTTPS Basic.
#
# Phase 1 (MaxShellsPerUser = 3), shell_lifecycle.py main:
#  - stdin: Send with End: cat echoes exactly what was sent, also 1 MiB
#    across 8 Sends; an empty Send with End closes stdin
#  - Signal terminate on sleep: its process group is gone within 2 s; a
#    later Send, Receive or Signal for that CommandId is a fault
#  - Signal ctrl_c on sleep: Done with exit code 130
#  - Delete of shells with background children and a setsid escapee: no
#    process of the user left
#  - the 4th Create: w:QuotaLimit, WSManFault 2150859173; after a Delete a
#    Create works
#  - an unknown ShellId: WSManFault 2150858843 for every verb
#  - a pending Receive (connection 1) does not block a Send (connection 2)
#  - two users: one's ShellId is "not found" for the other
#  - afterwards no zombie child of the daemon, its fd count as before
# Phase 2 (IdleTimeout = 2000), idle: an idle shell is deleted with its
#    process, a later request gets 2150858843; a shell whose client waits
#    in Receive is not idle
# Phase 3 (MaxProcessesPerShell = 10, MaxMemoryPerShellMB = 64), limits:
#    20 background sleeps cannot all start; 200 MiB cannot be allocated,
#    8 MiB can; the log names the limit mode (cgroup v1, cgroup v2, rlimits)
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
make_user USER2 PASS2

run_phase() {	# run_phase PHASE [users...]
	local phase=$1
	shift
	with_timeout 100 "$PY" "$WRT_HERE/shell_lifecycle.py" "$phase" \
	    "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" "$@" ||
	    fail "phase $phase: see above"
	daemon_alive || fail "the daemon died in phase $phase"
}

common=("[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)")

say "phase 1: stdin, signals, Delete, quotas, unknown ids, concurrency, two users"
write_config "${common[@]}" "[Winrs]" "MaxShellsPerUser = 3"
start_daemon
run_phase main "$USER2" "$PASS2"
grep -q "shell: .* of $TEST_USER deleted (Delete), 1 command(s)" "$DLOG" ||
    fail "no log line for a Delete"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

say "phase 2: IdleTimeout = 2000"
write_config "${common[@]}" "[Winrs]" "IdleTimeout = 2000"
start_daemon
run_phase idle
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

say "phase 3: MaxProcessesPerShell = 10, MaxMemoryPerShellMB = 64"
write_config "${common[@]}" "[Winrs]" "MaxProcessesPerShell = 10" \
    "MaxMemoryPerShellMB = 64"
start_daemon
run_phase limits
mode=$(grep -oE "limits by (cgroup v1|cgroup v2|rlimits)\)" "$DLOG" | head -n 1)
[ -n "$mode" ] || fail "no \"limits by cgroup v1|cgroup v2|rlimits\" in the Create log line"
ok "the Create log line says: ${mode%)}"
grep -E "^.*cgroup: " "$DLOG" | head -n 2 | sed 's/^/   log: /'
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
