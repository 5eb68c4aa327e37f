#!/bin/bash
# cim_get_invoke.sh: WS-Transfer Get and CIM methods through the staged cim
# plugin and the test provider, over HTTPS Basic.
#
#  - Get with selectors, names and values in any case (MS-WSMV 3.1.4.1.2),
#    by a provider's get() and by enumerate-and-match; the GetResponse body
#    is the instance
#  - a missing key, a selector that is no key, a value of the wrong type
#    -> w:InvalidSelectors; valid keys of no instance ->
#    w:DestinationUnreachable (what Windows answers)
#  - an unknown class or namespace -> wsa:DestinationUnreachable
#  - Invoke of a static method (Action = ResourceURI/Echo, Echo_INPUT with
#    parameters in a wrong namespace, as MS-WSMV 4.1.4 sends) -> Action
#    ResourceURI/EchoResponse, Echo_OUTPUT with ReturnValue and the out
#    parameters; of an instance method (selectors name the target); of a
#    pending method
#  - an unknown method, a Put -> wsa:ActionNotSupported; a failing method
#    -> its fault
#  - an Option with MustComply="true" -> w:InvalidOptions, for every verb
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
TESTPROV=$top_builddir/tests/providers/.libs/testprov.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$TESTPROV" ] || hard_error "no test provider at $TESTPROV"

write_config "[Service]" "AllowUnencrypted = false" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $TESTPROV"
start_daemon

with_timeout 100 "$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "see above"
import sys, cim_common as cc
from cim_common import check, expect_ok, expect_fault, prop
url, user, pw = sys.argv[1:4]
c = cc.Client(url, user, pw)
ALL = cc.CIMV2 + "WRT_AllTypes"
MANY = cc.CIMV2 + "WRT_Many"

def body_of(r):
    return list(r.root.find("s:Body", cc.NS))

