#!/usr/bin/python3
"""shell_perf.py lifecycle|many ...: the measurements of shell_perf.sh.
Prints figures; fails (exit 1) only when something breaks functionally.

  lifecycle HTTP_URL HTTPS_URL USER PASSWORD RUNS
  many HTTPS_URL USER PASSWORD DAEMON_PID DLOG SHELLS
"""

import os
import re
import signal
import socket
import statistics
import time
import urllib.parse

import shell_common as sc
import wsman
from shell_common import Fail, check


def figure(msg):
    print("   >> %s" % msg, flush=True)


def bench(name, winrmd, baseline, direction, target):
    """a row of bench/run's table: winrmd's figure against a baseline"""
    print("BENCH|%s|%.2f|%.2f|%s|%s" % (name, winrmd, baseline, direction,
                                        target), flush=True)


def ms(x):
    return "%.2f ms" % (x * 1000)


# --------------------------------------------------------- raw keep-alive

class RawClient:
    """HTTP/1.1 by hand on one socket: request bytes out, one reply in."""

    def __init__(self, url, user, password):
        u = urllib.parse.urlsplit(url)
        self.url = url
        self.host = "%s:%d" % (u.hostname, u.port)
        self.path = u.path
        self.auth = wsman.basic(user, password)
        self.sock = wsman.raw_socket(url, timeout=30)
        self.requests = 0

    def request_bytes(self, body, extra=""):
        return (("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n"
                 "Content-Type: application/soap+xml;charset=UTF-8\r\n"
                 "Content-Length: %d\r\n%s\r\n")
                % (self.path, self.host, self.auth, len(body), extra)
                ).encode("ascii") + body

    def post(self, body):
        self.sock.sendall(self.request_bytes(body))
        r = wsman.read_http_reply(self.sock, limit=30)
        if r is None:
            raise Fail("raw client: the connection closed without a reply")
        self.requests += 1
        status, head, data = r
        if any(h.lower().startswith("connection:") and "close" in h.lower()
               for h in head[1:]):
            raise Fail("raw client: the server closed the keep-alive "
                       "connection")
        return wsman.Reply(status, "", [], data, 0)

    def close(self):
        self.sock.close()


def raw_lifecycle(c):
    """Create, Command 'true', Receive until Done, Signal, Delete."""
    r = c.post(sc.create_envelope(codepage=437, noprofile=False))
    sid = None
    for sel in r.findall(".//w:Selector"):
        if sel.get("Name") == "ShellId":
            sid = sel.text
    check(r.status == 200 and sid, "raw Create: %s" % sc.describe(r))
    r = c.post(sc.command_envelope(sid, "true"))
    cid = r.text(".//rsp:CommandResponse/rsp:CommandId")
    check(r.status == 200 and cid, "raw Command: %s" % sc.describe(r))
    while True:
        r = c.post(sc.receive_envelope(sid, cid))
        check(r.status == 200, "raw Receive: %s" % sc.describe(r))
        out, err, state, code = sc.parse_receive(r)
        if state == sc.STATE_DONE:
            check(code == 0, "raw: true exited %r" % code)
            break
    r = c.post(sc.signal_envelope(sid, cid))
    check(r.status == 200, "raw Signal: %s" % sc.describe(r))
    r = c.post(sc.delete_envelope(sid))
    check(r.status == 200, "raw Delete: %s" % sc.describe(r))


