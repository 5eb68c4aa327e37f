#!/bin/sh
# chassis.sh: ipmi_sim's chassis_control program (lan.conf) for the test
# BMC.  ipmi_sim runs "chassis.sh get power" (answer "power:0|1") and
# "chassis.sh set power 0|1" / "set reset 1" / "set shutdown 1"; the power
# state is kept in power.state beside this script.
st=$(dirname "$0")/power.state
case "$1" in
get)
	shift
	for what in "$@"; do
		case $what in
		power) echo "power:$(cat "$st" 2>/dev/null || echo 0)" ;;
		*) echo "$what:0" ;;
		esac
	done
	;;
set)
	shift
	while [ $# -ge 2 ]; do
		case $1 in
		power) echo "$2" > "$st" ;;
		shutdown) echo 0 > "$st" ;;
		esac
		shift 2
	done
	;;
esac
exit 0
