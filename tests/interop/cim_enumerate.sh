#!/bin/bash
# cim_enumerate.sh: WS-Enumeration over CIM classes through the staged cim
# plugin and the test provider (tests/providers/testprov.so), over HTTPS
# Basic, with raw WS-Man (cim_common.py on wsman.py).
#
#  - Enumerate + Pull with MaxElements 10 over WRT_Many (250 instances):
#    every instance exactly once, 25 Pulls, then EndOfSequence; the
#    context is gone afterwards
#  - OptimizeEnumeration with MaxElements 32000 (what winrm.cmd sends):
#    capped by MaxBatchItems (100 here), the rest by Pull
#  - EnumerateObjectAndEPR: w:Item = instance + EPR with the key selectors;
#    EnumerateEPR: EPRs only
#  - the instance XML: p = class URI, xsi:type, xml:lang, sorted properties,
#    xsi:nil, cim:Datetime, cim:Interval, repeated array elements
#  - WQL with WHERE (wsen:Filter and wsman:Filter positions): only the
#    matching instances, SELECT a,b as w:XmlFragment; bad WQL ->
#    CannotProcessFilter; XPath -> FilterDialectRequestedUnavailable
#  - the selector filter; the all-classes URI .../root/cimv2/* with WQL
#  - the DMTF URI: root/hardware without __cimnamespace, echoed in EPRs;
#    the MS wscim synonym; an explicit __cimnamespace
#  - MaxEnvelopeSize 8192: WRT_Big (20 x 3 KB) pages in replies <= 8192
#    bytes, every instance once; WRT_Huge (20 KB) -> w:EncodingLimit
#  - pending providers (timer, thread) answer; a failing one faults
#  - a provider that cannot be loaded is logged and skipped
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
TESTPROV=$top_builddir/tests/providers/.libs/testprov.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$TESTPROV" ] || hard_error "no test provider at $TESTPROV"

write_config "[Service]" "AllowUnencrypted = false" "MaxBatchItems = 100" \
    "[Plugins]" "Load = $CIMPLUG" \
    "[CIM]" "Providers = $TESTPROV nosuchprovider, /lib/x86_64-linux-gnu/libz.so.1"
start_daemon

wait_log 'cim: provider testprov 1 from .*: [0-9]+ classes' 5 ||
    fail "the test provider was not loaded"
wait_log 'cim: cannot load provider .*/nosuchprovider\.so' 5 ||
    fail "the missing provider was not logged"
ok "testprov loaded; the missing provider logged and skipped"

with_timeout 100 "$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "see above"
import sys, cim_common as cc
from cim_common import check, expect_ok, expect_fault, items, prop
url, user, pw = sys.argv[1:4]
c = cc.Client(url, user, pw)
MANY = cc.CIMV2 + "WRT_Many"

def indices(its):
    return [int(prop(i, "Index")) for i in its]

