#!/bin/bash
# ipmi_sim.sh: the IPMI provider (providers/ipmi) of the staged daemon
# against a BMC: ipmi_sim (OpenIPMI) with the test BMC of tests/ipmisim on
# loopback UDP (free ports chosen here, the simulator stopped after),
# reached out-of-band (IPMI 2.0 LAN) with credentials from [IPMI] only.
# ipmi_sim.py checks, over HTTPS Basic with raw WS-Man:
#
#  - CIM_NumericSensor: CPU Temp 45 C, Fan1 4800 RPM, 12V Rail 12.00 V
#    (CurrentReading x 10^UnitModifier), BaseUnits, SensorType,
#    thresholds, SupportedThresholds, CurrentState, HealthState
#  - CIM_Sensor: PS1 Status 'Presence detected'
#  - both URI forms, Windows' names, WQL ... WHERE SensorType=2, Get by
#    keys (case-insensitive)
#  - CIM_RecordLog and CIM_LogRecord: the SEL entry (pre-init: no time)
#  - the simulator's console raises CPU Temp to 88 C: after the cache age
#    'Upper Critical', and new SEL records with times (sel time set now)
#  - CIM_ComputerSystem.RequestStateChange: AccessDenied for a user not in
#    [IPMI] AdminGroups; power on/off for one in it, as `ipmitool chassis
#    status' shows
#  - the simulator stopped: a fault within TimeoutSeconds, an Identify
#    meanwhile answered at once, the next request faults at once
#  - latencies: cached and uncached enumeration, ipmi-sensors
# Then, with no BMC (Driver = auto, no /dev/ipmi0, no Host): the classes
# enumerate empty, a Get faults, the log says why once.
WRT_TEST_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

command -v ipmi_sim >/dev/null || missing_tool "ipmi_sim is missing (apt-get install openipmi)"
command -v ipmitool >/dev/null || missing_tool "ipmitool is missing"
command -v ipmi-sensors >/dev/null || missing_tool "ipmi-sensors is missing (freeipmi-tools)"

# ASan builds: the daemon's GSSAPI start-up (nego_init: gss_acquire_cred ->
# gss_indicate_mechs) leaks 8 bytes in libkrb5support's
# krb5int_open_plugin; LeakSanitizer happens to see it in this test's
# daemon only.  Suppressed here, on top of lsan.supp.
{ cat "$WRT_HERE/lsan.supp"; echo "leak:krb5int_open_plugin"; } >"$WORK/lsan.supp"
LSAN_OPTIONS=${LSAN_OPTIONS/suppressions=$WRT_HERE\/lsan.supp/suppressions=$WORK\/lsan.supp}
export LSAN_OPTIONS

SIM=$top_srcdir/tests/ipmisim
CIMPLUG=$STAGE$PLUGINDIR/cim.so
IPMIPROV=$STAGE${PLUGINDIR%/plugins}/providers/ipmi.so
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$IPMIPROV" ] || hard_error "the IPMI provider is not staged at $IPMIPROV"

# a free UDP port for the BMC, a free TCP port for its console
read -r BMC_UDP BMC_CONSOLE < <("$PY" - <<'EOF'
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
t = socket.socket()
t.bind(("127.0.0.1", 0))
print(u.getsockname()[1], t.getsockname()[1])
EOF
) || hard_error "cannot pick ports for the BMC"
BMC=$WORK/bmc

# the simulator goes with the test, whatever happens (the EXIT trap of
# lib.sh still runs, with the test's status)
trap 'rc=$?; "$SIM/stop_bmc.sh" "$BMC" >/dev/null 2>&1; (exit $rc); wrt_cleanup' EXIT
"$SIM/start_bmc.sh" "$SIM" "$BMC" "$BMC_UDP" "$BMC_CONSOLE" ||
    hard_error "ipmi_sim did not start"
ok "ipmi_sim on 127.0.0.1:$BMC_UDP, console $BMC_CONSOLE"

