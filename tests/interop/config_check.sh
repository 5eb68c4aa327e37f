#!/bin/bash
# config_check.sh: `winrmd -t' checks what the start will need, as sshd -t
# does, each refusal with its real reason at error level and exit 1: a
# directory as the configuration file; a certificate or key that is
# garbage, missing or not the pair's; a key readable by others (refused at
# the start too); [Auth] Certificate without usable client CAs; a missing plugin or provider directory; a provider that
# does not load.  And a failed start says why: on a busy port, without -f,
# with no journal or syslog to reach, the reason (with the address) is on
# stderr and the exit status is not 0.
. "$(dirname "$0")/lib.sh"

PROVDIR=$STAGE$PREFIX/lib/winrmd/providers
[ -f "$STAGE$PLUGINDIR/cim.so" ] || hard_error "the cim plugin is not staged"
[ -f "$PROVDIR/win32.so" ] || hard_error "the win32 provider is not staged at $PROVDIR"
TLS=$WORK/tls
mkdir -p "$TLS"
CERT=$TLS/winrmd.crt
KEY=$TLS/winrmd.key

# conf NAME [INI lines]: $WORK/NAME.conf loading the staged cim plugin
conf() {
	local name=$1
	shift
	write_config "[Listener]" "CertificateFile = $CERT" "KeyFile = $KEY" \
	    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = cim" \
	    "[CIM]" "ProviderDirectory = $PROVDIR" "Providers = win32" "$@"
	cp "$CONF" "$WORK/$name.conf"
}
# refused NAME MESSAGE: -t on $WORK/NAME.conf exits 1 with MESSAGE at error level
refused() {
	local out rc
	out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/$1.conf" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "-t on $1 exited $rc, expected 1: $out"
	echo "$out" | grep -F -- "$2" | grep -q '\[error\]' ||
	    fail "-t on $1 does not say \"$2\" at error level: $out"
	echo "$out" | grep -q "configuration OK" && fail "-t on $1 says OK: $out"
	ok "$1: $(echo "$out" | grep -F -- "$2" | head -n 1 | sed 's/^.*\[error\]: //')"
}
accepted() {	# accepted NAME: -t on $WORK/NAME.conf says OK ($out)
	out=$(with_timeout 20 "$WINRMD" -t -c "$WORK/$1.conf" 2>&1) ||
	    fail "-t on $1 exited $?: $out"
	echo "$out" | grep -q "configuration OK" || fail "-t on $1 prints \"$out\""
	ok "$1: $(echo "$out" | tr '\n' ' ')"
}
pair() {	# pair NAME: a self-signed certificate and key $TLS/NAME.{crt,key}
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS/$1.key" \
	    -out "$TLS/$1.crt" -subj "/CN=$1" -days 2 >/dev/null 2>&1 ||
	    hard_error "openssl req failed"
	chmod 600 "$TLS/$1.key"
}

say "-t: the configuration file is a directory"
out=$(with_timeout 20 "$WINRMD" -t -c "$WORK" 2>&1)
[ $? = 1 ] || fail "-t on a directory exited $?: $out"
echo "$out" | grep -qF "$WORK: not a regular file" || fail "-t on a directory: $out"
ok "$out"

say "-t: certificate and key"
conf nopair
accepted nopair
echo "$out" | grep -q 'do not exist yet: the start creates a self-signed pair' ||
	fail "-t does not say the pair will be created"
pair good
cp "$TLS/good.crt" "$CERT"
cp -p "$TLS/good.key" "$KEY"
accepted nopair
echo garbage >"$CERT"
refused nopair "CertificateFile $CERT holds no usable PEM certificate"
cp "$TLS/good.crt" "$CERT"
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' >"$KEY"
refused nopair "KeyFile $KEY holds no usable unencrypted PEM private key"
pair other
cp -p "$TLS/other.key" "$KEY"
refused nopair "KeyFile $KEY is not the key of CertificateFile $CERT: The certificate and the given key do not match"
cp -p "$TLS/good.key" "$KEY"
chmod 644 "$KEY"
refused nopair "KeyFile $KEY is readable by its group or others (mode 0644): refused; chmod 600 $KEY"
chmod 640 "$KEY"
refused nopair "(mode 0640)"
rm -f "$KEY"
refused nopair "KeyFile $KEY does not exist but CertificateFile $CERT does"
cp -p "$TLS/good.key" "$KEY"
rm -f "$CERT"
refused nopair "CertificateFile $CERT does not exist but KeyFile $KEY does"

