#!/bin/bash
# hardening_wire.sh: what an unauthenticated or authenticated client can
# send over the wire (docs/SECURITY.md §4.2, §4.3, §4.4; issue 7 items 4 and 5).
#
#  1. every HTTP method x traversal-style path and absolute-form target,
#     over HTTP and HTTPS, with valid credentials: 400/404/405/414/501,
#     never 200, never file bytes, nothing dispatched (CVE-2019-3816 class)
#  2. parser liveness under a CPU-time watchdog (CVE-2019-3833 class):
#     pipelined requests ending in Connection: close, a request sent byte
#     by byte, header blocks never terminated, endless header lines,
#     Content-Length larger than what is sent then FIN, chunked bodies cut
#     off, huge chunk sizes, CL+TE and duplicate Content-Length
#     (smuggling), garbage, and 300 connections cut (FIN or RST) at random
#     points of an authenticated request (teardown use-after-free class,
#     OMI CVE-2021-38648 fix); while the daemon only holds the silent ones
#     its CPU time (/proc/PID/stat) must stay under 0.5 s in 3 s, and a
#     fresh Identify answers
#  3. XML attacks, authenticated (500 w:SchemaValidationError) and before
#     authentication through WSMANIDENTIFY (401): DOCTYPE, internal and
#     external entities, billion laughs, XInclude, 10,000-deep nesting,
#     100,000 attributes, 50,000 namespace declarations, 60,000 elements,
#     names over libxml2's limit, invalid UTF-8 (bad bytes, overlong forms,
#     surrogates, cut sequences, NUL, a lying encoding declaration); a body
#     of exactly MaxEnvelopeSizekb answers 200, one byte more 413; the
#     daemon's peak RSS stays bounded and it is healthy afterwards
WRT_TEST_TIMEOUT=240
. "$(dirname "$0")/lib.sh"

write_config "[Service]" "AllowUnencrypted = true" "MaxEnvelopeSizekb = 1024" \
    "MaxPacketRetrievalTimeSeconds = 2" "IdleConnectionTimeoutSeconds = 3" \
    "MaxConnectionsPerIP = 100"
start_daemon

# ---------------------------------------------------------------- 1, 2, 3
with_timeout 200 "$PY" - "$URL_HTTP4" "$URL_HTTPS6" "$TEST_USER" "$TEST_PASS" \
    "$DAEMON_PID" <<'EOF' || fail "see above"
import os, random, socket, sys, time
import hardening as hd, wsman

http, https, user, pw, pid = sys.argv[1:6]
P = hd.Proc(pid)
ASAN = P.sanitized()
AUTH = ("Authorization", wsman.basic(user, pw))
CT = ("Content-Type", wsman.SOAP_CT)
random.seed(7)

def check(cond, msg):
    if not cond:
        raise SystemExit("FAIL: " + msg)

def one(url, data, limit=10.0, head_only=False):
    """sends data on a fresh connection; the first reply or None"""
    s = hd.connect(url, timeout=limit)
    try:
        hd.send(s, data)
        return hd.Reader(s).reply(limit, head_only)
    except socket.timeout:
        return "timeout"
    finally:
        s.close()

def no_file_bytes(r, what):
    if r not in (None, "timeout"):
        blob = repr(r[1]).encode() + r[2]
        check(b"root:x:0:0" not in blob and b"root:*:" not in blob,
              "%s: the reply shows /etc/passwd or /etc/shadow" % what)

# ------------------------------------------------------------ 1. sweep
print("== 1. methods x paths (CVE-2019-3816 class)")
methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE",
           "CONNECT", "PATCH", "PROPFIND", "MKCOL", "COPY", "MOVE", "LOCK",
           "SEARCH", "FOO", "get"]
