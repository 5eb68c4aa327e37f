#!/bin/bash
# shell_lifecycle.sh: the life of WinRS shells and commands, with raw
# WS-Man requests (shell_common.py on wsman.py) over HTTPS Basic.
#
# Phase 1 (MaxShellsPerUser = 3), shell_lifecycle.py main:
#  - stdin: Send with End: cat echoes exactly what was sent, also 1 MiB
#    across 8 Sends; an empty Send with End closes stdin
#  - Signal terminate on sleep: its process group is gone within 2 s; a
#    later Send, Receive or Signal for that CommandId is a fault
#  - Signal ctrl_c on sleep: Done with exit code 130; ctrl_break: 143
#  - Delete of shells with background children and a setsid escapee: no
#    process of the user left
#  - the 4th Create: w:QuotaLimit, WSManFault 2150859173; after a Delete a
#    Create works
#  - an unknown ShellId: WSManFault 2150858843 for every verb
#  - a pending Receive (connection 1) does not block a Send (connection 2)
#  - two users: one's ShellId is "not found" for the other
#  - afterwards no zombie child of the daemon, its fd count as before
# Phase 2 (MaxConcurrentUsers = 1, MaxCommandsPerShell = 2), quotas: a
#    second user's Create gets 2150859179, a 3rd Command 2150859174; the
#    Create's rsp:IdleTimeOut is read right and honoured
# Phase 3 (IdleTimeout = 2000), idle: an idle shell is deleted with its
#    process, a later request gets 2150858843; a shell whose client waits
#    in Receive is not idle
# Phase 4 (MaxProcessesPerShell = 10, MaxMemoryPerShellMB = 64), limits:
#    20 background sleeps cannot all start; 200 MiB cannot be allocated,
#    8 MiB can; the log names the limit mode (cgroup v1, cgroup v2, rlimits);
#    then SIGTERM with two shells running commands: exit 0, nothing left
# Phase 5: phases 1 and 4 again with the daemon in a mount namespace
#    without /sys/fs/cgroup (the rlimits fallback)
# about 20 s alone, more under load: the watchdog gets at least 120 s
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
make_user USER2 PASS2

# kill_leftovers: after a failed check, processes of the two accounts may
# be left (say, a setsid escapee that Delete missed): kill them, by pid,
# so that the next phase starts clean and userdel can remove the accounts
kill_leftovers() {
	local u pids i
	for u in "$TEST_USER" "$USER2"; do
		pids=$(pgrep -u "$u")
		[ -z "$pids" ] && continue
		echo "   (killing what $u left: $(echo $pids))" >&2
		kill -KILL $pids 2>/dev/null
		for i in $(seq 1 100); do	# pid 1 may reap late
			pgrep -u "$u" >/dev/null || break
			sleep 0.05
		done
	done
}
shell_cleanup() {
	local rc=$?
	kill_leftovers
	(exit $rc)
	wrt_cleanup
}
trap shell_cleanup EXIT

# A failed phase does not stop the others (each has its own daemon): the
# test fails at the end, naming every failed phase.
FAILED=()
phase_failed() {	# phase_failed MESSAGE
	echo "FAIL: $TEST_NAME: $1" >&2
	FAILED+=("$1")
	stop_daemon
	kill_leftovers
	return 1
}

run_phase() {	# run_phase PHASE [users...]: 1 if the phase failed
	local phase=$1
	shift
	with_timeout 100 "$PY" "$WRT_HERE/shell_lifecycle.py" "$phase" \
	    "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" "$@" ||
	    { phase_failed "phase $phase${MODE_NOTE:-}: see above"; return 1; }
	daemon_alive ||
	    { phase_failed "the daemon died in phase $phase${MODE_NOTE:-}"; return 1; }
	return 0
}

