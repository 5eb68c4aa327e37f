#!/bin/sh
# stop_bmc.sh DIR: stops the ipmi_sim that start_bmc.sh started in DIR, by
# its recorded PID only (SIGTERM; SIGKILL after 5 s: ipmi_sim needs 1-2 s).
D=${1:?usage: stop_bmc.sh DIR}
[ -f "$D/sim.pid" ] || exit 0
P=$(cat "$D/sim.pid")
rm -f "$D/sim.pid"
kill "$P" 2>/dev/null || exit 0
i=0
while kill -0 "$P" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 20 ]; then
		kill -9 "$P" 2>/dev/null
		break
	fi
	sleep 0.25
done
exit 0
