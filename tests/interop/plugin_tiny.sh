#!/bin/bash
# plugin_tiny.sh: a plugin made of nothing but its own file
# (tests/plugins/tinyplug.c: one setting, one enumerable resource, no code
# in daemon/) is checked and served by the daemon like the shipped ones.
#
#  - winrmd -t refuses a key of [Tiny] the plugin does not declare (a
#    renamed Count) and a value outside its range, each naming FILE:LINE,
#    and accepts a good file; --example-config lists [Tiny] Count with its
#    default and help text
#  - pywinrm's transport (winrm.Protocol) enumerates
#    http://winrmd.test/tiny with Count = 5: Enumerate, then Pulls of
#    MaxElements 2 (every index once, EndOfSequence in the third Pull);
#    OptimizeEnumeration with EnumerateObjectAndEPR (the items and their
#    EPRs, Index selectors); Release
#  - another user can neither Pull nor Release the context
#  - SIGHUP with Count = 0: refused, the running value stays; with
#    Count = 7: the next enumeration has 7 items
. "$(dirname "$0")/lib.sh"

TINYPLUG=$top_builddir/tests/plugins/.libs/tinyplug.so
[ -f "$TINYPLUG" ] || hard_error "no tiny plugin at $TINYPLUG"
make_user USER2 PASS2

# ------------------------------------------------------------- -t, example
say "-t on [Tiny]: an unknown key, a bad value, a good file"
tcheck() {	# tcheck NAME WANT-RC LINE|"" [INI lines...]: -t on them
	local name=$1 want=$2 line=$3 f=$WORK/$1.conf out rc
	shift 3
	printf '[Plugins]\nLoad = %s\n' "$TINYPLUG" >"$f"
	printf '%s\n' "$@" >>"$f"
	out=$(with_timeout 20 "$WINRMD" -t -c "$f" 2>&1)
	rc=$?
	[ $rc = "$want" ] || fail "-t on $name exited $rc, expected $want: $out"
	[ -z "$line" ] || echo "$out" | grep -qF "$f:$line:" ||
	    fail "-t on $name does not name $f:$line: $out"
	echo "   $name: $out"
}
tcheck renamed 1 4 "[Tiny]" "Counts = 4"
tcheck too_many 1 5 "[Tiny]" "# the most is 1000" "Count = 1001"
tcheck zero 1 4 "[Tiny]" "Count = 0"
tcheck not_a_number 1 4 "[Tiny]" "Count = many"
tcheck good 0 "" "[Tiny]" "Count = 1000"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/renamed.conf" 2>&1)
echo "$out" | grep -q 'unknown key Counts in \[Tiny\] (its keys are declared by plugin tiny)' ||
    fail "the refusal of Counts does not say whose section it is: $out"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/too_many.conf" 2>&1)
echo "$out" | grep -q 'Count must be between 1 and 1000' ||
    fail "the refusal of 1001 does not give the range: $out"
ok "unknown key and values out of range refused with FILE:LINE; 1000 accepted"

say "--example-config with the tiny plugin"
"$WINRMD" -c "$WORK/good.conf" --example-config >"$WORK/example.conf" ||
    fail "--example-config exited $?"
grep -A2 '^\[Tiny\]' "$WORK/example.conf" >"$WORK/tiny.part"
grep -qx '# how many items http://winrmd.test/tiny enumerates' "$WORK/tiny.part" &&
    grep -qx '#Count = 3' "$WORK/tiny.part" ||
    fail "the example has no [Tiny] Count with its default and help: $(cat "$WORK/tiny.part")"
ok "$(tr '\n' ' ' <"$WORK/tiny.part")"

# ------------------------------------------------------------ enumeration
write_config "[Service]" "AllowUnencrypted = false" \
    "[Plugins]" "Load = $TINYPLUG" "[Tiny]" "Count = 5"
start_daemon