stop_ok() {	# stop_ok: SIGTERM, exit status 0
	stop_daemon
	[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
}

# stop_with_shells: SIGTERM while two shells run commands (one with a setsid
# escapee): exit 0, no process of the user, no cgroup of those shells left
stop_with_shells() {
	local ids id left prc
	run_phase stop >"$WORK/stop.out" 2>&1
	prc=$?
	grep -v '^SHELLS ' "$WORK/stop.out"
	[ $prc = 0 ] || return
	ids=$(sed -n 's/^SHELLS //p' "$WORK/stop.out")
	[ -n "$ids" ] || { phase_failed "phase stop${MODE_NOTE:-} printed no ShellIds"; return; }
	stop_ok
	for i in $(seq 1 100); do
		pgrep -u "$TEST_USER" >/dev/null || break
		sleep 0.05
	done
	if pgrep -u "$TEST_USER" -r R,S,D,T >/dev/null 2>&1; then
		phase_failed "after SIGTERM, $TEST_USER still runs${MODE_NOTE:-}: $(ps -o pid,pgid,stat,args -u "$TEST_USER")"
		return
	fi
	for i in $(seq 1 100); do	# pid 1 may reap the orphans late
		pgrep -u "$TEST_USER" >/dev/null || break
		sleep 0.05
	done
	if pgrep -u "$TEST_USER" >/dev/null; then
		phase_failed "after SIGTERM, processes of $TEST_USER are left${MODE_NOTE:-}: $(ps -o pid,pgid,stat,args -u "$TEST_USER")"
		return
	fi
	for id in $ids; do
		left=$(find /sys/fs/cgroup -maxdepth 7 -type d -iname "*$id*" 2>/dev/null)
		[ -z "$left" ] || { phase_failed "after SIGTERM, the cgroup of shell $id is left: $left"; return; }
	done
	ok "SIGTERM with running shells: exit 0, no process of $TEST_USER, no cgroup left"
}

common=("[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)")

say "phase 1: stdin, signals, Delete, quotas, unknown ids, concurrency, two users"
write_config "${common[@]}" "[Winrs]" "MaxShellsPerUser = 3"
start_daemon
if run_phase main "$USER2" "$PASS2"; then
	grep -q "shell: .* of $TEST_USER deleted (Delete), 1 command(s)" "$DLOG" ||
	    fail "no log line for a Delete"
	stop_ok
fi

say "phase 2: MaxConcurrentUsers = 1, MaxCommandsPerShell = 2; rsp:IdleTimeOut"
write_config "${common[@]}" "[Winrs]" "MaxConcurrentUsers = 1" \
    "MaxCommandsPerShell = 2"
start_daemon
run_phase quotas "$USER2" "$PASS2" && stop_ok

say "phase 3: IdleTimeout = 2000"
write_config "${common[@]}" "[Winrs]" "IdleTimeout = 2000"
start_daemon
run_phase idle && stop_ok

limits_config=("${common[@]}" "[Winrs]" "MaxProcessesPerShell = 10"
    "MaxMemoryPerShellMB = 64")
say "phase 4: MaxProcessesPerShell = 10, MaxMemoryPerShellMB = 64; then SIGTERM"
write_config "${limits_config[@]}"
start_daemon
if run_phase limits; then
	mode=$(grep -oE "limits by (cgroup v1|cgroup v2|rlimits)\)" "$DLOG" | head -n 1)
	[ -n "$mode" ] || fail "no \"limits by cgroup v1|cgroup v2|rlimits\" in the Create log line"
	ok "the Create log line says: ${mode%)}"
	grep -E "^.*cgroup: " "$DLOG" | head -n 2 | sed 's/^/   log: /'
	stop_with_shells
fi

# ------------------------------------------- phase 5: without cgroups
# The daemon in a mount namespace where /sys/fs/cgroup is an empty tmpfs:
# it must fall back to rlimits, and Delete and SIGTERM must still leave
# nothing behind.
say "phase 5: no cgroup hierarchy (rlimits): phases 1 and 4 again"
if ! command -v unshare >/dev/null ||
    ! unshare -m /bin/sh -c 'mount -t tmpfs wrt-probe /mnt' 2>/dev/null; then
	echo "   (no mount namespaces here: phase 5 skipped)"
else
	cat >"$WORK/no-cgroup.sh" <<EOT
#!/bin/bash
# the daemon without a cgroup hierarchy (a private mount namespace)
exec unshare -m /bin/bash -c 'mount -t tmpfs -o size=64k wrt-no-cgroup /sys/fs/cgroup || exit 97; exec "\$@"' no-cgroup "$WINRMD" "\$@"
EOT
	chmod 755 "$WORK/no-cgroup.sh"
	WINRMD=$WORK/no-cgroup.sh
	MODE_NOTE=" (no cgroups, rlimits)"
	write_config "${common[@]}" "[Winrs]" "MaxShellsPerUser = 3"
	start_daemon
	grep -q "shell limits fall back to rlimits" "$DLOG" ||
	    fail "the daemon without /sys/fs/cgroup did not fall back to rlimits"
	if run_phase main "$USER2" "$PASS2"; then
		grep -q "limits by rlimits)" "$DLOG" || fail "the Create log line does not say rlimits"
		stop_ok
	fi
	write_config "${limits_config[@]}"
	start_daemon
	run_phase limits && stop_with_shells
fi
if [ ${#FAILED[@]} -gt 0 ]; then
	fail "${#FAILED[@]} phase(s) failed: $(printf '%s; ' "${FAILED[@]}")"
fi
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
