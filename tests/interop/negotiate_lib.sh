# negotiate_lib.sh: sourced after lib.sh by the Negotiate, Kerberos and
# certificate tests.
#
#   NEGO_PY                      tests/interop/negotiate.py
#   nego_require                 skips (77) without gss-ntlmssp, a KDC,
#                                python3-gssapi, requests_ntlm/kerberos
#   nego_krb5_start USER PASS... a KDC for WINRMD.TEST ($KRB5DIR; exports
#                                KRB5_CONFIG; stopped by PID at exit),
#                                principals USER@WINRMD.TEST, KEYTAB
#   nego_kinit USER PASS         a ticket in $KRB5DIR/cc.USER; exports
#                                KRB5CCNAME to it
#   nego_ntlm_user USER PASS     USER's line in $NTLM_FILE (winrmd
#                                --ntlm-passwd, through $CONF)
#   nego_py ARGS...              negotiate.py, bounded by with_timeout 60
#
# pywinrm's NTLM needs MD4 from OpenSSL's legacy provider: OPENSSL_CONF
# points at a file that activates it (docs/PROTOCOL.md Part A §2), for the clients only.

NEGO_PY=$WRT_HERE/negotiate.py
NTLM_FILE=$WORK/ntlm.users
KRB5DIR=$WORK/krb5
KEYTAB=$KRB5DIR/http.keytab
NEGO_KDC_PID=

nego_require() {
	[ -f /etc/gss/mech.d/mech.ntlmssp.conf ] || missing_tool "gss-ntlmssp is not installed"
	PATH=$PATH:/usr/sbin:/sbin
	command -v krb5kdc >/dev/null || missing_tool "krb5-kdc is not installed"
	command -v kadmin.local >/dev/null || missing_tool "krb5-admin-server is not installed"
	command -v kinit >/dev/null || missing_tool "krb5-user is not installed"
	"$PY" -c 'import gssapi, requests_ntlm, requests_kerberos, kerberos' 2>/dev/null ||
	    missing_tool "python3-gssapi, python3-requests-ntlm or python3-requests-kerberos is missing"
}

nego_cleanup() {
	local rc=$?
	if [ -n "$NEGO_KDC_PID" ]; then
		kill "$NEGO_KDC_PID" 2>/dev/null
		NEGO_KDC_PID=
	fi
	(exit "$rc")
	wrt_cleanup
}
trap nego_cleanup EXIT

cat >"$WORK/openssl-legacy.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
EOF

nego_krb5_start() {
	local port
	port=$(with_timeout 30 "$WRT_HERE/krb5_setup.sh" "$KRB5DIR" "$@" 2>"$WORK/krb5_setup.err") || {
		cat "$WORK/krb5_setup.err" >&2
		hard_error "krb5_setup.sh failed"
	}
	NEGO_KDC_PID=$(cat "$KRB5DIR/kdc.pid")
	export KRB5_CONFIG=$KRB5DIR/krb5.conf
	say "KDC for WINRMD.TEST on 127.0.0.1:$port (pid $NEGO_KDC_PID)"
}

nego_kinit() {
	export KRB5CCNAME=FILE:$KRB5DIR/cc.$1
	echo "$2" | with_timeout 20 kinit "$1@WINRMD.TEST" >/dev/null ||
	    hard_error "kinit $1 failed"
}

nego_ntlm_user() {
	echo "$2" | "$WINRMD" -c "$CONF" --ntlm-passwd "$1" >/dev/null ||
	    hard_error "winrmd --ntlm-passwd $1 failed"
}

nego_py() {
	OPENSSL_CONF=$WORK/openssl-legacy.cnf with_timeout 60 "$PY" "$NEGO_PY" "$@"
}
