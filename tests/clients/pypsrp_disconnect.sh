#!/bin/bash
# pypsrp_disconnect.sh: the client matrix's pypsrp (PyPI) with disconnected
# runspace pools, each step a client process of its own
# (tests/clients/pypsrp_disconnect_client.py says what each proves):
# RunspacePool.disconnect() with pipelines running; a second process of
# the same user finds the pool with get_runspace_pools(), connect()s and
# receives what was produced meanwhile, from where the first left off;
# the same client's Reconnect;
# another user's Connect and Reconnect are refused (AccessDenied); a pool
# disconnected with a short IdleTimeOut is deleted and its processes
# killed; [Winrs] MaxDisconnectedOutputPerUserMB holds the output of
# disconnected pools (its pipelines wait: BufferMode Block) and nothing
# is lost.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

make_user USER2 PASS2
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Winrs]" "MaxDisconnectedOutputPerUserMB = 1" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
D=$WORK/dc
mkdir -p "$D" && chmod 1777 "$D"
driver() {
	with_timeout 60 "$CLIENTS_VENV/bin/python" \
	    "$WRT_TEST_HERE/pypsrp_disconnect_client.py" "$1" "$URL_HTTP4" \
	    "$TEST_USER" "$TEST_PASS" "${@:2}" "$D" >"$OUT" 2>&1 ||
		fail "pypsrp $1: $(tail -n 12 "$OUT")"
}
expect() {
	local op
	for op in "$@"; do
		grep -qx "ok $op" "$OUT" || fail "no '$op': $(cat "$OUT")"
		ok "$op"
	done
}

say "pypsrp $version: disconnect, then connect from another process"
driver start
expect disconnect "disconnected pool refuses Receive" "state Disconnected"
grep -Eq "psrp: pool .* of $TEST_USER disconnected by .*2 pipeline\(s\) running" \
    "$DLOG" || fail "the disconnect was not logged with its pipelines"
touch "$D/go"
driver connect
expect get_runspace_pools connect "pipeline output produced while disconnected" \
    "pipeline received from where it was" "new pipeline"
grep -Eq "psrp: pool .* of $TEST_USER connected from" "$DLOG" ||
    fail "the connect was not logged"
matrix pypsrp "$version" PyPI \
    "PSRP RunspacePool.disconnect() with pipelines running, get_runspace_pools() and connect() from another process: the output produced meanwhile, from where it was"

say "the same client: Reconnect"
driver reconnect
expect reconnect
grep -Eq "psrp: pool .* of $TEST_USER reconnected from" "$DLOG" ||
    fail "the Reconnect was not logged"
matrix pypsrp "$version" PyPI \
    "PSRP RunspacePool.disconnect() then connect() by the same client (Reconnect), the pipeline's output after"

say "another user"
rm -f "$D/ids.json"
driver other "$USER2" "$PASS2"
expect "other user refused" "connected pool refuses Connect" "owner connects"
grep -Eq "psrp: Connect of pool .* of $TEST_USER by $USER2 from .* refused: not the owner" \
    "$DLOG" || fail "another user's Connect was not logged"
matrix pypsrp "$version" PyPI \
    "PSRP another user's Connect/Reconnect of a disconnected pool refused (AccessDenied)"

say "a disconnected pool past its IdleTimeOut"
driver idle
expect "disconnect with IdleTimeOut"
pid=$(cat "$D/pid") || fail "the pipeline wrote no pid"
kill -0 "$pid" 2>/dev/null || fail "the pipeline's process $pid is not running"
wait_log "shell: .* of $TEST_USER deleted \(idle timeout, disconnected\)" 15 ||
    fail "the disconnected pool did not expire: $(tail -n 5 "$DLOG")"
for _ in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$pid" 2>/dev/null && fail "process $pid outlived its expired pool"
ok "pool deleted after its IdleTimeOut, process $pid ended"
driver gone
expect "expired pool gone"
matrix pypsrp "$version" PyPI \
    "PSRP a disconnected pool is deleted at its IdleTimeOut (rsp:Disconnect IdleTimeOut), its processes ended"

say "the output bound of disconnected pools (1 MB here)"
rm -f "$D/ids.json" "$D"/data* "$D"/done* "$D/go"
driver bound
expect disconnect
# the pipelines print once disconnected: what a pool buffered before its
# Disconnect may pass the bound (by that much, psrp_disconnect.c), and
# how much that is would be a race with the pipelines
touch "$D/go"
wait_log "psrp: pool .* of $TEST_USER disconnected: [0-9]+ bytes of output held" 20 ||
    fail "the bound was not reached: $(tail -n 5 "$DLOG")"
held=$(grep -Eo "[0-9]+ bytes of output held" "$DLOG" | tail -n 1 | cut -d' ' -f1)
[ "$held" -le $((1024 * 1024 + 128 * 1024)) ] ||
    fail "$held bytes held past a bound of 1 MiB"
if [ -e "$D/done1" ] && [ -e "$D/done2" ]; then
	fail "both pipelines ended: 1.8 MB of output was taken while disconnected"
fi
ok "held at $held bytes; a pipeline waits for its output to be taken"
driver bound-connect
expect "every byte received"
[ -e "$D/done1" ] && [ -e "$D/done2" ] || fail "a pipeline did not end"
matrix pypsrp "$version" PyPI \
    "PSRP output of disconnected pools bounded per user (the pipelines wait, BufferMode Block), all of it received after connect()"

stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
