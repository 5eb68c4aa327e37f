#!/bin/bash
# hardening_quotas.sh: quotas as defences (issue 7 item 8; docs/SECURITY.md
# §4.4 "quota exhaustion", §5.6 d): one user's flood does not stop another
# user's command.  [Winrs] MaxShellsPerUser = 5, MaxConcurrentUsers = 2;
# [Service] MaxConcurrentOperationsPerUser = 5, EnumerationTimeoutms =
# 3000, MaxConnectionsPerIP = 16; the shell and cim plugins (the test CIM
# provider).
#
# User A floods from 127.0.0.1: 5 shells (the 6th Create: w:QuotaLimit
# 2150859173), a command in each with a client waiting in Receive on its
# own connection, 5 enumeration contexts never pulled (the 6th Enumerate:
# w:QuotaLimit 2150859174), then idle connections up to the per-IP limit
# (the next one is refused).  Meanwhile user B, from ::1: a shell whose
# command answers with B's name within 2 s, an enumeration, a Whoami.
# User C (a third user with shells) gets 2150859179 (MaxConcurrentUsers),
# yet C's CIM requests work.  Then A's contexts expire after
# EnumerationTimeoutms and A may enumerate again; A's Delete makes room for
# a new shell.  Nothing of A's or B's is left at the end.
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
TESTPROV=$top_builddir/tests/providers/.libs/testprov.so
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$TESTPROV" ] || hard_error "no test provider at $TESTPROV"
make_user USER_B PASS_B
make_user USER_C PASS_C

quota_cleanup() {
	local rc=$? u pids
	for u in "$TEST_USER" "$USER_B" "$USER_C"; do
		pids=$(pgrep -u "$u")
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	done
	(exit $rc)
	wrt_cleanup
}
trap quota_cleanup EXIT

write_config "[Service]" "AllowUnencrypted = false" \
    "MaxConcurrentOperationsPerUser = 5" "EnumerationTimeoutms = 3000" \
    "MaxConnectionsPerIP = 16" \
    "[Winrs]" "MaxShellsPerUser = 5" "MaxConcurrentUsers = 2" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell cim $TESTPLUG" \
    "[CIM]" "Providers = $TESTPROV"
start_daemon

with_timeout 100 "$PY" - "$URL_HTTPS4" "$URL_HTTPS6" "$TEST_USER" "$TEST_PASS" \
    "$USER_B" "$PASS_B" "$USER_C" "$PASS_C" <<'EOF' || fail "see above"
import sys, threading, time
import cim_common as cc, hardening as hd, shell_common as sc, wsman
from shell_common import Fail, check

url4, url6, ua, pa, ub, pb, uc, pc = sys.argv[1:9]
MANY = cc.CIMV2 + "WRT_Many"

def ok(m):
    print("   ok: " + m, flush=True)

def fault_code(r):
    f = r.fault()
    return f and f["wsmanfault_code"]

def open_ctx(c):
    r = c.enumerate(MANY)
    if r.status != 200:
        return r
    _, ctx, done = cc.items(r)
    check(ctx and not done, "Enumerate: no context")
    return ctx

# ----------------------------------------------------- A floods
print("== user A floods from 127.0.0.1")
shells, waits = [], []
for i in range(5):
    s = sc.RawShell(url4, ua, pa)
    s.create()
    shells.append(s)
extra = sc.RawShell(url4, ua, pa)
r = extra.post(sc.create_envelope())
check(fault_code(r) == sc.CODE_QUOTA_MAX_SHELLS, "A's 6th Create: %s"
      % sc.describe(r))
ok("5 shells; the 6th Create: QuotaLimit %s" % sc.CODE_QUOTA_MAX_SHELLS)
for s in shells:
    cid = s.command("sleep 1030")
    conn = s.new_connection()
    w = {}
    def recv(s=s, cid=cid, conn=conn, w=w):
        try:
            w["r"] = s.receive(cid, "PT30S", conn=conn)
        except Exception as e:
            w["r"] = e
    t = threading.Thread(target=recv, daemon=True)
    t.start()
    waits.append((s, cid, conn, t, w))
a_cim = cc.Client(url4, ua, pa)
ctxs = [open_ctx(a_cim) for _ in range(5)]
check(all(isinstance(c, str) for c in ctxs), "A's 5 contexts: %r" % ctxs)
r = open_ctx(a_cim)
check(not isinstance(r, str) and fault_code(r) == cc.QUOTA_MAX_OPERATIONS,
      "A's 6th Enumerate: %r" % (r if isinstance(r, str) else sc.describe(r)))
