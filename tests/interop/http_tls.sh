#!/bin/bash
# http_tls.sh: the TLS suites of the HTTPS listener ([Listener] TLSPriority),
# probed with openssl s_client and gnutls-cli:
#
#  - by default: TLS 1.3, and on TLS 1.2 only ECDHE (or DHE) with AEAD
#    ciphers: static-RSA key exchange (AES128-SHA, AES256-SHA,
#    AES128-GCM-SHA256), CBC with ECDHE, SHA-1 MACs, TLS 1.1 and 1.0 fail;
#    ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-CHACHA20-POLY1305 and TLS 1.3
#    succeed
#  - pywinrm (Basic over HTTPS) still works
#  - TLSPriority is used: a string without TLS 1.3 refuses TLS 1.3; a string
#    GnuTLS does not understand is refused by `winrmd -t', naming the line
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || missing_tool "openssl is not installed"
command -v gnutls-cli >/dev/null || missing_tool "gnutls-cli is not installed (gnutls-bin)"

OUT=$WORK/tls.out

# ossl WHAT ARGS...: 0 if openssl s_client completes a handshake with ARGS
ossl() {
	shift
	with_timeout 15 openssl s_client -brief -connect "127.0.0.1:$HTTPS_PORT" \
	    "$@" </dev/null >"$OUT" 2>&1 &&
	    grep -q '^CONNECTION ESTABLISHED' "$OUT"
}
# gtls WHAT PRIORITY: 0 if gnutls-cli completes a handshake with PRIORITY
gtls() {
	with_timeout 15 gnutls-cli --insecure --priority "$2" -p "$HTTPS_PORT" \
	    127.0.0.1 </dev/null >"$OUT" 2>&1 &&
	    grep -q 'Handshake was completed' "$OUT"
}
expect_refused() {	# expect_refused ossl|gtls WHAT ARGS...
	local how=$1
	shift
	if "$how" "$@"; then
		fail "$1 was accepted: $(grep -E 'Protocol|Ciphersuite|Description' "$OUT" | tr '\n' ' ')"
	fi
	ok "$1: refused"
}
expect_accepted() {	# expect_accepted ossl|gtls WHAT WANT-REGEX ARGS...
	local how=$1 what=$2 want=$3
	shift 3
	"$how" "$what" "$@" || fail "$what was refused: $(tail -n 3 "$OUT")"
	grep -Eq "$want" "$OUT" || fail "$what: not $want: $(cat "$OUT")"
	ok "$what: $(grep -Eo "$want" "$OUT" | head -n 1)"
}

write_config "[Service]" "AllowUnencrypted = false"
start_daemon

say "openssl s_client: static RSA, CBC, old versions refused"
for c in AES128-SHA AES256-SHA AES128-GCM-SHA256 AES256-GCM-SHA384 \
    ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA384 DHE-RSA-AES128-SHA256; do
	expect_refused ossl "TLS 1.2 $c" -tls1_2 -cipher "$c"
done
expect_refused ossl "TLS 1.1" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
expect_refused ossl "TLS 1.0" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'

say "openssl s_client: ECDHE with AEAD on TLS 1.2, and TLS 1.3"
expect_accepted ossl "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256" \
    'Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256' -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
expect_accepted ossl "TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384" \
    'Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384' -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
expect_accepted ossl "TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305" \
    'Ciphersuite: ECDHE-RSA-CHACHA20-POLY1305' -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
expect_accepted ossl "TLS 1.3" 'Protocol version: TLSv1\.3' -tls1_3

say "gnutls-cli: the same from GnuTLS's side"
expect_refused gtls "RSA key exchange" "NORMAL:-VERS-TLS1.3:-KX-ALL:+RSA"
expect_refused gtls "ECDHE with AES-CBC and SHA-1" \
    "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+SHA1"
expect_refused gtls "TLS 1.1" "NORMAL:-VERS-ALL:+VERS-TLS1.1"
expect_accepted gtls "TLS 1.2, GnuTLS NORMAL" \
    '\(TLS1\.2[-A-Z0-9.]*\)-\(ECDHE-(SECP256R1|X25519)\)-\(RSA-(PSS-RSAE-)?SHA[0-9]+\)-\((AES-(128|256)-GCM|CHACHA20-POLY1305)\)' \
    "NORMAL:-VERS-TLS1.3"
expect_accepted gtls "GnuTLS NORMAL" '\(TLS1\.3[-A-Z0-9.]*\)' NORMAL

say "pywinrm over HTTPS (Basic) still works"
with_timeout 30 "$PY" "$WSMAN_PY" pywinrm "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
    fail "pywinrm over HTTPS: $(tail -n 5 "$OUT")"
ok "Whoami over HTTPS"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"

say "TLSPriority = NORMAL:-VERS-ALL:+VERS-TLS1.2 (no TLS 1.3)"
write_config "[Service]" "AllowUnencrypted = false" \
    "[Listener]" "TLSPriority = NORMAL:-VERS-ALL:+VERS-TLS1.2"
start_daemon
expect_refused ossl "TLS 1.3 with TLSPriority without it" -tls1_3
expect_accepted ossl "TLS 1.2" 'Protocol version: TLSv1\.2' -tls1_2
stop_daemon

say "a TLSPriority GnuTLS does not understand: winrmd -t refuses the file"
write_config "[Listener]" "TLSPriority = NORMAL:+NO-SUCH-CIPHER"
"$WINRMD" -t -c "$CONF" >"$OUT" 2>&1 && fail "winrmd -t accepted TLSPriority = NORMAL:+NO-SUCH-CIPHER"
grep -Eq "$CONF:[0-9]+: .*\+NO-SUCH-CIPHER is not understood" "$OUT" ||
    fail "winrmd -t does not say what is wrong: $(cat "$OUT")"
ok "$(grep -o 'TLSPriority is.*' "$OUT")"
echo "PASS: $TEST_NAME"
