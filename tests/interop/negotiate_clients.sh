#!/bin/bash
# negotiate_clients.sh: the shell plugin through real clients authenticated
# by Negotiate (docs/PROTOCOL.md Part A §2, §6), with a throw-away KDC:
#
#  - ansible -m raw over NTLM (HTTP, sealed) and over Kerberos (HTTPS;
#    Ansible runs kinit itself with the password)
#  - 5 MB through `cat > FILE' in Sends of more than 512 KiB sealed on the
#    wire (MaxEnvelopeSizekb = 512, so the framing's overhead must fit),
#    over NTLM (HTTP, sealed) and over Kerberos (HTTPS); sha256 compared
#  - Go masterzen/winrm ClientNTLM: over HTTP with AllowUnencrypted = true
#    (it never seals) and over HTTPS; refused over HTTP while
#    AllowUnencrypted = false
#  - throughput: Whoami over an established NTLM-sealed HTTP connection
#    against Basic over HTTPS, in the same run (printed, not judged)
[ "${WRT_TEST_TIMEOUT:-0}" -ge 400 ] 2>/dev/null || export WRT_TEST_TIMEOUT=400
. "$(dirname "$0")/lib.sh"
. "$WRT_HERE/negotiate_lib.sh"
nego_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

KPASS="Kp-$(wrt_rand 8).x"
nego_krb5_start "$TEST_USER" "$KPASS"
URL_HTTPL=http://localhost:$HTTP_PORT/wsman
URL_HTTPSL=https://localhost:$HTTPS_PORT/wsman
OUT=$WORK/out.txt

nego_config() {
	write_config "[Service]" "MaxEnvelopeSizekb = 512" "$@" \
	    "[Auth]" "Basic = true" "Keytab = $KEYTAB" "NTLMUserFile = $NTLM_FILE" \
	    "NetBIOSDomain = WINRMD" \
	    "[Plugins]" "Load = $(all_plugins_load)"
}
nego_config "AllowUnencrypted = false"
nego_ntlm_user "$TEST_USER" "$TEST_PASS"
start_daemon

# ------------------------------------------------------------ Ansible
if command -v ansible >/dev/null; then
	mkdir -p "$WORK/home" "$WORK/ansible-home" "$WORK/ansible-tmp"
	: >"$WORK/ansible.cfg"
	(
	export HOME=$WORK/home ANSIBLE_HOME=$WORK/ansible-home \
	    ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_CONFIG=$WORK/ansible.cfg \
	    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_SYSTEM_WARNINGS=False \
	    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 LC_ALL=C.UTF-8
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
	cd "$WORK" || exit 99
	say "ansible -m raw over NTLM (HTTP, sealed)"
	with_timeout 90 ansible -i 127.0.0.1, all -m raw -a 'echo raw-ntlm $(id -un)' \
	    -e ansible_connection=winrm -e ansible_port="$HTTP_PORT" \
	    -e ansible_winrm_scheme=http -e ansible_winrm_transport=ntlm \
	    -e ansible_user="$TEST_USER" -e ansible_password="$TEST_PASS" >"$OUT" 2>&1
	rc=$?
	sed 's/^/   | /' "$OUT"
	[ $rc = 0 ] && grep -q "^raw-ntlm $TEST_USER" "$OUT" || fail "ansible raw over NTLM (exit $rc)"
	ok "rc=0, ran as $TEST_USER"
	say "ansible -m raw over Kerberos (HTTPS; Ansible's own kinit)"
	with_timeout 90 ansible -i localhost, all -m raw -a 'echo raw-krb $(id -un)' \
	    -e ansible_connection=winrm -e ansible_port="$HTTPS_PORT" \
	    -e ansible_winrm_scheme=https -e ansible_winrm_transport=kerberos \
	    -e ansible_winrm_server_cert_validation=ignore \
	    -e ansible_user="$TEST_USER@WINRMD.TEST" -e ansible_password="$KPASS" \
	    -e '{"ansible_winrm_kinit_env_vars":["KRB5_CONFIG"]}' >"$OUT" 2>&1
	rc=$?
	sed 's/^/   | /' "$OUT"
	[ $rc = 0 ] && grep -q "^raw-krb $TEST_USER" "$OUT" || fail "ansible raw over Kerberos (exit $rc)"
	ok "rc=0, ran as $TEST_USER"
	) || exit $?
	grep -q "auth: Kerberos login of $TEST_USER" "$DLOG" || fail "Ansible's Kerberos login is not in the log"
else
	say "(ansible is not installed: skipping its part)"
fi

# ----------------------------------------------------------- 5 MB sends
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/5mb.bin"
want=$(sha256sum "$WORK/5mb.bin" | cut -d' ' -f1)
# 392160 raw bytes: 522880 bytes of base64 in a Send envelope just under
# MaxEnvelopeSizekb (524288 bytes of plaintext), sealed and framed more
# than 512 KiB on the wire: the 413 check leaves room for the framing
CHUNK=392160
# (DEST is relative: the shell starts in the user's home)
say "5 MB through cat over NTLM (HTTP, sealed; Sends of $CHUNK bytes)"
nego_py send "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS" "$WORK/5mb.bin" \
    ntlm.out --chunk $CHUNK >"$OUT" 2>&1 || fail "send over NTLM: $(tail -n 8 "$OUT")"
