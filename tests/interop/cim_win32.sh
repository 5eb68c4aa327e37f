#!/bin/bash
# cim_win32.sh: the Win32 classes of the win32 provider through the staged
# cim plugin, with the requests Windows clients send (winrm enumerate/get/
# invoke, Get-WSManInstance; docs/PROTOCOL.md Part C §1.2), over HTTP Basic:
#
#  - Enumerate of Win32_Process finds this test's own child (sleep) with
#    its command line and parent; MaxElements 10 + Pull until
#    EndOfSequence returns every process exactly once
#  - WQL SELECT Name,ProcessId FROM Win32_Process WHERE Name='sleep'
#  - Get of Win32_OperatingSystem (by enumerating for its key, then Get;
#    and without selectors: a singleton, as `winrm get` sends it); the
#    same Get five times answers each anew (own RelatesTo, LocalDateTime
#    later each time, NumberOfProcesses up with 50 processes started)
#  - Invoke Create starts a process as the test user (its uid is checked
#    in /proc) and Terminate stops it; Terminate of a root-owned process
#    by the test user -> ReturnValue 2, the process lives on
#  - Get of no instance -> w:DestinationUnreachable, a selector that is
#    no key -> w:InvalidSelectors
#  - Win32_Service enumerates at least one unit where systemd runs, and
#    is empty, without a fault, where it does not
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $WIN32PROV"
start_daemon

# a process of ours, with a command line to look for, and one for
# Terminate's refusal (both root's: the test runs as root)
sleep 4321 >/dev/null 2>&1 </dev/null &
SLEEP_PID=$!
sleep 4322 >/dev/null 2>&1 </dev/null &
ROOT_PID=$!

with_timeout 100 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$TEST_UID" \
    "$SLEEP_PID" "$$" "$ROOT_PID" <<'EOF'

import os, subprocess, sys, time, cim_common as cc
from cim_common import check, expect_ok, expect_fault, prop, items
url, user, pw, uid, sleep_pid, my_pid, root_pid = sys.argv[1:8]
c = cc.Client(url, user, pw)
PROC = cc.CIMV2 + "Win32_Process"
OS = cc.CIMV2 + "Win32_OperatingSystem"
SVC = cc.CIMV2 + "Win32_Service"

def body_of(r):
    return list(r.root.find("s:Body", cc.NS))

