#!/bin/bash
# pending_op.sh: an operation a plugin answers later (WINRMD_PENDING,
# suspend/resume) blocks nobody, and is answered at shutdown.
#
#  - Delay Ms=3000 pending on one connection; meanwhile 20 Whoami on other
#    connections each answer in under 300 ms; the Delay answers after
#    >= 3 s with Waited 3000 and RelatesTo = its MessageID
#  - a Delay with 30 KB of headers, second on its connection: the empty
#    pages of its MHD pool go back while it waits (counters:
#    pool_released), it and the next request answer whole; behind 4096
#    bytes of empty lines (a request line on a page start that is not the
#    pool's) and behind 6, pools are left alone
#  - Delay Ms=30000 pending, SIGTERM: the client gets a SOAP fault (HTTP
#    500) within 5 s and the daemon exits with status 0
. "$(dirname "$0")/lib.sh"

write_config "[Service]" "AllowUnencrypted = false"
start_daemon

say "Delay Ms=3000 on one connection, 20 Whoami on others meanwhile"
"$PY" - "$URL_HTTPS4" "$URL_HTTPS6" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" \
    <<'EOF' || fail "see above"
import sys, threading, time, wsman
url4, url6, user, pw, pid = sys.argv[1:6]

# warm up: the first login pays for PAM, the cache serves the rest
r = wsman.post(url4, wsman.whoami_envelope(), user=user, password=pw)
if r.status != 200:
    sys.exit("warm-up Whoami got %d" % r.status)

result = {}
mid = wsman.new_message_id()
def delay():
    t0 = time.monotonic()
    try:
        result["reply"] = wsman.post(url4, wsman.delay_envelope(3000, mid),
                                     timeout=20, user=user, password=pw)
    except Exception as e:
        result["error"] = e
    result["t"] = time.monotonic() - t0
th = threading.Thread(target=delay)
t_start = time.monotonic()
th.start()
time.sleep(0.3)
if "t" in result:
    sys.exit("the Delay answered at once: %r" % result)

worst = 0.0
for i in range(20):
    url = url4 if i % 2 == 0 else url6
    t0 = time.monotonic()
    r = wsman.post(url, wsman.whoami_envelope(), timeout=5, user=user,
                   password=pw)
    dt = time.monotonic() - t0
    worst = max(worst, dt)
    if r.status != 200 or r.text(".//t:Name") != user:
        sys.exit("Whoami %d got %d: %r" % (i, r.status, r.body[:300]))
    if dt >= 0.3:
        sys.exit("Whoami %d took %.0f ms (>= 300 ms) while a Delay was "
                 "pending" % (i, dt * 1000))
elapsed = time.monotonic() - t_start
if "t" in result:
    sys.exit("the Delay answered before the 20 Whoami were done: the test "
             "proves nothing (%.2f s)" % elapsed)
print("   20 Whoami (new connection each, IPv4 and IPv6) while the Delay was "
      "pending: slowest %.0f ms" % (worst * 1000))
th.join(15)
if th.is_alive():
    sys.exit("the Delay never answered")
if "error" in result:
    sys.exit("the Delay failed: %r" % result["error"])
r = result["reply"]
if r.status != 200:
    sys.exit("the Delay got %d: %r" % (r.status, r.body[:400]))
if result["t"] < 3.0:
    sys.exit("the Delay answered after %.3f s, before 3 s" % result["t"])
if result["t"] > 6.0:
    sys.exit("the Delay answered after %.3f s" % result["t"])
waited = r.text(".//t:Waited")
if waited != "3000":
    sys.exit("the Delay says Waited %r, expected 3000" % waited)
if r.text("s:Header/a:RelatesTo") != mid:
    sys.exit("RelatesTo %r != MessageID %s" % (r.text("s:Header/a:RelatesTo"), mid))
print("   the Delay answered after %.3f s: 200, Waited 3000, RelatesTo ok"
      % result["t"])
EOF
ok "nothing waited for the pending operation"
counters
[ "$C_pending" = 0 ] || fail "pending=$C_pending after the Delay answered"
[ "$C_dispatched" = 22 ] || fail "dispatched=$C_dispatched, expected 22"

say "a waiting request's connection memory: its empty pages go back, its headers and answer stay whole"
"$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" \
    <<'EOF' || fail "see above"
import os, signal, sys, time, wsman
url, user, pw, pid, dlog = sys.argv[1:6]

def released():
    n = sum(1 for l in open(dlog) if "counters:" in l)
    os.kill(int(pid), signal.SIGUSR1)
    for _ in range(100):
        lines = [l for l in open(dlog) if "counters:" in l]
        if len(lines) > n:
            return int(lines[-1].split("pool_released=")[1].split()[0])
        time.sleep(0.05)
    sys.exit("no counters line after SIGUSR1")

