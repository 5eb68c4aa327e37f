#!/bin/bash
# pywinrm.sh: the client matrix's pywinrm, the current one from PyPI (the
# version current Ansible requires, in the venv of scripts/install-clients)
# and Debian's python3-winrm, through the same operations
# (pywinrm_client.py): run_cmd (output, stderr, exit code) and run_ps with
#
#  - basic over HTTP (AllowUnencrypted) and over HTTPS
#  - ntlm over HTTP, with pywinrm's message encryption
#  - kerberos over HTTPS, with a ticket from a throw-away KDC
#    (krb5_setup.sh; the URL names the host of the HTTP/localhost key)
#  - certificate over HTTPS (a throw-away CA, mapped by UPN)
#
# Debian's pywinrm gets its MD4 for NTLM from OpenSSL's legacy provider
# (negotiate_lib.sh's OPENSSL_CONF); the current one brings its own.
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-180}
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_HERE/negotiate_lib.sh"
. "$WRT_HERE/pki_lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
nego_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

KPASS="Kp-$(wrt_rand 8).x"
nego_krb5_start "$TEST_USER" "$KPASS"
nego_kinit "$TEST_USER" "$KPASS"
pki_ca ca
pki_client upn ca "/CN=$TEST_USER" "$TEST_USER@WINRMD.TEST"
write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "Keytab = $KEYTAB" "NTLMUserFile = $NTLM_FILE" \
    "Certificate = true" "ClientCAFile = $PKI/ca.crt" \
    "[CertMapping]" "* = upn=*@WINRMD.TEST" \
    "[Plugins]" "Load = $(all_plugins_load)"
nego_ntlm_user "$TEST_USER" "$TEST_PASS"
start_daemon

CLIENT_PY=$WRT_TEST_HERE/pywinrm_client.py
OUT=$WORK/out.txt
URL_HTTPSL=https://localhost:$HTTPS_PORT/wsman

# one PY LABEL SOURCE OPNAME CLIENT-ARGS...: runs an operation set with PY
one() {
	local py=$1 version=$2 source=$3 name=$4
	shift 4
	OPENSSL_CONF=$WORK/openssl-legacy.cnf with_timeout 60 "$py" "$CLIENT_PY" \
	    pywinrm "$@" >"$OUT" 2>&1 || fail "pywinrm $version, $name: $(tail -n 8 "$OUT")"
	local got
	got=$(sed -n 's/^ok //p' "$OUT" | paste -sd, | sed 's/,/, /g')
	grep -q '^ok run_cmd$' "$OUT" && grep -q '^ok run_ps$' "$OUT" ||
		fail "pywinrm $version, $name: $(cat "$OUT")"
	ok "pywinrm $version, $name: $got"
	matrix pywinrm "$version" "$source" "$name: $got"
}

for which in current debian; do
	if [ $which = current ]; then
		py=$CLIENTS_VENV/bin/python
		src="PyPI"
	else
		py=/usr/bin/python3
		src="Debian 12: python3-winrm"
	fi
	version=$("$py" "$CLIENT_PY" version pywinrm) || hard_error "no pywinrm for $py"
	say "pywinrm $version ($src)"
	one "$py" "$version" "$src" "basic over HTTP" "$URL_HTTP4" basic "$TEST_USER" "$TEST_PASS"
	one "$py" "$version" "$src" "basic over HTTPS" "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS"
	one "$py" "$version" "$src" "ntlm over HTTP" "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS"
	grep -q '^ok message encryption$' "$OUT" || fail "ntlm over HTTP was not encrypted"
	one "$py" "$version" "$src" "kerberos over HTTPS" "$URL_HTTPSL" kerberos \
	    "$TEST_USER@WINRMD.TEST" ""
	one "$py" "$version" "$src" "certificate over HTTPS" "$URL_HTTPS4" certificate x x \
	    --cert "$PKI/upn.crt" "$PKI/upn.key" --as "$TEST_USER"
done

say "the daemon's side"
grep -q "auth: Kerberos login of $TEST_USER" "$DLOG" || fail "no Kerberos login in the log"
grep -q "auth: Certificate login of $TEST_USER" "$DLOG" || fail "no certificate login in the log"
grep -Eq "auth: Negotiate handshake of (WINRMD.)?$TEST_USER \(NTLM\)" "$DLOG" ||
    fail "no NTLM handshake in the log"
ok "Kerberos, certificate and NTLM logins logged"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