def main():
    # Get: two keys, any case
    r = c.get(ALL, {"ID": "2", "name": "BETA"})
    expect_ok(r, "Get WRT_AllTypes")
    check(r.text("s:Header/a:Action") == cc.A_GET + "Response", "action")
    b = body_of(r)
    check(len(b) == 1 and b[0].tag == "{%s}WRT_AllTypes" % ALL, "body %s"
          % [e.tag for e in b])
    check(prop(b[0], "Name") == "Beta" and prop(b[0], "S8") == "-16",
          "the instance")
    # the class name in the URI in another case
    r = c.get(cc.CIMV2 + "wrt_alltypes", {"Id": "3", "Name": "gamma"})
    expect_ok(r, "Get wrt_alltypes")
    # enumerate-and-match and a provider's get()
    r = c.get(MANY, {"INDEX": "042"})
    expect_ok(r, "Get WRT_Many")
    check(prop(body_of(r)[0], "Name") == "item-042", "WRT_Many 42")
    r = c.get(cc.WMI + "root/test/Other", {"key": "FIRST"})
    expect_ok(r, "Get Other")
    check(prop(body_of(r)[0], "Value") == "-1", "Other First")
    print("   Get: selectors in any case, class name in any case, by get() "
          "and by enumerate-and-match")

    for sel, what in (({"Id": "2"}, "a missing key"),
                      ({"Id": "2", "Name": "Beta", "Flag": "true"},
                       "a selector that is no key"),
                      ({"Id": "two", "Name": "Beta"}, "a mistyped value")):
        expect_fault(c.get(ALL, sel), cc.INVALID_SELECTORS, what,
                     "InvalidSelectors")
    expect_fault(c.get(ALL, {"Id": "2", "Name": "Alpha"}),
                 cc.DESTINATION_UNREACHABLE, "wrong key value")
    expect_fault(c.get(MANY, {"Index": "250"}), cc.DESTINATION_UNREACHABLE,
                 "no such instance")
    print("   missing, unexpected, mistyped keys -> InvalidSelectors; "
          "no such instance -> DestinationUnreachable")
    f = expect_fault(c.get(cc.CIMV2 + "Win32_NoSuchClass", {"Name": "x"}),
                     cc.DESTINATION_UNREACHABLE, "unknown class",
                     "DestinationUnreachable")
    expect_fault(c.get(cc.WMI + "root/nowhere/WRT_Many", {"Index": "1"}),
                 cc.DESTINATION_UNREACHABLE, "unknown namespace")
    print("   unknown class / namespace -> DestinationUnreachable (%s)"
          % f["reason"][:60])

    # a static method
    r = c.invoke(ALL, "Echo", [("Text", "hello &amp; bye"), ("Count", "21"),
                               ("Items", "a"), ("Items", "b"),
                               ("When", "<cim:Datetime xmlns:cim=\"%s\">"
                                "2024-04-03T14:45:50+02:00</cim:Datetime>"
                                % cc.NS["cim"]), ("Flag", "false")])
    expect_ok(r, "Invoke Echo")
    check(r.text("s:Header/a:Action") == ALL + "/EchoResponse",
          "action %r" % r.text("s:Header/a:Action"))
    out = body_of(r)[0]
    check(out.tag == "{%s}Echo_OUTPUT" % ALL, "output %s" % out.tag)
    vals = {cc.local(e.tag): e.text for e in out}
    check(vals.get("ReturnValue") == "0" and vals.get("Doubled") == "42" and
          vals.get("Text") == "hello & bye" and vals.get("Negated") == "true"
          and vals.get("Joined") == "items given", "Echo_OUTPUT %r" % vals)
    names = [cc.local(e.tag) for e in out]
    check(names == sorted(names, key=str.lower), "unsorted %s" % names)
    # parameters in a wrong namespace (MS-WSMV 4.1.4's own example)
    body = ('<p:Echo_INPUT xmlns:p="%sroot/cim/Win32_Process"><p:Count>2'
            '</p:Count></p:Echo_INPUT>' % cc.WMI)
    r = c.raw(ALL + "/Echo", ALL, body)
    expect_ok(r, "Echo with a wrong namespace")
    check(cc.prop(body_of(r)[0], "Doubled") == "4", "Doubled")
    print("   Invoke static Echo: EchoResponse, Echo_OUTPUT(%s)"
          % ", ".join(names))

    # an instance method
    r = c.invoke(ALL, "Describe", [("Prefix", "this is ")],
                 selectors={"Id": "1", "Name": "alpha"})
    expect_ok(r, "Invoke Describe")
    check(prop(body_of(r)[0], "Description") == "this is Alpha #1",
          "Describe: %r" % prop(body_of(r)[0], "Description"))
    expect_fault(c.invoke(ALL, "Describe", []), cc.INVALID_SELECTORS,
                 "Describe without selectors")
    expect_fault(c.invoke(ALL, "Describe", [], selectors={"Id": "9",
                                                          "Name": "x"}),
                 cc.INVALID_SELECTORS, "Describe of no instance")
    # a pending method
    r = c.invoke(ALL, "SlowEcho", [("Text", "later")])
    expect_ok(r, "SlowEcho")
    check(prop(body_of(r)[0], "Text") == "slow later", "SlowEcho")
    print("   Invoke instance method Describe (selectors); pending SlowEcho")

    expect_fault(c.invoke(ALL, "NoSuchMethod", []), cc.ACTION_NOT_SUPPORTED,
                 "unknown method", "ActionNotSupported")
    expect_fault(c.raw("http://schemas.xmlsoap.org/ws/2004/09/transfer/Put",
                       ALL, "", {"Id": "1", "Name": "Alpha"}),
                 cc.ACTION_NOT_SUPPORTED, "Put")
    expect_fault(c.raw(MANY + "/Echo", ALL, ""), cc.ACTION_NOT_SUPPORTED,
                 "an action of another class")
    f = expect_fault(c.invoke(ALL, "Explode", []), cc.INVALID_PARAMETER,
                     "Explode")
    check(f["reason"] == "Explode always fails", "reason %r" % f["reason"])
    expect_fault(c.invoke(ALL, "Echo", [("Count", "many")]),
                 cc.INVALID_PARAMETER, "a bad parameter value")
    expect_fault(c.invoke(ALL, "Echo", [("Bogus", "1")]),
                 cc.INVALID_PARAMETER, "an unknown parameter")
    print("   unknown method / Put -> ActionNotSupported; failing method and "
          "bad parameters -> InvalidParameter")

    # MustComply options: InvalidOptions, whatever the verb
    opt = [("wmi:SomeOption", "1", True)]
    expect_fault(c.get(ALL, {"Id": "1", "Name": "Alpha"}, options=opt),
                 cc.INVALID_OPTIONS, "Get + MustComply", "InvalidOptions")
    expect_fault(c.enumerate(MANY, options=opt), cc.INVALID_OPTIONS,
                 "Enumerate + MustComply")
    expect_fault(c.raw(ALL + "/Echo", ALL, "", options=opt),
                 cc.INVALID_OPTIONS, "Invoke + MustComply")
    r = c.get(ALL, {"Id": "1", "Name": "Alpha"},
              options=[("wmi:SomeOption", "1", False),
                       ("msftwinrm:UsePreciseArrays", "true", True)])
    expect_ok(r, "advisory options and UsePreciseArrays")
    na = body_of(r)[0].find("{%s}NullArray" % ALL)
    check(na.get("{%s}IsNullArray" % cc.NS["p"]) == "true", "IsNullArray")
    print("   MustComply -> InvalidOptions; advisory options ignored; "
          "UsePreciseArrays honoured")

cc.run(main)
EOF
daemon_alive || fail "the daemon died"
echo "PASS: $TEST_NAME"