paths = ["/", "/wsman/", "/wsman/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
         "//etc/passwd", "/etc/passwd", "/etc/shadow", "/wsman%00",
         "/wsman%00/../etc/passwd", "/wsman/%2e%2e/%2e%2e/etc/passwd",
         "/wsman/..%2f..%2fetc/passwd", "/WSMAN", "/wsman.xml",
         "/..;/etc/passwd", "/wsman/..\\..\\etc\\passwd",
         "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/.%2e/.%2e/etc/passwd",
         "/wsman/./../../../../etc/passwd", "/%252e%252e/etc/passwd",
         "/" + "a" * 20000]
targets = ["http://127.0.0.1/etc/passwd", "file:///etc/passwd", "*",
           "../../etc/passwd", "etc/passwd", "http://x/wsman/../../etc/passwd"]
allowed = {400, 404, 405, 414, 431, 501}
body = wsman.whoami_envelope()
n = 0
statuses = {}
for url in (http, https):
    for m in methods:
        for t in paths + targets:
            data = hd.request(m, t, body, [AUTH, CT])
            r = one(url, data, head_only=(m == "HEAD"))
            n += 1
            show = t if len(t) < 60 else t[:20] + "... (%d bytes)" % len(t)
            check(r != "timeout", "%s %s on %s: no answer in 10 s" % (m, show, url))
            no_file_bytes(r, "%s %s" % (m, show))
            # None: the daemon closed without an answer, also a refusal
            st = r[0] if r else 0
            check(st == 0 or st in allowed, "%s %s on %s got %d" %
                  (m, show, url, st))
            statuses[st] = statuses.get(st, 0) + 1
    # every method but POST on /wsman: 405
    for m in methods:
        if m == "POST":
            continue
        r = one(url, hd.request(m, "/wsman", body, [AUTH, CT]),
                head_only=(m == "HEAD"))
        n += 1
        check(r not in (None, "timeout") and r[0] in (400, 405, 501),
              "%s /wsman on %s: %r" % (m, url, r if r is None or
                                       r == "timeout" else r[0]))
print("   ok: %d requests (%d methods x %d paths and targets x 2 listeners, "
      "and every method on /wsman): %s, never 200, never file bytes" %
      (n, len(methods), len(paths) + len(targets),
       ", ".join("%s x%d" % (k or "closed", v)
                 for k, v in sorted(statuses.items()))))

# --------------------------------------------------------- 2. liveness
print("== 2. liveness under a CPU-time watchdog (CVE-2019-3833 class)")
cpu_start, t_start = P.cpu(), time.monotonic()

# pipelined: 100 Identify, the last with Connection: close
s = hd.connect(http)
hd.send(s, b"".join(hd.identify_request() for _ in range(99)) +
        hd.identify_request(close=True))
rd = hd.Reader(s)
got = 0
while True:
    r = rd.reply(20)
    if r is None:
        break
    check(r[0] == 200 and b"IdentifyResponse" in r[2],
          "pipelined reply %d: %r" % (got + 1, r[:2]))
    got += 1
check(got == 100, "pipelined: %d of 100 replies" % got)
check(rd.closed(5), "pipelined: the connection stayed open after "
      "Connection: close")
