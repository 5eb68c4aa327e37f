#!/bin/bash
# config_check_auth.sh: `winrm get winrm/config' never promises an
# authentication scheme a client will not get.  A WS-Man Get of
# .../config/service/auth (and of .../config, which holds the same
# cfg:Auth), by a member of [Config] AdminGroups over HTTP Basic:
#  - Negotiate and Kerberos on in [Auth] (their defaults) but with a keytab
#    that does not exist and no NTLM user file: both false, and the 401 of
#    the same daemon offers neither; Certificate on with a CA file on HTTPS:
#    true; Basic true.  The reason is logged once, not once per Get
#  - with an NTLM user file: Negotiate true (and offered in the 401),
#    Kerberos still false
#  - Certificate on, but no HTTPS listener (HTTPSPort = 0): false, and why
#  - a scheme switched off ([Auth] Negotiate = false): false, nothing logged
#    (nothing to explain)
. "$(dirname "$0")/lib.sh"
. "$WRT_HERE/pki_lib.sh"

CONFIGPLUG=$STAGE$PLUGINDIR/config.so
[ -f "$CONFIGPLUG" ] || hard_error "the config plugin is not staged at $CONFIGPLUG"
[ -e /usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so ] || ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1 ||
	missing_tool "gss-ntlmssp is not installed"
AUTH_URI=http://schemas.microsoft.com/wbem/wsman/1/config/service/auth
CFG_URI=http://schemas.microsoft.com/wbem/wsman/1/config
A_GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get

make_group ADMINS
make_user ADMIN ADMIN_PASS -m -G "$ADMINS"
pki_ca ca

# auth URI: the cfg:Auth values of a Get of URI, "Basic=.. Kerberos=.. ..."
auth() {
	local st
	envelope_file "$WORK/req.xml" --action "$A_GET" --resource "$1"
	st=$(post "$URL_HTTP4" "$WORK/req.xml" -u "$ADMIN:$ADMIN_PASS")
	[ "$st" = 200 ] || fail "Get $1: HTTP $st: $(head -c 600 "$RESP_BODY")"
	"$PY" - "$RESP_BODY" <<'EOF' || fail "no cfg:Auth in the answer to Get $1"
import sys, xml.etree.ElementTree as ET
c = "{http://schemas.microsoft.com/wbem/wsman/1/config}"
root = ET.parse(sys.argv[1]).getroot()
# the service's (cfg:Config also has the client's cfg:Client/cfg:Auth)
svc = next((e for e in root.iter(c + "Service")), None)
a = svc.find(c + "Auth") if svc is not None else next(root.iter(c + "Auth"), None)
if a is None:
    sys.exit(1)
print(" ".join("%s=%s" % (k, a.find(c + k).text) for k in
               ("Basic", "Kerberos", "Negotiate", "Certificate")))
EOF
}
# offered: the schemes of the 401 to a request without credentials
offered() {
	curl -s -o /dev/null -D - -X POST -H 'Content-Type: application/soap+xml;charset=UTF-8' \
	    --data-binary @"$WORK/req.xml" "$URL_HTTP4" | sed -n 's/^WWW-Authenticate: \([A-Za-z]*\).*/\1/Ip' |
	    tr -d '\r' | sort | tr '\n' ' '
}
base=("[Service]" "AllowUnencrypted = true" "[Config]" "AdminGroups = $ADMINS"
    "[Plugins]" "Load = $CONFIGPLUG")

say "Negotiate and Kerberos on, nothing usable; Certificate on with its CA"
write_config "${base[@]}" "[Auth]" "Basic = true" "Keytab = $WORK/missing.keytab" \
    "Certificate = true" "ClientCAFile = $PKI/ca.crt"
start_daemon
got=$(auth "$AUTH_URI")
[ "$got" = "Basic=true Kerberos=false Negotiate=false Certificate=true" ] ||
	fail "config/service/auth says \"$got\""
got2=$(auth "$CFG_URI")
[ "$got2" = "$got" ] || fail "config says \"$got2\", config/service/auth \"$got\""
auth "$AUTH_URI" >/dev/null
o=$(offered)
[ "$o" = "Basic " ] || fail "the 401 offers \"$o\" while the Get says $got"
for s in Kerberos Negotiate; do
	n=$(grep -c "config: \[Auth\] $s is true but not offered, reported as false" "$DLOG" || true)
	[ "$n" = 1 ] || fail "the reason for $s is logged $n times, expected once: $(grep 'not offered' "$DLOG")"
done
grep -q "config: \[Auth\] Kerberos is true but not offered, reported as false: no usable keytab" "$DLOG" ||
	fail "the Kerberos reason is not the keytab: $(grep 'Kerberos is true' "$DLOG")"
grep -q "config: \[Auth\] Certificate is true but not offered" "$DLOG" && fail "Certificate logged as not offered"
ok "$got; 401 offers: $o; $(grep -o 'Negotiate is true but not offered.*' "$DLOG")"
stop_daemon

say "an NTLM user file: Negotiate true, Kerberos false"
write_config "${base[@]}" "[Auth]" "Basic = true" "Keytab = $WORK/missing.keytab" \
    "NTLMUserFile = $WORK/ntlm.users"
echo "Pw-$(wrt_rand 8)" | "$WINRMD" -c "$CONF" --ntlm-passwd "$ADMIN" >/dev/null ||
	hard_error "winrmd --ntlm-passwd failed"
start_daemon
got=$(auth "$AUTH_URI")
[ "$got" = "Basic=true Kerberos=false Negotiate=true Certificate=false" ] ||
	fail "config/service/auth says \"$got\""
o=$(offered)
[ "$o" = "Basic Negotiate " ] || fail "the 401 offers \"$o\" while the Get says $got"
grep -q "config: \[Auth\] Negotiate is true but not offered" "$DLOG" && fail "Negotiate logged as not offered"
ok "$got; 401 offers: $o"
stop_daemon

say "Certificate on without an HTTPS listener; Negotiate switched off"
write_config "${base[@]}" "[Listener]" "HTTPSPort = 0" "[Auth]" "Basic = true" \
    "Negotiate = false" "Kerberos = false" "Certificate = true" "ClientCAFile = $PKI/ca.crt"
start_daemon
got=$(auth "$AUTH_URI")
[ "$got" = "Basic=true Kerberos=false Negotiate=false Certificate=false" ] ||
	fail "config/service/auth says \"$got\""
grep -q "config: \[Auth\] Certificate is true but not offered, reported as false: \[Listener\] HTTPSPort is 0" "$DLOG" ||
	fail "no reason for Certificate: $(grep 'not offered' "$DLOG")"
grep -Eq "config: \[Auth\] (Negotiate|Kerberos) is true" "$DLOG" && fail "a scheme switched off was explained"
ok "$got; $(grep -o 'Certificate is true but not offered.*' "$DLOG")"
stop_daemon