say "-t: [Auth] Certificate and its ClientCAFile"
cp "$TLS/good.crt" "$CERT"
conf noca "[Auth]" "Certificate = true"
refused noca "[Auth] Certificate = true needs ClientCAFile"
conf missingca "[Auth]" "Certificate = true" "ClientCAFile = $WORK/no-ca.pem"
refused missingca "[Auth] ClientCAFile $WORK/no-ca.pem: No such file or directory"
echo garbage >"$WORK/garbage-ca.pem"
conf garbageca "[Auth]" "Certificate = true" "ClientCAFile = $WORK/garbage-ca.pem"
refused garbageca "[Auth] ClientCAFile $WORK/garbage-ca.pem holds no usable PEM certificate"
conf goodca "[Auth]" "Certificate = true" "ClientCAFile = $TLS/good.crt"
accepted goodca

say "the start refuses a key others can read, with the same reason on stderr"
cp "$TLS/good.crt" "$CERT"
chmod 604 "$KEY"
with_timeout 20 "$WINRMD" -f -c "$WORK/nopair.conf" >"$WORK/start.out" 2>&1
rc=$?
[ $rc != 0 ] || fail "the daemon started with a world-readable key"
grep -qF "KeyFile $KEY is readable by its group or others (mode 0604)" "$WORK/start.out" ||
	fail "the start does not say why: $(cat "$WORK/start.out")"
ok "exit $rc: $(grep -o 'tls: KeyFile.*' "$WORK/start.out")"
chmod 600 "$KEY"

say "-t: plugin and provider directories, providers that do not load"
conf noplugdir "[Plugins]" "Directory = $WORK/no-plugins"
refused noplugdir "[Plugins] Directory $WORK/no-plugins: No such file or directory"
conf noprovdir "[CIM]" "ProviderDirectory = $WORK/no-providers"
refused noprovdir "[CIM] ProviderDirectory $WORK/no-providers: No such file or directory"
: >"$WORK/empty.so"
conf badprov "[CIM]" "Providers = win32 $WORK/empty.so"
refused badprov "[CIM] Providers: $WORK/empty.so"
conf notprov "[CIM]" "Providers = $STAGE$PLUGINDIR/config.so"
refused notprov "has no winrmd_provider_entry: not a CIM provider"
conf goodprov
accepted goodprov

say "a failed start says why: busy port, no -f, no journal or syslog reachable"
# the journal's and syslog's sockets hidden in a mount namespace of its own
exec 7< <(exec "$PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)')
read -r -u 7 busy || hard_error "no busy port"
write_config "[Listener]" "Address = 127.0.0.1" "HTTPPort = $busy" "HTTPSPort = 0"
unshare -m /bin/sh -c '
	[ -d /run/systemd/journal ] && { mount -t tmpfs none /run/systemd/journal || exit 99; }
	[ -e /dev/log ] && { mount --bind /dev/null /dev/log || exit 99; }
	exec "$@"' sh "$WINRMD" -c "$CONF" >"$WORK/busy.out" 2>"$WORK/busy.err" </dev/null &
bpid=$!
for _ in $(seq 100); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$bpid" 2>/dev/null && { kill "$bpid"; fail "the daemon runs on a busy port"; }
wait "$bpid"
rc=$?
[ $rc = 99 ] && hard_error "cannot hide the journal in a mount namespace"
[ $rc != 0 ] || fail "the start on a busy port exited 0"
grep -qF "cannot listen on 127.0.0.1 port $busy: Address already in use" "$WORK/busy.err" ||
	fail "stderr does not say why: $(cat "$WORK/busy.err")"
ok "exit $rc; stderr: $(grep -o 'http: cannot listen.*' "$WORK/busy.err")"
exec 7<&-
