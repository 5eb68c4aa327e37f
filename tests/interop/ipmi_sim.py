#!/usr/bin/python3
"""ipmi_sim.py: the checks of ipmi_sim.sh against the staged daemon, whose
IPMI provider reads the test BMC (ipmi_sim, tests/ipmisim) out-of-band.

usage: ipmi_sim.py URL USER PASS ADMIN ADMINPASS UDP CONSOLE BMCDIR STOPSCRIPT

[IPMI] of the daemon: CacheSeconds = 2, TimeoutSeconds = 3, AdminGroups =
a group of ADMIN only.  Prints what it saw; exits 1 on the first failure.
"""

import socket
import statistics
import subprocess
import sys
import threading
import time

import cim_common as cc
import wsman
from cim_common import check, expect_ok, expect_fault, prop

(url, user, pw, admin, admin_pw, udp, console, bmcdir,
 stop_script) = sys.argv[1:10]
BMC_PASSWORD = "Bmc-Pw-4711"	# tests/ipmisim/lan.conf.in
CACHE_S = 2.0
TIMEOUT_S = 3.0

HW = cc.WMI + "root/hardware/"
NS_URI = HW + "CIM_NumericSensor"
c = cc.Client(url, user, pw)
ca = cc.Client(url, admin, admin_pw)
IPMITOOL = ["ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1",
            "-p", udp, "-U", "admin", "-P", BMC_PASSWORD]
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
TIMED_OUT = "2150858793"
INTERNAL_ERROR = "2150858755"


def props(inst):
    """element -> {name: text or [texts]} (arrays become lists)"""
    d = {}
    for e in inst:
        k = cc.local(e.tag)
        v = e.text
        if len(e) > 0:		# cim:Datetime
            v = e[0].text
        if e.get(XSI_NIL) == "true":
            v = None
        if k in d:
            if not isinstance(d[k], list):
                d[k] = [d[k]]
            d[k].append(v)
        else:
            d[k] = v
    return d


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def enum(uri, client=c, **kw):
    its, _ = client.enumerate_all(uri, pull_max=50, optimize=True,
                                  max_elements=100, **kw)
    return its


def by_name(its):
    return {props(i).get("ElementName"): props(i) for i in its}


def console_cmd(cmd):
    s = socket.create_connection(("127.0.0.1", int(console)), timeout=5)
    try:
        time.sleep(0.1)
        s.recv(4096)
        s.sendall(cmd.encode() + b"\n")
        time.sleep(0.2)
        s.recv(4096)
    finally:
        s.close()


def ipmitool(*args):
    return subprocess.run(IPMITOOL + list(args), check=True,
                          capture_output=True, text=True, timeout=20).stdout


def sensors_now():
    return by_name(enum(NS_URI))


def wait_cache():
    time.sleep(CACHE_S + 0.2)


def timed(fn):
    t = time.monotonic()
    fn()
    return (time.monotonic() - t) * 1000


