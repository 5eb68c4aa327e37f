#!/usr/bin/python3
"""seeds.py: writes the seed corpora of fuzz_dispatch, fuzz_selectors and
fuzz_wql into tests/fuzz/corpus/ (run once; the files are kept in the
repository, as the other harnesses' seeds are).

fuzz_dispatch: requests for every plugin fuzz_dispatch loads -- the cim
plugin with the test provider (Get with key selectors, Enumerate with WQL
and selector filters, Pull, Release, Invoke of static and instance methods,
DMTF and all-classes URIs), the config plugin (Get and Enumerate of
winrm/config and its sub-URIs, Put) and the shell plugin (the WinRS
envelopes real clients sent, from tests/fuzz/corpus/fuzz_envelope).
fuzz_selectors: header fragments (SelectorSet, OptionSet, timeouts...).
fuzz_wql: the queries of tests/unit/check_cim_wql.c and more.
"""

import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "interop"))
import cim_common as cc  # noqa: E402
import wsman  # noqa: E402

CORPUS = os.path.join(here, "corpus")
CFG = "http://schemas.microsoft.com/wbem/wsman/1/config"
MID = "uuid:0A3C2E4D-0000-4000-8000-0000000000%02d"


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def dispatch_seeds():
    n = [0]

    def put(name, env):
        n[0] += 1
        write("fuzz_dispatch", "%02d-%s.xml" % (n[0], name), env)

    def env(action, uri, body="", selectors=None, options=None, **kw):
        return cc.envelope(action, uri, body, selectors, options,
                           message_id=MID % (n[0] + 1), **kw)

    at = cc.CIMV2 + "WRT_AllTypes"
    put("cim-get", env(cc.A_GET, at, selectors={"Id": "1", "Name": "one"}))
    put("cim-get-precise", env(cc.A_GET, at, selectors={"Id": "2",
        "Name": "two"}, options=[("msftwinrm:UsePreciseArrays", "TRUE",
                                  True)]))
    put("cim-get-mustcomply", env(cc.A_GET, at, selectors={"Id": "1"},
        options=[("Unknown", "x", True)]))
    put("cim-get-cimns", env(cc.A_GET, cc.WMI + "root/test/WRT_Other",
        selectors={"__cimnamespace": "root/test", "Key": "a"}))
    put("cim-get-pending", env(cc.A_GET, cc.CIMV2 + "WRT_Pending",
        selectors={"Id": "1"}))
    put("cim-get-whoami", env(cc.A_GET, cc.CIMV2 + "WRT_Whoami"))
    put("cim-enum", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Many",
        cc.enumerate_body(optimize=True, max_elements=5)))
    put("cim-enum-epr", env(cc.A_ENUMERATE, at, cc.enumerate_body(
        optimize=True, max_elements=2, mode="EnumerateObjectAndEPR")))
    put("cim-enum-wql", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Many",
        cc.enumerate_body(optimize=True, wql="SELECT Index, Group FROM "
                          "WRT_Many WHERE Index < 10 AND NOT (Group LIKE "
                          "'%[ab]_' OR Note IS NULL)")))
    put("cim-enum-wql-w", env(cc.A_ENUMERATE, cc.CIMV2 + "*",
        cc.enumerate_body(wql="select * from WRT_AllTypes where "
                          "R64 >= -1.5e3 and Flag = TRUE", position="n")))
    put("cim-enum-selector-filter", env(cc.A_ENUMERATE, cc.CIMV2 +
        "WRT_Many", cc.enumerate_body(selector_filter=[("Group", "Alpha"),
                                                       ("Even", "true")])))
    put("cim-enum-xpath", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Many",
        '<n:Enumerate xmlns:n="%s"><n:Filter>/x</n:Filter></n:Enumerate>'
        % cc.NS["n"]))
    put("cim-enum-threaded", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Threaded",
        cc.enumerate_body(optimize=True)))
    put("cim-enum-failing", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Failing",
        cc.enumerate_body()))
    put("cim-enum-big", env(cc.A_ENUMERATE, cc.CIMV2 + "WRT_Huge",
        cc.enumerate_body(optimize=True, max_elements=20),
        max_envelope=8192))
    put("cim-enum-dmtf", env(cc.A_ENUMERATE, cc.DMTF + "CIM_TestSensor",
        cc.enumerate_body(optimize=True)))
    put("cim-pull", env(cc.A_PULL, cc.CIMV2 + "WRT_Many",
        cc.pull_body("uuid:00000000-0000-0000-0000-000000000001", 3)))
    put("cim-release", env(cc.A_RELEASE, cc.CIMV2 + "WRT_Many",
        cc.release_body("uuid:00000000-0000-0000-0000-000000000001")))
    p = "".join("<p:%s>%s</p:%s>" % (k, v, k) for k, v in (
        ("Text", "hello &amp; bye"), ("Count", "21"), ("Flag", "true"),
        ("When", "2024-04-03T12:45:50.468750+00:00"),
        ("Took", "P1DT2H3M4.5S"), ("Numbers", "1"), ("Numbers", "2")))
    put("cim-invoke-echo", env(at + "/Echo", at,
        '<p:Echo_INPUT xmlns:p="%s">%s</p:Echo_INPUT>' % (at, p)))
    put("cim-invoke-describe", env(at + "/Describe", at,
        '<p:Describe_INPUT xmlns:p="%s"><p:Prefix>x</p:Prefix>'
        '</p:Describe_INPUT>' % at, selectors={"Id": "1", "Name": "one"}))
    put("cim-invoke-nil", env(at + "/Echo", at,
        '<p:Echo_INPUT xmlns:p="%s" xmlns:xsi="%s"><p:Text xsi:nil="true"/>'
        '</p:Echo_INPUT>' % (at, cc.NS["xsi"])))
    put("cim-invoke-slow", env(at + "/SlowEcho", at,
        '<p:SlowEcho_INPUT xmlns:p="%s"><p:Text>x</p:Text>'
        '</p:SlowEcho_INPUT>' % at))
    put("cim-invoke-explode", env(at + "/Explode", at,
        '<p:Explode_INPUT xmlns:p="%s"/>' % at))
    put("cim-invoke-epr", env(at + "/Describe", at,
        '<p:Describe_INPUT xmlns:p="%s"><p:Target><a:Address>%s</a:Address>'
        '<a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>'
        '<w:SelectorSet><w:Selector Name="Id">3</w:Selector></w:SelectorSet>'
        '</a:ReferenceParameters></p:Target></p:Describe_INPUT>'
        % (at, wsman.ANONYMOUS, at)))
    put("config-get", env(cc.A_GET, CFG))
    for sub in ("service", "service/auth", "winrs", "client", "listener"):
        put("config-get-" + sub.replace("/", "-"), env(cc.A_GET, CFG + "/" +
                                                       sub))
    put("config-get-listener-sel", env(cc.A_GET, CFG + "/listener",
        selectors={"Address": "*", "Transport": "HTTPS"}))
    put("config-enum-listener", env(cc.A_ENUMERATE, CFG + "/listener",
        cc.enumerate_body(optimize=True, mode="EnumerateObjectAndEPR")))
    put("config-put", env("http://schemas.xmlsoap.org/ws/2004/09/transfer/"
        "Put", CFG + "/service", '<cfg:Service xmlns:cfg="%s"><cfg:'
        'AllowUnencrypted>true</cfg:AllowUnencrypted></cfg:Service>' % CFG))
    put("unknown-uri", env(cc.A_GET, "http://example.com/nothing"))
    put("identify", wsman.identify_envelope())
    # the shell plugin: what real clients sent (Create, Command, Receive,
    # Send, Signal, Delete)
    src = os.path.join(CORPUS, "fuzz_envelope")
    for f in sorted(os.listdir(src)):
        if f.startswith(("pywinrm-0", "go-winrm-0", "ansible-raw-0",
                         "ansible-put_fetch", "ansible-win_ping",
                         "quirk-fault-create")):
            shutil.copy(os.path.join(src, f),
                        os.path.join(CORPUS, "fuzz_dispatch", "shell-" + f))