def main():
    # Enumerate + Pull, MaxElements 10
    its, pulls = c.enumerate_all(MANY, pull_max=10)
    idx = indices(its)
    check(sorted(idx) == list(range(250)), "not every instance exactly "
          "once: %d items, %d distinct" % (len(idx), len(set(idx))))
    check(pulls == 25, "%d Pulls for 250 items at 10 each" % pulls)
    print("   Enumerate + %d Pulls (MaxElements 10): 250 instances, each once"
          % pulls)

    # the finished context is gone
    r = c.enumerate(MANY)
    expect_ok(r, "Enumerate")
    _, ctx, _ = items(r)
    got = 0
    while True:
        r = c.pull(MANY, ctx, 100)
        expect_ok(r, "Pull")
        its, nctx, done = items(r)
        got += len(its)
        if done:
            check(nctx is None, "EnumerationContext with EndOfSequence")
            break
    check(got == 250, "%d items" % got)
    expect_fault(c.pull(MANY, ctx, 10), cc.INVALID_ENUMERATION_CONTEXT,
                 "Pull after EndOfSequence", "InvalidEnumerationContext")
    print("   Pull after EndOfSequence: InvalidEnumerationContext")

    # OptimizeEnumeration, MaxElements 32000 capped by MaxBatchItems 100
    r = c.enumerate(MANY, optimize=True, max_elements=32000)
    expect_ok(r, "optimized Enumerate")
    its, ctx, done = items(r)
    check(len(its) == 100 and not done and ctx, "optimized: %d items, done "
          "%s" % (len(its), done))
    rest, _ = [], 0
    while not done:
        r = c.pull(MANY, ctx, 32000)
        expect_ok(r, "Pull")
        more, ctx, done = items(r)
        check(len(more) <= 100, "a Pull of %d > MaxBatchItems" % len(more))
        rest.extend(more)
    check(sorted(indices(its) + indices(rest)) == list(range(250)),
          "optimized enumeration lost or repeated instances")
    print("   OptimizeEnumeration/MaxElements 32000: 100 in the "
          "EnumerateResponse, 150 by Pull")

    # everything fits: EndOfSequence in the EnumerateResponse
    r = c.enumerate(cc.CIMV2 + "WRT_AllTypes", optimize=True,
                    max_elements=32000)
    its, ctx, done = items(r)
    check(len(its) == 3 and done and ctx, "AllTypes optimized: %d %s"
          % (len(its), done))
    check(r.root.find(".//n:EnumerateResponse/w:EndOfSequence", cc.NS)
          is not None,
          "no w:EndOfSequence")

    # the instance XML
    inst = its[0]
    check(inst.tag == "{%sWRT_AllTypes}WRT_AllTypes" % cc.CIMV2,
          "root element %s" % inst.tag)
    check(inst.get("{%s}type" % cc.NS["xsi"]) == "p:WRT_AllTypes_Type",
          "xsi:type %r" % inst.get("{%s}type" % cc.NS["xsi"]))
    check(inst.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US",
          "no xml:lang")
    names = [cc.local(e.tag) for e in inst]
    check(names == sorted(names, key=lambda s: (s.lower(), s)),
          "properties not sorted: %s" % names)
    nil = inst.find("{%sWRT_AllTypes}NullStr" % cc.CIMV2)
    check(nil is not None and nil.get("{%s}nil" % cc.NS["xsi"]) == "true",
          "NullStr is not xsi:nil")
    dt = inst.find("{%sWRT_AllTypes}When/cim:Datetime" % cc.CIMV2, cc.NS)
    check(dt is not None and dt.text.startswith("2024-04-03T") and
          ".468750" in dt.text, "When: %r" % (dt.text if dt is not None
                                              else None))
    iv = inst.find("{%sWRT_AllTypes}Took/cim:Interval" % cc.CIMV2, cc.NS)
    check(iv is not None and iv.text == "P0DT0H1M40S", "Took")
    check(names.count("U32Array") == 1 and prop(inst, "U64") ==
          "18000000000000000001", "values of instance 1")
    inst3 = its[2]
    check([e.text for e in inst3 if cc.local(e.tag) == "StrArray"] ==
          ["s0", "s1", "s2"], "StrArray of instance 3")
    check(prop(its[1], "Str") == 'tab\there <&> "quoted"', "escaping: %r"
          % prop(its[1], "Str"))
    check(prop(its[2], "Str") == "caf\u00e9 \u20ac", "UTF-8")
    print("   instance XML: p:Class xsi:type xml:lang, sorted, xsi:nil, "
          "cim:Datetime %s, cim:Interval, arrays" % dt.text)

    # EnumerateObjectAndEPR / EnumerateEPR
    r = c.enumerate(cc.CIMV2 + "WRT_AllTypes", optimize=True,
                    max_elements=10, mode="EnumerateObjectAndEPR")
    its, _, done = items(r)
    check(done and len(its) == 3, "ObjectAndEPR: %d" % len(its))
    for it in its:
        check(cc.local(it.tag) == "Item", "not a w:Item: %s" % it.tag)
        kids = list(it)
        check(len(kids) == 2 and cc.local(kids[0].tag) == "WRT_AllTypes" and
              cc.local(kids[1].tag) == "EndpointReference", "Item content")
        epr = kids[1]
        check(epr.findtext("a:Address", None, cc.NS) == wsman_anon(),
              "EPR Address")
        check(epr.findtext("a:ReferenceParameters/w:ResourceURI", None,
                           cc.NS) == cc.CIMV2 + "WRT_AllTypes", "EPR URI")
        sels = {s.get("Name"): s.text for s in
                epr.findall("a:ReferenceParameters/w:SelectorSet/w:Selector",
                            cc.NS)}
        check(sels == {"Id": prop(kids[0], "Id"),
                       "Name": prop(kids[0], "Name")}, "selectors %r" % sels)
    r = c.enumerate(cc.CIMV2 + "WRT_AllTypes", optimize=True,
                    max_elements=10, mode="EnumerateEPR")
    its, _, _ = items(r)
    check(len(its) == 3 and all(cc.local(i.tag) == "EndpointReference"
                                for i in its), "EnumerateEPR")
    print("   EnumerateObjectAndEPR: Item = instance + EPR(Id, Name); "
          "EnumerateEPR: EPRs only")

    # WQL, both positions
    want = sorted(k for k in range(250) if k % 3 == 2 and k - 125 > 50)
    for pos in ("n", "w"):
        its, _ = c.enumerate_all(
            MANY, pull_max=7, position=pos,
            wql="SELECT Index, Name FROM WRT_Many WHERE Group = 'GAMMA' "
                "AND Value > 50")
        check(sorted(indices(its)) == want, "WQL (%s:Filter): %s" %
              (pos, indices(its)))
        for it in its:
            check(cc.local(it.tag) == "XmlFragment", "not XmlFragment")
            check([e.tag for e in it] == ["Index", "Name"],
                  "fragment children %s" % [e.tag for e in it])
    print("   WQL WHERE in n:Filter and w:Filter: %d instances, "
          "XmlFragment(Index, Name)" % len(want))
    its, _ = c.enumerate_all(
        MANY, pull_max=50, wql="select * from WRT_Many where Note is null "
        "or Name like 'item-00_' and not Even = true")
    want = sorted(k for k in range(250) if k % 5 == 0 or
                  (k < 10 and k % 2 == 1))
    check(sorted(indices(its)) == want, "IS NULL / LIKE / NOT: %s"
          % indices(its))
    check(all(cc.local(i.tag) == "WRT_Many" for i in its), "SELECT *")
    print("   WQL IS NULL / LIKE / NOT / precedence: %d instances" % len(its))
    expect_fault(c.enumerate(MANY, wql="select * from WRT_Many where"),
                 cc.CANNOT_PROCESS_FILTER, "bad WQL", "CannotProcessFilter")
    expect_fault(c.enumerate(MANY, wql="select * from WRT_Many where "
                             "Nope = 1"), cc.CANNOT_PROCESS_FILTER,
                 "unknown property")
    r = c.raw(cc.A_ENUMERATE, MANY,
              '<n:Enumerate xmlns:n="%s"><n:Filter>/x</n:Filter>'
              '</n:Enumerate>' % cc.NS["n"])
    expect_fault(r, cc.FILTER_DIALECT_UNAVAILABLE, "XPath",
                 "FilterDialectRequestedUnavailable")
    print("   bad WQL -> CannotProcessFilter; XPath -> "
          "FilterDialectRequestedUnavailable")

    # the selector filter
    its, _ = c.enumerate_all(MANY, pull_max=100, selector_filter=[
        ("group", "Alpha"), ("Even", "true")])
    check(sorted(indices(its)) == [k for k in range(250)
                                   if k % 3 == 0 and k % 2 == 0],
          "selector filter")
    print("   SelectorFilter Group=Alpha Even=true: %d instances" % len(its))

    # the all-classes URI with WQL
    its, _ = c.enumerate_all(cc.CIMV2 + "*", pull_max=100,
                             wql="select * from WRT_Many where Index < 3",
                             mode="EnumerateObjectAndEPR")
    check(len(its) == 3, "all-classes: %d" % len(its))
    check(its[0][0].tag == "{%s}WRT_Many" % MANY, "all-classes instance ns")
    check(its[0][1].findtext("a:ReferenceParameters/w:ResourceURI", None,
                             cc.NS) == MANY, "all-classes EPR URI")
    expect_fault(c.enumerate(cc.CIMV2 + "*"), cc.DESTINATION_UNREACHABLE,
                 "all-classes without a filter")
    print("   .../root/cimv2/* with WQL: instances of WRT_Many, their own URI")

    # DMTF URIs
    its, _ = c.enumerate_all(cc.DMTF + "CIM_TestSensor", pull_max=10,
                             mode="EnumerateObjectAndEPR")
    check(len(its) == 3, "DMTF: %d" % len(its))
    sels = {s.get("Name"): s.text for s in its[0].findall(
        ".//w:Selector", cc.NS)}
    check(sels.get("__cimnamespace") == "root/hardware", "no __cimnamespace "
          "echo: %r" % sels)
    its, _ = c.enumerate_all(
        "http://schemas.microsoft.com/wbem/wscim/1/cim-schema/2/TestSensor",
        selectors={"__cimnamespace": "root/hardware"})
    check(len(its) == 3, "MS wscim alias")
    expect_fault(c.enumerate(cc.DMTF + "CIM_TestSensor",
                             selectors={"__cimnamespace": "root/cimv2"}),
                 cc.DESTINATION_UNREACHABLE, "DMTF class in another ns")
    its, _ = c.enumerate_all(cc.DMTF + "WRT_Other",
                             selectors={"__cimnamespace": "root/test"})
    check(len(its) == 2, "DMTF with __cimnamespace root/test")
    print("   DMTF URI: root/hardware by default, echoed; wscim synonym; "
          "__cimnamespace")

    # MaxEnvelopeSize 8192
    its, pulls = c.enumerate_all(cc.CIMV2 + "WRT_Big", pull_max=20,
                                 max_envelope=8192)
    ids = sorted(int(prop(i, "Id")) for i in its)
    check(ids == list(range(1, 21)), "WRT_Big at 8192: %s" % ids)
    check(pulls >= 10, "WRT_Big: only %d Pulls at 8192 bytes" % pulls)
    r = c.enumerate(cc.CIMV2 + "WRT_Huge")
    _, ctx, _ = items(r)
    expect_fault(c.pull(cc.CIMV2 + "WRT_Huge", ctx, 5, max_envelope=8192),
                 cc.ENCODING_LIMIT, "WRT_Huge at 8192", "EncodingLimit")
    r = c.pull(cc.CIMV2 + "WRT_Huge", ctx, 5)
    expect_ok(r, "WRT_Huge at 153600")
    print("   MaxEnvelopeSize 8192: 20 x 3 KB in %d Pulls; 20 KB -> "
          "EncodingLimit, then served with a bigger envelope" % pulls)

    # pending, threaded, failing providers
    for cls, n in (("WRT_Pending", 5), ("WRT_Threaded", 3)):
        its, _ = c.enumerate_all(cc.CIMV2 + cls, pull_max=10)
        check(len(its) == n, "%s: %d" % (cls, len(its)))
    f = expect_fault(c.enumerate(cc.CIMV2 + "WRT_Failing"), cc.ACCESS_DENIED,
                     "WRT_Failing")
    check("refuses everyone" in (f["reason"] or ""), "reason %r" % f)
    print("   pending (timer) and threaded (post) providers answer; "
          "a failing one faults AccessDenied")

    # whoami: the provider sees the authenticated user
    its, _ = c.enumerate_all(cc.CIMV2 + "WRT_Whoami")
    check(prop(its[0], "Name") == user, "WRT_Whoami %r" % prop(its[0], "Name"))
    print("   the provider sees the principal: %s" % user)

def wsman_anon():
    import wsman
    return wsman.ANONYMOUS

cc.run(main)
EOF
daemon_alive || fail "the daemon died"
echo "PASS: $TEST_NAME"