def main():
    # ---------------------------------------------------------- sensors
    s = sensors_now()
    check(sorted(s) == ["12V Rail", "CPU Temp", "Fan1"],
          "numeric sensors %s" % sorted(s))
    t = s["CPU Temp"]
    check(t["CurrentReading"] == "45" and t["UnitModifier"] == "0" and
          t["BaseUnits"] == "2" and t["SensorType"] == "2",
          "CPU Temp %r" % t)
    check(t["UpperThresholdNonCritical"] == "75" and
          t["UpperThresholdCritical"] == "85" and
          t["UpperThresholdFatal"] == "95" and
          t["LowerThresholdCritical"] is None, "CPU Temp thresholds %r" % t)
    check(as_list(t["SupportedThresholds"]) == ["1", "3", "5"],
          "SupportedThresholds %r" % t["SupportedThresholds"])
    check(t["CurrentState"] == "Normal" and t["HealthState"] == "5" and
          as_list(t["OperationalStatus"]) == ["2"], "CPU Temp state %r" % t)
    check("Upper Critical" in as_list(t["PossibleStates"]),
          "PossibleStates %r" % t["PossibleStates"])
    f = s["Fan1"]
    check(f["CurrentReading"] == "4800" and f["BaseUnits"] == "19" and
          f["SensorType"] == "5" and f["UnitModifier"] == "0" and
          f["LowerThresholdNonCritical"] == "1000" and
          f["LowerThresholdCritical"] == "500", "Fan1 %r" % f)
    v = s["12V Rail"]
    volts = int(v["CurrentReading"]) * 10 ** int(v["UnitModifier"])
    check(abs(volts - 12.0) < 1e-9 and v["BaseUnits"] == "5" and
          v["SensorType"] == "3", "12V Rail %r" % v)
    check(abs(int(v["LowerThresholdCritical"]) * 10 **
              int(v["UnitModifier"]) - 10.8) < 1e-9 and
          abs(int(v["UpperThresholdCritical"]) * 10 **
              int(v["UnitModifier"]) - 13.2) < 1e-9, "12V thresholds %r" % v)
    print("   CIM_NumericSensor: CPU Temp 45 C (UNC/UC/UNR 75/85/95), Fan1 "
          "4800 RPM (LNC/LC 1000/500), 12V Rail %s x 10^%s V = %.2f V "
          "(LC/UC 10.80/13.20)" % (v["CurrentReading"], v["UnitModifier"],
                                   volts))

    d = enum(HW + "CIM_Sensor")
    check(len(d) == 1, "%d discrete sensors" % len(d))
    p = props(d[0])
    check(p["ElementName"] == "PS1 Status" and
          p["CurrentState"] == "Presence detected" and
          p["SensorType"] == "1" and
          p["OtherSensorTypeDescription"] == "Power Supply" and
          "Presence detected" in as_list(p["PossibleStates"]),
          "PS1 Status %r" % p)
    print("   CIM_Sensor: PS1 Status 'Presence detected' (Other: Power "
          "Supply, %d possible states)" % len(as_list(p["PossibleStates"])))

    # the other URI form and Windows' names
    for uri in (cc.DMTF + "CIM_NumericSensor", HW + "NumericSensor",
                cc.DMTF + "NumericSensor"):
        check(len(enum(uri)) == 3, "3 sensors at %s" % uri)
    for name, n in (("Sensor", 1), ("RecordLog", 1), ("LogRecord", 1),
                    ("ComputerSystem", 1)):
        check(len(enum(HW + name)) == n, "%s" % name)
    its = enum(cc.DMTF + "CIM_NumericSensor", mode="EnumerateObjectAndEPR")
    sels = {x.get("Name"): x.text for x in its[0].findall(".//w:Selector",
                                                           cc.NS)}
    check(sels.get("__cimnamespace") == "root/hardware", "EPR %r" % sels)
    print("   .../wmi/root/hardware/ and .../cim-schema/2/ URIs; NumericSensor, "
          "Sensor, RecordLog, LogRecord, ComputerSystem answer")

    # WQL
    its = enum(HW + "*", wql="SELECT * FROM CIM_NumericSensor WHERE "
               "SensorType=2")
    names = [props(i)["ElementName"] for i in its]
    check(names == ["CPU Temp"], "WQL SensorType=2: %r" % names)
    its = enum(NS_URI, wql="select ElementName from CIM_NumericSensor "
               "where BaseUnits = 5")
    check(len(its) == 1 and prop(its[0], "ElementName") == "12V Rail",
          "WQL BaseUnits = 5")
    print("   WQL SELECT * FROM CIM_NumericSensor WHERE SensorType=2: "
          "CPU Temp only")

    # Get by the EPR's keys, values in another case
    its = enum(NS_URI, mode="EnumerateObjectAndEPR")
    epr = [i for i in its if prop(i, "ElementName") == "12V Rail"][0][1]
    keys = {x.get("Name"): x.text for x in epr.findall(".//w:Selector",
                                                        cc.NS)}
    keys["DeviceID"] = keys["DeviceID"].lower()
    r = c.get(NS_URI, keys)
    expect_ok(r, "Get 12V Rail")
    check(prop(r.root, "CurrentReading") == v["CurrentReading"], "Get value")
    keys["DeviceID"] = "BMC.999.9"
    expect_fault(c.get(NS_URI, keys), cc.DESTINATION_UNREACHABLE,
                 "Get unknown")
    print("   Get by selectors %s (case-insensitive); unknown -> "
          "DestinationUnreachable" % sorted(keys))

    # ---------------------------------------------------------- the SEL
    log = props(enum(HW + "CIM_RecordLog")[0])
    check(log["CurrentNumberOfRecords"] == "1" and
          log["MaxNumberOfRecords"] == "1000" and
          log["OverwritePolicy"] == "7", "RecordLog %r" % log)
    recs = [props(i) for i in enum(HW + "CIM_LogRecord")]
    check(len(recs) == 1, "%d SEL records" % len(recs))
    r1 = recs[0]
    check(r1["RecordID"] == "1" and r1["MessageTimestamp"] is None and
          r1["Description"] == "CPU Temp: Upper Critical - going high, "
          "asserted" and r1["LogName"] == "IPMI SEL", "SEL record %r" % r1)
    print("   CIM_RecordLog 1 of 1000 records; CIM_LogRecord 1: '%s', "
          "MessageTimestamp nil (pre-init)" % r1["Description"])

    # ------------------------------------------------ the managed system
    cs = props(enum(HW + "CIM_ComputerSystem")[0])
    check(cs["EnabledState"] == "3" and cs["Name"] == "127.0.0.1:" + udp,
          "ComputerSystem %r" % cs)

    # ------------------------------------------------------------ speed
    cached = [timed(lambda: enum(NS_URI)) for _ in range(20)]
    print("   cached CIM_NumericSensor enumeration: median %.2f ms (20)"
          % statistics.median(cached))
    uncached, tool = [], []
    for _ in range(3):
        wait_cache()
        uncached.append(timed(lambda: enum(NS_URI)))
        tool.append(timed(lambda: subprocess.run(
            ["ipmi-sensors", "-h", "127.0.0.1:" + udp, "-u", "admin", "-p",
             BMC_PASSWORD, "-l", "admin", "-D", "LAN_2_0", "-W",
             "opensesspriv", "--sdr-cache-directory=" + bmcdir + "/sdrcache",
             "--quiet-cache", "--output-sensor-thresholds"],
            check=True, capture_output=True, timeout=20)))
    print("   uncached CIM_NumericSensor enumeration: median %.2f ms; "
          "ipmi-sensors --output-sensor-thresholds: median %.2f ms"
          % (statistics.median(uncached), statistics.median(tool)))

    # ------------------------------------ a reading changes, the SEL grows
    ipmitool("sel", "time", "set", "now")
    before = time.time()
    enum(NS_URI)				# fresh cache
    console_cmd("sensor_set_value 0x20 0x00 0x01 0x58 0x01")
    changed = time.monotonic()
    t = sensors_now()["CPU Temp"]
    if time.monotonic() - changed < CACHE_S - 0.3:
        check(t["CurrentReading"] == "45", "changed before the cache age: "
              "%r" % t["CurrentReading"])
    wait_cache()
    t = sensors_now()["CPU Temp"]
    check(t["CurrentReading"] == "88" and
          t["CurrentState"] == "Upper Critical" and
          t["HealthState"] == "25" and t["Status"] == "Error",
          "CPU Temp at 88 C: %r" % t)
    recs = [props(i) for i in enum(HW + "CIM_LogRecord")]
    check(len(recs) == 3, "SEL: %d records" % len(recs))
    new = [x for x in recs if x["RecordID"] == "3"][0]
    check(new["Description"] == "CPU Temp: Upper Critical - going high, "
          "asserted" and new["MessageTimestamp"] is not None and
          new["PerceivedSeverity"] == "6", "new SEL record %r" % new)
    stamp = time.mktime(time.strptime(new["MessageTimestamp"][:19],
                                      "%Y-%m-%dT%H:%M:%S"))
    check(abs(stamp - before) < 120, "MessageTimestamp %s"
          % new["MessageTimestamp"])
    print("   console: CPU Temp 88 C -> 'Upper Critical', HealthState 25 "
          "after the cache age; SEL record 3 stamped %s"
          % new["MessageTimestamp"])

    # -------------------------------------------------- power control
    csk = {"CreationClassName": "CIM_ComputerSystem",
           "Name": "127.0.0.1:" + udp}
    CS = HW + "CIM_ComputerSystem"
    r = c.invoke(CS, "RequestStateChange", [("RequestedState", "2")],
                 selectors=csk)
    expect_fault(r, cc.ACCESS_DENIED, "RequestStateChange by a non-admin")
    check("System Power         : off" in ipmitool("chassis", "status"),
          "the power changed for a non-admin")
    r = ca.invoke(CS, "RequestStateChange", [("RequestedState", "2")],
                  selectors=csk)
    expect_ok(r, "RequestStateChange(2) by an admin")
    check(prop(r.root, "ReturnValue") == "0", "ReturnValue %s"
          % prop(r.root, "ReturnValue"))
    check("System Power         : on" in ipmitool("chassis", "status"),
          "ipmitool does not see the power on")
    cs = props(enum(CS)[0])
    check(cs["EnabledState"] == "2" and cs["RequestedState"] == "2",
          "EnabledState after power on %r" % cs)
    r = ca.invoke(CS, "RequestStateChange", [("RequestedState", "3")],
                  selectors=csk)
    check(prop(r.root, "ReturnValue") == "0", "power off")
    check("System Power         : off" in ipmitool("chassis", "status"),
          "ipmitool does not see the power off")
    print("   RequestStateChange: AccessDenied for %s; for %s (AdminGroups) "
          "on then off, as ipmitool chassis status shows" % (user, admin))

    # ------------------------------------------ the BMC goes away
    subprocess.run([stop_script, bmcdir], check=True, timeout=30)
    wait_cache()
    result = {}

    def slow():
        t0 = time.monotonic()
        result["r"] = c.enumerate(NS_URI)
        result["t"] = time.monotonic() - t0

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.3)
    other = cc.Client(url, user, pw)
    t0 = time.monotonic()
    r = other.send(wsman.identify_envelope())
    quick = time.monotonic() - t0
    expect_ok(r, "Identify while the BMC is awaited")
    th.join(30)
    check(not th.is_alive(), "the request to a dead BMC hangs")
    check(quick < 1.0, "another request took %.2f s while the BMC was "
          "awaited" % quick)
    f = result["r"].fault()
    check(result["r"].status == 500 and f is not None and
          f["wsmanfault_code"] in (TIMED_OUT, INTERNAL_ERROR),
          "Enumerate with the BMC gone: HTTP %d %r" % (result["r"].status,
                                                       f))
    check(result["t"] < TIMEOUT_S + 1.0, "the fault took %.2f s"
          % result["t"])
    check("127.0.0.1:" + udp in (f["reason"] or ""), "reason %r" % f)
    t0 = time.monotonic()
    r = c.enumerate(NS_URI)
    again = time.monotonic() - t0
    check(r.fault() is not None and again < 1.0,
          "a second request: %.2f s, %r" % (again, r.fault()))
    print("   simulator stopped: fault after %.2f s (%s: %s); meanwhile "
          "an Identify took %.0f ms; the next fault at once (%.0f ms)"
          % (result["t"], f["subcode"], f["reason"], quick * 1000,
             again * 1000))


cc.run(main)
