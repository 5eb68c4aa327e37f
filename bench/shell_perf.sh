#!/bin/bash
# shell_perf.sh: figures for the WinRS plugin, run by bench/run (once a
# test of make check: timing depends on the machine, so it is a benchmark).
# It fails only when something breaks functionally: a fault, a wrong exit
# code or output, a Receive that does not answer, an Identify that errs.
# Its ratios go to bench/run's table as "BENCH|name|winrmd|baseline|
# higher or lower|target" lines.  Sizes: SHELL_PERF_RUNS (50) lifecycles,
# SHELL_PERF_SHELLS (200) shells.
#
#  (a) the average wall time of pywinrm's run_cmd('true') (Create, Command,
#      Receive, Signal, Delete) over 50 runs, over HTTP and HTTPS (ratio:
#      HTTPS against HTTP, at most 1.5); the same
#      lifecycle from a raw-socket client on one keep-alive connection
#      (separates pywinrm's and requests' own overhead)
#  (b) 200 shells, each with 'sleep 30' and a pending Receive on its own
#      connection: Identify latency p50/p99 over 200 requests, idle and with
#      the 200 shells (ratio of the p99s: at most 2); the daemon's VmRSS
#      before and with them
# 200 shells; about 10 s alone, more under load: the watchdog gets at least 120 s
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/../tests/interop/lib.sh"
RUNS=${SHELL_PERF_RUNS:-50}
SHELLS=${SHELL_PERF_SHELLS:-200}

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" "LogLevel = info" \
    "MaxConnections = 1000" "MaxConnectionsPerIP = 0" \
    "[Auth]" "Basic = true" "BasicCacheSeconds = 300" \
    "[Winrs]" "MaxShellsPerUser = 1000" "MaxConcurrentUsers = 100" \
    "MaxProcessesPerUser = 1000" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

say "(a) one shell lifecycle running 'true', $RUNS times"
with_timeout 100 "$PY" "$WRT_TEST_HERE/shell_perf.py" lifecycle "$URL_HTTP4" \
    "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$RUNS" || fail "(a): see above"
daemon_alive || fail "the daemon died in (a)"

say "(b) $SHELLS shells with a running command and a pending Receive each"
with_timeout 100 "$PY" "$WRT_TEST_HERE/shell_perf.py" many "$URL_HTTPS4" \
    "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" "$SHELLS" || fail "(b): see above"
daemon_alive || fail "the daemon died in (b)"
counters
[ "$C_pending" = 0 ] || fail "pending=$C_pending after every Receive was answered"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
