#!/bin/bash
# shell_perf.sh: figures for the WinRS plugin, printed, never compared with
# a threshold (timing depends on the machine).  It fails only when
# something breaks functionally: a fault, a wrong exit code or output, a
# Receive that does not answer, an Identify that errs.
#
#  (a) the average wall time of pywinrm's run_cmd('true') (Create, Command,
#      Receive, Signal, Delete) over 50 runs, over HTTP and HTTPS; the same
#      lifecycle from a raw-socket client on one keep-alive connection
#      (separates pywinrm's and requests' own overhead)
#  (b) 200 shells, each with 'sleep 30' and a pending Receive on its own
#      connection: Identify latency p50/p99 over 200 requests, idle and with
#      the 200 shells; the daemon's VmRSS before and with them
# 200 shells; about 10 s alone, more under load: the watchdog gets at least 120 s
[ "${WRT_TEST_TIMEOUT:-0}" -ge 120 ] 2>/dev/null || export WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" "LogLevel = info" \
    "MaxConnections = 1000" "MaxConnectionsPerIP = 0" \
    "[Auth]" "Basic = true" "BasicCacheSeconds = 300" \
    "[Winrs]" "MaxShellsPerUser = 1000" "MaxConcurrentUsers = 100" \
    "MaxProcessesPerUser = 1000" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

say "(a) one shell lifecycle running 'true', 50 times"
with_timeout 100 "$PY" "$WRT_HERE/shell_perf.py" lifecycle "$URL_HTTP4" \
    "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" 50 || fail "(a): see above"
daemon_alive || fail "the daemon died in (a)"

say "(b) 200 shells with a running command and a pending Receive each"
with_timeout 100 "$PY" "$WRT_HERE/shell_perf.py" many "$URL_HTTPS4" \
    "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" 200 || fail "(b): see above"
daemon_alive || fail "the daemon died in (b)"
counters
[ "$C_pending" = 0 ] || fail "pending=$C_pending after every Receive was answered"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