make_group ADMIN_GROUP
make_user ADMIN_USER ADMIN_PASS -m -G "$ADMIN_GROUP"

write_config "[Plugins]" "Load = $CIMPLUG" \
    "[CIM]" "Providers = $IPMIPROV" \
    "[IPMI]" "Driver = lan" "Host = 127.0.0.1:$BMC_UDP" "User = admin" \
    "Password = Bmc-Pw-4711" "WorkaroundFlags = opensesspriv" \
    "PrivilegeLevel = admin" "CacheSeconds = 2" "TimeoutSeconds = 3" \
    "SDRCacheDirectory = $WORK/sdrcache" "AdminGroups = $ADMIN_GROUP"
start_daemon
wait_log 'cim: provider ipmi [^ ]* from .*: 5 classes' 5 ||
    fail "the IPMI provider was not loaded"
wait_log "ipmi: BMC 127.0.0.1:$BMC_UDP over IPMI 2.0 LAN" 5 ||
    fail "the provider did not log its BMC"
[ "$(stat -c %a "$WORK/sdrcache")" = 700 ] ||
    fail "SDRCacheDirectory is not 0700"
ok "provider loaded; SDRCacheDirectory created 0700"

with_timeout 150 "$PY" "$WRT_HERE/ipmi_sim.py" "$URL_HTTPS4" "$TEST_USER" \
    "$TEST_PASS" "$ADMIN_USER" "$ADMIN_PASS" "$BMC_UDP" "$BMC_CONSOLE" \
    "$BMC" "$SIM/stop_bmc.sh" || fail "see above"
daemon_alive || fail "the daemon died"
grep -q 'Bmc-Pw-4711' "$DLOG" && fail "the BMC password is in the log"
[ "$(grep -c 'requests fault until it answers' "$DLOG")" = 1 ] ||
    fail "the dead BMC was not logged exactly once"
ok "the dead BMC logged once; the password never"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with status $DAEMON_RC"

# ------------------------------------------------------------- no BMC
if [ -e /dev/ipmi0 ] || [ -e /dev/ipmi/0 ] || [ -e /dev/ipmidev/0 ]; then
	echo "   (this machine has a BMC device: the no-BMC part is skipped)"
else
	write_config "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $IPMIPROV" \
	    "[IPMI]" "Driver = auto" "SDRCacheDirectory = $WORK/sdrcache"
	start_daemon
	wait_log 'ipmi: no BMC: ' 5 || fail "no log line for the missing BMC"
	with_timeout 60 "$PY" - "$URL_HTTPS4" "$TEST_USER" "$TEST_PASS" <<'EOF' || fail "see above"
import sys, cim_common as cc
from cim_common import check, expect_fault, items
url, user, pw = sys.argv[1:4]
c = cc.Client(url, user, pw)
HW = cc.WMI + "root/hardware/"
def main():
    for cls in ("CIM_NumericSensor", "CIM_Sensor", "CIM_RecordLog",
                "CIM_LogRecord", "CIM_ComputerSystem", "NumericSensor"):
        its, _ = c.enumerate_all(HW + cls)
        check(its == [], "%s: %d instances without a BMC" % (cls, len(its)))
    f = expect_fault(c.get(HW + "CIM_ComputerSystem",
                           {"CreationClassName": "CIM_ComputerSystem",
                            "Name": "x"}), "2150858755", "Get without a BMC")
    check("no BMC" in f["reason"] and "Host is not set" in f["reason"],
          "reason %r" % f["reason"])
    print("   no BMC: every class enumerates empty; Get: %s" % f["reason"])
cc.run(main)
EOF
	[ "$(grep -c 'ipmi: no BMC' "$DLOG")" = 1 ] ||
	    fail "the missing BMC was not logged exactly once"
	ok "no BMC: logged once: $(grep -o 'ipmi: no BMC.*' "$DLOG")"
	stop_daemon
	[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with status $DAEMON_RC"
fi
echo "PASS: $TEST_NAME"
