#!/usr/bin/python3
"""shell_lifecycle.py PHASE URL USER PASSWORD DAEMON_PID DLOG [USER2 PASS2]:
the phases of shell_lifecycle.sh, with raw envelopes (wsman.py,
shell_common.py).  PHASE: main, quotas, idle, limits, stop."""

import hashlib
import os
import re
import threading
import time
import uuid

import shell_common as sc
import wsman
from shell_common import Fail, check


RSP_NS_BOGUS_SIGNAL = sc.RSP + "/signal/no_such_signal"


def ok(msg):
    print("   ok: %s" % msg, flush=True)


def info(msg):
    print("   %s" % msg, flush=True)


def procs_matching(user, cmdline):
    """the user's processes whose command line is exactly cmdline"""
    return [p for p in sc.procs_of(user) if p[3] == cmdline]


def live_procs(user):
    return [p for p in sc.procs_of(user) if p[2] != "Z"]


def wait_procs(user, cmdline, n, limit=5.0):
    """waits until at least n of the user's processes have cmdline"""
    return sc.wait_until(lambda: len(procs_matching(user, cmdline)) >= n and
                         procs_matching(user, cmdline), limit)


def expect_fault(reply, code, what):
    f = reply.fault()
    check(reply.status == 500 and f is not None,
          "%s: expected a fault, got %s" % (what, sc.describe(reply)))
    check((reply.header("Content-Type") or "").startswith(
        "application/soap+xml"), "%s: fault Content-Type %r"
        % (what, reply.header("Content-Type")))
    if code is not None:
        check(f["wsmanfault_code"] == code, "%s: WSManFault Code %s, "
              "expected %s (%s)" % (what, f["wsmanfault_code"], code,
                                    sc.describe(reply)))
    return f


def zombies(daemon_pid):
    return [p for p, s in sc.children_of(daemon_pid) if s == "Z"]


