#!/bin/bash
# omigod_sweep.sh: CVE-2021-38647 class regression (docs/SECURITY.md §4.1).
# For every (resource URI, action) the daemon registers -- read from
# `winrmd --list-operations' with the same configuration: the shell,
# config and cim plugins (with the test CIM provider) and the test plugin
# -- send a well-formed envelope without valid credentials in every way we
# know.  Every answer must be 401 with an empty body (and WWW-Authenticate
# where Basic is usable), nothing may have been dispatched or spawned, and
# the CIM provider must never have been called (its every call is logged).
# A CIM prefix gets a class appended (a real request names one); the
# catch-all action "*" (CIM methods) becomes RESOURCE/Echo.
# The PAM failure delay (2 s) makes most variants slow: they run 64 at a
# time, so the watchdog gets 180 s.
WRT_TEST_TIMEOUT=180
. "$(dirname "$0")/lib.sh"

TESTPROV=$top_builddir/tests/providers/.libs/testprov.so
for p in shell config cim; do
	[ -f "$STAGE$PLUGINDIR/$p.so" ] || hard_error "$STAGE$PLUGINDIR/$p.so is not staged"
done
[ -f "$TESTPROV" ] || hard_error "no test provider at $TESTPROV"
# the staged plugins by name (Directory), the test plugin by path
LOAD="shell config cim $TESTPLUG"
# an NTLM user file makes Negotiate usable, so that its garbage tokens reach
# GSSAPI (gss-ntlmssp; no KDC needed)
write_config "[Service]" "AllowUnencrypted = false" "MaxConnectionsPerIP = 200" \
    "[Auth]" "NTLMUserFile = $WORK/ntlm.users" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = $LOAD" \
    "[CIM]" "Providers = $TESTPROV"
echo "$TEST_PASS" | "$WINRMD" -c "$CONF" --ntlm-passwd "$TEST_USER" >/dev/null 2>&1 ||
    echo "   (no NTLM user file: built without Negotiate?)"
say "plugins: $LOAD"

with_timeout 20 "$WINRMD" -c "$CONF" --list-operations >"$WORK/ops.txt" 2>"$WORK/ops.err" ||
    fail "--list-operations failed: $(cat "$WORK/ops.err")"
nops=$(grep -c . "$WORK/ops.txt")
[ "$nops" -ge 2 ] || fail "--list-operations listed $nops operations: $(cat "$WORK/ops.txt")"
grep -qx 'http://winrmd.test/plugin http://winrmd.test/Whoami' "$WORK/ops.txt" ||
    fail "--list-operations lacks the test plugin's Whoami"
for u in http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd \
    http://schemas.microsoft.com/powershell/ \
    http://schemas.microsoft.com/wbem/wsman/1/config \
    http://schemas.microsoft.com/wbem/wsman/1/wmi; do
	grep -q "^$u " "$WORK/ops.txt" || fail "--list-operations lacks $u"
done
say "$nops registered operations:"
sed 's/^/   /' "$WORK/ops.txt"

start_daemon

"$PY" - "$WORK/ops.txt" "$URL_HTTPS4" "$URL_HTTPS6" "$URL_HTTP4" \
    "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "the sweep failed (see above)"
import base64, concurrent.futures as cf, sys, wsman

ops_file, https4, https6, http4, user, pw = sys.argv[1:7]
ops = [tuple(l.split()) for l in open(ops_file) if l.strip()]
for o in ops:
    if len(o) != 2:
        sys.exit("bad --list-operations line: %r" % (o,))
# what a real request would name under a CIM prefix; "*" is a method
CLASS = {"http://schemas.microsoft.com/wbem/wsman/1/wmi":
         "/root/cimv2/WRT_AllTypes",
         "http://schemas.dmtf.org/wbem/wscim/1": "/cim-schema/2/CIM_TestSensor",
         "http://schemas.microsoft.com/wbem/wscim/1":
         "/cim-schema/2/CIM_TestSensor"}
ops = [(u + CLASS.get(u, ""), a) for u, a in ops]
ops = [(u, u + "/Echo" if a == "*" else a) for u, a in ops]

b64 = lambda s: base64.b64encode(s.encode()).decode()
# (name, Authorization value or None for no header, extra headers)
fast = [
    ("no Authorization", None, {}),
    ("empty Authorization", "", {}),
    ("Basic without a token", "Basic", {}),
    ("Basic with a space only", "Basic ", {}),
    ("Basic !!!notbase64", "Basic !!!notbase64", {}),
    ("Basic b64(nouser)", "Basic " + b64("nouser"), {}),
    ("Basic b64(:)", "Basic " + b64(":"), {}),
    ("Basic b64(user:) empty password", "Basic " + b64(user + ":"), {}),
    ("Basic b64(user NUL :password)", "Basic " + b64(user + "\0:" + pw), {}),
    ("Basic b64(user:password NUL x)", "Basic " + b64(user + ":" + pw + "\0x"), {}),
    ("Basic b64(user NUL x:password)", "Basic " + b64(user + "\0x:" + pw), {}),
    ("Negotiate TlRMTVNTUAAB", "Negotiate TlRMTVNTUAAB", {}),
    ("Kerberos garbage", "Kerberos YIIBhwYJKoZIhvcSAQICAQBu", {}),
    ("Digest username=x", 'Digest username="x"', {}),
    ("secprofile https/mutual without a client certificate",
     "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual", {}),
    ("WSMANIDENTIFY on a non-Identify body", None,
     {"WSMANIDENTIFY": "unauthenticated"}),
]
import os
rnd = lambda n: base64.b64encode(os.urandom(n)).decode()
slow = [
    ("valid user, wrong password", wsman.basic(user, pw + "x"), {}),
    ("valid user, password prefix", wsman.basic(user, pw[:-1]), {}),
    # Negotiate garbage (a failed GSSAPI exchange waits the failure delay)
    ("Negotiate random bytes", "Negotiate " + rnd(64), {}),
    ("Negotiate NTLM AUTHENTICATE garbage", "Negotiate " + base64.b64encode(
        b"NTLMSSP\0\x03\0\0\0" + os.urandom(80)).decode(), {}),
    ("Negotiate SPNEGO-looking garbage", "Negotiate " + base64.b64encode(
        b"\x60\x82\x01\x00\x06\x06\x2b\x06\x01\x05\x05\x02" +
        os.urandom(120)).decode(), {}),
    ("Kerberos AP-REQ-looking garbage", "Kerberos " + base64.b64encode(
        b"\x60\x82\x01\x00\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02"
        b"\x02\x01\x00" + os.urandom(120)).decode(), {}),
    ("Negotiate !!!notbase64", "Negotiate !!!notbase64", {}),
    ("Negotiate without a token", "Negotiate", {}),
]