ok("5 commands with a client waiting in Receive on each; 5 enumeration "
   "contexts never pulled; the 6th Enumerate: QuotaLimit %s"
   % cc.QUOTA_MAX_OPERATIONS)
# connections so far from 127.0.0.1: 5 shells + 5 Receives + extra + CIM
held = []
for i in range(20):
    try:
        s = hd.connect(url4, timeout=3)
        s.sendall(hd.identify_request())
        r = hd.Reader(s).reply(3)
    except OSError:
        r = None
    if r is None or r[0] != 200:
        break
    held.append(s)
refused = len(held) < 20
check(refused, "20 more connections from 127.0.0.1 were all served "
      "(MaxConnectionsPerIP = 16)")
ok("A's connections from 127.0.0.1: %d more served, then refused "
   "(MaxConnectionsPerIP = 16)" % len(held))

# ----------------------------------------------------- B works
print("== meanwhile user B, from ::1")
t0 = time.monotonic()
b = sc.RawShell(url6, ub, pb)
b.create()
out, err, code = b.run("id -un")
dt = time.monotonic() - t0
check(out == (ub + "\n").encode() and code == 0, "B's command: %r %r %d"
      % (out, err, code))
check(dt < 2.0, "B's Create + command took %.2f s" % dt)
ok("B's shell and command answered %r in %.0f ms" % (out.strip().decode(),
                                                     dt * 1000))
b_cim = cc.Client(url6, ub, pb)
got, pulls = b_cim.enumerate_all(MANY, pull_max=100)
check(len(got) == 250, "B's enumeration: %d instances" % len(got))
r = wsman.post(url6, wsman.whoami_envelope(), user=ub, password=pb)
check(r.status == 200, "B's Whoami: %d" % r.status)
ok("B's enumeration (250 instances, %d Pulls) and Whoami work" % pulls)

# ----------------------------------------------------- C: users quota
print("== user C")
c = sc.RawShell(url6, uc, pc)
r = c.post(sc.create_envelope())
check(fault_code(r) == sc.CODE_QUOTA_MAX_SHELLUSERS, "C's Create: %s"
      % sc.describe(r))
c_cim = cc.Client(url6, uc, pc)
ctx = open_ctx(c_cim)
check(isinstance(ctx, str), "C's Enumerate: %r" % ctx)
check(c_cim.release(MANY, ctx).status == 200, "C's Release")
ok("C's Create: %s (MaxConcurrentUsers = 2, A and B hold shells); C's CIM "
   "requests work" % sc.CODE_QUOTA_MAX_SHELLUSERS)

# --------------------------------------------- A's quotas recover
print("== A's quotas recover")
time.sleep(3.5)		# EnumerationTimeoutms = 3000
ctx = open_ctx(a_cim)
check(isinstance(ctx, str), "A's Enumerate after EnumerationTimeoutms: %r"
      % (ctx if isinstance(ctx, str) else sc.describe(ctx)))
expired = a_cim.pull(MANY, ctxs[0], 5)
check(fault_code(expired) == cc.INVALID_ENUMERATION_CONTEXT,
      "a Pull of an expired context: %s" % sc.describe(expired))
ok("A's unpulled contexts expired after EnumerationTimeoutms: a new "
   "Enumerate works, an old context is InvalidEnumerationContext")
for s in held:
    s.close()
s0, cid0, conn0, t, w = waits[0]
s0.expect_ok(s0.signal(cid0), "Signal")
t.join(10)
s0.expect_ok(s0.delete(), "Delete")
extra.create()
ok("after one Delete, A may create a shell again")
# teardown
for s, cid, conn, t, w in waits[1:]:
    s.expect_ok(s.delete(), "Delete")
    t.join(10)
    conn.close()
extra.expect_ok(extra.delete(), "Delete")
b.expect_ok(b.delete(), "Delete")
left = sc.wait_until(lambda: not sc.procs_of(ua) and not sc.procs_of(ub), 5)
check(left, "processes left: %r %r" % (sc.procs_of(ua), sc.procs_of(ub)))
ok("every shell deleted, no process of A or B left")
EOF

counters
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
