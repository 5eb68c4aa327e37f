#!/bin/bash
# shell_go.sh: the WinRS shell through Go's masterzen/winrm (Debian's
# golang-github-masterzen-winrm-dev, built in GOPATH mode), over HTTP
# (AllowUnencrypted = true) and HTTPS (certificate not checked):
#
#  - Run("exit 3") -> 3; stdout and stderr apart
#  - RunWithString("head -n 2", "line1\nline2\n") -> the two lines (its
#    End="true" only comes after the command finished: docs/PROTOCOL.md Part A §4)
#  - cat through Execute / Stdin.Write / Stdin.Close / Wait echoes the
#    input (26 bytes, then 600 KiB of random bytes in 5 Sends + End) while
#    Go's Receive goroutine polls on another connection
#  - Run("sleep 62; echo done") with the default OperationTimeout PT60S and
#    an endpoint (HTTP response header) timeout of 70 s: the daemon answers
#    the pending Receive with w:TimedOut (HTTP 500) after ~55 s, Go
#    retries, and the command ends with rc 0 and "done"
# the 62 s command: about 70 s in all: the watchdog gets at least 150 s
[ "${WRT_TEST_TIMEOUT:-0}" -ge 150 ] 2>/dev/null || export WRT_TEST_TIMEOUT=150
. "$(dirname "$0")/lib.sh"
# Debian's Go library in the client matrix's table (tests/clients/lib.sh)
. "$WRT_HERE/../clients/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
command -v go >/dev/null || missing_tool "go is not installed"
[ -d /usr/share/gocode/src/github.com/masterzen/winrm ] ||
    missing_tool "golang-github-masterzen-winrm-dev is not installed"

say "building shell_go.go against /usr/share/gocode"
# the build cache is kept for the next runs (a cold one compiles net/http and
# crypto: over the timeout on a busy machine); Go locks it for concurrent use
export HOME=$WORK GOCACHE=$top_builddir/tests/gocache GOPATH=/usr/share/gocode \
    GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
with_timeout 100 go build -o "$WORK/shell_go" "$WRT_HERE/shell_go.go" \
    >"$WORK/go-build.log" 2>&1 || {
	cat "$WORK/go-build.log" >&2
	fail "go build failed"
}
ok "built"

write_config "[Service]" "AllowUnencrypted = true" "MaxTimeoutms = 60000" \
    "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

for scheme in http https; do
	port=$HTTP_PORT
	[ $scheme = https ] && port=$HTTPS_PORT
	say "Go over $scheme: Run, RunWithString, cat through the low-level API"
	with_timeout 60 "$WORK/shell_go" 127.0.0.1 "$port" $scheme \
	    "$TEST_USER" "$TEST_PASS" short || fail "Go over $scheme: see above"
done
grep -Eq "request client=[^ ]+ user=$TEST_USER action=Send .*status=200" "$DLOG" ||
    fail "no Send in the log"

say "Go over https: Run(\"sleep 62; echo done\"), OperationTimeout PT60S, endpoint timeout 70 s"
nreq=$(grep -c "action=Receive .*status=500" "$DLOG")
with_timeout 100 "$WORK/shell_go" 127.0.0.1 "$HTTPS_PORT" https \
    "$TEST_USER" "$TEST_PASS" long || fail "the 62 s command: see above"
timedout=$(grep -E "request client=[^ ]+ user=$TEST_USER action=Receive .*status=500 ms=" "$DLOG" |
    tail -n +$((nreq + 1)))
[ -n "$timedout" ] || fail "no Receive was answered 500 (w:TimedOut) during the 62 s command"
ms=$(echo "$timedout" | head -n 1 | sed -E 's/.* ms=([0-9]+)\..*/\1/')
[ "$ms" -ge 50000 ] && [ "$ms" -lt 60000 ] ||
    fail "the TimedOut Receive was answered after $ms ms, expected 50-60 s (OperationTimeout PT60S)"
ok "a Receive was answered 500 (w:TimedOut) after $ms ms, Go retried: $(echo "$timedout" | wc -l) cycle(s)"
daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
matrix masterzen/winrm "$(dpkg-query -W -f='${Version}' golang-github-masterzen-winrm-dev)" \
    "Debian 12: golang-github-masterzen-winrm-dev" \
    "Basic over HTTP and HTTPS: Run, exit code, RunWithString stdin, 600 KiB through Stdin, a 62 s command across Receive timeouts"
clients_done
echo "PASS: $TEST_NAME"
