#!/bin/bash
# cim_contexts.sh: enumeration contexts and who may reach a provider, with
# the staged cim plugin and the test provider ([Service]
# EnumerationTimeoutms = 1000, MaxConcurrentOperationsPerUser = 3).
#
#  - Release, then Pull or Release again -> wsen:InvalidEnumerationContext
#  - a context not pulled for EnumerationTimeoutms expires; each Pull
#    restarts the clock
#  - a fourth open context of one user -> w:QuotaLimit (2150859174); the
#    other user is not affected; a Release makes room
#  - another user can neither Pull nor Release my context (the same fault
#    as for an unknown one), and I still can
#  - a provider that never answers: the client gets w:TimedOut at its
#    OperationTimeout, the daemon stays responsive
#  - OMIGOD-style (CVE-2021-38647): every CIM operation the daemon lists,
#    sent without valid credentials in several ways, gets 401 with an empty
#    body, and no provider is called (no "testprov:" log line, nothing
#    dispatched)
WRT_TEST_TIMEOUT=180
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
TESTPROV=$top_builddir/tests/providers/.libs/testprov.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$TESTPROV" ] || hard_error "no test provider at $TESTPROV"
make_user USER2 PASS2

write_config "[Service]" "AllowUnencrypted = false" \
    "EnumerationTimeoutms = 1000" "MaxConcurrentOperationsPerUser = 3" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $TESTPROV"
start_daemon

with_timeout 100 "$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$USER2" \
    "$PASS2" <<'EOF' || fail "see above"
import sys, time, wsman, cim_common as cc
from cim_common import check, expect_ok, expect_fault, items
url, user, pw, user2, pw2 = sys.argv[1:6]
me = cc.Client(url, user, pw)
other = cc.Client(url, user2, pw2)
MANY = cc.CIMV2 + "WRT_Many"

def open_ctx(c):
    r = c.enumerate(MANY)
    expect_ok(r, "Enumerate")
    _, ctx, done = items(r)
    check(ctx and not done, "no context")
    return ctx

def main():
    # Release, then Pull / Release
    ctx = open_ctx(me)
    r = me.release(MANY, ctx)
    expect_ok(r, "Release")
    check(r.text("s:Header/a:Action") == cc.A_RELEASE + "Response",
          "ReleaseResponse action")
    expect_fault(me.pull(MANY, ctx, 5), cc.INVALID_ENUMERATION_CONTEXT,
                 "Pull after Release", "InvalidEnumerationContext")
    expect_fault(me.release(MANY, ctx), cc.INVALID_ENUMERATION_CONTEXT,
                 "Release after Release")
    expect_fault(me.pull(MANY, "uuid:00000000-0000-0000-0000-000000000000",
                         5), cc.INVALID_ENUMERATION_CONTEXT, "unknown context")
    print("   Release, then Pull / Release -> InvalidEnumerationContext")

    # expiry: 1000 ms without a Pull
    ctx = open_ctx(me)
    for _ in range(3):
        time.sleep(0.6)
        expect_ok(me.pull(MANY, ctx, 5), "Pull within the timeout")
    time.sleep(1.5)
    expect_fault(me.pull(MANY, ctx, 5), cc.INVALID_ENUMERATION_CONTEXT,
                 "Pull after expiry")
    print("   Pulls every 600 ms keep a context; 1.5 s without one expire it")

    # ownership (the other user logged in first: a first PAM login on a
    # loaded machine can take longer than the context's 1000 ms)
    expect_fault(other.pull(MANY, "uuid:00000000-0000-0000-0000-000000000000",
                            5), cc.INVALID_ENUMERATION_CONTEXT,
                 "the other user's Pull of an unknown context")
    ctx = open_ctx(me)
    expect_fault(other.pull(MANY, ctx, 5), cc.INVALID_ENUMERATION_CONTEXT,
                 "another user's Pull")
    expect_fault(other.release(MANY, ctx), cc.INVALID_ENUMERATION_CONTEXT,
                 "another user's Release")
    r = me.pull(MANY, ctx, 5)
    expect_ok(r, "my Pull after theirs")
    check(len(items(r)[0]) == 5, "my items")
    print("   another user cannot Pull or Release my context; I still can")

    # per-user bound: 3
    ctxs = [ctx, open_ctx(me), open_ctx(me)]
    f = expect_fault(me.enumerate(MANY), cc.QUOTA_MAX_OPERATIONS,
                     "a fourth context", "QuotaLimit")
    theirs = open_ctx(other)
    expect_ok(me.release(MANY, ctxs.pop()), "Release")
    ctxs.append(open_ctx(me))
    for x in ctxs:
        expect_ok(me.release(MANY, x), "Release")
    expect_ok(other.release(MANY, theirs), "their Release")
    print("   3 contexts, the 4th -> QuotaLimit (%s...); the other user "
          "unaffected; Release makes room" % f["reason"][:50])

    # a provider that never answers: w:TimedOut at OperationTimeout
    env = cc.envelope(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Never",
                      cc.enumerate_body()).replace(
        b"<w:OperationTimeout>PT60S</w:OperationTimeout>",
        b"<w:OperationTimeout>PT2S</w:OperationTimeout>")
    t0 = time.monotonic()
    r = wsman.post(url, env, timeout=20, user=user, password=pw)
    dt = time.monotonic() - t0
    f = expect_fault(r, "2150858793", "WRT_Never", "TimedOut")
    check(1.5 < dt < 6, "TimedOut after %.2f s" % dt)
    expect_ok(me.get(MANY, {"Index": "1"}), "a Get afterwards")
    print("   a provider that never answers: TimedOut after %.1f s; the "
          "daemon still answers" % dt)

