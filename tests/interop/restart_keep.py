#!/usr/bin/python3
"""restart_keep.py: a WinRS command survives a daemon restart (restart_keep.sh).

This script stands in for systemd: it binds the listening socket once and
hands it to each daemon it starts (LISTEN_FDS, LISTEN_PID), so clients
queue while no daemon runs, and it is the child subreaper that reaps what
a stopped daemon leaves (as the service manager does), which gives the
exit status of a kept command to its pidfd's holder.

    restart_keep.py WINRMD CONF PORT LOGPREFIX USER PASS OTHER OTHERPASS
"""

import ctypes
import os
import signal
import socket
import sys
import threading
import time

import shell_common as sc

PR_SET_CHILD_SUBREAPER = 36


class Systemd:
    def __init__(self, winrmd, conf, port, logprefix):
        self.winrmd, self.conf, self.logprefix = winrmd, conf, logprefix
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.n = 0
        self.pid = None
        self.log = None
        self.status = {}
        self.lock = threading.Lock()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise sc.Fail("prctl(PR_SET_CHILD_SUBREAPER) failed")
        threading.Thread(target=self.reaper, daemon=True).start()

    def reaper(self):
        while True:
            try:
                pid, st = os.waitpid(-1, 0)
            except ChildProcessError:
                time.sleep(0.02)
                continue
            with self.lock:
                self.status[pid] = st

    def start(self, env=None):
        self.n += 1
        self.log = "%s.%d.log" % (self.logprefix, self.n)
        fd = self.sock.fileno()
        logfd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                        0o644)
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(fd, 3)
                os.dup2(logfd, 2)
                null = os.open("/dev/null", os.O_RDONLY)
                os.dup2(null, 0)
                os.set_inheritable(3, True)
                env = dict(os.environ, LISTEN_FDS="1",
                           LISTEN_PID=str(os.getpid()), **(env or {}))
                os.execve(self.winrmd, [self.winrmd, "-f", "-c", self.conf],
                          env)
            finally:
                os._exit(127)
        os.close(logfd)
        self.pid = pid
        if not sc.wait_until(lambda: " ready\n" in self.text(), 15):
            raise sc.Fail("daemon %d did not log ready: %s"
                          % (self.n, self.text()[-2000:]))

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self, limit=10):
        os.kill(self.pid, signal.SIGTERM)
        if not sc.wait_until(lambda: self.pid in self.status, limit):
            raise sc.Fail("daemon %d still runs %d s after SIGTERM"
                          % (self.n, limit))
        st = self.status[self.pid]
        if not os.WIFEXITED(st) or os.WEXITSTATUS(st) != 0:
            raise sc.Fail("daemon %d ended with wait status %d"
                          % (self.n, st))


def keepers():
    """pids of running keepers (winrmd --keeper)."""
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % d) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if len(argv) > 1 and argv[1] == b"--keeper" and state != "Z":
            res.append(int(d))
    return res


# the daemon's pidfds keep no exit status (test builds): as before Linux
# 6.15, a command that may be kept runs under a reaper with a status pipe
NO_PIDFD_EXIT = {"WINRMD_TEST_NO_PIDFD_EXIT": "1"}


def reapers(user):
    """the user's winrmd-stdin-watch -r processes (not zombies), each its
    process group's leader (not a child of one before its exec)."""
    return [x for x in sc.procs_of(user)
            if "winrmd-stdin-watch -r " in x[3] and x[2] != "Z"
            and x[0] == x[1]]


