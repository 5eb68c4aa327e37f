#!/bin/bash
# cim_win32_inventory.sh: the inventory and monitoring classes of the win32
# provider (issue 19) through the staged cim plugin, as the test user over
# HTTP Basic, each compared with what this test reads itself in the same
# run:
#
#  - Win32_Processor: logical processors and the model of /proc/cpuinfo,
#    L2 and L3 sizes as lscpu -C adds them up; LoadPercentage 0..100
#  - Win32_BIOS: /sys/class/dmi/id (and dmidecode -s when installed), or
#    empty without DMI
#  - Win32_PhysicalMemory: dmidecode -t 17 when it can read the table,
#    else one instance with MemTotal of /proc/meminfo
#  - Win32_Volume: the root filesystem's size by statvfs
#  - Win32_NetworkAdapter: the interfaces of /sys/class/net but lo
#  - Win32_UserAccount, Win32_Group: the names of /etc/passwd, /etc/group;
#    Get of root's account (its SID)
#  - Win32_Product: dpkg-query -W's installed packages and versions; a
#    WQL query by Name; Get of no such package -> w:DestinationUnreachable
#  - Win32_Environment: the test user's USER and HOME, /etc/environment
#  - Win32_NTLogEvent: the test user's own journal entries, newest first,
#    against journalctl -r -o json with the same matches
#  - the Win32_PerfFormattedData_* classes: one Processor instance per CPU
#    and _Total, percentages 0..100; Memory's AvailableKBytes near
#    /proc/meminfo's; the interfaces of /proc/net/dev but lo
#  - Win32_Service?Name=WinRM: winrmd's unit where systemd runs it, else
#    w:DestinationUnreachable
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $WIN32PROV" \
    "[Win32]" "MaxLogEvents = 50"
start_daemon

# an entry of the test user's own, where a journal runs
if [ -S /run/systemd/journal/socket ]; then
	runuser -u "$TEST_USER" -- logger -t cim-inventory \
	    "inventory test $$" || true
fi

with_timeout 100 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$TEST_UID" \
    <<'EOF'

import json, os, shutil, subprocess, sys, time, cim_common as cc
from cim_common import check, expect_ok, expect_fault, prop, items
url, user, pw, uid = sys.argv[1:5]
c = cc.Client(url, user, pw)

def enum(cls, **kw):
    got, _ = c.enumerate_all(cc.CIMV2 + cls, pull_max=500,
                             max_envelope=512000, **kw)
    return got

def props(i):
    d = {}
    for e in i:
        d.setdefault(cc.local(e.tag), e.text)
    return d

def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True).stdout