def lifecycle(argv):
    http_url, https_url, user, pw, runs = argv[:5]
    runs = int(runs)
    medians = {}
    for transport, url in (("plaintext", http_url), ("ssl", https_url)):
        s = sc.pywinrm_session(url, transport, user, pw)
        r = s.run_cmd("true")		# warm-up (PAM, caches)
        check(r.status_code == 0, "pywinrm warm-up: exit %d" % r.status_code)
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            r = s.run_cmd("true")
            times.append(time.perf_counter() - t0)
            check(r.status_code == 0 and r.std_out == b"",
                  "pywinrm run_cmd('true') %d: exit %d" % (i, r.status_code))
        figure("pywinrm run_cmd('true') over %s (%s, Basic): average %s, "
               "median %s, min %s, max %s over %d runs"
               % ("HTTP" if transport == "plaintext" else "HTTPS",
                  transport, ms(statistics.mean(times)),
                  ms(statistics.median(times)), ms(min(times)),
                  ms(max(times)), runs))
        medians[transport] = statistics.median(times)
    bench("pywinrm run_cmd('true'), HTTPS vs HTTP (ms)",
          medians["ssl"] * 1000, medians["plaintext"] * 1000, "lower", 1.5)
    for name, url in (("HTTP", http_url), ("HTTPS", https_url)):
        c = RawClient(url, user, pw)
        raw_lifecycle(c)			# warm-up
        n0 = c.requests
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            raw_lifecycle(c)
            times.append(time.perf_counter() - t0)
        per = (c.requests - n0) / runs
        c.close()
        figure("raw socket, one keep-alive connection, %s: the same "
               "lifecycle (%.1f requests each) average %s, median %s, "
               "min %s, max %s over %d runs"
               % (name, per, ms(statistics.mean(times)),
                  ms(statistics.median(times)), ms(min(times)),
                  ms(max(times)), runs))


# ------------------------------------------------------ 200 idle shells

def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Fail("no VmRSS for %d" % pid)


def pending_count(pid, dlog):
    """SIGUSR1 -> the pending= of the new counters line"""
    with open(dlog) as f:
        n = f.read().count("counters:")
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        time.sleep(0.05)
        with open(dlog) as f:
            lines = [l for l in f if "counters:" in l]
        if len(lines) > n:
            m = re.search(r"pending=(\d+)", lines[-1])
            return int(m.group(1)) if m else None
    raise Fail("SIGUSR1 logged no counters line")


def identify_latencies(url, n):
    c = wsman.Connection(url, timeout=10)
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        r = c.post(wsman.identify_envelope(),
                   headers={"WSMANIDENTIFY": "unauthenticated"})
        lat.append(time.perf_counter() - t0)
        check(r.status == 200 and r.find(".//wsmid:IdentifyResponse")
              is not None, "Identify %d: %s" % (i, sc.describe(r)))
    c.close()
    lat.sort()
    return lat


