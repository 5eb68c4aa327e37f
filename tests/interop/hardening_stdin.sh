#!/bin/bash
# hardening_stdin.sh: the stdin the daemon buffers is bounded (issue 12
# item 5; winrmd.conf(5), [Winrs] MaxStdinPerUserMB).  HTTP Basic, the
# shell plugin.
#
#  1. a command that never reads stdin (sleep) gets 60 Sends of 300 KiB,
#     each with a 0.4 s OperationTimeout: the first is taken (the pipe
#     and the 256 KiB a command may hold), every later one waits its
#     timeout, none of it read, and is w:QuotaLimit with nothing kept; the
#     daemon's RSS grows by less than 8 MiB over the 60 (a command holds
#     at most 256 KiB plus two Sends: 1 MiB with the default
#     MaxEnvelopeSizekb; before the bound every Send was kept, 18 MiB;
#     not judged in the sanitizer build, whose quarantine keeps freed
#     memory: there LeakSanitizer checks the daemon at exit)
#  2. MaxStdinPerUserMB = 1: three such commands hold 900 KiB (their
#     buffers); a Send of 300 KiB to a fourth is QuotaLimit at once;
#     another user's Send goes through; after the three are terminated,
#     3 MiB streamed to `wc -c' in Sends of 300 KiB all arrive
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
make_user USER_B PASS_B

stdin_cleanup() {
	local rc=$? u pids
	for u in "$TEST_USER" "$USER_B"; do
		pids=$(pgrep -u "$u")
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	done
	(exit $rc)
	wrt_cleanup
}
trap stdin_cleanup EXIT

run_phase() {	# run_phase PHASE
	local san=0
	grep -q libasan "/proc/$DAEMON_PID/maps" 2>/dev/null && san=1
	with_timeout 100 "$PY" - "$1" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" \
	    "$USER_B" "$PASS_B" "$DAEMON_PID" "$san" <"$WORK/phases.py" ||
	    fail "see above"
}

cat >"$WORK/phases.py" <<'EOF'
import sys, time
import hardening as hd, shell_common as sc, wsman
from shell_common import check

phase, url, ua, pa, ub, pb, pid, san = sys.argv[1:9]
P = hd.Proc(pid)
QUOTA_LIMIT = "2150858815"
CHUNK = b"x" * (300 * 1024)

def ok(m):
    print("   ok: " + m, flush=True)

def send(s, cid, data, timeout="PT0.4S", end=False):
    """a Send with its own OperationTimeout: the reply"""
    import base64
    body = ('<rsp:Send><rsp:Stream Name="stdin" CommandId="%s"%s>%s'
            '</rsp:Stream></rsp:Send>' % (cid, ' End="true"' if end else "",
                                          base64.b64encode(data).decode()))
    return s.post(wsman.envelope(sc.A_SEND, sc.SHELL_URI,
                                 selectors={"ShellId": s.shell_id},
                                 body=body, operation_timeout=timeout))

def fault_code(r):
    f = r.fault()
    return f and f["wsmanfault_code"]

def never_read():
    print("== 1. 60 timed-out Sends of 300 KiB to a command that never "
          "reads stdin")
    s = sc.RawShell(url, ua, pa)
    s.create()
    cid = s.command("sleep 1061")
    s.expect_ok(send(s, cid, CHUNK), "the first Send")
    rss0 = P.rss_kb()
    codes = {}
    t0 = time.monotonic()
    for i in range(60):
        r = send(s, cid, CHUNK)
        c = fault_code(r) or str(r.status)
        codes[c] = codes.get(c, 0) + 1
    dt = time.monotonic() - t0
    rss1 = P.rss_kb()
    print("   answers: %r in %.1f s; RSS %d KiB -> %d KiB" % (codes, dt,
                                                             rss0, rss1))
    check(codes == {QUOTA_LIMIT: 60}, "the 60 Sends: %r" % codes)
    if san == "1":
        print("   (sanitizer build: RSS not judged, ASan keeps freed memory "
              "in quarantine; LeakSanitizer checks at exit)")
    else:
        check(rss1 - rss0 < 8 * 1024, "RSS grew by %d KiB" % (rss1 - rss0))
    ok("all 60 QuotaLimit (%s); RSS +%d KiB" % (r.fault()["reason"],
                                                rss1 - rss0))
    s.expect_ok(s.signal(cid), "Signal")
    cid = s.command("cat")
    s.send(cid, b"still works", end=True)
    out, err, code = s.collect(cid)
    check(out == b"still works" and code == 0, "cat: %r %r" % (out, err))
    ok("the shell goes on: cat echoes a Send")
    s.expect_ok(s.delete(), "Delete")

def per_user():
    print("== 2. MaxStdinPerUserMB = 1")
    s = sc.RawShell(url, ua, pa)
    s.create()
    cids = [s.command("sleep 1062") for _ in range(4)]
    for cid in cids[:3]:
        s.expect_ok(send(s, cid, CHUNK), "Send")
    t0 = time.monotonic()
    r = send(s, cids[3], CHUNK, timeout="PT20S")
    dt = time.monotonic() - t0
    check(fault_code(r) == QUOTA_LIMIT, "the fourth command's Send: %s"
          % sc.describe(r))
    check(dt < 2, "the refusal took %.1f s" % dt)
    check("MaxStdinPerUserMB" in r.fault()["reason"], r.fault()["reason"])
    ok("3 commands hold stdin; a Send to a 4th: QuotaLimit at once (%s)"
       % r.fault()["reason"])
    b = sc.RawShell(url, ub, pb)
    b.create()
    bc = b.command("sleep 1063")
    b.expect_ok(send(b, bc, CHUNK), "B's Send")
    ok("another user's Send is taken")
    b.expect_ok(b.delete(), "Delete")
    for cid in cids:
        s.expect_ok(s.signal(cid), "Signal")
    cid = s.command("wc -c")
    for i in range(10):
        s.send(cid, CHUNK, end=i == 9)
    out, err, code = s.collect(cid)
    check(out.strip() == str(10 * len(CHUNK)).encode() and code == 0,
          "wc -c: %r %r" % (out, err))
    ok("3 MiB streamed to wc -c in Sends of 300 KiB: all arrived")
    s.expect_ok(s.delete(), "Delete")

try:
    {"1": never_read, "2": per_user}[phase]()
except sc.Fail as e:
    print("FAIL: %s" % e, file=sys.stderr)
    sys.exit(1)
EOF

write_config "[Service]" "AllowUnencrypted = true" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell"
start_daemon
run_phase 1
grep -q 'a Send of 307200 bytes refused, its program has not read stdin' "$DLOG" ||
    fail "no log line about the refused Sends"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Winrs]" "MaxStdinPerUserMB = 1" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell"
start_daemon
run_phase 2
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
