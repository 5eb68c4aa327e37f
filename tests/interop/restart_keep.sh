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
#     its later stderr and its exit code 7; a third (`sleep 3; wc -c`)
#     with 400 KiB of stdin sent, a Send of it waiting for the program at
#     the stop: the Send is answered, the next daemon writes the rest and
#     wc counts 409600; a new Command in a shell taken
#     back is refused (no login session, no cgroup of its own).  Twice:
#     with the exit statuses from pidfds (PIDFD_INFO_EXIT, this kernel),
#     then with the daemons' pidfds made to keep none, as before Linux
#     6.15 (WINRMD_TEST_NO_PIDFD_EXIT, a test build's hook): each command
#     runs under its reaper (winrmd-stdin-watch -r), whose status pipe
#     the keeper holds, and the codes 0 and 7 come from there (255 if not)
#  2. a stop with a command running and no daemon after it: the keeper
#     kills the command's process group when the grace (2 s) runs out,
#     and exits; the next daemon finds nothing to take back (the command
#     under a reaper: its group is the reaper's)
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
grep -q '^#define WINRMD_TEST_HOOKS 1' "$top_builddir/build.h" ||
    hard_error "this build has no test hooks: configure --enable-test-hooks (scripts/run-tests does)"
make_user OTHER_USER OTHER_PASS

write_config "[Service]" "AllowUnencrypted = true" \
    "KeeperSocket = $WORK/keep.sock" \
    "[Auth]" "Basic = true" \
    "[Winrs]" "RestartGraceSeconds = 2" \
    "[Plugins]" "Load = $(all_plugins_load)"
for n in 1 2 3 4 5; do WRT_DAEMON_LOGS+=("$WORK/daemon.keep.$n.log"); done
say "restart with a command running (systemd's part played by restart_keep.py)"
with_timeout 90 "$PY" "$WRT_HERE/restart_keep.py" "$WINRMD" "$CONF" \
    "$HTTP_PORT" "$WORK/daemon.keep" "$TEST_USER" "$TEST_PASS" \
    "$OTHER_USER" "$OTHER_PASS" || fail "see above (and the daemon logs)"
echo "PASS: $TEST_NAME"