def restart_with_commands(sd, url, user, pw, other, opw, env):
    """1. three commands through a restart; env: the daemons' extra."""
    how = "status pipes (pidfds without PIDFD_INFO_EXIT)" if env else \
        "pidfds"
    p = sc.pywinrm_protocol(url, "plaintext", user, pw,
                            operation_timeout_sec=4, read_timeout_sec=6)
    shell = p.open_shell()
    cid = p.run_command(shell, "sleep 3; echo done")
    res = {}

    def client():
        try:
            res["out"] = p.get_command_output(shell, cid)
        except Exception as e:      # reported below
            res["exc"] = e
    t = threading.Thread(target=client)
    t.start()
    # and one nobody receives from before the restart: its first line is
    # in the daemon's buffer when it stops, the rest comes after
    s2 = sc.RawShell(url, user, pw)
    s2.create()
    cid2 = s2.command("echo early; sleep 2; echo late >&2; exit 7")
    # and one with stdin it has not read yet and a Send waiting for it
    # (200 KiB go into the pipe and the daemon's buffer, 200 more pass
    # its high water): the stopping daemon keeps the bytes and answers
    # the Send, the next one writes them
    s3 = sc.RawShell(url, user, pw)
    s3.create()
    cid3 = s3.command("sleep 3; wc -c")
    s3.send(cid3, b"x" * 204800)
    sent = {}

    def sender():
        try:
            s3.send(cid3, b"y" * 204800, conn=s3.new_connection())
            sent["at"] = time.monotonic()
        except Exception as e:      # reported below
            sent["exc"] = e
    t3 = threading.Thread(target=sender)
    t3.start()
    time.sleep(0.7)
    sc.check("at" not in sent and "exc" not in sent,
             "the second Send did not wait for the program: %r" % sent)
    # a reaper per command where the pidfds keep no status, none where
    # they do
    n = len(reapers(user))
    sc.check(n == (3 if env else 0), "%d reaper(s) run, with exit statuses "
             "from %s: %r" % (n, how, sc.procs_of(user)))
    t0 = time.monotonic()
    sd.stop()
    first = sd.text()
    sc.check("kept across the restart" in first,
             "the stopping daemon did not keep the command: %s"
             % first[-1500:])
    sd.start(env)
    dt = time.monotonic() - t0
    sc.check("taken back after the restart" in sd.text(),
             "the new daemon did not take the command back: %s"
             % sd.text()[-1500:])
    sc.check(sc.wait_until(lambda: not keepers(), 3),
             "a keeper still runs 3 s after the claim: %r" % keepers())

    # another user: the restored shell is not theirs
    o = sc.RawShell(url, other, opw)
    o.shell_id = shell
    r = o.receive(cid, "PT1S")
    f = r.fault()
    sc.check(f is not None and f["wsmanfault_code"] == sc.CODE_SHELL_NOT_FOUND,
             "another user's Receive on the kept shell got %s"
             % sc.describe(r))
    o.close()

    # the old daemon closed its connection (pywinrm's requests opens a new
    # one by itself)
    s2.conn.close()
    s2.conn = s2.new_connection()
    out2 = s2.collect(cid2, limit=30)
    sc.check(out2 == (b"early\n", b"late\n", 7),
             "the second command got %r, expected (b'early\\n', "
             "b'late\\n', 7)" % (out2,))
    # the waiting Send was answered at the stop; the rest of stdin
    t3.join(10)
    sc.check("at" in sent and sent["at"] > t0,
             "the Send waiting at the stop got %r" % sent)
    s3.conn.close()
    s3.conn = s3.new_connection()
    s3.send(cid3, b"", end=True)
    out3 = s3.collect(cid3, limit=30)
    sc.check(out3 == (b"409600\n", b"", 0),
             "the command with stdin kept got %r, expected (b'409600\\n', "
             "b'', 0)" % (out3,))
    s3.expect_ok(s3.delete(), "Delete")
    s3.close()
    # a shell taken back finishes its commands, it starts none
    r = s2.post(sc.command_envelope(s2.shell_id, "echo new"))
    f = r.fault()
    sc.check(f is not None and b"only finishes the commands" in r.body,
             "a new Command in a shell taken back got %s" % sc.describe(r))
    s2.expect_ok(s2.signal(cid2), "Signal terminate")
    s2.expect_ok(s2.delete(), "Delete")
    s2.close()
    t.join(30)
    sc.check(not t.is_alive(), "pywinrm still waits 30 s after the restart")
    sc.check("exc" not in res, "pywinrm raised %r" % res.get("exc"))
    out, err, code = res["out"]
    sc.check(out == b"done\n" and code == 0,
             "pywinrm got stdout %r, stderr %r, exit code %r; expected "
             "b'done\\n' and 0" % (out, err, code))
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    print("   ok: exit statuses from %s: 'sleep 3; echo done' through a "
          "restart (the daemon was down and up again in %.2f s): pywinrm "
          "got %r, exit code %d; another user's Receive on its shell: "
          "ShellNotFound; output buffered before the stop, stderr and exit "
          "code 7 of another command came through; 400 KiB of stdin, half "
          "of it in a Send waiting at the stop, all read" % (how, dt, out,
                                                             code))


def main(argv):
    winrmd, conf, port, logprefix, user, pw, other, opw = argv
    url = "http://127.0.0.1:%s/wsman" % port
    sd = Systemd(winrmd, conf, int(port), logprefix)
    # ---------------------------------------------- 1. pywinrm, restart
    sd.start()
    restart_with_commands(sd, url, user, pw, other, opw, None)
    sd.stop()
    # again with the path of kernels before 6.15 (reapers), which the
    # rest keeps
    sd.start(NO_PIDFD_EXIT)
    restart_with_commands(sd, url, user, pw, other, opw, NO_PIDFD_EXIT)

    # ------------------------------------- 2. nothing claims: killed
    s = sc.RawShell(url, user, pw)
    s.create()
    s.command("sleep 1031 & sleep 1032")
    sc.check(sc.wait_until(lambda: len([x for x in sc.procs_of(user)
                                        if x[3].startswith("sleep 103")])
                           >= 2, 5),
             "the two sleeps did not start: %r" % sc.procs_of(user))
    sc.check(len(reapers(user)) == 1, "the command has no reaper: %r"
             % sc.procs_of(user))
    s.close()
    sd.stop()
    # the daemon handed the command over before it exited; the keeper may
    # still be on its way to exec
    sc.check(sc.wait_until(keepers, 3),
             "no keeper holds the command after the stop")
    live = [x for x in sc.procs_of(user) if x[2] != "Z"]
    sc.check(len(live) >= 2, "the kept command did not outlive the stop: %r"
             % live)
    t0 = time.monotonic()
    gone = sc.wait_until(lambda: not [x for x in sc.procs_of(user)]
                         and not keepers(), 10)
    sc.check(gone, "10 s after the stop, left: processes %r, keepers %r"
             % (sc.procs_of(user), keepers()))
    sc.check("within 2000 ms: killed 1 process group(s)" in sd.text(),
             "the keeper did not log that it killed the kept command: %s"
             % sd.text()[-1500:])
    print("   ok: with no daemon to claim it, the keeper killed the kept "
          "command's group %.1f s after the stop, and exited" %
          (time.monotonic() - t0))
    sd.start()
    sc.check("taken back" not in sd.text(),
             "a daemon took back a command the keeper had killed")
    sd.stop()
    # the keepers wrote to their daemons' logs: no sanitizer report there
    for n in range(1, sd.n + 1):
        with open("%s.%d.log" % (logprefix, n), errors="replace") as f:
            sc.check("Sanitizer" not in f.read(),
                     "a sanitizer report in %s.%d.log" % (logprefix, n))


if __name__ == "__main__":
    sc.main_wrapper(main)