enumerate() {	# enumerate WANT: pywinrm enumerates; WANT items, each once
	"$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" "$USER2" "$PASS2" "$1" \
	    <<'EOF'
import sys, winrm, wsman
import xml.etree.ElementTree as ET
url, user, pw, user2, pw2, want = sys.argv[1:7]
want = int(want)
TINY = "http://winrmd.test/tiny"
WSEN = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
NS = dict(wsman.NS, n=WSEN, i="http://winrmd.test/tiny/items")
A = WSEN + "/"
p = winrm.Protocol(url, transport="ssl", username=user, password=pw,
                   server_cert_validation="ignore")

def send(action, body):
    r = p.send_message(wsman.envelope(A + action, TINY, body=body).decode())
    return ET.fromstring(r)

def ctx_body(what, ctx, extra=""):
    return ('<n:%s xmlns:n="%s"><n:EnumerationContext>%s'
            '</n:EnumerationContext>%s</n:%s>' % (what, WSEN, ctx, extra, what))

def indices(root):
    return [int(e.text) for e in root.iterfind(".//i:Item/i:Index", NS)]

# Enumerate, then Pulls of 2
root = send("Enumerate", '<n:Enumerate xmlns:n="%s"/>' % WSEN)
ctx = root.find(".//n:EnumerateResponse/n:EnumerationContext", NS).text
got, pulls = [], 0
while True:
    root = send("Pull", ctx_body("Pull", ctx, "<n:MaxElements>2</n:MaxElements>"))
    pulls += 1
    got += indices(root)
    if root.find(".//n:PullResponse/n:EndOfSequence", NS) is not None:
        break
    assert pulls < 100
if sorted(got) != list(range(want)):
    sys.exit("Pulls gave %s, expected 0..%d each once" % (got, want - 1))
if pulls != (want + 1) // 2:
    sys.exit("%d Pulls of 2 for %d items" % (pulls, want))

# OptimizeEnumeration, objects and EPRs, all at once
root = send("Enumerate", '<n:Enumerate xmlns:n="%s"><w:OptimizeEnumeration/>'
            '<w:MaxElements>100</w:MaxElements><w:EnumerationMode>'
            'EnumerateObjectAndEPR</w:EnumerationMode></n:Enumerate>' % WSEN)
items = root.findall(".//n:EnumerateResponse/w:Items/w:Item", NS)
sels = [s.text for s in root.iterfind(".//w:Item/a:EndpointReference/"
        "a:ReferenceParameters/w:SelectorSet/w:Selector[@Name='Index']", NS)]
uris = {u.text for u in root.iterfind(".//w:Item/a:EndpointReference/"
        "a:ReferenceParameters/w:ResourceURI", NS)}
if (len(items) != want or indices(root) != list(range(want)) or
        sels != [str(k) for k in range(want)] or uris != {TINY} or
        root.find(".//n:EnumerateResponse/w:EndOfSequence", NS) is None):
    sys.exit("EnumerateObjectAndEPR: %d items, indices %s, selectors %s, "
             "URIs %s" % (len(items), indices(root), sels, uris))

# Release; another user's Pull and Release are refused
root = send("Enumerate", '<n:Enumerate xmlns:n="%s"/>' % WSEN)
ctx = root.find(".//n:EnumerateResponse/n:EnumerationContext", NS).text
for what in ("Pull", "Release"):
    r = wsman.post(url, wsman.envelope(A + what, TINY,
                   body=ctx_body(what, ctx)), user=user2, password=pw2)
    code = (r.fault() or {}).get("wsmanfault_code")
    if r.status != 500 or code != "2150858779":
        sys.exit("another user's %s got %d %s" % (what, r.status, r.fault()))
send("Release", ctx_body("Release", ctx))
r = wsman.post(url, wsman.envelope(A + "Pull", TINY, body=ctx_body("Pull", ctx)),
               user=user, password=pw)
if (r.fault() or {}).get("wsmanfault_code") != "2150858779":
    sys.exit("a Pull after Release got %d %s" % (r.status, r.fault()))
print("   %d items: %d Pulls of 2; optimized with EPRs; Release; "
      "another user refused" % (want, pulls))
EOF
}

say "pywinrm enumerates the tiny resource (Count = 5)"
enumerate 5 || fail "see above"
ok "every item once, EPRs with their Index, contexts are their owner's"

# ----------------------------------------------------------------- reload
say "SIGHUP with Count = 0: refused, Count stays 5"
sed -i 's/^Count = 5$/Count = 0/' "$CONF"
grep -q '^Count = 0$' "$CONF" || hard_error "could not set Count = 0"
hup_and_wait 'reload refused' || fail "no \"reload refused\" after SIGHUP with Count = 0"
grep 'reload refused' "$DLOG" | tail -n 1 | grep -q "$CONF:[0-9]*: .*Count must be between 1 and 1000" ||
    fail "the refusal does not name the line: $(grep 'reload refused' "$DLOG" | tail -n 1)"
enumerate 5 || fail "the refused reload changed Count"
ok "$(grep -o 'reload refused.*' "$DLOG" | tail -n 1)"

say "SIGHUP with Count = 7: the next enumeration has 7 items"
sed -i 's/^Count = 0$/Count = 7/' "$CONF"
hup_and_wait 'configuration reloaded' || fail "no \"configuration reloaded\" after SIGHUP"
enumerate 7 || fail "see above"
ok "Count = 7 without a restart"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