class Ctx:
    def __init__(self, argv):
        (self.phase, self.url, self.user, self.pw, pid, self.dlog) = argv[:6]
        self.pid = int(pid)
        self.user2 = argv[6] if len(argv) > 6 else None
        self.pw2 = argv[7] if len(argv) > 7 else None

    def shell(self, user=None, pw=None, **create):
        s = sc.RawShell(self.url, user or self.user, pw or self.pw,
                        timeout=70)
        s.create(**create)
        return s

    def alive(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                st = f.read()
        except OSError:
            return False
        return st[st.rfind(")") + 2] != "Z"

    def stable_fds(self):
        """the daemon's fd count once two reads 0.2 s apart agree"""
        n = sc.fd_count(self.pid)
        for _ in range(15):
            time.sleep(0.2)
            m = sc.fd_count(self.pid)
            if m == n:
                break
            n = m
        return n

    def fd_table(self):
        fds = {}
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                fds[int(fd)] = os.readlink("/proc/%d/fd/%s" % (self.pid, fd))
            except OSError:
                pass
        return fds

    def baseline(self):
        """the daemon's fd count before any shell, and after one full
        lifecycle per user (PAM, syslog and the like may keep what they
        open on first use): the count the test must end with"""
        fds0, table0 = self.stable_fds(), self.fd_table()
        s = self.shell(codepage=65001)
        out, err, code = s.run("echo warm")
        check(out == b"warm\n" and code == 0, "warm-up: %r %d" % (out, code))
        s.expect_ok(s.delete(), "warm-up Delete")
        s.close()
        if self.user2:
            s = self.shell(self.user2, self.pw2)
            s.expect_ok(s.delete(), "warm-up Delete (second user)")
            s.close()
        self.fds = self.stable_fds()
        table = self.fd_table()
        new = {k: v for k, v in table.items() if table0.get(k) != v}
        info("daemon fds: %d before any request, %d after a first shell "
             "per user%s" % (fds0, self.fds, " (new: %s)" % sorted(
                 set(new.values())) if new else ""))

    def finish(self):
        check(self.alive(), "the daemon is gone")
        left = sc.wait_until(lambda: not sc.procs_of(self.user), 5)
        check(left, "processes of %s left: %r" % (self.user,
                                                   sc.procs_of(self.user)))
        if self.user2:
            check(not sc.procs_of(self.user2), "processes of %s left: %r"
                  % (self.user2, sc.procs_of(self.user2)))
        z = sc.wait_until(lambda: not zombies(self.pid), 5)
        check(z, "zombie children of the daemon: %r" % zombies(self.pid))
        ok("no process of the test user(s) left, no zombie child of the "
           "daemon")
        same = sc.wait_until(lambda: sc.fd_count(self.pid) == self.fds, 5)
        if not same:
            raise Fail("the daemon has %d fds open, %d before the shells: "
                       "%r" % (sc.fd_count(self.pid), self.fds,
                               self.fd_table()))
        ok("the daemon's fd count is back to %d" % self.fds)
        left = sc.wait_until(lambda: not sc.cgroup_dirs_named(sc.CREATED), 5)
        check(left, "cgroups of deleted shells are left: %r"
              % sc.cgroup_dirs_named(sc.CREATED))
        ok("no cgroup directory of the %d deleted shells is left"
           % len(sc.CREATED))


# ------------------------------------------------------------- main phase

def stdin_tests(c):
    s = c.shell(codepage=65001)
    data = b"hello\nworld \x00\x01\xff\xfe binary\r\n" + bytes(range(256))
    out, err, code = s.run("cat", stdin=data)
    check((out, err, code) == (data, b"", 0),
          "cat with one Send (End): %r %r %d" % (out[:100], err[:200], code))
    ok("cat echoes a Send with End=\"true\" exactly (%d bytes)" % len(data))

    big = os.urandom(1024 * 1024)
    cid = s.command("cat")
    step = 128 * 1024
    t0 = time.monotonic()
    for off in range(0, len(big), step):
        s.send(cid, big[off:off + step], end=off + step >= len(big))
    t_send = time.monotonic() - t0
    out, err, code = s.collect(cid)
    s.expect_ok(s.signal(cid), "Signal")
    check(code == 0 and err == b"", "cat of 1 MiB: exit %d, stderr %r"
          % (code, err[:200]))
    check(hashlib.sha256(out).digest() == hashlib.sha256(big).digest(),
          "cat of 1 MiB in 8 Sends: %d bytes back, sha256 differs"
          % len(out))
    ok("1 MiB of stdin in 8 Sends (%.2f s) comes back byte-exact" % t_send)

    # End in an empty Send of its own, after data Sends (Go's Stdin.Close)
    cid = s.command("wc -c")
    s.send(cid, b"x" * 1000)
    s.send(cid, b"", end=True)
    out, err, code = s.collect(cid)
    s.expect_ok(s.signal(cid), "Signal")
    check(code == 0 and out.strip() == b"1000", "wc -c after an empty "
          "End Send: %r %r" % (out, err))
    ok("an empty Send with End closes stdin")
    s.expect_ok(s.delete(), "Delete")
    s.close()


def signal_tests(c):
    s = c.shell()
    cid = s.command("sleep 1001")
    ps = wait_procs(c.user, "sleep 1001", 1)
    check(ps, "sleep 1001 never showed up among %s's processes" % c.user)
    pgids = {p[1] for p in ps}
    t0 = time.monotonic()
    s.expect_ok(s.signal(cid, sc.SIG_TERMINATE), "Signal terminate")
    gone = sc.wait_until(lambda: not [p for p in sc.procs_of(c.user)
                                      if p[1] in pgids], 2.0)
    dt = time.monotonic() - t0
    check(gone, "2 s after Signal terminate, process group(s) %r still "
          "have %r" % (pgids, [p for p in sc.procs_of(c.user)
                               if p[1] in pgids]))
    ok("Signal terminate: process group %s gone after %.0f ms"
       % (",".join(map(str, pgids)), dt * 1000))
    r = s.post(sc.send_envelope(s.shell_id, cid, b"late", end=True))
    f = expect_fault(r, None, "Send after terminate")
    info("Send after terminate: %s / %s, WSManFault %s"
         % (f["code"], f["subcode"], f["wsmanfault_code"]))
    r = s.receive(cid)
    expect_fault(r, None, "Receive after terminate")
    r = s.signal(cid)
    expect_fault(r, None, "a second Signal terminate")
    check(c.alive(), "the daemon died")
    ok("Send, Receive and Signal for the terminated CommandId are faults")

    cid = s.command("sleep 1002")
    check(wait_procs(c.user, "sleep 1002", 1), "sleep 1002 never started")
    t0 = time.monotonic()
    s.expect_ok(s.signal(cid, sc.SIG_CTRL_C), "Signal ctrl_c")
    out, err, code = s.collect(cid, limit=10)
    check(code == 130, "ctrl_c: exit code %d, expected 130 (stderr %r)"
          % (code, err))
    ok("Signal ctrl_c: Done with exit code 130 after %.0f ms"
       % ((time.monotonic() - t0) * 1000))
    s.expect_ok(s.signal(cid), "Signal terminate after ctrl_c")

    cid = s.command("sleep 1009")
    check(wait_procs(c.user, "sleep 1009", 1), "sleep 1009 never started")
    s.expect_ok(s.signal(cid, sc.SIG_CTRL_BREAK), "Signal ctrl_break")
    out, err, code = s.collect(cid, limit=10)
    check(code == 143, "ctrl_break: exit code %d, expected 143 (SIGTERM)"
          % code)
    ok("Signal ctrl_break: Done with exit code 143 (SIGTERM)")
    s.expect_ok(s.signal(cid), "Signal terminate after ctrl_break")
    r = s.signal(cid, RSP_NS_BOGUS_SIGNAL)
    expect_fault(r, None, "an unknown signal code")
    s.expect_ok(s.delete(), "Delete")
    s.close()


def delete_tests(c):
    s = c.shell()
    cid = s.command("sleep 1003 & sleep 1003 & setsid sleep 1004 & wait")
    check(wait_procs(c.user, "sleep 1003", 2), "the two sleep 1003 never "
          "started: %r" % sc.procs_of(c.user))
    check(wait_procs(c.user, "sleep 1004", 1), "setsid sleep 1004 never "
          "started: %r" % sc.procs_of(c.user))
    esc = procs_matching(c.user, "sleep 1004")
    leader = procs_matching(c.user, "sleep 1003")[0][1]
    check(all(p[1] != leader for p in esc), "setsid did not leave the "
          "command's process group: %r" % esc)
    info("before Delete: %r" % [(p[0], p[1], p[3]) for p in
                                sc.procs_of(c.user)])
    # a second shell with its own children, deleted at the same time
    s2 = c.shell()
    s2.command("sleep 1005 & sleep 1005 & wait")
    check(wait_procs(c.user, "sleep 1005", 2), "sleep 1005 never started")
    t0 = time.monotonic()
    s.expect_ok(s.delete(), "Delete with running children")
    s2.expect_ok(s2.delete(), "Delete (second shell)")
    # orphans become zombies of pid 1 once killed: how soon pid 1 reaps
    # them is not the daemon's business (some container inits take 2 s)
    gone = sc.wait_until(lambda: not live_procs(c.user), 2.0)
    dt = time.monotonic() - t0
    check(gone, "2 s after Delete, %s still has processes: %r"
          % (c.user, live_procs(c.user)))
    gone = sc.wait_until(lambda: not sc.procs_of(c.user), 5.0)
    check(gone, "5 s after Delete, %s still has processes (zombies "
          "included): %r" % (c.user, sc.procs_of(c.user)))
    ok("Delete of shells with background children and a setsid escapee: "
       "no live process of %s after %.0f ms, none at all (zombies "
       "reaped) after %.0f ms" % (c.user, dt * 1000,
                                  (time.monotonic() - t0) * 1000))
    r = s.receive(cid)
    expect_fault(r, sc.CODE_SHELL_NOT_FOUND, "Receive after Delete")
    r = s.delete()
    expect_fault(r, sc.CODE_SHELL_NOT_FOUND, "a second Delete")
    ok("Receive and Delete of the deleted shell: WSManFault %s"
       % sc.CODE_SHELL_NOT_FOUND)
    s.close()
    s2.close()


def quota_tests(c):
    shells = [c.shell() for _ in range(3)]
    s4 = sc.RawShell(c.url, c.user, c.pw)
    r = s4.post(sc.create_envelope())
    f = expect_fault(r, sc.CODE_QUOTA_MAX_SHELLS, "the 4th Create")
    check(wsman.resolve_qname(r.body, f["subcode"]) ==
          "{%s}QuotaLimit" % wsman.NS["w"],
          "the 4th Create: subcode %s, expected w:QuotaLimit" % f["subcode"])
    ok("MaxShellsPerUser = 3: the 4th Create gets %s / w:QuotaLimit, "
       "WSManFault %s" % (f["code"], f["wsmanfault_code"]))
    shells[0].expect_ok(shells[0].delete(), "Delete")
    s4.create()
    out, err, code = s4.run("echo again")
    check(out == b"again\n", "the new shell does not work: %r" % out)
    ok("after one Delete a Create works again")
    for s in shells[1:] + [s4]:
        s.expect_ok(s.delete(), "Delete")
        s.close()
    shells[0].close()


def unknown_tests(c):
    s = sc.RawShell(c.url, c.user, c.pw)
    s.shell_id = str(uuid.uuid4()).upper()
    cid = str(uuid.uuid4()).upper()
    for what, env in (
            ("Command", sc.command_envelope(s.shell_id, "true")),
            ("Send", sc.send_envelope(s.shell_id, cid, b"x")),
            ("Receive", sc.receive_envelope(s.shell_id, cid)),
            ("Signal", sc.signal_envelope(s.shell_id, cid)),
            ("Delete", sc.delete_envelope(s.shell_id))):
        r = s.post(env)
        f = expect_fault(r, sc.CODE_SHELL_NOT_FOUND, what + " of an unknown "
                         "ShellId")
    ok("an unknown ShellId: Command, Send, Receive, Signal, Delete all get "
       "%s / %s, WSManFault %s" % (f["code"], f["subcode"],
                                   f["wsmanfault_code"]))
    # a known shell, an unknown CommandId: a fault, not a crash
    s.create()
    for what, env in (("Send", sc.send_envelope(s.shell_id, cid, b"x")),
                      ("Receive", sc.receive_envelope(s.shell_id, cid)),
                      ("Signal", sc.signal_envelope(s.shell_id, cid))):
        expect_fault(s.post(env), None, what + " of an unknown CommandId")
    ok("an unknown CommandId in a known shell: faults")
    s.expect_ok(s.delete(), "Delete")
    s.close()


def concurrency_tests(c):
    s = c.shell(codepage=65001)
    cid = s.command("cat")
    conn1, conn2 = s.new_connection(), s.new_connection()
    res = {}

    def recv():
        t0 = time.monotonic()
        try:
            res["reply"] = s.receive(cid, "PT20S", conn=conn1)
        except Exception as e:
            res["error"] = e
        res["t"] = time.monotonic()
        res["dt"] = res["t"] - t0
    th = threading.Thread(target=recv)
    th.start()
    time.sleep(0.5)
    check("t" not in res, "the Receive for a silent cat answered at once: "
          "%r" % (res.get("reply") or res.get("error")))
    t0 = time.monotonic()
    r = s.post(sc.send_envelope(s.shell_id, cid, b"ping\n"), conn=conn2)
    t_send = time.monotonic() - t0
    s.expect_ok(r, "Send while a Receive is pending")
    check(t_send < 1.0, "the Send took %.2f s while a Receive was pending"
          % t_send)
    th.join(5)
    check(not th.is_alive(), "the pending Receive did not answer within "
          "5 s of the Send")
    check("error" not in res, "the pending Receive failed: %r"
          % res.get("error"))
    out, err, state, code = sc.parse_receive(res["reply"])
    check(res["reply"].status == 200 and out == b"ping\n",
          "the pending Receive returned %s, stdout %r" %
          (sc.describe(res["reply"]), out))
    ok("a pending Receive (connection 1) did not block a Send (connection "
       "2, %.0f ms); the Receive then returned the data %.0f ms after the "
       "Send" % (t_send * 1000, (res["t"] - t0) * 1000))
    s.send(cid, b"", end=True, conn=conn2)
    out, err, code = s.collect(cid, conn=conn1)
    check(code == 0, "cat exited %d" % code)
    s.expect_ok(s.signal(cid, conn=conn2), "Signal")
    s.expect_ok(s.delete(conn=conn2), "Delete")
    for x in (conn1, conn2, s.conn):
        x.close()


def two_user_tests(c):
    a = c.shell()
    b = c.shell(c.user2, c.pw2)
    ca = a.command("sleep 1006")
    check(wait_procs(c.user, "sleep 1006", 1), "sleep 1006 never started")
    # b uses a's ShellId (and CommandId)
    spy = sc.RawShell(c.url, c.user2, c.pw2)
    spy.shell_id = a.shell_id
    for what, env in (
            ("Command", sc.command_envelope(a.shell_id, "id -un")),
            ("Receive", sc.receive_envelope(a.shell_id, ca)),
            ("Send", sc.send_envelope(a.shell_id, ca, b"x")),
            ("Signal", sc.signal_envelope(a.shell_id, ca)),
            ("Delete", sc.delete_envelope(a.shell_id))):
        expect_fault(spy.post(env), sc.CODE_SHELL_NOT_FOUND,
                     "%s by %s of %s's shell" % (what, c.user2, c.user))
    check(procs_matching(c.user, "sleep 1006"), "%s's command died after "
          "%s's requests" % (c.user, c.user2))
    ok("%s's ShellId is \"not found\" (%s) for %s: Command, Receive, Send, "
       "Signal, Delete" % (c.user, sc.CODE_SHELL_NOT_FOUND, c.user2))
    spy.shell_id = b.shell_id
    r = a.post(sc.command_envelope(b.shell_id, "id -un"))
    expect_fault(r, sc.CODE_SHELL_NOT_FOUND, "%s using %s's ShellId"
                 % (c.user, c.user2))
    out, err, code = b.run("id -un")
    check(out == (c.user2 + "\n").encode(), "%s's shell runs as %r"
          % (c.user2, out))
    ok("and the other way round; each shell runs as its owner")
    a.expect_ok(a.signal(ca), "Signal")
    a.expect_ok(a.delete(), "Delete")
    b.expect_ok(b.delete(), "Delete")
    for x in (a, b, spy):
        x.close()


def phase_main(c):
    c.baseline()
    stdin_tests(c)
    signal_tests(c)
    delete_tests(c)
    quota_tests(c)
    unknown_tests(c)
    concurrency_tests(c)
    two_user_tests(c)
    c.finish()


# ------------------------------------------------------------- idle phase

def phase_idle(c):
    c.baseline()
    s = c.shell()
    s.command("sleep 1007")
    check(wait_procs(c.user, "sleep 1007", 1), "sleep 1007 never started")
    # a second shell whose client keeps a Receive pending is not idle
    busy = c.shell()
    bcid = busy.command("sleep 1008")
    check(wait_procs(c.user, "sleep 1008", 1), "sleep 1008 never started")
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 5.0:
        r = busy.receive(bcid, "PT2S")
        n += 1
        f = r.fault()
        check(f is None or f["wsmanfault_code"] == sc.CODE_TIMED_OUT,
              "Receive %d on the busy shell: %s" % (n, sc.describe(r)))
    # IdleTimeout = 2000: the first shell is long gone by now
    gone = sc.wait_until(lambda: not procs_matching(c.user, "sleep 1007"),
                         3.0)
    check(gone, "the idle shell's sleep 1007 still runs %.1f s after its "
          "last request (IdleTimeout 2000 ms)" % (time.monotonic() - t0))
    check(procs_matching(c.user, "sleep 1008"), "the busy shell's "
          "command was killed though its client was in Receive")
    ok("IdleTimeout 2000 ms: the idle shell's process was killed; the shell "
       "with a client in Receive (%d Receives over 5 s) kept its command"
       % n)
    with open(c.dlog) as f:
        log = f.read()
    check(re.search(r"shell: %s of %s deleted \(idle timeout\)"
                    % (re.escape(s.shell_id), re.escape(c.user)), log),
          "no log line for the idle shell's deletion")
    r = s.post(sc.command_envelope(s.shell_id, "true"))
    expect_fault(r, sc.CODE_SHELL_NOT_FOUND, "Command in the expired shell")
    r = s.delete()
    expect_fault(r, sc.CODE_SHELL_NOT_FOUND, "Delete of the expired shell")
    ok("later requests with the expired ShellId: WSManFault %s"
       % sc.CODE_SHELL_NOT_FOUND)
    busy.expect_ok(busy.delete(), "Delete of the busy shell")
    s.close()
    busy.close()
    c.finish()


# ----------------------------------------------------------- quotas phase

def phase_quotas(c):
    """MaxConcurrentUsers = 1, MaxCommandsPerShell = 2"""
    c.baseline()
    a = c.shell()
    b = sc.RawShell(c.url, c.user2, c.pw2)
    r = b.post(sc.create_envelope())
    f = expect_fault(r, sc.CODE_QUOTA_MAX_SHELLUSERS, "a Create by a second "
                     "user with MaxConcurrentUsers = 1")
    ok("MaxConcurrentUsers = 1: a second user's Create gets %s, WSManFault "
       "%s" % (f["subcode"], f["wsmanfault_code"]))
    a2 = c.shell()
    ok("the first user may still open another shell")
    c1 = a.command("sleep 1010")
    c2 = a.command("true")
    r = a.post(sc.command_envelope(a.shell_id, "true"))
    f = expect_fault(r, sc.CODE_QUOTA_MAX_OPERATIONS, "a 3rd Command with "
                     "MaxCommandsPerShell = 2")
    ok("MaxCommandsPerShell = 2: the 3rd Command gets %s, WSManFault %s"
       % (f["subcode"], f["wsmanfault_code"]))
    out, err, code = a.collect(c2)
    a.expect_ok(a.signal(c2), "Signal terminate")
    out, err, code = a.run("echo third")
    check(out == b"third\n", "a Command after terminate: %r" % out)
    ok("after a terminate a new Command works")
    a.expect_ok(a.signal(c1), "Signal terminate")
    a.expect_ok(a.delete(), "Delete")
    a2.expect_ok(a2.delete(), "Delete")
    b.create()
    ok("once the first user's shells are gone the second user may Create")
    b.expect_ok(b.delete(), "Delete")
    for x in (a, a2, b):
        x.close()
    idle_timeout_tests(c)
    c.finish()


def idle_timeout_tests(c):
    """the Create's rsp:IdleTimeOut (xs:duration, or pywinrm's bare
    seconds), below the [Winrs] IdleTimeout default of 7200000 ms"""
    bad = []
    for sent, want in (("PT1.5S", "PT1.500S"), ("PT90S", "PT90.000S"),
                       ("PT1M", "PT60.000S"), ("PT2M30S", "PT150.000S"),
                       ("PT1H", "PT3600.000S"), ("PT1H30M", "PT5400.000S"),
                       ("90", "PT90.000S")):
        s = sc.RawShell(c.url, c.user, c.pw)
        s.create(idle_timeout=sent)
        got = s.last.text(".//rsp:Shell/rsp:IdleTimeOut")
        s.expect_ok(s.delete(), "Delete")
        s.close()
        if got != want:
            bad.append("%s -> %s (expected %s)" % (sent, got, want))
    check(not bad, "rsp:IdleTimeOut misread: %s" % "; ".join(bad))
    ok("rsp:IdleTimeOut PT1.5S, PT90S, PT1M, PT2M30S, PT1H, PT1H30M and 90 "
       "are read right (the Create echo)")
    s = c.shell(idle_timeout="PT1.5S")
    s.command("sleep 1014")
    check(wait_procs(c.user, "sleep 1014", 1), "sleep 1014 never started")
    t0 = time.monotonic()
    gone = sc.wait_until(lambda: not procs_matching(c.user, "sleep 1014"), 5)
    check(gone, "a shell created with IdleTimeOut PT1.5S still runs its "
          "command after 5 s")
    expect_fault(s.post(sc.command_envelope(s.shell_id, "true")),
                 sc.CODE_SHELL_NOT_FOUND, "Command in the expired shell")
    ok("a shell created with IdleTimeOut PT1.5S expired %.1f s later"
       % (time.monotonic() - t0))
    s.close()


def phase_stop(c):
    """leaves shells with running commands for the daemon's shutdown"""
    s = c.shell()
    s.command("sleep 1011 & sleep 1011 & setsid sleep 1012 & wait")
    check(wait_procs(c.user, "sleep 1011", 2) and
          wait_procs(c.user, "sleep 1012", 1), "the sleeps never started")
    s2 = c.shell()
    s2.command("sleep 1013")
    check(wait_procs(c.user, "sleep 1013", 1), "sleep 1013 never started")
    s.close()
    s2.close()
    print("SHELLS %s" % " ".join(sc.CREATED), flush=True)
    ok("two shells with running commands are left for SIGTERM")


# ----------------------------------------------------------- limits phase

def phase_limits(c):
    c.baseline()
    s = c.shell()
    cid = s.command("for i in $(seq 20); do sleep 5 & done; wait; "
                    "echo finished")
    seen = {"max": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            n = len(procs_matching(c.user, "sleep 5"))
            seen["max"] = max(seen["max"], n)
            time.sleep(0.02)
    th = threading.Thread(target=sample)
    th.start()
    try:
        out, err, code = s.collect(cid, limit=60)
    finally:
        stop.set()
        th.join()
    s.expect_ok(s.signal(cid), "Signal")
    info("MaxProcessesPerShell = 10: at most %d sleeps at once; exit %d; "
         "stderr %r" % (seen["max"], code, err[:200]))
    check(seen["max"] > 0, "no sleep ever ran")
    check(seen["max"] < 20 and seen["max"] <= 10,
          "%d sleeps ran at once with MaxProcessesPerShell = 10"
          % seen["max"])
    check(b"fork" in err or b"Resource temporarily unavailable" in err,
          "stderr does not say that fork failed: %r" % err[:300])
    ok("MaxProcessesPerShell = 10: at most %d of the 20 sleeps at once, "
       "fork failed" % seen["max"])

    py = "/usr/bin/python3"
    out, err, code = s.run(py + " -c 'bytearray(8*1024*1024); print(\"small ok\")'")
    check(code == 0 and out == b"small ok\n", "an 8 MiB allocation with "
          "MaxMemoryPerShellMB = 64 failed: exit %d, %r %r" % (code, out,
                                                               err[-300:]))
    t0 = time.monotonic()
    out, err, code = s.run(py + " -c 'b = bytearray(200*1024*1024); "
                           "print(\"big ok\")'", limit=60)
    check(code != 0 and b"big ok" not in out, "a 200 MiB allocation with "
          "MaxMemoryPerShellMB = 64 succeeded: exit %d, %r" % (code, out))
    ok("MaxMemoryPerShellMB = 64: 8 MiB works, 200 MiB fails (exit %d after "
       "%.1f s%s)" % (code, time.monotonic() - t0,
                      ", " + err.strip().splitlines()[-1].decode("utf-8",
                                                                 "replace")
                      if err.strip() else ""))
    s.expect_ok(s.delete(), "Delete")
    s.close()
    c.finish()


def main(argv):
    c = Ctx(argv)
    {"main": phase_main, "idle": phase_idle, "limits": phase_limits,
     "quotas": phase_quotas, "stop": phase_stop}[
        c.phase](c)


sc.main_wrapper(main)
