#!/bin/bash
# hardening_faults.sh: faults around running shells (issue 7 item 7; the
# idle shell reaped by IdleTimeout and SIGTERM with two shells are
# shell_lifecycle.sh phases 3 and 4).  One daemon, HTTP Basic
# (AllowUnencrypted: the streams are big; TLS is covered elsewhere).
#
#  1. a command's process killed from outside (kill -9): its Receive
#     reports Done with exit code 137; a shell's leader killed while its
#     background child holds stdout: Done once the child ends; no zombie
#     child of the daemon
#  2. a client that disconnects (RST) in the middle of a long-poll Receive:
#     the daemon completes the operation at its OperationTimeout and frees
#     it (pending=0) -- until this test, the daemon aborted there, tearing
#     down every user's shells -- and the command's later output and exit
#     code go to a new Receive on another connection; a new Receive that
#     takes over from a reset one gets all the output; the daemon's fds
#     are back to their count
#  3. SIGHUP reload, three times, while 50 shells stream 50 x 228,890 bytes:
#     every stream arrives complete (byte count and SHA-256), exit code 0;
#     afterwards the daemon holds its fds from before the shells plus the
#     clients' connections, and nothing is pending
#  4. SIGTERM with the 50 shells open, each running a command (some with a
#     background child, some with a client waiting in Receive), and
#     [Winrs] RestartGraceSeconds = 0 (the default: nothing kept): the daemon
#     exits 0 within 10 s, the waiting clients get an answer, and no
#     process of the test user is left (all children reaped, nothing
#     orphaned)
# Leaks: the sanitizer build runs this too; LeakSanitizer fails the
# daemon's exit status.
WRT_TEST_TIMEOUT=240
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

kill_leftovers() {
	local pids
	pids=$(pgrep -u "$TEST_USER")
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
}
faults_cleanup() {
	local rc=$?
	kill_leftovers
	(exit $rc)
	wrt_cleanup
}
trap faults_cleanup EXIT

write_config "[Service]" "AllowUnencrypted = true" "LogLevel = info" \
    "MaxConnectionsPerIP = 200" \
    "[Plugins]" "Load = $(all_plugins_load)" \
    "[Winrs]" "MaxShellsPerUser = 60" \
    "RestartGraceSeconds = 0"
# phase 4 is a stop that keeps nothing (the default grace, 0, stated);
# restart_keep.sh covers a grace, and that its keeper leaves nothing
# behind once it runs out
start_daemon

with_timeout 200 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" \
    "$DLOG" "$CONF" <<'EOF' || fail "see above"
import hashlib, os, re, signal, socket, sys, threading, time
import hardening as hd, shell_common as sc, wsman
from shell_common import Fail, check

url, user, pw, pid, dlog, conf = sys.argv[1:7]
P = hd.Proc(pid)

def ok(m):
    print("   ok: " + m, flush=True)

def counters():
    """SIGUSR1 -> the new counters line of the log, as a dict"""
    with open(dlog) as f:
        n = f.read().count("counters:")
    os.kill(P.pid, signal.SIGUSR1)
    def line():
        with open(dlog) as f:
            t = f.read()
        return t.count("counters:") > n and t[t.rindex("counters:"):]
    t = hd.wait_until(line, 5)
    check(t, "SIGUSR1 logged no counters")
    return dict(kv.split("=") for kv in t.split("\n")[0].split()[1:])

def no_zombies():
    z = hd.wait_until(lambda: not P.zombies(), 5)
    check(z, "zombie children of the daemon: %r" % P.zombies())

def find_proc(cmdline, limit=5):
    ps = sc.wait_until(lambda: [p for p in sc.procs_of(user)
                                if p[3] == cmdline], limit)
    check(ps, "%r never started" % cmdline)
    return ps[0][0]

def shell():
    s = sc.RawShell(url, user, pw, timeout=60)
    s.create()
    return s

# warm-up: PAM, the log, the first shell's allocations
s = shell()
s.run("true")
s.expect_ok(s.delete(), "Delete")
s.close()
FD0 = P.stable_fds()
print("   daemon fds after a first shell: %d" % FD0)

