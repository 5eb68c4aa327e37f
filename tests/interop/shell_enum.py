#!/usr/bin/python3
"""shell_enum.py: shells as resources (shell_enum.sh says what is proven).

    shell_enum.py URL USER PASSWORD USER2 PASSWORD2

Run with the client venv's python (pypsrp); raw requests through wsman.py
and shell_common.py.  Prints "ok <what>" per check; exits 1 on the first
failure with the reason.
"""

import sys
import time

import shell_common as sc
import wsman

from pypsrp.powershell import RunspacePool
from pypsrp.wsman import WSMan

WSEN = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
A_ENUM = WSEN + "/Enumerate"
A_PULL = WSEN + "/Pull"
A_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
A_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
SHELLS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
CMD = SHELLS + "/cmd"
COMMANDS = SHELLS + "/Command"
PS = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
SELECTOR_FILTER = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
RSP = "{%s}" % sc.RSP
# MS-WSMV 2.2.4.37's order of what an enumerated shell carries
FIELDS = ["ShellId", "ResourceUri", "Owner", "ClientIP", "ProcessId",
          "IdleTimeOut", "InputStreams", "OutputStreams", "MaxIdleTimeOut",
          "Locale", "DataLocale", "CompressionMode", "ProfileLoaded",
          "Encoding", "BufferMode", "State", "ShellRunTime",
          "ShellInactivity", "MemoryUsed", "ChildProcesses"]


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def ok(what):
    print("ok " + what, flush=True)


def enum_body(max_elements=32000, optimize=True, filter_xml=""):
    return ('<n:Enumerate xmlns:n="%s">%s<w:MaxElements>%d</w:MaxElements>'
            '%s</n:Enumerate>' % (WSEN, "<w:OptimizeEnumeration/>"
                                  if optimize else "", max_elements,
                                  filter_xml))


def shell_filter(**sel):
    return ('<w:Filter Dialect="%s"><w:SelectorSet>%s</w:SelectorSet>'
            '</w:Filter>' % (SELECTOR_FILTER, "".join(
                '<w:Selector Name="%s">%s</w:Selector>' % (k, sc.esc(v))
                for k, v in sel.items())))


class Client:
    def __init__(self, url, user, password):
        self.user, self.password = user, password
        self.conn = wsman.Connection(url, timeout=60)

    def post(self, env):
        return self.conn.post(env, user=self.user, password=self.password)

    def enumerate(self, uri, **kw):
        """(the rsp:Shell / rsp:Command items, the reply) over every Pull"""
        r = self.post(wsman.envelope(A_ENUM, uri, body=enum_body(**kw)))
        if r.status != 200 or r.fault():
            return None, r
        root = r.root
        items = list(root.iter(RSP + "Shell")) + list(root.iter(RSP + "Command"))
        ctx = root.find(".//{%s}EnumerationContext" % WSEN)
        pulls = 0
        while ctx is not None and ctx.text and \
                root.find(".//{%s}EndOfSequence" % wsman.NS["w"]) is None:
            pulls += 1
            if pulls > 100:
                fail("Enumerate of %s: no end after 100 Pulls" % uri)
            r = self.post(wsman.envelope(
                A_PULL, uri, body='<n:Pull xmlns:n="%s"><n:EnumerationContext>'
                '%s</n:EnumerationContext><n:MaxElements>%d</n:MaxElements>'
                '</n:Pull>' % (WSEN, sc.esc(ctx.text),
                               kw.get("max_elements", 32000))))
            if r.status != 200 or r.fault():
                fail("Pull of %s: %s" % (uri, sc.describe(r)))
            root = r.root
            items += list(root.iter(RSP + "Shell")) + \
                list(root.iter(RSP + "Command"))
            ctx = root.find(".//{%s}EnumerationContext" % WSEN)
            if root.find(".//{%s}EndOfSequence" % WSEN) is not None:
                break
        return items, r

    def get(self, uri, shell_id):
        sel = {"ShellId": shell_id} if shell_id is not None else None
        return self.post(wsman.envelope(A_GET, uri, selectors=sel))


def ids_of(items):
    return sorted(e.findtext(RSP + "ShellId").upper() for e in items)


def expect_fault(r, code, what):
    f = r.fault()
    if f is None:
        fail("%s: no fault: %s" % (what, sc.describe(r)))
    sub = (f["subcode"] or "").rpartition(":")[2]
    if code not in (f["wsmanfault_code"], sub):
        fail("%s: expected %s, got %s" % (what, code, sc.describe(r)))