def one(url, op, name, auth, extra, need_www):
    uri, action = op
    env = wsman.envelope(action, uri, selectors={"ShellId": "0", "Ms": "0"})
    r = wsman.post(url, env, timeout=20, authorization=auth, headers=extra)
    errs = []
    if r.status != 401:
        errs.append("status %d" % r.status)
    if r.body:
        errs.append("a body: %r" % r.body[:200])
    www = r.header("WWW-Authenticate")
    if need_www and www != 'Basic realm="WSMAN"':
        errs.append("WWW-Authenticate %r" % www)
    if errs:
        return "%s %s %s [%s]: %s" % (url, uri, action, name, "; ".join(errs))
    return None

jobs = []
# HTTPS: Basic is usable there, so every 401 must offer it
for url in (https4, https6):
    for op in ops:
        for name, auth, extra in fast + slow:
            jobs.append((url, op, name, auth, extra, True))
# HTTP with AllowUnencrypted = false: even the right password is refused
for op in ops:
    for name, auth, extra in fast + slow + [
            ("valid credentials over HTTP", wsman.basic(user, pw), {})]:
        jobs.append((http4, op, name, auth, extra, False))
# the Identify body without WSMANIDENTIFY, everywhere
for url in (https4, https6, http4):
    ident = wsman.identify_envelope()
    for name, auth in (("Identify without WSMANIDENTIFY", None),
                       ("Identify, Basic b64(nouser)", "Basic " + b64("nouser"))):
        jobs.append((url, ("(identify)", "(identify)"), name, auth, {},
                     url != http4))

def run(job):
    url, op, name, auth, extra, need_www = job
    if op[0] == "(identify)":
        r = wsman.post(url, wsman.identify_envelope(), timeout=20,
                       authorization=auth)
        bad = []
        if r.status != 401:
            bad.append("status %d" % r.status)
        if r.body:
            bad.append("a body")
        if need_www and r.header("WWW-Authenticate") != 'Basic realm="WSMAN"':
            bad.append("no WWW-Authenticate")
        return "%s [%s]: %s" % (url, name, "; ".join(bad)) if bad else None
    return one(*job)

# everything at once: PAM's failure delay (~2 s) must not add up
with cf.ThreadPoolExecutor(max_workers=64) as ex:
    results = list(ex.map(run, jobs))
bad = [r for r in results if r]
for b in bad[:40]:
    print("   BAD: " + b)
print("   sent %d unauthenticated requests (%d operations x %d variants, "
      "3 listeners), %d wrong" % (len(jobs), len(ops),
                                 len(fast) + len(slow), len(bad)))
sys.exit(1 if bad else 0)
EOF
ok "every answer: 401, empty body, WWW-Authenticate on HTTPS"

say "nothing was dispatched or spawned"
counters
[ "$C_dispatched" = 0 ] || fail "dispatched=$C_dispatched after the sweep: an unauthenticated request reached a plugin"
[ "$C_spawned" = 0 ] || fail "spawned=$C_spawned after the sweep: an unauthenticated request started a process"
[ "$C_pending" = 0 ] || fail "pending=$C_pending after the sweep"
[ "$C_unauthorized" -ge "$C_requests" ] ||
    fail "unauthorized=$C_unauthorized < requests=$C_requests: some request was not refused"
ok "dispatched=0 spawned=0, every one of the $C_requests requests unauthorized"
calls=$(grep 'testprov: ' "$DLOG" | grep -v 'testprov: init' | grep -c .)
[ "$calls" = 0 ] || fail "the CIM provider was called $calls times: $(grep 'testprov: ' "$DLOG" | head -n 5)"
ok "the CIM provider was never called (no testprov: line but its init)"
# a token that is not base64 ("Negotiate !!!notbase64"): refused and said so
if [ -s "$WORK/ntlm.users" ]; then
	grep -q "auth: Negotiate from 127.0.0.1 refused: malformed Negotiate token" "$DLOG" ||
	    fail "a Negotiate token that is not base64 was not logged as malformed"
	ok "a Negotiate token that is not base64: 401, logged as malformed"
fi

say "one authenticated Whoami still works"
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 200 ] || fail "the authenticated Whoami got $st"
[ "$(xpath "$RESP_BODY" ".//t:Whoami/t:Name")" = "$TEST_USER" ] ||
    fail "the Whoami does not name $TEST_USER"
counters
[ "$C_dispatched" = 1 ] || fail "dispatched=$C_dispatched after one authenticated Whoami, expected 1"
ok "200, dispatched=1"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