# ------------------------------------------------------- 1. kill -9
print("== 1. a command's process killed from outside")
s = shell()
cid = s.command("sleep", ("1011",), skip_cmd_shell=True)
p = find_proc("sleep 1011")
os.kill(p, signal.SIGKILL)
out, err, code = s.collect(cid, limit=10)
check(code == 137, "kill -9 of the command: exit code %d, expected 137" % code)
s.expect_ok(s.signal(cid), "Signal terminate")
ok("kill -9 of the command's process (pid %d): Done, exit code 137" % p)
# the leader dies, a background child still holds stdout
cid = s.command("sleep 1012 & echo started; exec sleep 1013")
p = find_proc("sleep 1013")
os.kill(p, signal.SIGKILL)
time.sleep(0.5)
child = find_proc("sleep 1012")
os.kill(child, signal.SIGKILL)
out, err, code = s.collect(cid, limit=10)
check(code == 137, "leader killed: exit code %r" % code)
s.expect_ok(s.signal(cid), "Signal terminate")
s.expect_ok(s.delete(), "Delete")
s.close()
no_zombies()
check(not [x for x in sc.procs_of(user) if x[2] != "Z"],
      "processes left: %r" % sc.procs_of(user))
ok("kill -9 of a shell leader whose background child holds stdout: Done "
   "(137) once the child is gone; no zombie child of the daemon")

# ------------------------------------------------- 2. disconnects
print("== 2. clients that disconnect in the middle of a long-poll Receive")
s = shell()
cid = s.command("sleep 3; echo late")
sock = hd.connect(url)
hd.send(sock, hd.soap_request(sc.receive_envelope(s.shell_id, cid, "PT2S"),
                              user, pw))
check(hd.wait_until(lambda: counters()["pending"] == "1", 10),
      "the Receive is not pending")
hd.rst_close(sock)
check(hd.wait_until(lambda: counters()["pending"] == "0", 6),
      "the abandoned Receive is still pending 6 s later")
ok("a client reset while its Receive was pending (OperationTimeout 2 s): the daemon "
   "completed and freed the operation (pending=0)")
out, err, code = s.collect(cid, limit=10)
check(out == b"late\n" and code == 0, "a new Receive got %r, exit code %d"
      % (out, code))
s.expect_ok(s.signal(cid), "Signal terminate")
ok("the command's later output and exit code came to a new Receive on "
   "another connection")
# output arrives while the client is gone
cid = s.command("sleep 1; echo early; sleep 1; echo after")
sock = hd.connect(url)
hd.send(sock, hd.soap_request(sc.receive_envelope(s.shell_id, cid, "PT20S"),
                              user, pw))
check(hd.wait_until(lambda: counters()["pending"] == "1", 10),
      "the Receive is not pending")
hd.rst_close(sock)
out, err, code = s.collect(cid, limit=10)
check(code == 0 and out == b"early\nafter\n", "after a reset: %r, exit code "
      "%d" % (out, code))
s.expect_ok(s.signal(cid), "Signal terminate")
check(hd.wait_until(lambda: counters()["pending"] == "0", 5), "pending ops left")
ok("a client reset before output arrived: a new Receive on another "
   "connection took over the abandoned one and got all of it, %r, and exit "
   "code 0" % out)
s.expect_ok(s.delete(), "Delete")
s.close()
fds = hd.wait_until(lambda: P.fds() == FD0 and FD0, 5)
check(fds, "the daemon has %d fds, %d before" % (P.fds(), FD0))
ok("the daemon's fds are back to %d" % FD0)

# --------------------------------------------- 3. SIGHUP while streaming
N = 50
print("== 3. SIGHUP reload (3 times) while %d shells stream output" % N)
CMD = ("i=0; while [ $i -lt 40 ]; do seq $((i * 1000)) $((i * 1000 + 999)); "
       "i=$((i + 1)); sleep 0.05; done")
want = "".join("%d\n" % k for k in range(40000)).encode()
results, errors = {}, []
started = threading.Barrier(N + 1)
shells = []

def stream(i):
    try:
        s = shell()
        shells.append(s)
        cid = s.command(CMD)
        started.wait(60)
        results[i] = s.collect(cid, limit=120, operation_timeout="PT5S")
        s.expect_ok(s.signal(cid), "Signal terminate")
    except Exception as e:
        errors.append("shell %d: %r" % (i, e))
        try:
            started.abort()
        except Exception:
            pass

