#!/bin/bash
# go_winrm.sh: the client matrix's Go library, github.com/masterzen/winrm at
# the version tests/clients/go/go.mod pins from the module proxy (built by
# scripts/install-clients): a command, an exit code, stdin and a PowerShell
# line (go/winrm/main.go) with
#
#  - Basic over HTTP (AllowUnencrypted) and over HTTPS
#  - NTLM (ClientNTLM, which never seals) over HTTPS
#  - NTLM with the library's message encryption (NewEncryption("ntlm"))
#    over HTTP, AllowUnencrypted = false: the daemon logs it sealed
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_HERE/negotiate_lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

version=$(awk '$1 == "dep" && $2 == "github.com/masterzen/winrm" { print $3; exit }' \
    "$CLIENTS_GOBIN/modules.txt")
[ -n "$version" ] || hard_error "the Go driver names no masterzen/winrm version"
OUT=$WORK/out.txt

# go_ops SCHEME PORT AUTH NAME: the driver's operations, recorded as NAME
go_ops() {
	with_timeout 90 "$CLIENTS_GOBIN/winrm" 127.0.0.1 "$2" "$1" "$3" \
	    "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 || fail "$4: $(tail -n 8 "$OUT")"
	local got
	got=$(sed -n 's/^ok //p' "$OUT" | paste -sd, | sed 's/,/, /g')
	[ "$(grep -c '^ok ' "$OUT")" = 4 ] || fail "$4: $(cat "$OUT")"
	ok "$4: $got"
	matrix masterzen/winrm "$version" "Go module proxy" "$4: $got"
}

write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "NTLMUserFile = $NTLM_FILE" \
    "[Plugins]" "Load = $(all_plugins_load)"
nego_ntlm_user "$TEST_USER" "$TEST_PASS"
start_daemon
say "masterzen/winrm $version"
go_ops http "$HTTP_PORT" basic "Basic over HTTP"
go_ops https "$HTTPS_PORT" basic "Basic over HTTPS"
go_ops https "$HTTPS_PORT" ntlm "NTLM over HTTPS"
stop_daemon

write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "Basic = true" "NTLMUserFile = $NTLM_FILE" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
go_ops http "$HTTP_PORT" ntlm-sealed "NTLM with message encryption over HTTP"
grep -Eq "auth: Negotiate handshake of (WINRMD.)?$TEST_USER \(NTLM\) .* complete, sealing" "$DLOG" ||
    fail "the daemon did not log a sealed NTLM session: $(grep 'Negotiate handshake' "$DLOG" | tail -n 2)"
ok "the daemon logged a sealed NTLM session"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
