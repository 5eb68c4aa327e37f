#!/bin/bash
# winrm4j.sh: the client matrix's Java client, winrm4j (Apache Brooklyn's;
# io.cloudsoft.windows:winrm4j at the version tests/clients/java/pom.xml
# pins from Maven Central, built by scripts/install-clients): a command,
# an exit code with stderr, and a PowerShell line (Winrm4jClient.java), with
# Basic over HTTP (AllowUnencrypted) and over HTTPS, where the JVM verifies
# the daemon's certificate (its subjectAltName has 127.0.0.1) against a
# trust store holding it, made with keytool.
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-120}
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
command -v java >/dev/null || hard_error "java is not installed (scripts/install-deps)"
command -v keytool >/dev/null || hard_error "keytool is not installed (scripts/install-deps)"

jar=$(ls ${CLIENTS_JAVA_CP%%:*}/../lib/winrm4j-[0-9]*.jar 2>/dev/null | head -n 1)
version=$(basename "$jar" .jar | sed 's/^winrm4j-//')
[ -n "$version" ] || hard_error "no winrm4j jar in the Java client's classpath"

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
OUT=$WORK/out.txt
keytool -importcert -noprompt -alias winrmd -file "$WORK/winrmd.crt" \
    -keystore "$WORK/trust.p12" -storetype PKCS12 -storepass winrmd-test \
    >"$OUT" 2>&1 || hard_error "keytool: $(cat "$OUT")"
TRUST=(-Djavax.net.ssl.trustStore="$WORK/trust.p12"
    -Djavax.net.ssl.trustStorePassword=winrmd-test)
for scheme in http https; do
	port=$HTTP_PORT
	[ $scheme = https ] && port=$HTTPS_PORT
	say "winrm4j $version, Basic over ${scheme^^}"
	with_timeout 90 java "${TRUST[@]}" -cp "$CLIENTS_JAVA_CP" Winrm4jClient 127.0.0.1 "$port" \
	    $scheme "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
		fail "winrm4j over $scheme: $(grep -v '^\s*at ' "$OUT" | tail -n 12)"
	got=$(sed -n 's/^ok //p' "$OUT" | paste -sd, | sed 's/,/, /g')
	[ "$(grep -c '^ok ' "$OUT")" = 3 ] || fail "winrm4j over $scheme: $(cat "$OUT")"
	ok "$got"
	matrix winrm4j "$version" "Maven Central" "Basic over ${scheme^^}: $got"
done
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