s.close()
# pipelined authenticated requests over TLS, then a truncated one
s = hd.connect(https)
req = hd.soap_request(body, user, pw)
hd.send(s, req * 20 + req[:len(req) // 2])
rd = hd.Reader(s)
for i in range(20):
    r = rd.reply(20)
    check(r is not None and r[0] == 200, "pipelined TLS Whoami %d: %r" %
          (i + 1, r and r[0]))
s.close()
print("   ok: 100 pipelined Identify (HTTP) and 20 pipelined Whoami (HTTPS, "
      "then half a request): every reply, in order; closed after "
      "Connection: close")

# byte by byte
s = hd.connect(http, nodelay=True)
for b in hd.identify_request(close=True):
    s.sendall(bytes([b]))
    time.sleep(0.0005)
r = hd.Reader(s).reply(10)
check(r is not None and r[0] == 200, "byte-by-byte Identify: %r" % (r,))
s.close()
print("   ok: an Identify sent byte by byte (%d sends) answers 200"
      % len(hd.identify_request(close=True)))

# connections that stay: header block never terminated, body never complete
silent = []
for url in (http, https):
    for kind in ("headers", "body", "chunked"):
        for i in range(5):
            s = hd.connect(url)
            if kind == "headers":
                hd.send(s, b"POST /wsman HTTP/1.1\r\nHost: x\r\nX-a: b\r\n")
            elif kind == "body":
                hd.send(s, hd.soap_request(body, user, pw)[:-50])
            else:
                hd.send(s, b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/soap+xml\r\nTransfer-Encoding: chunked"
                        b"\r\n\r\n10\r\n0123456789abcdef\r\n")
            silent.append((url, kind, s))
# truncated, then FIN: Content-Length larger than what is sent
fins = []
for url in (http, https):
    for kind in ("content-length", "chunked", "headers"):
        s = hd.connect(url)
        if kind == "content-length":
            hd.send(s, hd.request("POST", "/wsman", b"", [CT, AUTH],
                                  length=False)[:-2] +
                    b"Content-Length: 5000\r\n\r\n<s:Envelope")
        elif kind == "chunked":
            hd.send(s, b"POST /wsman HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:"
                    b" chunked\r\n\r\n100\r\nabc")
        else:
            hd.send(s, b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-")
        try:
            s.shutdown(socket.SHUT_WR)	# a TCP FIN (no TLS close_notify)
        except OSError:
            pass
        fins.append((url, kind, s))
for url, kind, s in fins:
    rd = hd.Reader(s)
    check(rd.closed(6), "%s, truncated (%s) then FIN: still open after 6 s"
          % (url, kind))
    s.close()
print("   ok: truncated requests then FIN (Content-Length 5000 with 11 bytes, "
      "a cut chunk, cut headers; HTTP and HTTPS): closed")
# the watchdog: with only silent connections held, the daemon must idle
time.sleep(0.5)
c0 = P.cpu()
time.sleep(3)
idle_cpu = P.cpu() - c0
check(idle_cpu < 0.5, "the daemon used %.2f s of CPU in 3 s holding %d "
      "silent connections: a busy loop?" % (idle_cpu, len(silent)))
print("   ok: CPU watchdog: %.2f s of CPU in 3 s while holding %d silent "
      "connections (never-terminated headers, incomplete bodies, cut chunks)"
      % (idle_cpu, len(silent)))
# IdleConnectionTimeoutSeconds = 3, MaxPacketRetrievalTimeSeconds = 2:
# they are all cut off by now or soon
left = [(u, k) for u, k, s in silent if not hd.Reader(s).closed(6)]
for u, k, s in silent:
    s.close()
check(not left, "still open after 9 s: %r" % left)
print("   ok: all %d silent connections closed by the daemon (idle and "
      "packet-retrieval timers)" % len(silent))

# endless header lines: refused or cut, never buffered without bound
rss0 = P.rss_kb()
for url in (http, https):
    s = hd.connect(url)
    hd.send(s, b"POST /wsman HTTP/1.1\r\nHost: x\r\n")
    sent = 0
    try:
        while sent < 4 << 20:
            s.sendall(b"X-%d: %s\r\n" % (sent, b"a" * 1000))
            sent += 1010
    except OSError:
        pass
    rd = hd.Reader(s)
    try:
        r = rd.reply(5, head_only=True)
    except socket.timeout:
        r = "timeout"
    check(r != "timeout", "%s: endless headers: neither refused nor cut" % url)
    check(r is None or r[0] in (400, 413, 414, 431),
          "%s: endless headers got %r" % (url, r[0]))
    s.close()
    print("   ok: %s: endless header lines: %s after %d KB" %
          (url.split(":")[0], r and r[0] or "cut", sent // 1024))
# smuggling and malformed framing
cases = [
    ("CL and TE", b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
     b"application/soap+xml\r\nContent-Length: 4\r\nTransfer-Encoding: "
     b"chunked\r\n\r\n0\r\n\r\nGET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("two Content-Lengths", b"POST /wsman HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 5\r\nContent-Length: 50\r\n\r\nhello"),
    ("negative Content-Length", b"POST /wsman HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: -1\r\n\r\n"),
    ("Content-Length 2^64", b"POST /wsman HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 18446744073709551616\r\n\r\n"),
    ("Content-Length junk", b"POST /wsman HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 12abc\r\n\r\n"),
    ("huge chunk size", b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
     b"application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"ffffffffffffffffffff\r\nabc\r\n"),
    ("chunk extension", b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
     b"application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3;" + b"x=y;" * 3000 + b"\r\nabc\r\n0\r\n\r\n"),
    ("trailers", b"POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
     b"application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3\r\nabc\r\n0\r\nX-Trailer: " + b"t" * 60000 + b"\r\n\r\n"),
    ("Range", b"GET /wsman HTTP/1.1\r\nHost: x\r\nRange: bytes=0-"
     b"18446744073709551615\r\n\r\n"),
    ("TE gzip", b"POST /wsman HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     b"gzip, chunked\r\n\r\n0\r\n\r\n"),
    ("HTTP/0.9", b"GET /etc/passwd\r\n\r\n"),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("NUL in the request line", b"POST /ws\0man HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bare LF", b"POST /wsman HTTP/1.1\nHost: x\nContent-Length: 0\n\n"),
    ("header without colon", b"POST /wsman HTTP/1.1\r\nHost x\r\n\r\n"),
    ("obsolete line folding", b"POST /wsman HTTP/1.1\r\nHost: x\r\n"
     b"Authorization: Basic\r\n abc\r\n\r\n"),
    ("long method", b"A" * 70000 + b" /wsman HTTP/1.1\r\n\r\n"),
    ("garbage", bytes(random.getrandbits(8) for _ in range(3000))),
]
for url in (http, https):
    for name, data in cases:
        r = one(url, data, limit=8)
        check(r != "timeout", "%s: %s: no answer and not closed in 8 s"
              % (url, name))
        no_file_bytes(r, name)
        check(r is None or r[0] != 200 or name == "bare LF",
              "%s: %s answered 200" % (url, name))
print("   ok: %d malformed framings (CL+TE, two Content-Lengths, huge chunk "
      "sizes, long chunk extensions, trailers, Range, HTTP/0.9, HTTP/2, NUL, "
      "garbage...) on both listeners: refused or closed, never 200, never "
      "file bytes" % (2 * len(cases)))
# connections cut at random points of an authenticated request; each
# sends its part and its FIN at once: libmicrohttpd 0.9.75 (epoll) misses
# such an end of file and, before daemon/http.c's eof_sweep(), held every
# one of them until its timeout -- minutes, against MaxConnectionsPerIP
req = hd.soap_request(body, user, pw)
fd_base = P.stable_fds()
cut = 0
for i in range(300):
    url = http if i % 3 else https
    try:
        s = hd.connect(url, timeout=5)
        hd.send(s, req[:random.randrange(1, len(req))])
        if i % 2:
            hd.rst_close(s)
        else:
            s.close()
        cut += 1
    except OSError:
        pass
check(cut >= 290, "only %d of 300 cut connections could be opened" % cut)
t0 = time.monotonic()
freed = hd.wait_until(lambda: P.fds() <= fd_base, 5)
check(freed, "5 s after 300 connections were cut, the daemon still holds "
      "%d of them" % (P.fds() - fd_base))
print("   ok: %d connections cut (FIN or RST) at random points of an "
      "authenticated request, all closed by the daemon %.1f s later" %
      (cut, time.monotonic() - t0))
lat = hd.identify_ok(http)
check(lat is not None and lat < 1.0, "a fresh Identify after all this: %r"
      % lat)
check(hd.identify_ok(https) is not None, "a fresh Identify over HTTPS")
cpu_used, wall = P.cpu() - cpu_start, time.monotonic() - t_start
print("   ok: a fresh Identify answers in %.1f ms; section 2 took %.2f s of "
      "daemon CPU in %.1f s" % (lat * 1000, cpu_used, wall))
check(cpu_used < wall * 0.8, "the daemon burnt %.1f s of CPU in %.1f s"
      % (cpu_used, wall))

# ------------------------------------------------------ 3. XML attacks
print("== 3. XML attacks (authenticated: 500 SchemaValidationError; "
      "before authentication: 401)")
NS_SOAP = wsman.NS["s"]
env = wsman.whoami_envelope(message_id="MID").decode()
head, _, rest = env.partition("?>")
pre, _, post = rest.partition("<env:Body>")
post = post.partition("</env:Body>")[2]

def in_body(xml):
    return (head + "?>" + pre + "<env:Body>" + xml + "</env:Body>" +
            post).encode("utf-8", "surrogatepass") \
        if isinstance(xml, str) else \
        (head + "?>" + pre + "<env:Body>").encode() + xml + \
        ("</env:Body>" + post).encode()

def with_doctype(doctype, mid="uuid:1"):
    return (head + "?>" + doctype + rest.replace(">MID<", ">%s<" % mid)
            ).encode()

lol = ['<!ENTITY lol0 "lollollollollollollollollollol">']
for i in range(1, 10):
    lol.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
attacks = [
    ("DOCTYPE", with_doctype("<!DOCTYPE env:Envelope>")),
    ("internal entity", with_doctype('<!DOCTYPE env:Envelope [<!ENTITY x '
                                     '"y">]>', "&x;")),
    ("external entity", with_doctype('<!DOCTYPE env:Envelope [<!ENTITY x '
                                     'SYSTEM "file:///etc/passwd">]>', "&x;")),
    ("parameter entity", with_doctype('<!DOCTYPE env:Envelope [<!ENTITY % p '
                                      'SYSTEM "file:///etc/passwd"> %p;]>')),
    ("external DTD", with_doctype('<!DOCTYPE env:Envelope SYSTEM '
                                  '"http://127.0.0.1:9/x.dtd">')),
    ("billion laughs", with_doctype("<!DOCTYPE env:Envelope [%s]>" %
                                    "".join(lol), "&lol9;")),
    ("quadratic blowup", with_doctype('<!DOCTYPE env:Envelope [<!ENTITY a "%s">]>'
                                      % ("a" * 50000), "&a;" * 10000)),
    ("10,000-deep nesting", in_body("<a>" * 10000 + "</a>" * 10000)),
    ("100,000 attributes", in_body("<a %s/>" % " ".join(
        'a%d=""' % i for i in range(100000)))),
    ("50,000 namespace declarations", in_body("<a %s/>" % " ".join(
        'xmlns:n%d="u"' % i for i in range(50000)))),
    ("60,000 elements", in_body("<a/>" * 60000)),
    ("a 60,000-character name", in_body("<%s/>" % ("n" * 60000))),
    ("invalid UTF-8 byte", in_body(b"<a>\xff\xfe</a>")),
    ("overlong UTF-8", in_body(b"<a>\xc0\xaf\xe0\x80\xaf</a>")),
    ("UTF-8 surrogate", in_body(b"<a>\xed\xa0\x80</a>")),
    ("cut UTF-8 sequence", in_body(b"<a>\xe2\x82</a>")),
    ("invalid UTF-8 in a name", in_body(b"<a\xff/>")),
    ("NUL byte", in_body(b"<a>\x00</a>")),
    ("character reference to NUL", in_body("<a>&#0;</a>")),
    ("lying encoding", b'<?xml version="1.0" encoding="UTF-16"?>' +
     rest.replace(">MID<", ">uuid:2<").encode()),
    ("XML 1.1", b'<?xml version="1.1"?>' + rest.replace(">MID<", ">u<").encode()),
]
rss_before, hwm_before = P.rss_kb(), P.hwm_kb()
worst = 0
for name, data in attacks:
    for url, cred in ((http, True), (https, True), (http, False)):
        extra = [AUTH] if cred else [("WSMANIDENTIFY", "unauthenticated")]
        t0 = time.monotonic()
        r = one(url, hd.request("POST", "/wsman", data, [CT] + extra), 20)
        dt = time.monotonic() - t0
        worst = max(worst, dt)
        check(r not in (None, "timeout"), "%s (%s): no answer" %
              (name, "auth" if cred else "WSMANIDENTIFY"))
        no_file_bytes(r, name)
        check(b"lollollollollol" not in r[2] and b"aaaaaaaaaa" not in r[2],
              "%s: an entity was expanded into the reply" % name)
        check(dt < 5, "%s took %.1f s" % (name, dt))
        if not cred:
            check(r[0] == 401 and not r[2], "%s with WSMANIDENTIFY: %d %r" %
                  (name, r[0], r[2][:200]))
            continue
        if name == "XML 1.1" and r[0] == 200:
            continue
        f = wsman.fault_of(wsman.parse(r[2])) if r[2] else None
        check(r[0] == 500 and f is not None, "%s: %d %r" % (name, r[0],
                                                           r[2][:300]))
        check(f["subcode"].endswith(":SchemaValidationError") or
              f["subcode"].endswith("}SchemaValidationError"),
              "%s: fault subcode %s" % (name, f["subcode"]))
    check(P.alive(), "the daemon died on %s" % name)
grow = P.hwm_kb() - rss_before
bound = (768 if ASAN else 96) * 1024
print("   ok: %d attacks x (HTTP, HTTPS authenticated; WSMANIDENTIFY): 500 "
      "SchemaValidationError / 401, none slower than %.2f s" %
      (len(attacks), worst))
print("   peak RSS %d KB above the RSS before them (%d KB -> peak %d KB; "
      "bound %d KB%s)" % (grow, rss_before, P.hwm_kb(), bound,
                          ", ASan build" if ASAN else ""))
check(grow < bound, "the XML attacks grew the daemon's peak RSS by %d KB" % grow)

# MaxEnvelopeSizekb = 1024: exactly at the limit 200, one byte over 413
limit = 1024 * 1024
whoami = wsman.whoami_envelope()
at = whoami + b" " * (limit - len(whoami))
for url in (http, https):
    r = one(url, hd.request("POST", "/wsman", at, [CT, AUTH]), 20)
    check(r and r[0] == 200 and user.encode() in r[2],
          "%s: a Whoami of exactly %d bytes: %r" % (url, limit, r and r[0]))
    r = one(url, hd.request("POST", "/wsman", at + b" ", [CT, AUTH]), 20)
    check(r is None or r[0] == 413, "%s: %d bytes: %r" % (url, limit + 1,
                                                         r and r[0]))
    r = one(url, hd.request("POST", "/wsman", at + b" ",
                            [CT, ("WSMANIDENTIFY", "unauthenticated")]), 20)
    check(r is None or r[0] == 413, "%s: %d bytes with WSMANIDENTIFY: %r"
          % (url, limit + 1, r and r[0]))
print("   ok: exactly %d bytes: 200; %d bytes: 413 (authenticated or not)"
      % (limit, limit + 1))
check(hd.identify_ok(http) is not None and hd.identify_ok(https) is not None,
      "Identify after the XML attacks")
r = wsman.post(https, wsman.whoami_envelope(), user=user, password=pw)
check(r.status == 200, "a Whoami after the XML attacks: %d" % r.status)
print("   ok: healthy afterwards: Identify (HTTP, HTTPS) and an "
      "authenticated Whoami answer")
EOF

say "nothing reached a plugin but the authenticated Whoamis"
counters
# the Whoamis: 20 pipelined, 2 at the limit, 1 at the end, and the two
# with an XML 1.1 declaration (libxml2 reads them as XML 1.0)
[ "$C_dispatched" -le 25 ] || fail "dispatched=$C_dispatched: a refused request reached a plugin"
[ "$C_spawned" = 0 ] || fail "spawned=$C_spawned"
ok "dispatched=$C_dispatched (the Whoamis), spawned=0"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