def selector_seeds():
    frags = [
        '<w:SelectorSet><w:Selector Name="Id">1</w:Selector>'
        '<w:Selector Name="Name">one</w:Selector></w:SelectorSet>',
        '<w:SelectorSet><w:Selector Name="ShellId">'
        '11111111-2222-3333-4444-555555555555</w:Selector></w:SelectorSet>',
        '<w:SelectorSet><w:Selector Name="A">1</w:Selector>'
        '<w:Selector Name="a">2</w:Selector></w:SelectorSet>',
        '<w:SelectorSet><w:Selector>noname</w:Selector></w:SelectorSet>',
        '<w:SelectorSet><w:Selector Name="Target"><a:EndpointReference>'
        '<a:Address>x</a:Address></a:EndpointReference></w:Selector>'
        '</w:SelectorSet>',
        '<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<w:Option Name="WINRS_NOPROFILE">TRUE</w:Option>'
        '<w:Option Name="WINRS_CODEPAGE">437</w:Option>'
        '<w:Option Name="WINRS_CONSOLEMODE_STDIN" MustComply="true">TRUE'
        '</w:Option><w:Option Name="x" xsi:nil="true"/></w:OptionSet>',
        '<w:OptionSet s:mustUnderstand="true"><w:Option Name="'
        'msftwinrm:UsePreciseArrays" MustComply="1">TRUE</w:Option>'
        '</w:OptionSet>',
        '<w:OperationTimeout>PT60.000S</w:OperationTimeout>'
        '<w:MaxEnvelopeSize s:mustUnderstand="true">153600'
        '</w:MaxEnvelopeSize>',
        '<w:OperationTimeout>P1DT2H3M4.5S</w:OperationTimeout>'
        '<w:MaxEnvelopeSize>8192</w:MaxEnvelopeSize>',
        '<w:MaxEnvelopeSize>8191</w:MaxEnvelopeSize>',
        '<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>'
        '<p:DataLocale xml:lang="de-DE" s:mustUnderstand="false"/>'
        '<p:SessionId s:mustUnderstand="false">uuid:1</p:SessionId>'
        '<p:OperationID>uuid:2</p:OperationID>'
        '<p:SequenceId>1</p:SequenceId>',
        '<x:Unknown xmlns:x="urn:x" s:mustUnderstand="true"/>',
        '<a:FaultTo><a:Address>http://example.com/</a:Address></a:FaultTo>',
        '<w:SelectorSet/><w:SelectorSet/>',
        '<w:OptionSet/><w:OptionSet/>',
    ]
    for i, f in enumerate(frags):
        write("fuzz_selectors", "seed%02d" % i, f)


