#!/bin/bash
# restart_keep.sh: a running WinRS command survives a daemon restart
# ([Winrs] RestartGraceSeconds, docs/DESIGN.md §8.4).  restart_keep.py
# stands in for systemd (one listening socket handed to each daemon, and
# the subreaper that reaps what a stopped daemon leaves):
#
#  1. pywinrm runs `sleep 3; echo done`; meanwhile the daemon gets SIGTERM,
#     exits, and a new one starts on the same socket: pywinrm gets "done"
#     and exit code 0; the keeper is gone once claimed; another user's
#     Receive on the kept shell gets ShellNotFound; another command that
#     nobody received from before the stop gives its buffered stdout,
#     its later stderr and its exit code 7; a new Command in a shell taken
#     back is refused (no login session, no cgroup of its own)
#  2. a stop with a command running and no daemon after it: the keeper
#     kills the command's process group when the grace (2 s) runs out,
#     and exits; the next daemon finds nothing to take back
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
make_user OTHER_USER OTHER_PASS

write_config "[Service]" "AllowUnencrypted = true" \
    "KeeperSocket = $WORK/keep.sock" \
    "[Auth]" "Basic = true" \
    "[Winrs]" "RestartGraceSeconds = 2" \
    "[Plugins]" "Load = $(all_plugins_load)"
WRT_DAEMON_LOGS+=("$WORK/daemon.keep.1.log" "$WORK/daemon.keep.2.log" \
    "$WORK/daemon.keep.3.log")
say "restart with a command running (systemd's part played by restart_keep.py)"
with_timeout 90 "$PY" "$WRT_HERE/restart_keep.py" "$WINRMD" "$CONF" \
    "$HTTP_PORT" "$WORK/daemon.keep" "$TEST_USER" "$TEST_PASS" \
    "$OTHER_USER" "$OTHER_PASS" || fail "see above (and the daemon logs)"
echo "PASS: $TEST_NAME"
