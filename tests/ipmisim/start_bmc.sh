#!/bin/sh
# start_bmc.sh SRC DIR UDP_PORT CONSOLE_PORT: starts ipmi_sim (OpenIPMI) as
# the test BMC on 127.0.0.1:UDP_PORT (RMCP+, user admin, password
# Bmc-Pw-4711), with its emulator console on 127.0.0.1:CONSOLE_PORT (TCP).
# SRC holds the files of tests/ipmisim; DIR is made afresh (state, SDR
# cache, power state, log) and gets sim.pid, the PID of the ipmi_sim
# started here.  ipmi_sim stays in the caller's process group: a test's
# watchdog that kills the group kills it too.  Waits until the BMC
# answers Get Device ID.
set -eu
SRC=${1:?usage: start_bmc.sh SRC DIR UDP_PORT CONSOLE_PORT}
D=${2:?}
UDP=${3:?}
CON=${4:?}
rm -rf "$D"
mkdir -p "$D/state" "$D/sdrcache"
chmod 700 "$D/sdrcache"
D=$(cd "$D" && pwd)
cp "$SRC/testbmc.emu" "$SRC/testbmc.sdr.emu" "$D/"
cp "$SRC/chassis.sh" "$D/chassis.sh"
chmod 755 "$D/chassis.sh"
echo 0 > "$D/power.state"
sed -e "s|@UDP_PORT@|$UDP|g" -e "s|@CONSOLE_PORT@|$CON|g" -e "s|@DIR@|$D|g" \
    "$SRC/lan.conf.in" > "$D/lan.conf"
# relative includes in the .emu resolve from ipmi_sim's working directory
cd "$D"
ipmi_sim -n -c "$D/lan.conf" -f "$D/testbmc.emu" -s "$D/state" \
    </dev/null >"$D/sim.log" 2>&1 &
echo $! >"$D/sim.pid"
i=0
until ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$UDP" -U admin -P Bmc-Pw-4711 \
    -N 1 -R 1 mc info >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 40 ] || ! kill -0 "$(cat "$D/sim.pid")" 2>/dev/null; then
		echo "start_bmc.sh: the BMC did not come up" >&2
		cat "$D/sim.log" >&2
		exit 1
	fi
	sleep 0.25
done
echo "ipmi_sim pid $(cat "$D/sim.pid") on 127.0.0.1:$UDP (console $CON)"