def main():
    # ------------------------------------------------- Win32_Processor
    cpus = enum("Win32_Processor")
    with open("/proc/cpuinfo") as f:
        info = f.read()
    nproc = sum(1 for l in info.splitlines() if l.startswith("processor"))
    logical = sum(int(prop(i, "NumberOfLogicalProcessors")) for i in cpus)
    check(logical == nproc, "logical processors %d, /proc/cpuinfo %d"
          % (logical, nproc))
    models = [l.split(":", 1)[1].strip() for l in info.splitlines()
              if l.startswith("model name")]
    if models:
        check(prop(cpus[0], "Name") == models[0],
              "Name %r, cpuinfo %r" % (prop(cpus[0], "Name"), models[0]))
    for i in cpus:
        check(0 <= int(prop(i, "LoadPercentage")) <= 100, "LoadPercentage")
    # cache sizes: every L2 and L3 of the machine, as lscpu adds them up
    if shutil.which("lscpu"):
        out = run("lscpu", "-B", "-C=NAME,ALL-SIZE")
        sizes = dict(l.split() for l in out.splitlines()[1:] if len(l.split()) == 2)
        for lvl in ("L2", "L3"):
            if lvl in sizes:
                got = sum(int(prop(i, lvl + "CacheSize")) for i in cpus) * 1024
                check(got == int(sizes[lvl]), "%sCacheSize %d bytes in all, "
                      "lscpu %s" % (lvl, got, sizes[lvl]))
    print("   ok: Win32_Processor: %d package(s), %d logical processors"
          % (len(cpus), logical))

    # ------------------------------------------------------ Win32_BIOS
    bios = enum("Win32_BIOS")
    dmi = "/sys/class/dmi/id/bios_vendor"
    if os.path.exists(dmi):
        with open(dmi) as f:
            vendor = f.read().strip()
        check(len(bios) == 1, "%d BIOS instances" % len(bios))
        check(prop(bios[0], "Manufacturer") == vendor,
              "BIOS Manufacturer %r, sysfs %r" % (prop(bios[0], "Manufacturer"), vendor))
        if shutil.which("dmidecode"):
            v = run("dmidecode", "-s", "bios-version").strip()
            if v:
                check(prop(bios[0], "SMBIOSBIOSVersion") == v,
                      "SMBIOSBIOSVersion %r, dmidecode %r"
                      % (prop(bios[0], "SMBIOSBIOSVersion"), v))
        print("   ok: Win32_BIOS: %s %s" % (vendor, prop(bios[0], "SMBIOSBIOSVersion")))
    else:
        check(len(bios) == 0, "no DMI, yet %d BIOS instances" % len(bios))
        print("   ok: Win32_BIOS: no DMI here, empty")

    # --------------------------------------------- Win32_PhysicalMemory
    mem = enum("Win32_PhysicalMemory")
    with open("/proc/meminfo") as f:
        meminfo = dict((l.split(":")[0], int(l.split()[1]))
                       for l in f if len(l.split()) >= 2)
    if os.access("/sys/firmware/dmi/tables/DMI", os.R_OK):
        if shutil.which("dmidecode"):
            sizes = [l.split(":", 1)[1].strip() for l in
                     run("dmidecode", "-t", "17").splitlines()
                     if l.strip().startswith("Size:")]
            sizes = [s for s in sizes if s[0].isdigit()]
            check(len(mem) == len(sizes), "%d modules, dmidecode %d"
                  % (len(mem), len(sizes)))
        print("   ok: Win32_PhysicalMemory: %d module(s)" % len(mem))
    else:
        check(len(mem) == 1, "no SMBIOS table: %d instances" % len(mem))
        check(int(prop(mem[0], "Capacity")) == meminfo["MemTotal"] * 1024,
              "Capacity %s, MemTotal %d kB" % (prop(mem[0], "Capacity"),
                                              meminfo["MemTotal"]))
        print("   ok: Win32_PhysicalMemory: no SMBIOS table, MemTotal")

    # ---------------------------------------------------- Win32_Volume
    vols = dict((prop(i, "DeviceID"), i) for i in enum("Win32_Volume"))
    st = os.statvfs("/")
    check("/" in vols, "no volume /")
    check(int(prop(vols["/"], "Capacity")) == st.f_blocks * st.f_frsize,
          "/ Capacity %s, statvfs %d" % (prop(vols["/"], "Capacity"),
                                         st.f_blocks * st.f_frsize))
    print("   ok: Win32_Volume: %d volumes, / as statvfs sees it" % len(vols))

    # -------------------------------------------- Win32_NetworkAdapter
    nics = set(prop(i, "NetConnectionID") for i in enum("Win32_NetworkAdapter"))
    want = set(n for n in os.listdir("/sys/class/net") if n != "lo")
    check(nics == want, "adapters %s, /sys/class/net %s" % (sorted(nics), sorted(want)))
    print("   ok: Win32_NetworkAdapter: %s" % ", ".join(sorted(nics)))

    # ------------------------------------- Win32_UserAccount, Win32_Group
    users = set(prop(i, "Name") for i in enum("Win32_UserAccount"))
    with open("/etc/passwd") as f:
        want = set(l.split(":")[0] for l in f if l.strip() and not l.startswith("#"))
    check(users == want, "accounts differ: %s" % sorted(users ^ want))
    check(user in users, "the test user %s is not listed" % user)
    host = os.uname().nodename.split(".")[0]
    r = c.get(cc.CIMV2 + "Win32_UserAccount", {"Domain": host, "Name": "root"})
    expect_ok(r, "Get root's account")
    check(prop(r.root, "SID") == "S-1-22-1-0", "root's SID %r" % prop(r.root, "SID"))
    groups = set(prop(i, "Name") for i in enum("Win32_Group"))
    with open("/etc/group") as f:
        want = set(l.split(":")[0] for l in f if l.strip() and not l.startswith("#"))
    check(groups == want, "groups differ: %s" % sorted(groups ^ want))
    print("   ok: Win32_UserAccount (%d), Win32_Group (%d) as /etc has them"
          % (len(users), len(groups)))

    # --------------------------------------------------- Win32_Product
    t = time.monotonic()
    prods = enum("Win32_Product")
    took = time.monotonic() - t
    got = dict((prop(i, "IdentifyingNumber"), prop(i, "Version")) for i in prods)
    want = {}
    if shutil.which("dpkg-query") and os.path.exists("/var/lib/dpkg/status"):
        for l in run("dpkg-query", "-W", "-f",
                     "${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\n").splitlines():
            s, n, v, a = l.split("\t")
            if s == "installed":
                want["dpkg:%s:%s" % (n, a)] = v
    check(got == want, "Win32_Product differs from dpkg-query: %s"
          % sorted(set(got.items()) ^ set(want.items()))[:10])
    if "dpkg:dpkg:" + run("dpkg", "--print-architecture").strip() in want:
        r = c.enumerate(cc.CIMV2 + "Win32_Product", optimize=True,
                        max_elements=100,
                        wql="SELECT Name,Version FROM Win32_Product WHERE Name='dpkg'")
        expect_ok(r, "WQL Win32_Product")
        its, _, _ = items(r)
        check(len(its) == 1 and prop(its[0], "Version") ==
              want["dpkg:dpkg:" + run("dpkg", "--print-architecture").strip()],
              "WQL Name='dpkg': %d items" % len(its))
    expect_fault(c.get(cc.CIMV2 + "Win32_Product",
                       {"IdentifyingNumber": "dpkg:no-such:all",
                        "Name": "no-such", "Version": "1"}),
                 cc.DESTINATION_UNREACHABLE, "Get of no such package")
    print("   ok: Win32_Product: %d packages as dpkg-query -W lists them "
          "(%.2f s); WQL; no such package -> DestinationUnreachable"
          % (len(got), took))

    # ----------------------------------------------- Win32_Environment
    env = enum("Win32_Environment")
    mine = dict((prop(i, "Name"), prop(i, "VariableValue")) for i in env
                if prop(i, "UserName") == "%s\\%s" % (host, user))
    check(mine.get("USER") == user, "USER %r" % mine.get("USER"))
    import pwd
    check(mine.get("HOME") == pwd.getpwnam(user).pw_dir, "HOME %r" % mine.get("HOME"))
    others = [prop(i, "UserName") for i in env
              if prop(i, "UserName") not in ("<SYSTEM>", "%s\\%s" % (host, user))]
    check(not others, "another user's variables: %s" % others)
    if os.path.exists("/etc/environment"):
        sysenv = dict((prop(i, "Name"), prop(i, "VariableValue")) for i in env
                      if prop(i, "UserName") == "<SYSTEM>")
        with open("/etc/environment") as f:
            for l in f:
                l = l.strip()
                if l and not l.startswith("#") and "=" in l:
                    k, v = l.split("=", 1)
                    k = k.replace("export ", "").strip()
                    v = v.strip().strip('"').strip("'")
                    check(sysenv.get(k) == v, "%s=%r, /etc/environment %r"
                          % (k, sysenv.get(k), v))
    print("   ok: Win32_Environment: the user's own and the system's")

    # ------------------------------------------------ Win32_NTLogEvent
    t = time.monotonic()
    ev = enum("Win32_NTLogEvent")
    took = time.monotonic() - t
    out = run("journalctl", "--no-pager", "-r", "-n", "50", "-o", "json",
              "_UID=" + uid, "+", "_SYSTEMD_OWNER_UID=" + uid)
    jl = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    msgs = [prop(i, "Message") for i in ev]
    jmsgs = [j.get("MESSAGE") if isinstance(j.get("MESSAGE"), str) else None
             for j in jl]
    check(len(msgs) == len(jmsgs), "%d events, journalctl %d" % (len(msgs), len(jmsgs)))
    check(msgs == jmsgs, "messages differ from journalctl's: %r / %r"
          % (msgs[:3], jmsgs[:3]))
    for i in ev:
        check(prop(i, "Type") in ("Error", "Warning", "Information"), "Type")
    print("   ok: Win32_NTLogEvent: %d of the user's entries as journalctl "
          "shows them (%.2f s)" % (len(ev), took))

    # ------------------------------------------------ performance classes
    perf = enum("Win32_PerfFormattedData_PerfOS_Processor")
    names = [prop(i, "Name") for i in perf]
    check(names[-1] == "_Total", "last %r" % names[-1])
    check(len(names) == os.cpu_count() + 1 or len(names) == len(
        [l for l in open("/proc/stat") if l.startswith("cpu")]),
          "Processor instances %s" % names)
    for i in perf:
        p = int(prop(i, "PercentProcessorTime"))
        check(0 <= p <= 100 and p + int(prop(i, "PercentIdleTime")) == 100,
              "percentages of %s" % prop(i, "Name"))
    m = enum("Win32_PerfFormattedData_PerfOS_Memory")
    check(len(m) == 1, "Memory instances %d" % len(m))
    # a singleton: Get without selectors, as `winrm get' sends it
    r = c.get(cc.CIMV2 + "Win32_PerfFormattedData_PerfOS_Memory", None)
    expect_ok(r, "Get PerfOS_Memory without selectors")
    check(prop(r.root, "CommitLimit") is not None, "no CommitLimit")
    avail = int(prop(m[0], "AvailableKBytes"))
    with open("/proc/meminfo") as f:
        now = dict((l.split(":")[0], int(l.split()[1])) for l in f
                   if len(l.split()) >= 2)
    check(abs(avail - now["MemAvailable"]) < now["MemTotal"] * 0.1,
          "AvailableKBytes %d, MemAvailable %d" % (avail, now["MemAvailable"]))
    nets = set(prop(i, "Name") for i in
               enum("Win32_PerfFormattedData_Tcpip_NetworkInterface"))
    with open("/proc/net/dev") as f:
        want = set(l.split(":")[0].strip() for l in f if ":" in l) - {"lo"}
    check(nets == want, "NetworkInterface %s, /proc/net/dev %s" % (nets, want))
    disks = enum("Win32_PerfFormattedData_PerfDisk_LogicalDisk")
    for i in disks:
        check(0 <= int(prop(i, "PercentIdleTime")) <= 100, "PercentIdleTime")
    print("   ok: performance classes: %d CPUs + _Total, memory, %d disks, "
          "%d interfaces" % (len(perf) - 1, len(disks), len(nets)))

    # -------------------------------------- Win32_Service?Name=WinRM
    r = c.get(cc.CIMV2 + "Win32_Service", {"Name": "WinRM"})
    if os.path.isdir("/run/systemd/system") and subprocess.run(
            ["systemctl", "cat", "winrmd.service"],
            capture_output=True).returncode == 0:
        expect_ok(r, "Get Win32_Service WinRM")
        check(prop(r.root, "Name") == "WinRM", "Name %r" % prop(r.root, "Name"))
        print("   ok: Win32_Service WinRM is winrmd.service")
    else:
        expect_fault(r, cc.DESTINATION_UNREACHABLE, "Get WinRM without winrmd.service")
        print("   ok: no winrmd.service here: WinRM -> DestinationUnreachable")

cc.run(main)
EOF
[ $? = 0 ] || fail "see above"
ok "Win32 inventory and performance classes"
