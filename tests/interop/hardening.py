#!/usr/bin/python3
"""hardening.py: helpers for the hardening_*.sh interop tests (docs/SECURITY.md
§4-§5): the daemon's resources as the kernel counts them (CPU time, RSS,
fds, children; the /proc walks and waiting are shell_common.py's), raw
HTTP requests and a reader for pipelined replies.

    import hardening as hd
    p = hd.Proc(daemon_pid)
    cpu0 = p.cpu()                   # seconds of user + system time
    p.rss_kb(), p.hwm_kb(), p.fds(), p.zombies()
    s = hd.connect(url); hd.send(s, hd.request("POST", "/wsman", body, ...))
    r = hd.Reader(s); status, headers, body = r.reply(limit)
"""

import os
import socket
import ssl
import time
import urllib.parse

import shell_common as sc
import wsman

CLK_TCK = os.sysconf("SC_CLK_TCK")
IDENTIFY = wsman.identify_envelope()


class Proc:
    """A process as /proc shows it."""

    def __init__(self, pid):
        self.pid = int(pid)

    def _stat(self):
        with open("/proc/%d/stat" % self.pid) as f:
            st = f.read()
        return st[st.rfind(")") + 2:].split()

    def cpu(self):
        """user + system CPU seconds of all its threads"""
        f = self._stat()
        return (int(f[11]) + int(f[12])) / CLK_TCK

    def alive(self):
        try:
            return self._stat()[0] != "Z"
        except OSError:
            return False

    def _status(self, key):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kb(self):
        return self._status("VmRSS")

    def hwm_kb(self):
        """peak RSS since start"""
        return self._status("VmHWM")

    def fds(self):
        return sc.fd_count(self.pid)

    def stable_fds(self, settle=0.2, tries=25):
        """the fd count once two reads `settle' s apart agree"""
        n = self.fds()
        for _ in range(tries):
            time.sleep(settle)
            m = self.fds()
            if m == n:
                return n
            n = m
        return n

    def zombies(self):
        return [p for p, s in sc.children_of(self.pid) if s == "Z"]

    def sanitized(self):
        """built with ASan (its RSS is not the release build's)"""
        try:
            with open("/proc/%d/maps" % self.pid) as f:
                return "libasan" in f.read()
        except OSError:
            return False


wait_until = sc.wait_until


def connect(url, timeout=10.0, nodelay=False):
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if u.scheme == "https":
        s = wsman.unverified_context().wrap_socket(s,
                                                   server_hostname=u.hostname)
    return s


def request(method, target, body=b"", headers=(), host="x", length=True,
            version="HTTP/1.1"):
    """the bytes of one request; headers: [(name, value)]"""
    h = ["%s %s %s" % (method, target, version), "Host: %s" % host]
    h += ["%s: %s" % kv for kv in headers]
    if length and body is not None and method not in ("GET", "HEAD"):
        h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n").encode("latin-1") + (body or b"")


def identify_request(close=False):
    hs = [("WSMANIDENTIFY", "unauthenticated"),
          ("Content-Type", wsman.SOAP_CT)]
    if close:
        hs.append(("Connection", "close"))
    return request("POST", "/wsman", IDENTIFY, hs)


def soap_request(body, user=None, password=None, extra=()):
    hs = [("Content-Type", wsman.SOAP_CT)]
    if user is not None:
        hs.append(("Authorization", wsman.basic(user, password)))
    return request("POST", "/wsman", body, hs + list(extra))


def send(s, data):
    try:
        s.sendall(data)
        return True
    except OSError:
        return False


def rst_close(s):
    """close with a TCP reset (SO_LINGER 0) instead of a FIN"""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    s.close()


class Reader:
    """HTTP/1.1 replies from one socket, one after another (pipelining)."""

    def __init__(self, s):
        self.s = s
        self.buf = b""
        self.eof = False

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.s.settimeout(left)
        try:
            d = self.s.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            d = b""
        if not d:
            self.eof = True
        self.buf += d
        return bool(d)

    def reply(self, limit=10.0, head_only=False):
        """(status, {header: value}, body), or None if the connection
        ended first; socket.timeout if nothing complete came in time"""
        deadline = time.monotonic() + limit
        while b"\r\n\r\n" not in self.buf:
            if self.eof or not self._fill(deadline):
                return None
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            raise AssertionError("not an HTTP status line: %r" % lines[0])
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if head_only:
            return status, hdrs, b""
        n = int(hdrs.get("content-length", "0"))
        while len(self.buf) < n and not self.eof:
            self._fill(deadline)
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdrs, body

    def closed(self, limit):
        """True if the peer closes (or resets) within limit seconds"""
        deadline = time.monotonic() + limit
        try:
            while not self.eof:
                self._fill(deadline)
        except socket.timeout:
            return False
        except OSError:
            return True
        return True


def identify_ok(url, limit=5.0):
    """a fresh connection's Identify answers 200: its latency in s, or
    None"""
    t0 = time.monotonic()
    try:
        s = connect(url, timeout=limit)
        s.sendall(identify_request(close=True))
        r = Reader(s).reply(limit)
        s.close()
    except OSError:
        return None
    if r is None or r[0] != 200 or b"IdentifyResponse" not in r[2]:
        return None
    return time.monotonic() - t0