cat "$OUT" | sed 's/^/   | /'
grep -q "encrypted=1" "$OUT" || fail "the NTLM send was not sealed"
wire=$(sed -n 's/.*max_wire=\([0-9]*\).*/\1/p' "$OUT")
[ "${wire:-0}" -gt 524288 ] || fail "the largest sealed body was ${wire:-?} bytes, not more than 512 KiB"
grep -q "^sha256=$want\$" "$OUT" || fail "sha256 differs over NTLM"
big=$(grep -Eo "action=Send resource=[^ ]+ status=200" "$DLOG" | wc -l)
[ "$big" -ge 14 ] || fail "only $big Sends logged"
ok "5 MB sealed in $big Sends, sha256 matches"

nego_kinit "$TEST_USER" "$KPASS"
say "5 MB through cat over Kerberos (HTTPS)"
nego_py send "$URL_HTTPSL" kerberos "$TEST_USER@WINRMD.TEST" "" "$WORK/5mb.bin" \
    krb.out --chunk $CHUNK >"$OUT" 2>&1 || fail "send over Kerberos: $(tail -n 8 "$OUT")"
cat "$OUT" | sed 's/^/   | /'
grep -q "^sha256=$want\$" "$OUT" || fail "sha256 differs over Kerberos"
ok "sha256 matches"

# ------------------------------------------------------- Go ClientNTLM
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/masterzen/winrm ]; then
	say "building negotiate_go.go (GOPATH mode)"
	(
	export HOME=$WORK GOCACHE=$top_builddir/tests/gocache GOPATH=/usr/share/gocode \
	    GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
	with_timeout 150 go build -o "$WORK/negotiate_go" "$WRT_HERE/negotiate_go.go"
	) >"$WORK/go-build.log" 2>&1 || { cat "$WORK/go-build.log" >&2; fail "go build failed"; }
	say "Go ClientNTLM over HTTPS"
	with_timeout 60 "$WORK/negotiate_go" 127.0.0.1 "$HTTPS_PORT" https "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
	    fail "Go over HTTPS: $(cat "$OUT")"
	grep -q "^rc=0 stdout=go-ntlm $TEST_USER" "$OUT" || fail "Go over HTTPS: $(cat "$OUT")"
	wait_log "auth: Negotiate handshake of $TEST_USER \(NTLM\) .* complete, no sealing" 2 ||
	    wait_log "auth: Negotiate handshake of WINRMD.$TEST_USER \(NTLM\) .* complete, no sealing" 2 ||
	    fail "no unsealed NTLM handshake from Go in the log"
	ok "$(head -n 1 "$OUT")"
	say "Go ClientNTLM over HTTP with AllowUnencrypted = false: refused"
	with_timeout 60 "$WORK/negotiate_go" 127.0.0.1 "$HTTP_PORT" http "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1
	rc=$?
	[ $rc != 0 ] || fail "Go sent plaintext over HTTP and was served: $(cat "$OUT")"
	wait_log "unsealed request from .* \(NTLM\) over HTTP refused: AllowUnencrypted is false" 2 ||
	    fail "the refusal is not logged"
	ok "refused (exit $rc), logged"
fi
counters
stop_daemon

nego_config "AllowUnencrypted = true"
start_daemon
if [ -x "$WORK/negotiate_go" ]; then
	say "Go ClientNTLM over HTTP with AllowUnencrypted = true"
	with_timeout 60 "$WORK/negotiate_go" 127.0.0.1 "$HTTP_PORT" http "$TEST_USER" "$TEST_PASS" >"$OUT" 2>&1 ||
	    fail "Go over HTTP: $(cat "$OUT")"
	[ "$(grep -c "^rc=0 stdout=go-ntlm $TEST_USER" "$OUT")" = 2 ] || fail "Go over HTTP: $(cat "$OUT")"
	ok "two commands"
fi

# -------------------------------------------------------- throughput
say "throughput: Whoami on one connection, NTLM-sealed HTTP vs Basic HTTPS"
nego_py bench "$URL_HTTP4" ntlm "$TEST_USER" "$TEST_PASS" 5 >"$WORK/bench-ntlm.txt" 2>&1 ||
    fail "bench ntlm: $(cat "$WORK/bench-ntlm.txt")"
nego_py bench "$URL_HTTPS4" ssl "$TEST_USER" "$TEST_PASS" 5 >"$WORK/bench-basic.txt" 2>&1 ||
    fail "bench basic: $(cat "$WORK/bench-basic.txt")"
echo "   NTLM sealed over HTTP:  $(cat "$WORK/bench-ntlm.txt")"
echo "   Basic over HTTPS:       $(cat "$WORK/bench-basic.txt")"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
