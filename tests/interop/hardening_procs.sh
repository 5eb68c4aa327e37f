#!/bin/bash
# hardening_procs.sh: processes as a resource (issue 12 items 3, 4, 10).
# The daemon runs with a 1024 descriptor limit (ulimit -n before start:
# systemd's default soft limit), HTTP Basic, the shell and cim plugins.
#
#  1. [Winrs] MaxProcessesPerShell = 10: ten running commands, the 11th
#     (through the user's shell or WINRS_SKIP_CMD_SHELL) is w:QuotaLimit
#     and starts nothing; after a terminate there is room again
#  2. a command that ended and whose output was never received is no
#     zombie child of the daemon; a later Receive still gets its output
#     and exit code
#  3. user A fills 30 shells with 10 commands each: MaxProcessesPerUser
#     (100 by default) stops A with w:QuotaLimit, the daemon keeps its
#     descriptors (about 4 a command) well below 1024, and user B's
#     command runs at once
#  4. MaxProcessesPerUser = 1000: A is stopped instead by the descriptor
#     reserve (QuotaLimit, and a log line saying so); connections are
#     still accepted: B gets a shell, B's command is QuotaLimit too, and
#     runs once A lets go of a shell
#  5. Win32_Process.Create, [Win32] MaxProcessesPerUser = 3: three
#     created processes, not the daemon's children, in their user's
#     resource group, the daemon's descriptors unchanged by them; the 4th
#     Create is w:QuotaLimit; after a Terminate there is room again
WRT_TEST_TIMEOUT=240
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"
make_user USER_B PASS_B

procs_cleanup() {
	local rc=$? u pids
	for u in "$TEST_USER" "$USER_B"; do
		pids=$(pgrep -u "$u")
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	done
	(exit $rc)
	wrt_cleanup
}
trap procs_cleanup EXIT

# systemd's default soft limit; the daemon raises its soft limit to the
# hard one, so both are 1024
ulimit -n 1024 || hard_error "ulimit -n 1024"

run_phase() {	# run_phase PHASE: the Python below, for one phase
	with_timeout 200 "$PY" - "$1" "$URL_HTTP4" "$URL_HTTP6" "$TEST_USER" \
	    "$TEST_PASS" "$USER_B" "$PASS_B" "$DAEMON_PID" "$DLOG" \
	    <"$WORK/phases.py" || fail "see above"
}

cat >"$WORK/phases.py" <<'EOF'
import os, pwd, sys, time
import cim_common as cc, hardening as hd, shell_common as sc, wsman
from shell_common import Fail, check

phase, url4, url6, ua, pa, ub, pb, pid, dlog = sys.argv[1:10]
P = hd.Proc(pid)
QUOTA_LIMIT = "2150858815"
PROC = cc.CIMV2 + "Win32_Process"

def ok(m):
    print("   ok: " + m, flush=True)

def fault_code(r):
    f = r.fault()
    return f and f["wsmanfault_code"]

def command_reply(s, line, skip=False):
    return s.post(sc.command_envelope(s.shell_id, line, (), skip))

def sleeps(user, tag):
    return [p for p in sc.procs_of(user) if p[3] == "sleep " + tag]

def shells_per_user():
    print("== 1. MaxProcessesPerShell = 10")
    # no login profile: each command is one process (pids.max counts
    # what a profile forks too)
    s = sc.RawShell(url4, ua, pa)
    s.create(noprofile=True)
    cids = [s.command("sleep 1021") for _ in range(10)]
    check(sc.wait_until(lambda: len(sleeps(ua, "1021")) == 10, 5),
          "10 sleeps: %r" % sleeps(ua, "1021"))
    for skip in (False, True):
        r = command_reply(s, "sleep 1022", skip)
        check(fault_code(r) == QUOTA_LIMIT, "the 11th command (skip cmd "
              "shell %s): %s" % (skip, sc.describe(r)))
    time.sleep(0.3)
    check(not sleeps(ua, "1022"), "the refused commands run: %r"
          % sleeps(ua, "1022"))
    check(len(sleeps(ua, "1021")) == 10, "not 10 running")
    ok("10 commands run; the 11th, through the shell or not, is "
       "QuotaLimit %s and nothing of it runs: %s" % (QUOTA_LIMIT,
                                                     r.fault()["reason"]))
    s.expect_ok(s.signal(cids[0]), "Signal terminate")
    cid = s.command("sleep 1022")
    check(sc.wait_until(lambda: len(sleeps(ua, "1022")) == 1, 5),
          "no room after a terminate")
    ok("after a terminate, an 11th command runs")
    s.expect_ok(s.delete(), "Delete")
    check(sc.wait_until(lambda: not sc.procs_of(ua), 5), "left: %r"
          % sc.procs_of(ua))

    print("== 2. a finished command whose output is never received")
    s = sc.RawShell(url4, ua, pa)
    s.create()
    cid = s.command("echo finished; exit 7")
    gone = sc.wait_until(lambda: not [p for p in sc.procs_of(ua)
                                      if p[2] != "Z"], 5)
    check(gone, "the command still runs: %r" % sc.procs_of(ua))
    z = sc.wait_until(lambda: not P.zombies(), 3)
    check(z, "zombie children of the daemon 3 s after the command ended: "
          "%r" % P.zombies())
    time.sleep(1)
    check(not P.zombies(), "a zombie child of the daemon: %r" % P.zombies())
    out, err, code = s.collect(cid)
    check(out == b"finished\n" and code == 7, "Receive: %r %r %d"
          % (out, err, code))
    ok("no zombie child of the daemon while nobody receives; a Receive "
       "1 s later gets the output and exit code 7")
    s.expect_ok(s.delete(), "Delete")

