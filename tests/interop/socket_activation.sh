#!/bin/bash
# socket_activation.sh: winrmd started by systemd socket activation
# (sd_listen_fds), with systemd-socket-activate(1) standing in for systemd:
#
#  - sockets named http and https (FileDescriptorName=): HTTP on one, TLS
#    on the other, whatever their ports
#  - unnamed sockets: the one on [Listener] HTTPSPort gets TLS
#  - the configured ports are not bound by the daemon itself
. "$(dirname "$0")/lib.sh"

command -v systemd-socket-activate >/dev/null ||
    missing_tool "systemd-socket-activate (package systemd) is missing"

envelope_file "$WORK/identify.xml" --identify

# start_activated SOCKET-ARGS...: runs the daemon under
# systemd-socket-activate, which execs it on the first connection
start_activated() {
	WRT_NSTART=$((WRT_NSTART + 1))
	DLOG=$WORK/daemon.$WRT_NSTART.log
	WRT_DAEMON_LOGS+=("$DLOG")
	# it hands the daemon only the variables named with -E: the
	# sanitizers' options (lsan.supp) must be among them
	local env=() v
	for v in LSAN_OPTIONS ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v:-}" ] && env+=(-E "$v")
	done
	systemd-socket-activate "${env[@]}" "$@" "$WINRMD" -f -c "$CONF" 2>"$DLOG" </dev/null &
	DAEMON_PID=$!
	# the sockets exist before the daemon does
	for i in $(seq 1 100); do
		"$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()" \
		    "$ACT_HTTP" 2>/dev/null && break
		sleep 0.05
	done
}

identify_ok() {	# identify_ok URL WHAT
	local st
	st=$(post "$1" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
	[ "$st" = 200 ] || fail "$2: Identify got $st, expected 200"
	grep -q IdentifyResponse "$RESP_BODY" || fail "$2: no IdentifyResponse"
}

# a second pair of free ports for the activation sockets
CONF_HTTP=$HTTP_PORT CONF_HTTPS=$HTTPS_PORT
for i in 1 2 3; do
	pick_ports
	[ "$HTTP_PORT" != "$CONF_HTTP" ] && [ "$HTTP_PORT" != "$CONF_HTTPS" ] &&
	    [ "$HTTPS_PORT" != "$CONF_HTTP" ] && [ "$HTTPS_PORT" != "$CONF_HTTPS" ] && break
done
ACT_HTTP=$HTTP_PORT ACT_HTTPS=$HTTPS_PORT
HTTP_PORT=$CONF_HTTP HTTPS_PORT=$CONF_HTTPS

# -------------------------------------------------------------- named
say "sockets named http and https: TLS on the one named https"
write_config "[Service]" "AllowUnencrypted = false"
start_activated -l "127.0.0.1:$ACT_HTTP" -l "127.0.0.1:$ACT_HTTPS" --fdname=http:https
identify_ok "http://127.0.0.1:$ACT_HTTP/wsman" "named http socket"
wait_log ' ready$' 10 || fail "the activated daemon did not log ready"
identify_ok "https://127.0.0.1:$ACT_HTTPS/wsman" "named https socket"
grep -q 'socket from systemd' "$DLOG" || fail "the log does not say the sockets came from systemd"
st=$(post "http://127.0.0.1:$ACT_HTTPS/wsman" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
[ "$st" = 200 ] && fail "plain HTTP was answered on the https socket"
for p in "$HTTP_PORT" "$HTTPS_PORT"; do
	if "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.5).close()" "$p" 2>/dev/null; then
		fail "the daemon also bound its configured port $p"
	fi
done
ok "named sockets: HTTP and HTTPS served, configured ports left alone"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the activated daemon exited with $DAEMON_RC on SIGTERM"

# ------------------------------------------------------------ unnamed
say "unnamed sockets: the one on HTTPSPort gets TLS"
write_config "[Listener]" "HTTPPort = $ACT_HTTP" "HTTPSPort = $ACT_HTTPS" \
    "[Service]" "AllowUnencrypted = false"
start_activated -l "127.0.0.1:$ACT_HTTP" -l "127.0.0.1:$ACT_HTTPS"
identify_ok "http://127.0.0.1:$ACT_HTTP/wsman" "unnamed socket on HTTPPort"
identify_ok "https://127.0.0.1:$ACT_HTTPS/wsman" "unnamed socket on HTTPSPort"
ok "unnamed sockets: TLS chosen by port"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the activated daemon exited with $DAEMON_RC on SIGTERM"
ok "socket activation"
