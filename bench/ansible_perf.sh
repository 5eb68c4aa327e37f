#!/bin/bash
# ansible_perf.sh: the wall time of `ansible -m win_ping' against the daemon
# (winrm, Basic over HTTPS, the module answered by winrmd-native) next to
# `ansible -m ping' over SSH to the same host and account, in the same run:
# a throw-away sshd on a loopback port with keys made for the run (as
# bench/run does).  SSH is measured twice: with Ansible's default
# ControlPersist (the connection outlives each ansible process) and without
# it (a new connection each time, as winrm has).  Medians of $ANSIBLE_PERF_N
# runs (default 7) are printed; it fails only when a run fails.  Run by
# bench/run (once a test of make check): its ratios go to the bench's
# table as "BENCH|name|winrmd|baseline|lower|target" lines (win_ping over
# winrm at most as long as ping over a new SSH connection, at most twice
# as long as over ControlPersist).  It uses the ansible on PATH; bench/run's
# own Ansible part (7) uses the client matrix's newest ansible-core.
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-300}
. "$(dirname "$0")/../tests/interop/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
NATIVE=$(find "$STAGE" -path '*/winrmd/winrmd-native' -type f 2>/dev/null | head -n 1)
[ -x "$NATIVE" ] || hard_error "winrmd-native is not staged under $STAGE"
command -v ansible >/dev/null || missing_tool "ansible is not installed"
[ -x /usr/sbin/sshd ] || missing_tool "sshd (openssh-server) is not installed"
command -v ssh-keygen >/dev/null || missing_tool "ssh-keygen is not installed"
N=${ANSIBLE_PERF_N:-7}

mkdir -p "$WORK/home" "$WORK/ansible-home" "$WORK/ansible-tmp"
# ssh's ControlPath is a Unix socket path (at most 107 bytes): under a
# deep build directory $WORK is too long for it, so the masters live in a
# short directory of their own
CPDIR=$(mktemp -d /tmp/wrt-cp.XXXXXX) || hard_error "mktemp for the ssh control path"
SSHD_PID=
# the ControlPersist masters Ansible left, then sshd
ssh_cleanup() {
	local sock
	for sock in "$CPDIR"/*; do
		[ -S "$sock" ] && ssh -q -o ControlPath="$sock" -O exit x 2>/dev/null
	done
	rm -rf "$CPDIR"
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
}
trap 'rc=$?; ssh_cleanup; (exit $rc); wrt_cleanup' EXIT
: >"$WORK/ansible.cfg"
export HOME=$WORK/home ANSIBLE_HOME=$WORK/ansible-home \
    ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_CONFIG=$WORK/ansible.cfg \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_SYSTEM_WARNINGS=False \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ANSIBLE_SSH_CONTROL_PATH_DIR=$CPDIR
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY ANSIBLE_LOG_PATH
cd "$WORK" || hard_error "cd $WORK"

write_config "[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)" \
    "[Winrs]" "NativeHelper = $NATIVE" "[Service]" "LogLevel = notice"
start_daemon

# ------------------------------------------------------------ sshd
SPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey" || hard_error "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey" || hard_error "ssh-keygen"
UHOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
install -d -m 700 -o "$TEST_USER" "$UHOME/.ssh"
install -m 600 -o "$TEST_USER" "$WORK/userkey.pub" "$UHOME/.ssh/authorized_keys"
mkdir -p /run/sshd
cat >"$WORK/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SPORT
HostKey $WORK/hostkey
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PidFile $WORK/sshd.pid
AllowUsers $TEST_USER
EOF
/usr/sbin/sshd -D -f "$WORK/sshd_config" -E "$WORK/sshd.log" &
SSHD_PID=$!

cat >"$WORK/inventory" <<EOT
[win]
target ansible_host=127.0.0.1 ansible_connection=winrm ansible_port=$HTTPS_PORT ansible_winrm_scheme=https ansible_winrm_transport=basic ansible_winrm_server_cert_validation=ignore ansible_user=$TEST_USER ansible_password=$TEST_PASS

[ssh]
sshtarget ansible_host=127.0.0.1 ansible_connection=ssh ansible_port=$SPORT ansible_user=$TEST_USER ansible_ssh_private_key_file=$WORK/userkey
EOT

for i in $(seq 1 50); do
	ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -i "$WORK/userkey" -p "$SPORT" "$TEST_USER@127.0.0.1" true 2>/dev/null && break
	sleep 0.1
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timed NAME ARGS...: one ansible run, its wall time in ms on stdout.  A
# failed run against the daemon fails the test; a failed run of the SSH
# baseline (not what is tested here) is shown and tried once more.
timed() {
	local t0 rc try
	for try in 1 2; do
		t0=$(date +%s%N)
		LC_ALL=C.UTF-8 with_timeout 60 ansible -i "$WORK/inventory" "$@" \
		    >"$WORK/last.out" 2>&1
		rc=$?
		[ $rc = 0 ] && break
		cat "$WORK/last.out" >&2
		[ "$1" = sshtarget ] && [ $try = 1 ] ||
		    fail "ansible $* exited $rc"
		echo "   (the SSH baseline failed once: trying again)" >&2
		tail -n 20 "$WORK/sshd.log" >&2
	done
	echo $((($(date +%s%N) - t0) / 1000000))
}

measure() {	# measure LABEL ARGS...: prints the median, keeps the samples
	local label=$1 v s=()
	shift
	timed "$@" >/dev/null		# warm-up (page cache, ControlMaster)
	for _ in $(seq 1 "$N"); do
		v=$(timed "$@") || exit 1
		s+=("$v")
	done
	printf '%s\n' "${s[@]}" | median
	echo "   $label: ${s[*]} ms" >&2
}

say "$N runs each (after one warm-up run)"
WIN=$(measure "win_ping (winrm)" target -m win_ping) || exit 1
grep -q '"ping": "pong"' "$WORK/last.out" || fail "win_ping did not answer pong"
SSH_CP=$(measure "ping (ssh, ControlPersist)" sshtarget -m ping) || exit 1
grep -q '"ping": "pong"' "$WORK/last.out" || fail "ping did not answer pong"
SSH_NEW=$(ANSIBLE_SSH_ARGS="-o ControlMaster=no -o ControlPersist=no" \
    measure "ping (ssh, a new connection each time)" sshtarget -m ping) || exit 1
ok "median wall time: win_ping over winrm $WIN ms; ping over ssh $SSH_CP ms" \
    "(ControlPersist), $SSH_NEW ms (new connection)"
"$PY" -c "import sys; w, a, b = map(float, sys.argv[1:]); print('   ratio win_ping/ssh ping: %.2f (ControlPersist), %.2f (new connection)' % (w / a, w / b))" \
    "$WIN" "$SSH_CP" "$SSH_NEW"
echo "BENCH|ansible win_ping vs ping, new ssh connection (ms)|$WIN|$SSH_NEW|lower|1.0"
echo "BENCH|ansible win_ping vs ping, ssh ControlPersist (ms)|$WIN|$SSH_CP|lower|2.0"

daemon_alive || fail "the daemon died"
stop_daemon
echo "PASS: $TEST_NAME"