def fill(user, pw, n_shells, per_shell, tag):
    """n_shells shells of user, per_shell commands tried in each: (shells,
    started, refusal replies)"""
    shells, started, refused = [], 0, []
    for i in range(n_shells):
        s = sc.RawShell(url4, user, pw)
        s.create(noprofile=True)
        shells.append(s)
        for j in range(per_shell):
            r = command_reply(s, "sleep " + tag)
            if r.status == 200 and not r.fault():
                started += 1
            else:
                refused.append(r)
    return shells, started, refused

def limits_of(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3:5]

def b_runs(limit=2.0):
    t0 = time.monotonic()
    b = sc.RawShell(url6, ub, pb)
    b.create()
    out, err, code = b.run("id -un")
    dt = time.monotonic() - t0
    check(out == (ub + "\n").encode() and code == 0, "B's command: %r %r %d"
          % (out, err, code))
    check(dt < limit, "B's Create + command took %.2f s" % dt)
    b.expect_ok(b.delete(), "Delete")
    return dt

def descriptors_per_user():
    print("== 3. one user at MaxProcessesPerUser, the daemon at 1024 "
          "descriptors")
    lim = limits_of(P.pid)
    check(lim == ["1024", "1024"], "the daemon's descriptor limits: %r" % lim)
    fd0 = P.fds()
    shells, started, refused = fill(ua, pa, 30, 10, "1031")
    fds = P.fds()
    print("   A: %d commands started, %d refused; the daemon has %d "
          "descriptors (%d before)" % (started, len(refused), fds, fd0))
    check(started == 100, "A started %d commands (MaxProcessesPerUser 100)"
          % started)
    check(all(fault_code(r) == QUOTA_LIMIT for r in refused),
          "A's refusals: %s" % sc.describe(refused[0]))
    check(fds < 700, "the daemon holds %d descriptors" % fds)
    ok("A: 100 commands, then QuotaLimit (%s); the daemon holds %d "
       "descriptors of 1024" % (refused[0].fault()["reason"], fds))
    dt = b_runs()
    ok("meanwhile B's shell and command answered in %.0f ms" % (dt * 1000))
    for s in shells:
        s.expect_ok(s.delete(), "Delete")
        s.close()
    check(sc.wait_until(lambda: not sc.procs_of(ua), 5), "left: %r"
          % sc.procs_of(ua))