def main():
    # every process exactly once, in pages of 10
    got, pulls = c.enumerate_all(PROC, pull_max=10, max_elements=10)
    pids = [prop(i, "ProcessId") for i in got]
    check(len(pids) == len(set(pids)), "a process came twice")
    check(pulls >= 2, "only %d Pulls for %d processes" % (pulls, len(pids)))
    live = set(p for p in os.listdir("/proc") if p.isdigit())
    check(len(set(pids) & live) >= len(live) * 0.9,
          "%d of %d live processes enumerated" % (len(set(pids) & live), len(live)))
    mine = [i for i in got if prop(i, "ProcessId") == sleep_pid]
    check(len(mine) == 1, "the test's sleep %s is not enumerated" % sleep_pid)
    check(prop(mine[0], "CommandLine") == "sleep 4321",
          "CommandLine %r" % prop(mine[0], "CommandLine"))
    check(prop(mine[0], "Name") == "sleep", "Name %r" % prop(mine[0], "Name"))
    check(prop(mine[0], "ParentProcessId") == my_pid,
          "ParentProcessId %r, expected %s" % (prop(mine[0], "ParentProcessId"), my_pid))
    check(prop(mine[0], "Handle") == sleep_pid, "Handle")
    print("   ok: %d processes in %d Pulls, each once; the test's sleep "
          "found with its command line" % (len(pids), pulls))

    # WQL
    r = c.enumerate(PROC, optimize=True, max_elements=1000,
                    wql="SELECT Name,ProcessId FROM Win32_Process WHERE Name='sleep'")
    expect_ok(r, "WQL enumerate")
    its, ctx, done = items(r)
    while not done:
        r = c.pull(PROC, ctx, 100)
        expect_ok(r, "WQL pull")
        more, ctx, done = items(r)
        its += more
    names = set(prop(i, "Name") for i in its)
    check(names == {"sleep"}, "WQL returned names %s" % names)
    wpids = set(prop(i, "ProcessId") for i in its)
    check({sleep_pid, root_pid} <= wpids, "WQL missed the sleeps: %s" % wpids)
    for i in its:
        kids = set(cc.local(e.tag) for e in i.iter()) - {cc.local(i.tag)}
        check(kids <= {"Name", "ProcessId"}, "WQL projection returned %s" % kids)
    print("   ok: WQL Name='sleep' -> %d processes, only Name and ProcessId"
          % len(its))

    # Win32_OperatingSystem: its key from an enumeration, then Get
    osi, _ = c.enumerate_all(OS, optimize=True, max_elements=5)
    check(len(osi) == 1, "%d Win32_OperatingSystem instances" % len(osi))
    name = prop(osi[0], "Name")
    r = c.get(OS, {"Name": name})
    expect_ok(r, "Get Win32_OperatingSystem")
    o = body_of(r)[0]
    check(int(prop(o, "TotalVisibleMemorySize")) > 1024, "TotalVisibleMemorySize")
    with open("/proc/meminfo") as f:
        kb = int(f.readline().split()[1])
    check(int(prop(o, "TotalVisibleMemorySize")) == kb,
          "TotalVisibleMemorySize %s KB, /proc/meminfo says %d" % (prop(o, "TotalVisibleMemorySize"), kb))
    check(prop(o, "OSType") == "36", "OSType %r" % prop(o, "OSType"))
    print("   ok: Get Win32_OperatingSystem (%s KB)" % prop(o, "TotalVisibleMemorySize"))
    # a singleton: `winrm get wmicimv2/Win32_OperatingSystem' sends no selectors
    r = c.get(OS, None)
    expect_ok(r, "Get Win32_OperatingSystem without selectors")
    check(prop(body_of(r)[0], "Name") == name,
          "the singleton's Name: %r" % prop(body_of(r)[0], "Name"))
    print("   ok: Get Win32_OperatingSystem without selectors (a singleton)")

    # the same Get again and again (the daemon keeps its parse from the
    # second on): every answer made anew, for its own MessageID, with
    # values read again (processes started between two Gets count)
    seen, stamps, rel = [], [], set()
    kids = []
    for n in range(5):
        if n == 4:
            kids = [subprocess.Popen(["sleep", "4323"]) for k in range(50)]
        r = c.get(OS, {"Name": name})
        expect_ok(r, "Get Win32_OperatingSystem, again (%d)" % n)
        o = body_of(r)[0]
        seen.append(int(prop(o, "NumberOfProcesses")))
        stamps += [e[0].text for e in o.iter()
                   if cc.local(e.tag) == "LocalDateTime"]
        rel.add(r.root.find("s:Header/a:RelatesTo", cc.NS).text)
    for k in kids:
        k.kill()
        k.wait()
    check(len(rel) == 5, "RelatesTo repeated: %s" % rel)
    check(stamps == sorted(stamps) and len(set(stamps)) == 5,
          "LocalDateTime not read again: %s" % stamps)
    check(seen[4] >= seen[3] + 25,
          "50 processes started, NumberOfProcesses %d -> %d" % (seen[3], seen[4]))
    print("   ok: the same Get 5 times: own RelatesTo, LocalDateTime %s .. %s, "
          "NumberOfProcesses %d -> %d with 50 processes started"
          % (stamps[0], stamps[4], seen[3], seen[4]))

    # a wrong key
    r = c.get(PROC, {"Handle": "999999999"})
    expect_fault(r, cc.DESTINATION_UNREACHABLE,
                 "Get of a process that does not exist")
    r = c.get(PROC, {"Nonsense": "1"})
    expect_fault(r, cc.INVALID_SELECTORS, "Get with a selector that is no key")
    print("   ok: no such process -> DestinationUnreachable, "
          "wrong keys -> InvalidSelectors")

    # Create as the test user, then Terminate
    r = c.invoke(PROC, "Create", [("CommandLine", "sleep 4323")])
    expect_ok(r, "Create")
    out = body_of(r)[0]
    check(cc.local(out.tag) == "Create_OUTPUT", "Create answer %s" % out.tag)
    check(prop(out, "ReturnValue") == "0", "Create ReturnValue %r" % prop(out, "ReturnValue"))
    new = prop(out, "ProcessId")
    with open("/proc/%s/status" % new) as f:
        uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
    check(uids == [uid] * 4, "the created process runs as %s, not %s" % (uids, uid))
    # Create answers once the child is forked; it may not have exec'd yet
    for _ in range(100):
        with open("/proc/%s/cmdline" % new, "rb") as f:
            cmdline = f.read()
        if cmdline == b"sleep\x004323\x00":
            break
        time.sleep(0.02)
    check(cmdline == b"sleep\x004323\x00",
          "the created process' command line: %r" % cmdline)
    r = c.invoke(PROC, "Terminate", [("Reason", "0")], {"Handle": new})
    expect_ok(r, "Terminate")
    check(prop(body_of(r)[0], "ReturnValue") == "0", "Terminate ReturnValue")
    for _ in range(50):
        if not os.path.exists("/proc/%s" % new):
            break
        with open("/proc/%s/stat" % new) as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                break
        time.sleep(0.05)
    else:
        raise AssertionError("the created process %s survived Terminate" % new)
    print("   ok: Create ran as uid %s (pid %s), Terminate stopped it" % (uid, new))

    # root's process: not the test user's to kill
    r = c.invoke(PROC, "Terminate", [("Reason", "0")], {"Handle": root_pid})
    expect_ok(r, "Terminate of root's process")
    check(prop(body_of(r)[0], "ReturnValue") == "2",
          "Terminate of a root process: ReturnValue %r" % prop(body_of(r)[0], "ReturnValue"))
    time.sleep(0.2)
    check(os.path.exists("/proc/%s" % root_pid), "root's process was killed")
    print("   ok: Terminate of a root-owned process -> ReturnValue 2, it lives")

    # services: systemd or not
    r = c.enumerate(SVC, optimize=True, max_elements=1000)
    expect_ok(r, "Enumerate Win32_Service")
    svcs, ctx, done = items(r)
    while not done:
        r = c.pull(SVC, ctx, 1000)
        expect_ok(r, "Pull Win32_Service")
        more, ctx, done = items(r)
        svcs += more
    if os.path.isdir("/run/systemd/system"):
        check(len(svcs) >= 1, "systemd runs but Win32_Service is empty")
        print("   ok: Win32_Service: %d units" % len(svcs))
    else:
        check(len(svcs) == 0, "no systemd, yet %d services" % len(svcs))
        print("   ok: Win32_Service: no systemd here, empty and no fault")

cc.run(main)
EOF
rc=$?
kill "$SLEEP_PID" "$ROOT_PID" 2>/dev/null
wait "$SLEEP_PID" "$ROOT_PID" 2>/dev/null
[ $rc = 0 ] || fail "see above"
if [ ! -d /run/systemd/system ]; then
	grep -qi "systemd" "$DLOG" || fail "the log does not say why Win32_Service is empty"
fi
ok "Win32 classes"
