#!/bin/bash
# krb5_setup.sh: a throw-away MIT KDC on 127.0.0.1 for realm WINRMD.TEST,
# everything under DIR (adapted from shared/krb5/krb5_setup.sh).
#
# Usage: krb5_setup.sh DIR [USER PASSWORD]...
#   Creates the realm, a principal USER@WINRMD.TEST per pair,
#   HTTP/localhost@WINRMD.TEST in DIR/http.keytab, starts krb5kdc on a free
#   port (PID in DIR/kdc.pid; stop it with kill "$(cat DIR/kdc.pid)") and
#   waits until it answers.  Prints the port.  Clients and the daemon use
#   KRB5_CONFIG=DIR/krb5.conf.  Takes about 0.1 s.
set -eu

K=${1:?usage: krb5_setup.sh DIR [USER PASSWORD]...}
shift
if [ -e "$K" ] && [ -n "$(ls -A "$K")" ]; then
	echo "krb5_setup.sh: $K must be empty or absent" >&2
	exit 1
fi
for tool in kdb5_util kadmin.local krb5kdc kinit; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null || {
		echo "krb5_setup.sh: $tool is missing (krb5-kdc, krb5-admin-server, krb5-user)" >&2
		exit 2
	}
done
mkdir -p "$K"
K=$(cd "$K" && pwd)

# a port free for both TCP and UDP on 127.0.0.1
PORT=$(python3 - <<'EOF'
import socket
while True:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(p)
    break
EOF
)

cat >"$K/krb5.conf" <<EOC
[libdefaults]
  default_realm = WINRMD.TEST
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
[realms]
  WINRMD.TEST = {
    kdc = 127.0.0.1:$PORT
  }
[domain_realm]
  localhost = WINRMD.TEST
  127.0.0.1 = WINRMD.TEST
EOC
cat >"$K/kdc.conf" <<EOC
[kdcdefaults]
  kdc_listen = 127.0.0.1:$PORT
  kdc_tcp_listen = 127.0.0.1:$PORT
[realms]
  WINRMD.TEST = {
    database_name = $K/principal
    key_stash_file = $K/stash
    acl_file = $K/kadm5.acl
    max_life = 10h
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:$K/kdc.log
EOC
export KRB5_CONFIG=$K/krb5.conf KRB5_KDC_PROFILE=$K/kdc.conf
kdb5_util create -s -r WINRMD.TEST -P "masterpw-$RANDOM$RANDOM" >/dev/null
while [ $# -ge 2 ]; do
	kadmin.local -q "addprinc -pw $2 $1@WINRMD.TEST" >/dev/null 2>&1
	shift 2
done
kadmin.local -q "addprinc -randkey HTTP/localhost@WINRMD.TEST" >/dev/null 2>&1
kadmin.local -q "ktadd -k $K/http.keytab HTTP/localhost@WINRMD.TEST" >/dev/null
krb5kdc -P "$K/kdc.pid"		# daemonises; its PID in kdc.pid
for i in $(seq 100); do
	[ -s "$K/kdc.pid" ] && break
	sleep 0.05
done
[ -s "$K/kdc.pid" ] || { echo "krb5_setup.sh: krb5kdc did not start" >&2; exit 1; }
# answering: a kinit of the service key from the keytab
for i in $(seq 100); do
	KRB5CCNAME=FILE:$K/cc.probe kinit -k -t "$K/http.keytab" \
	    HTTP/localhost@WINRMD.TEST >/dev/null 2>&1 && break
	sleep 0.05
done
rm -f "$K/cc.probe"
echo "$PORT"