def descriptor_reserve():
    print("== 4. MaxProcessesPerUser = 1000: the descriptor reserve")
    shells, started, refused = fill(ua, pa, 30, 10, "1041")
    fds = P.fds()
    print("   A: %d commands started, %d refused; the daemon has %d "
          "descriptors" % (started, len(refused), fds))
    check(refused, "A started all 300 commands")
    check(all(fault_code(r) == QUOTA_LIMIT for r in refused),
          "A's refusals: %s" % sc.describe(refused[0]))
    reason = refused[0].fault()["reason"]
    check("descriptors" in reason, "the refusal: %r" % reason)
    with open(dlog) as f:
        log = f.read()
    check("descriptors open and keeps" in log, "no log line about the "
          "descriptor reserve")
    ok("A: %d commands, then QuotaLimit (%s); logged" % (started, reason))
    b = sc.RawShell(url6, ub, pb)
    b.create()
    r = wsman.post(url6, wsman.identify_envelope(),
                   headers={"WSMANIDENTIFY": "unauthenticated"})
    check(r.status == 200, "Identify: %d" % r.status)
    r = command_reply(b, "id -un")
    check(fault_code(r) == QUOTA_LIMIT, "B's command at the reserve: %s"
          % sc.describe(r))
    ok("connections are still accepted (B's Create, an Identify); B's "
       "command is QuotaLimit too")
    shells[0].expect_ok(shells[0].delete(), "Delete")
    out, err, code = b.run("id -un")
    check(out == (ub + "\n").encode(), "B's command: %r %r" % (out, err))
    ok("once A deletes a shell, B's command runs")
    b.expect_ok(b.delete(), "Delete")
    for s in shells[1:]:
        s.expect_ok(s.delete(), "Delete")
    check(sc.wait_until(lambda: not sc.procs_of(ua), 5), "left: %r"
          % sc.procs_of(ua))

def created():
    print("== 5. Win32_Process.Create, [Win32] MaxProcessesPerUser = 3")
    c = cc.Client(url4, ua, pa)
    uid = pwd.getpwnam(ua).pw_uid
    with open(dlog) as f:
        grouped = "cgroup: no writable cgroup" not in f.read()

    def create(line):
        return c.invoke(PROC, "Create", [("CommandLine", line)])

    def pid_of(r):
        cc.expect_ok(r, "Create")
        check(cc.prop(r.root, "ReturnValue") == "0", "ReturnValue %r"
              % cc.prop(r.root, "ReturnValue"))
        return int(cc.prop(r.root, "ProcessId"))

    pids = [pid_of(create("sleep 1051"))]
    fd1 = P.stable_fds()
    pids += [pid_of(create("sleep 1051")) for _ in range(2)]
    fd3 = P.stable_fds()
    check(fd3 <= fd1, "the daemon's descriptors: %d after one Create, %d "
          "after three" % (fd1, fd3))
    for p in pids:
        with open("/proc/%d/stat" % p) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        check(ppid != P.pid, "process %d is the daemon's child" % p)
        with open("/proc/%d/cgroup" % p) as f:
            groups = f.read()
        check(not grouped or "-win32-%d" % uid in groups,
              "process %d is not in its user's group: %s" % (p, groups))
    ok("3 created processes, none the daemon's child%s; the daemon's "
       "descriptors: %d after one, %d after three" % (
           ", all in the group win32-%d" % uid if grouped else "", fd1, fd3))
    r = create("sleep 1052")
    check(fault_code(r) == QUOTA_LIMIT, "the 4th Create: %s" % sc.describe(r))
    time.sleep(0.3)
    check(not sleeps(ua, "1052"), "the refused Create runs")
    ok("the 4th Create: QuotaLimit (%s)" % r.fault()["reason"])
    r = c.invoke(PROC, "Terminate", [("Reason", "0")], {"Handle": str(pids[0])})
    cc.expect_ok(r, "Terminate")
    check(sc.wait_until(lambda: not os.path.exists("/proc/%d" % pids[0]), 5),
          "the terminated process stays")
    pids.append(pid_of(create("sleep 1052")))
    ok("after a Terminate, a Create runs")
    for p in pids[1:]:
        os.kill(p, 9)

try:
    {"1": shells_per_user, "3": descriptors_per_user,
     "4": descriptor_reserve, "5": created}[phase]()
except Fail as e:
    print("FAIL: %s" % e, file=sys.stderr)
    sys.exit(1)
EOF

write_config "[Service]" "AllowUnencrypted = true" "MaxConnectionsPerIP = 100" \
    "[Winrs]" "MaxProcessesPerShell = 10" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell"
start_daemon
run_phase 1
run_phase 3
grep -q 'commands running in the user.s shells (MaxProcessesPerUser)' "$DLOG" ||
    fail "no log line about MaxProcessesPerUser"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

write_config "[Service]" "AllowUnencrypted = true" "MaxConnectionsPerIP = 100" \
    "[Winrs]" "MaxProcessesPerShell = 10" "MaxProcessesPerUser = 1000" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell"
start_daemon
run_phase 4
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = cim" \
    "[CIM]" "Providers = $WIN32PROV" "[Win32]" "MaxProcessesPerUser = 3"
start_daemon
run_phase 5
grep -q 'Win32_Process.Create as .* refused: .*(MaxProcessesPerUser)' "$DLOG" ||
    fail "no log line about [Win32] MaxProcessesPerUser"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