def pypsrp_wsman(url, user, password):
    host_port = url.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return WSMan(host, port=int(port), username=user, password=password,
                 ssl=url.startswith("https"), cert_validation=False,
                 auth="basic", encryption="never" if url.startswith("http:")
                 else "auto")


def main(url, user, password, user2, password2):
    a = Client(url, user, password)
    b = Client(url, user2, password2)

    # A: a WinRS shell running a command; B: a WinRS shell; A: a pool
    sa = sc.RawShell(url, user, password)
    wid = sa.create().upper()
    cid = sa.command("sleep", ["30"])
    sb = sc.RawShell(url, user2, password2)
    bid = sb.create().upper()
    wsa = pypsrp_wsman(url, user, password)
    pool = RunspacePool(wsa)
    pool.open()
    pid = str(pool.id).upper()
    ok("Create of WinRS shells and a pypsrp pool still works")
    time.sleep(1.1)

    items, r = a.enumerate(SHELLS)
    if items is None:
        fail("Enumerate of %s: %s" % (SHELLS, sc.describe(r)))
    if ids_of(items) != sorted([wid, pid]):
        fail("Enumerate of %s as %s: %s, expected %s" %
             (SHELLS, user, ids_of(items), sorted([wid, pid])))
    ok("Enumerate windows/shell lists the caller's shell and pool, not another user's")
    by = {e.findtext(RSP + "ShellId").upper(): e for e in items}
    for sid, uri in ((wid, CMD), (pid, PS)):
        e = by[sid]
        names = [c.tag.rpartition("}")[2] for c in e]
        if [n for n in names if n in FIELDS] != FIELDS:
            fail("the rsp:Shell of %s has %s, expected %s in that order" %
                 (sid, names, FIELDS))
        if e.findtext(RSP + "ResourceUri") != uri:
            fail("ResourceUri of %s: %s" % (sid, e.findtext(RSP + "ResourceUri")))
        if e.findtext(RSP + "Owner") != user:
            fail("Owner of %s: %s" % (sid, e.findtext(RSP + "Owner")))
        if e.findtext(RSP + "State") != "Connected":
            fail("State of %s: %s" % (sid, e.findtext(RSP + "State")))
        rt = e.findtext(RSP + "ShellRunTime")
        if not rt.startswith("P0DT0H0M") or rt == "P0DT0H0M0S":
            fail("ShellRunTime of %s after 1 s: %s" % (sid, rt))
    if int(by[wid].findtext(RSP + "ChildProcesses")) < 1:
        fail("ChildProcesses of the shell running sleep: %s" %
             by[wid].findtext(RSP + "ChildProcesses"))
    if by[pid].findtext(RSP + "InputStreams") != "stdin pr":
        fail("InputStreams of the pool: %s" % by[pid].findtext(RSP + "InputStreams"))
    ok("rsp:Shell has MS-WSMV's fields in order: ResourceUri, Owner, State, "
       "ShellRunTime, ChildProcesses right")

    items, r = a.enumerate(SHELLS, max_elements=1, optimize=False)
    if items is None or ids_of(items) != sorted([wid, pid]):
        fail("Enumerate + Pull (MaxElements 1): %s" %
             (ids_of(items) if items is not None else sc.describe(r)))
    ok("Enumerate + Pull one at a time")

    items, r = a.enumerate(CMD)
    if items is None or ids_of(items) != [wid]:
        fail("Enumerate of shell/cmd: %s" % (ids_of(items) if items else sc.describe(r)))
    items, r = a.enumerate(PS)
    if items is None or ids_of(items) != [pid]:
        fail("Enumerate of the PowerShell URI: %s" %
             (ids_of(items) if items else sc.describe(r)))
    ok("Enumerate shell/cmd lists WinRS shells only, the PowerShell URI pools only")

    items, r = a.enumerate(SHELLS, filter_xml=shell_filter(ResourceUri=PS))
    if items is None or ids_of(items) != [pid]:
        fail("SelectorFilter ResourceUri: %s" % (ids_of(items) if items else sc.describe(r)))
    items, r = a.enumerate(SHELLS, filter_xml=shell_filter(ShellId=bid))
    if items is None or items:
        fail("SelectorFilter with another user's ShellId: %s" %
             (ids_of(items) if items else sc.describe(r)))
    _, r = a.enumerate(SHELLS, filter_xml='<w:Filter Dialect="http://'
                       'schemas.microsoft.com/wbem/wsman/1/WQL">select * from'
                       ' x</w:Filter>')
    expect_fault(r, "FilterDialectRequestedUnavailable", "a WQL filter")
    _, r = a.enumerate(SHELLS, filter_xml=shell_filter(Owner=user))
    expect_fault(r, "CannotProcessFilter", "a filter on Owner")
    ok("SelectorFilter on ResourceUri and ShellId; other dialects and selectors refused")

    items, r = a.enumerate(COMMANDS, filter_xml=shell_filter(ShellId=wid))
    if items is None or [e.findtext(RSP + "CommandId").upper() for e in items] \
            != [cid.upper()]:
        fail("Enumerate of shell/Command: %s" %
             (items if items is not None else sc.describe(r)))
    _, r = a.enumerate(COMMANDS, filter_xml=shell_filter(ShellId=bid))
    expect_fault(r, "2150858843", "the commands of another user's shell")
    _, r = a.enumerate(COMMANDS)
    expect_fault(r, "CannotProcessFilter", "shell/Command without a filter")
    ok("Enumerate shell/Command with a ShellId filter lists its commands; "
       "another user's shell is not found")

    r = a.get(CMD, wid)
    e = r.find(".//rsp:Shell")
    if r.fault() or e is None or e.findtext(RSP + "ShellId").upper() != wid:
        fail("Get of shell/cmd: %s" % sc.describe(r))
    r = a.get(SHELLS, pid)
    e = r.find(".//rsp:Shell")
    if r.fault() or e is None or e.findtext(RSP + "ResourceUri") != PS:
        fail("Get of windows/shell for the pool: %s" % sc.describe(r))
    r = a.get(PS, pid)
    if r.fault() or r.find(".//rsp:Shell") is None:
        fail("Get of the pool on the PowerShell URI: %s" % sc.describe(r))
    expect_fault(a.get(PS, wid), "2150858843", "Get of a WinRS shell on the PowerShell URI")
    expect_fault(a.get(SHELLS, bid), "2150858843", "Get of another user's shell")
    expect_fault(a.get(SHELLS, "00000000-0000-0000-0000-000000000000"),
                 "2150858843", "Get of an unknown ShellId")
    expect_fault(a.get(SHELLS, None), "InvalidSelectors", "Get without ShellId")
    r = a.post(wsman.envelope(A_GET, "http://schemas.microsoft.com/"
                              "powershell/No.Such.Config",
                              selectors={"ShellId": pid}))
    expect_fault(r, "DestinationUnreachable", "Get on an unknown configuration")
    r = a.post(wsman.envelope(A_ENUM, SHELLS + "/nosuch", body=enum_body()))
    expect_fault(r, "DestinationUnreachable", "Enumerate of shell/nosuch")
    r = a.post(sc.create_envelope().replace(CMD.encode(), SHELLS.encode() + b"/nosuch"))
    expect_fault(r, "DestinationUnreachable", "Create of shell/nosuch")
    r = a.post(sc.create_envelope().replace(CMD.encode(), SHELLS.encode()))
    expect_fault(r, "ActionNotSupported", "Create of windows/shell")
    ok("Get by ShellId; another user's, an unknown or a missing ShellId is a fault as on Windows; "
       "Create is only .../shell/cmd's")

    pools = RunspacePool.get_runspace_pools(wsa)
    got = sorted(str(p.id).upper() for p in pools)
    if pid not in got or bid in got:
        fail("pypsrp get_runspace_pools: %s (pool %s, B's %s)" % (got, pid, bid))
    ok("pypsrp RunspacePool.get_runspace_pools lists the pool opened by pypsrp")
    pools = RunspacePool.get_runspace_pools(pypsrp_wsman(url, user2, password2))
    got = sorted(str(p.id).upper() for p in pools)
    if got != [bid]:
        fail("pypsrp get_runspace_pools as %s: %s, expected [%s]" % (user2, got, bid))
    ok("another user's get_runspace_pools sees only their own shell")

    # the pool is still usable after being listed, and gone once closed
    pool.close()
    sa.signal(cid)
    sa.delete()
    sb.delete()
    items, r = a.enumerate(SHELLS)
    if items is None or items:
        fail("after Delete and close: %s" % (ids_of(items) if items else sc.describe(r)))
    ok("deleted shells and closed pools are no longer listed")
    print("done")


if __name__ == "__main__":
    main(*sys.argv[1:6])