cc.run(main)
EOF
ok "contexts"

# ----------------------------------------------------- OMIGOD-style sweep
with_timeout 20 "$WINRMD" -c "$CONF" --list-operations >"$WORK/ops.txt" 2>"$WORK/ops.err" ||
    fail "--list-operations failed: $(cat "$WORK/ops.err")"
grep -q '^http://schemas.microsoft.com/wbem/wsman/1/wmi http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate$' \
    "$WORK/ops.txt" || fail "--list-operations lacks the cim plugin: $(cat "$WORK/ops.txt")"
counters
before_dispatched=$C_dispatched
before_calls=$(grep -c 'testprov: ' "$DLOG")
say "unauthenticated CIM requests ($before_calls provider calls so far)"

with_timeout 60 "$PY" - "$URL_HTTPS4" "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" \
    <<'EOF' || fail "see above"
import base64, concurrent.futures as cf, sys, wsman, cim_common as cc
https, http, user, pw = sys.argv[1:5]
b64 = lambda s: base64.b64encode(s.encode()).decode()
ALL = cc.CIMV2 + "WRT_AllTypes"
reqs = [
    (cc.A_ENUMERATE, cc.CIMV2 + "WRT_Never", cc.enumerate_body(), None),
    (cc.A_ENUMERATE, cc.CIMV2 + "WRT_Many", cc.enumerate_body(
        optimize=True, max_elements=10), None),
    (cc.A_ENUMERATE, cc.CIMV2 + "*", cc.enumerate_body(
        wql="select * from WRT_Whoami"), None),
    (cc.A_ENUMERATE, cc.DMTF + "CIM_TestSensor", cc.enumerate_body(), None),
    (cc.A_ENUMERATE, "http://schemas.microsoft.com/wbem/wscim/1/cim-schema/2/"
     "WRT_Other", cc.enumerate_body(), {"__cimnamespace": "root/test"}),
    (cc.A_PULL, cc.CIMV2 + "WRT_Many", cc.pull_body("uuid:x", 5), None),
    (cc.A_RELEASE, cc.CIMV2 + "WRT_Many", cc.release_body("uuid:x"), None),
    (cc.A_GET, ALL, "", {"Id": "1", "Name": "Alpha"}),
    (cc.A_GET, cc.CIMV2 + "WRT_Pending", "", {"Id": "1"}),
    (ALL + "/Echo", ALL, "<Echo_INPUT/>", None),
    (ALL + "/SlowEcho", ALL, "<SlowEcho_INPUT/>", None),
    (ALL + "/Describe", ALL, "<Describe_INPUT/>", {"Id": "1", "Name": "Alpha"}),
]
auths = [
    ("no Authorization", None, {}),
    ("empty", "", {}),
    ("Basic without a token", "Basic", {}),
    ("Basic garbage", "Basic !!!", {}),
    ("Basic user:", "Basic " + b64(user + ":"), {}),
    ("wrong password", wsman.basic(user, pw + "x"), {}),
    ("Negotiate garbage", "Negotiate TlRMTVNTUAAB", {}),
    ("WSMANIDENTIFY on a CIM body", None, {"WSMANIDENTIFY": "unauthenticated"}),
]
# the slow ones (PAM's failure delay, Negotiate) on a few requests only
slow = ("wrong password", "Negotiate garbage")
jobs = []
for url in (https, http):
    for k, (action, uri, body, sels) in enumerate(reqs):
        env = cc.envelope(action, uri, body, sels)
        for name, auth, extra in auths:
            if name in slow and (url == http or k % 4 != 0):
                continue
            jobs.append((url, action, uri, env, name, auth, extra))

def one(job):
    url, action, uri, env, name, auth, extra = job
    r = wsman.post(url, env, timeout=30, authorization=auth, headers=extra)
    if r.status != 401 or r.body:
        return "%s %s %s [%s]: %d %r" % (url, action, uri, name, r.status,
                                         r.body[:100])
    return None

with cf.ThreadPoolExecutor(max_workers=16) as pool:
    bad = [b for b in pool.map(one, jobs) if b is not None]
n = len(jobs)
if bad:
    sys.exit("answered without authentication:\n" + "\n".join(bad))
print("   %d unauthenticated CIM requests: all 401 with an empty body" % n)
EOF
counters
[ "$C_dispatched" = "$before_dispatched" ] ||
    fail "dispatched went from $before_dispatched to $C_dispatched during the sweep"
after_calls=$(grep -c 'testprov: ' "$DLOG")
[ "$after_calls" = "$before_calls" ] ||
    fail "the provider was called during the sweep: $(grep 'testprov: ' "$DLOG" | tail -n $((after_calls - before_calls)))"
ok "nothing dispatched, no provider call ($after_calls provider log lines before and after)"
daemon_alive || fail "the daemon died"
echo "PASS: $TEST_NAME"