def check_delay(r, mid, what):
    if r.status != 200 or r.text(".//t:Waited") != "300" or \
            r.text("s:Header/a:RelatesTo") != mid:
        sys.exit("%s: %d %r" % (what, r.status, r.body[:400]))

# the second request of a kept-alive connection (MHD zeroed the whole
# pool after the first), with 30 KB of headers: the pages between them
# and MHD's header list go back while it waits
with wsman.Connection(url) as c:
    r = c.post(wsman.whoami_envelope(), user=user, password=pw)
    if r.status != 200:
        sys.exit("Whoami got %d" % r.status)
    before = released()
    mid = wsman.new_message_id()
    r = c.post(wsman.delay_envelope(300, mid), user=user, password=pw,
               headers={"X-Pad": "p" * 30000, "X-After": "last"})
    check_delay(r, mid, "Delay with 30 KB of headers")
    after = released()
    if after != before + 1:
        sys.exit("pool_released went from %d to %d, expected one more"
                 % (before, after))
    r = c.post(wsman.whoami_envelope(), user=user, password=pw)
    if r.status != 200 or r.text(".//t:Name") != user:
        sys.exit("Whoami after it on the same connection: %d %r"
                 % (r.status, r.body[:300]))
print("   Delay with 30 KB of headers answered whole, pool_released +1, "
      "the connection serves on")

# empty lines before the request line, which MHD skips: 4096 bytes of
# them put the request line at a page start that is not the pool's; the
# daemon must see that and leave the pool alone (as with 3 of them)
for junk in (b"\r\n" * 2048, b"\r\n" * 3):
    mid = wsman.new_message_id()
    body = wsman.delay_envelope(300, mid)
    s = wsman.raw_socket(url)
    s.sendall(junk + b"POST /wsman HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Authorization: " + wsman.basic(user, pw).encode() +
              b"\r\nContent-Type: " + wsman.SOAP_CT.encode() +
              b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    got = wsman.read_http_reply(s)
    s.close()
    if got is None:
        sys.exit("no answer after %d bytes of empty lines" % len(junk))
    check_delay(wsman.Reply(got[0], "", [], got[2], 0), mid,
                "Delay after %d bytes of empty lines" % len(junk))
n = released()
if n != after:
    sys.exit("pool_released went from %d to %d after requests behind empty "
             "lines" % (after, n))
print("   Delays behind 4096 and 6 bytes of empty lines answered, their "
      "pools left alone")
EOF
ok "a waiting request's empty connection memory given back, and only that"

say "Delay Ms=30000 pending, then SIGTERM: a fault within 5 s, exit status 0"
"$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$DAEMON_PID" "$DLOG" \
    <<'EOF' || fail "see above"
import os, signal, sys, threading, time, wsman
url, user, pw, pid, dlog = sys.argv[1:6]
result = {}
def delay():
    try:
        result["reply"] = wsman.post(url, wsman.delay_envelope(30000),
                                     timeout=20, user=user, password=pw)
    except Exception as e:
        result["error"] = e
    result["at"] = time.monotonic()
th = threading.Thread(target=delay)
th.start()
# wait until the daemon holds it: SIGUSR1 reports pending=1
for _ in range(50):
    time.sleep(0.1)
    os.kill(int(pid), signal.SIGUSR1)
    time.sleep(0.1)
    lines = [l for l in open(dlog) if "counters:" in l]
    if lines and "pending=1" in lines[-1]:
        break
else:
    sys.exit("the Delay never showed up as pending")
if "at" in result:
    sys.exit("the 30 s Delay answered early: %r" % result)
t_term = time.monotonic()
os.kill(int(pid), signal.SIGTERM)
th.join(10)
if th.is_alive():
    sys.exit("no answer 10 s after SIGTERM")
if "error" in result:
    sys.exit("the pending client got no HTTP answer: %r" % result["error"])
dt = result["at"] - t_term
r = result["reply"]
if dt > 5.0:
    sys.exit("the pending client was answered %.2f s after SIGTERM" % dt)
if r.status != 500:
    sys.exit("the pending client got %d, expected a 500 fault: %r"
             % (r.status, r.body[:400]))
f = r.fault()
if f is None:
    sys.exit("the 500 is not a SOAP fault: %r" % r.body[:400])
if not (r.header("Content-Type") or "").startswith("application/soap+xml"):
    sys.exit("the fault's Content-Type is %r" % r.header("Content-Type"))
print("   answered %.2f s after SIGTERM: 500 %s / %s, WSManFault %s: %s"
      % (dt, f["code"], f["subcode"], f["wsmanfault_code"], f["reason"]))
EOF
for i in $(seq 1 100); do
	daemon_alive || break
	sleep 0.05
done
daemon_alive && fail "the daemon still runs 5 s after SIGTERM"
wait "$DAEMON_PID"
DAEMON_RC=$?
DAEMON_PID=
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with status $DAEMON_RC after SIGTERM, expected 0"
ok "fault within 5 s, daemon exit status 0"
echo "PASS: $TEST_NAME"