def pct(sorted_vals, p):
    k = max(0, min(len(sorted_vals) - 1,
                   int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def many(argv):
    url, user, pw, pid, dlog, nshells = argv[:6]
    pid, nshells = int(pid), int(nshells)

    lat = identify_latencies(url, 200)		# warm-up
    lat = identify_latencies(url, 200)
    idle_p99 = pct(lat, 99)
    figure("Identify, idle daemon: p50 %s, p99 %s, max %s (200 requests, "
           "one keep-alive connection)" % (ms(pct(lat, 50)), ms(pct(lat, 99)),
                                           ms(lat[-1])))
    rss0 = rss_kb(pid)
    fds0 = sc.fd_count(pid)
    figure("daemon before the shells: VmRSS %d kB, %d fds" % (rss0, fds0))

    ctl = sc.RawShell(url, user, pw, timeout=60)
    shells = []
    t0 = time.perf_counter()
    for i in range(nshells):
        sid = ctl.create()
        cid = ctl.command("sleep 30")
        shells.append((sid, cid))
    t_create = time.perf_counter() - t0
    figure("%d shells each with a running 'sleep 30': Create + Command "
           "took %.2f s (%s per shell)" % (nshells, t_create,
                                           ms(t_create / nshells)))
    # a pending Receive per shell, each on its own connection
    t0 = time.perf_counter()
    socks = []
    for sid, cid in shells:
        c = RawClient(url, user, pw)
        c.sock.sendall(c.request_bytes(
            sc.receive_envelope(sid, cid, operation_timeout="PT60S")))
        socks.append(c)
    check(sc.wait_until(lambda: pending_count(pid, dlog) == nshells, 10,
                        step=0.2),
          "the daemon does not hold %d pending Receives (pending=%s)"
          % (nshells, pending_count(pid, dlog)))
    figure("%d Receives pending on %d connections (counters: pending=%d), "
           "set up in %.2f s" % (nshells, nshells, nshells,
                                 time.perf_counter() - t0))
    for c in socks[:5]:
        c.sock.setblocking(False)
        try:
            d = c.sock.recv(1)
            raise Fail("a Receive for a running sleep answered at once: %r"
                       % d)
        except (BlockingIOError, socket.timeout):
            pass
        except OSError as e:
            if "SSLWantRead" not in type(e).__name__ and \
                    "WANT_READ" not in str(e):
                raise
        c.sock.setblocking(True)
        c.sock.settimeout(30)

    lat = identify_latencies(url, 200)
    rss1 = rss_kb(pid)
    fds1 = sc.fd_count(pid)
    figure("Identify with %d shells and %d pending Receives: p50 %s, p99 %s, "
           "max %s (200 requests)" % (nshells, nshells, ms(pct(lat, 50)),
                                      ms(pct(lat, 99)), ms(lat[-1])))
    bench("Identify p99, %d shells vs idle (ms)" % nshells,
          pct(lat, 99) * 1000, idle_p99 * 1000, "lower", 2)
    figure("daemon with %d shells: VmRSS %d kB (+%d kB, %.1f kB per shell), "
           "%d fds" % (nshells, rss1, rss1 - rss0,
                       (rss1 - rss0) / float(nshells), fds1))

    # ctrl_c: every sleep dies, every pending Receive answers Done/130
    t0 = time.perf_counter()
    for sid, cid in shells:
        ctl.shell_id = sid
        ctl.expect_ok(ctl.signal(cid, sc.SIG_CTRL_C), "Signal ctrl_c")
    bad = []
    for (sid, cid), c in zip(shells, socks):
        rep = wsman.read_http_reply(c.sock, limit=20)
        if rep is None:
            bad.append((sid, "no reply"))
            continue
        r = wsman.Reply(rep[0], "", [], rep[2], 0)
        if r.status != 200:
            bad.append((sid, sc.describe(r)))
            continue
        out, err, state, code = sc.parse_receive(r)
        if state == sc.STATE_DONE and code == 130:
            continue
        if state == sc.STATE_RUNNING:
            # the End streams may come first: receive again
            try:
                rr = c.post(sc.receive_envelope(sid, cid))
                out, err, state, code = sc.parse_receive(rr)
            except Fail as e:
                bad.append((sid, str(e)))
                continue
            if state == sc.STATE_DONE and code == 130:
                continue
        bad.append((sid, "state %s exit %r" % (state, code)))
    check(not bad, "%d of %d pending Receives did not end Done/130 after "
          "ctrl_c: %r" % (len(bad), nshells, bad[:5]))
    figure("ctrl_c to %d commands: every pending Receive answered Done, "
           "exit 130 (%.2f s)" % (nshells, time.perf_counter() - t0))
    for c in socks:
        c.close()
    for sid, cid in shells:
        ctl.shell_id = sid
        ctl.expect_ok(ctl.signal(cid), "Signal terminate")
        ctl.expect_ok(ctl.delete(), "Delete")
    ctl.close()
    check(sc.wait_until(lambda: not sc.procs_of(user), 10),
          "processes of %s left: %d" % (user, len(sc.procs_of(user))))
    time.sleep(0.5)
    figure("after Delete of all: VmRSS %d kB, %d fds" % (rss_kb(pid),
                                                      sc.fd_count(pid)))


def main(argv):
    {"lifecycle": lifecycle, "many": many}[argv[0]](argv[1:])


sc.main_wrapper(main)