threads = [threading.Thread(target=stream, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
try:
    started.wait(90)
except threading.BrokenBarrierError:
    raise Fail("the shells did not all start: %r" % errors[:3])
t0 = time.monotonic()
text = open(conf).read()
def reloads_logged():
    with open(dlog) as f:
        return f.read().count("configuration reloaded")

for k in range(3):
    # spread over the streams; each reload is waited for before the next
    # signal (a busy daemon reads two signals close together as one)
    time.sleep(0.4)
    n = reloads_logged()
    # a real change each time: the log level
    text = re.sub(r"(?m)^LogLevel = .*$", "LogLevel = %s" %
                  ("debug", "info", "notice")[k], text)
    open(conf, "w").write(text)
    os.kill(P.pid, signal.SIGHUP)
    check(hd.wait_until(lambda: reloads_logged() > n, 30),
          "SIGHUP %d: no reload logged within 30 s" % (k + 1))
for t in threads:
    t.join(150)
dt = time.monotonic() - t0
check(not errors, "streams failed: %s" % "; ".join(errors[:5]))
reloads = reloads_logged()
check(reloads >= 3, "only %d reloads logged" % reloads)
bad = [i for i in range(N) if results.get(i) is None or results[i][2] != 0 or
       len(results[i][0]) != len(want) or
       hashlib.sha256(results[i][0]).digest() != hashlib.sha256(want).digest()]
if bad:
    raise Fail("%d streams incomplete or wrong, e.g. shell %d: %r bytes, "
               "exit %r" % (len(bad), bad[0],
                            len(results.get(bad[0], (b"",))[0]),
                            results.get(bad[0], (0, 0, None))[2]))
ok("%d streams of %d bytes each, all complete (SHA-256) with exit code 0, "
   "in %.1f s across 3 SIGHUP reloads" % (N, len(want), dt))
# the shells stay (for 4.), with their clients' connections and each its
# login session's pipe to its helper (daemon/session.c); their commands
# are gone, and so are the commands' fds
check(hd.wait_until(lambda: P.fds() == FD0 + 2 * N, 5), "after the streams "
      "the daemon has %d fds, %d before the shells + %d connections + %d "
      "sessions" % (P.fds(), FD0, N, N))
check(counters()["pending"] == "0", "pending operations after the streams")
ok("afterwards: the daemon holds %d fds, as before the shells plus the %d "
   "clients' connections and the %d shells' sessions; nothing pending"
   % (P.fds(), N, N))

# --------------------------------------------------- 4. SIGTERM
print("== 4. SIGTERM with %d shells open, each running a command" % N)
waiting = []
for i, s in enumerate(shells):
    cmd = ("sleep 1020 & sleep 1021 & wait" if i % 5 == 0 else "sleep 1022")
    cid = s.command(cmd)
    if i % 10 == 0:
        w = {"reply": None}
        conn = s.new_connection()

        def recv(s=s, cid=cid, conn=conn, w=w):
            try:
                w["reply"] = s.receive(cid, "PT60S", conn=conn)
            except Exception as e:
                w["reply"] = e
        th = threading.Thread(target=recv)
        th.start()
        waiting.append((th, w))
check(sc.wait_until(lambda: len([p for p in sc.procs_of(user)
                                 if p[3] == "sleep 1022"]) == N - N // 5, 10),
      "the 1022 sleeps did not all start")
nprocs = len(sc.procs_of(user))
# the clients that wait are in Receive when the signal comes
check(hd.wait_until(lambda: counters()["pending"] == str(len(waiting)), 10),
      "the %d Receives are not all pending" % len(waiting))
t0 = time.monotonic()
os.kill(P.pid, signal.SIGTERM)
gone = hd.wait_until(lambda: not P.alive(), 10)
dt = time.monotonic() - t0
check(gone, "the daemon still runs 10 s after SIGTERM")
for th, w in waiting:
    th.join(10)
    check(not th.is_alive(), "a client waiting in Receive got no answer")
answers = sorted(set((w["reply"].status if isinstance(w["reply"],
                      wsman.Reply) else type(w["reply"]).__name__)
                     for _, w in waiting))
check(answers == [500], "the clients waiting in Receive got %r, expected "
      "a fault (500)" % answers)
left = hd.wait_until(lambda: not sc.procs_of(user), 5)
check(left, "after SIGTERM, processes of %s are left: %r"
      % (user, sc.procs_of(user)))
ok("SIGTERM with %d shells and %d processes of %s: the daemon exited in "
   "%.2f s, the %d clients waiting in Receive got %s, no process of the "
   "user is left" % (N, nprocs, user, dt, len(waiting), answers))
EOF

# the daemon has exited by now: its status (LeakSanitizer's too)
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC after SIGTERM"
ok "exit status 0"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