def wql_seeds():
    qs = [
        "SELECT * FROM Win32_Process",
        "  select Name ,Index,  Note from  WRT_X  ",
        "sElEcT * fRoM x wHeRe Name = 'a'",
        "SELECT * FROM X WHERE Index >= 3 AND Index < 10 OR Flag = TRUE",
        "SELECT * FROM X WHERE NOT (Name LIKE 'a%' OR Note LIKE '[a-c]_x')",
        "SELECT * FROM X WHERE Note IS NULL AND Tags IS NOT NULL",
        "SELECT * FROM X WHERE Value <> -5 AND Ratio > 1.5e-3",
        "SELECT * FROM X WHERE When < '20240403124550.468750+000'",
        "SELECT * FROM X WHERE Took = '00000001020304.500000:000'",
        "SELECT * FROM X WHERE Name = \"double \"\" quoted\"",
        "SELECT * FROM X WHERE 5 < Index",
        "SELECT * FROM X WHERE Letter = 'x' AND Big = 18446744073709551615",
        "SELECT * FROM X WHERE Small = -128 OR Small = 128",
        "SELECT * FROM X WHERE Name LIKE '%[^abc]%' AND Name LIKE '_%'",
        "SELECT * FROM X WHERE Name = 'caf\u00e9'",
        "select * from X where (Name = 1",
        "select * from X where Name = 'a' garbage",
        "ab%_[c]\u00e9\u20ac\0a[b-d]%[!x]_",
    ]
    for i, q in enumerate(qs):
        write("fuzz_wql", "seed%02d" % i, q)


if __name__ == "__main__":
    dispatch_seeds()
    selector_seeds()
    wql_seeds()
