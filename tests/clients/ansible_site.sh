# ansible_site.sh: sourced by the client matrix's Ansible drivers
# (ansible_debian.sh, ansible_current.sh, ansible_psrp.sh) after
# tests/interop/lib.sh and tests/clients/lib.sh, with ANSIBLE_BIN (the
# directory of the ansible-playbook to run), ANSIBLE_SOURCE (where that
# Ansible comes from, for the matrix) and ANSIBLE_CONN (winrm, the default,
# or psrp: ansible_psrp.sh).
#
# Real Ansible (ansible-core and its ansible.windows collection, connection
# winrm or psrp, Basic over HTTPS) against the daemon, with no PowerShell on
# the host: tests/ansible/site.yml, with gather_facts, exercises every module
# and helper winrmd runs natively (winrmd-native).  The playbook runs three
# times, as a non-root account:
#
#  1. --check on an empty target: failed=0, and nothing appears on disk
#  2. for real: failed=0; the copies are byte-exact (0 B, 1 B, 1 MiB,
#     20 MiB, through win_copy and back through fetch), owned by the user;
#     the tree, the template, backup, remote_src, script, async (polled, and
#     fire-and-forget outliving its shell), become (PAM) and the refusals
#     (no password, wrong password, a directory the user may not write, an
#     unimplemented module) are asserted inside the playbook
#  3. again: changed=0
#  (psrp: then win_ping, raw, win_copy and fetch over HTTP, ad hoc)
#
# Ansible writes only under $WORK (HOME, ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP);
# the remote temporary directories go to %TEMP%\<a name for this run>,
# i.e. /tmp/wrt-..., removed at the end.  Each stage that passes records
# its operations (matrix); win_service is proven as what it is here: a
# clear failure on a host without systemd as PID 1.

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
NATIVE=$(find "$STAGE" -path '*/winrmd/winrmd-native' -type f 2>/dev/null | head -n 1)
[ -x "$NATIVE" ] || hard_error "winrmd-native is not staged under $STAGE"
[ -x "$ANSIBLE_BIN/ansible-playbook" ] || missing_tool "$ANSIBLE_BIN/ansible-playbook is not installed"
for pw in /usr/bin/pwsh /usr/local/bin/pwsh /opt/microsoft/powershell/7/pwsh /snap/bin/pwsh; do
	[ -x "$pw" ] && missing_tool "$pw is installed: unimplemented modules would really run"
done

PLAYBOOK_DIR=$top_srcdir/tests/ansible
make_user OTHER_USER OTHER_PASS
TARGET=$WORK/target
GEN=$WORK/gen
FETCHED=$WORK/fetched
FORBIDDEN=$WORK/forbidden
REMOTE_TMP_NAME=wrt-tmp-$(wrt_rand 4)
mkdir -p "$WORK/home" "$WORK/ansible-home" "$WORK/ansible-tmp" "$GEN" \
    "$FETCHED" "$TARGET" "$FORBIDDEN"
chown "$TEST_USER:" "$TARGET"
chmod 700 "$FORBIDDEN"
echo "root's secret" >"$FORBIDDEN/secret.txt"
chmod 600 "$FORBIDDEN/secret.txt"
TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
# the remote temporary directories of this run go, whatever happens
trap 'rc=$?; rm -rf "/tmp/${REMOTE_TMP_NAME:?}"; (exit $rc); wrt_cleanup' EXIT

# the round-trip files
: >"$GEN/empty.bin"
printf 'Z' >"$GEN/one.bin"
head -c 1048576 /dev/urandom >"$GEN/mib.bin"
head -c 20971520 /dev/urandom >"$GEN/big.bin"

REAL_HOME=$(getent passwd "$(id -un)" | cut -d: -f6)
touch "$WORK/marker"
: >"$WORK/ansible.cfg"
export HOME=$WORK/home ANSIBLE_HOME=$WORK/ansible-home \
    ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_CONFIG=$WORK/ansible.cfg \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_SYSTEM_WARNINGS=False \
    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOAD_CALLBACK_PLUGINS=False \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_GATHERING=implicit \
    ANSIBLE_FORKS=1
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY ANSIBLE_LOG_PATH
cd "$WORK" || hard_error "cd $WORK"

# the versions that run: ansible-core, and the one ansible.windows it finds
core=$(LC_ALL=C.UTF-8 "$ANSIBLE_BIN/ansible-playbook" --version 2>/dev/null | sed -n '1s/.*core \([0-9][0-9.]*\)\].*/\1/p')
[ -n "$core" ] || hard_error "$ANSIBLE_BIN/ansible-playbook --version names no ansible-core"
windows=$(LC_ALL=C.UTF-8 "$ANSIBLE_BIN/ansible-galaxy" collection list ansible.windows --format json 2>/dev/null |
    "$PY" -c 'import json, sys
found = [c["ansible.windows"]["version"] for c in json.load(sys.stdin).values()
         if "ansible.windows" in c]
print(found[0] if len(found) == 1 else "")')
[ -n "$windows" ] || missing_tool "the ansible.windows collection is not installed (or installed twice) for $ANSIBLE_BIN"
ANSIBLE_VERSION="ansible-core $core, ansible.windows $windows"
say "$ANSIBLE_VERSION ($ANSIBLE_SOURCE)"
ANSIBLE_CONN=${ANSIBLE_CONN:-winrm}
am() {	# am OPERATION...: proven for this Ansible (and connection)
	local op ops=()

	for op in "$@"; do
		[ "$ANSIBLE_CONN" = winrm ] && ops+=("$op") || ops+=("$ANSIBLE_CONN: $op")
	done
	matrix Ansible "$ANSIBLE_VERSION" "$ANSIBLE_SOURCE" "${ops[@]}"
}

# psrp runs over HTTP too (Basic without message encryption: allowed here)
unencrypted=()
[ "$ANSIBLE_CONN" = psrp ] && unencrypted=("[Service]" "AllowUnencrypted = true")
write_config "${unencrypted[@]}" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)" "[Winrs]" "NativeHelper = $NATIVE"
start_daemon

WIN_ROOT="C:${TARGET//\//\\}"
case $ANSIBLE_CONN in
winrm)
	CONN_VARS="ansible_connection=winrm
ansible_port=$HTTPS_PORT
ansible_winrm_scheme=https
ansible_winrm_transport=basic
ansible_winrm_server_cert_validation=ignore"
	FETCH_HELPER=fetch_file ;;
psrp)	# the same scripts as PSRP pipelines; fetch streams the whole file
	CONN_VARS="ansible_connection=psrp
ansible_port=$HTTPS_PORT
ansible_psrp_protocol=https
ansible_psrp_auth=basic
ansible_psrp_cert_validation=ignore"
	FETCH_HELPER=fetch_stream ;;
*)	hard_error "ANSIBLE_CONN=$ANSIBLE_CONN: winrm or psrp" ;;
esac
cat >"$WORK/inventory" <<EOT
[targets]
target ansible_host=127.0.0.1

[targets:vars]
$CONN_VARS
ansible_user=$TEST_USER
ansible_password=$TEST_PASS
ansible_remote_tmp=%TEMP%\\$REMOTE_TMP_NAME
test_user=$TEST_USER
other_user=$OTHER_USER
other_pass=$OTHER_PASS
target_root=$TARGET
win_root=$WIN_ROOT
gen_dir=$GEN
fetch_dir=$FETCHED
forbidden=$FORBIDDEN
EOT

OUT=$WORK/ansible.out
run_playbook() {	# run_playbook OUTFILE [args]: status in $ARC, time in $AMS
	local out=$1 t0
	shift
	t0=$(date +%s%N)
	LC_ALL=C.UTF-8 with_timeout 240 "$ANSIBLE_BIN/ansible-playbook" -i "$WORK/inventory" \
	    "$PLAYBOOK_DIR/site.yml" "$@" >"$out" 2>&1
	ARC=$?
	AMS=$((($(date +%s%N) - t0) / 1000000))
	[ $ARC = 124 ] && { tail -n 60 "$out" >&2; fail "ansible-playbook $* was killed after 240 s"; }
	return 0
}
recap() {	# recap FILE: the PLAY RECAP line of the target
	grep -E '^target +: ok=' "$1" | tail -n 1
}
recap_field() {	# recap_field FILE NAME
	recap "$1" | grep -oE "$2=[0-9]+" | cut -d= -f2
}

# ------------------------------------------------------------ 1. --check
say "ansible-playbook --check on an empty target"
run_playbook "$WORK/check.out" --check
[ $ARC = 0 ] || { cat "$WORK/check.out" >&2; fail "--check run exited $ARC"; }
[ "$(recap_field "$WORK/check.out" failed)" = 0 ] || fail "--check: $(recap "$WORK/check.out")"
ok "$(recap "$WORK/check.out") ($AMS ms)"
left=$(find "$TARGET" -mindepth 1 | head -n 5)
[ -z "$left" ] || fail "--check changed the target: $left"
[ ! -e "$TEST_HOME/winrmd-home-file.txt" ] || fail "--check wrote to the home directory"
ok "nothing on disk in $TARGET or the home directory"
am "check mode (--check changes nothing)"

# ------------------------------------------------------------ 2. for real
say "ansible-playbook (first run)"
run_playbook "$WORK/run1.out" -v
if [ $ARC != 0 ] || [ "$(recap_field "$WORK/run1.out" failed)" != 0 ]; then
	cat "$WORK/run1.out" >&2
	fail "first run: exit $ARC, $(recap "$WORK/run1.out")"
fi
changed1=$(recap_field "$WORK/run1.out" changed)
[ "${changed1:-0}" -gt 10 ] || fail "first run changed only ${changed1:-0} things: $(recap "$WORK/run1.out")"
ok "$(recap "$WORK/run1.out") ($AMS ms)"

say "the files, byte for byte, both ways"
for f in empty one mib big; do
	cmp "$GEN/$f.bin" "$TARGET/copies/$f.bin" || fail "copy of $f.bin differs"
	cmp "$GEN/$f.bin" "$FETCHED/$f.bin" || fail "fetch of $f.bin differs"
	[ "$(stat -c %U "$TARGET/copies/$f.bin")" = "$TEST_USER" ] ||
		fail "$f.bin is owned by $(stat -c %U "$TARGET/copies/$f.bin")"
done
ok "0 B, 1 B, 1 MiB, 20 MiB: win_copy and fetch byte-exact, owned by $TEST_USER"
printf "content line 1\r\nit's line 2\r\n" | cmp - "$TARGET/copies/O'Brien content.txt" ||
	fail "content= differs"
cmp "$top_srcdir/tests/ansible/files/tree/a.txt" "$TARGET/tree/a.txt" &&
	cmp "$top_srcdir/tests/ansible/files/tree/sub/b.txt" "$TARGET/tree/sub/b.txt" ||
	fail "the exploded tree differs"
cmp "$TARGET/tree/sub/b.txt" "$TARGET/tree-copy/sub/b.txt" || fail "remote_src copy differs"
grep -qx 'square = 49' "$TARGET/copies/cfg.ini" || fail "win_template: $(cat "$TARGET/copies/cfg.ini")"
[ "$(cat "$TARGET/copies/versioned.txt")" = "version 2" ] || fail "backup: not version 2"
ls "$TARGET"/copies/versioned.txt.*.bak >/dev/null 2>&1 || fail "backup: no .bak file"
grep -qx 'version 1' "$TARGET"/copies/versioned.txt.*.bak || fail "backup: the .bak is not version 1"
[ "$(cat "$FETCHED/home-file.txt")" = "it's here" ] || fail "~\\ fetch differs"
[ -e "$FETCHED/missing.txt" ] && fail "a missing file was fetched"
grep -qx 'arg1' "$TARGET/script-ran" || fail "the script did not run"
[ "$(cat "$TARGET/copies/Ünïcode файл.txt")" = "Grüße, мир" ] || fail "the non-ASCII copy differs"
[ "$(cat "$TARGET/async-detached.txt")" = outlived ] || fail "the async job did not outlive its shell"
[ -d "$TARGET/gone" ] && fail "win_file absent left the directory"
grep -q 'is not implemented natively by winrmd' "$WORK/run1.out" ||
	fail "the unimplemented module's message is not in Ansible's output"
[ -e "$FORBIDDEN/nope.txt" ] || [ -e "$FORBIDDEN/nope-dir" ] &&
	fail "something was written to $FORBIDDEN"
bad=$(find "$TARGET" ! -user "$TEST_USER" | head -n 3)
[ -z "$bad" ] || fail "not owned by $TEST_USER: $bad"
ok "content=, tree, remote_src, template, backup, ~, script, async, absent, refusals"
am "raw" "win_ping" "setup (facts, gather_subset)" \
    "win_copy (file 0 B-20 MiB, content, directory, remote_src, backup, force)" \
    "win_template" "fetch (0 B-20 MiB, ~)" "win_file" "win_stat (5 checksums)" \
    "win_command" "win_shell" "script" "async, async_status" \
    "become (runas, PAM)" "win_service (a clear failure without systemd)" \
    "refusals (rights, unimplemented module)"

# ------------------------------------------------------------ 3. again
say "ansible-playbook (second run: nothing to change)"
run_playbook "$WORK/run2.out"
if [ $ARC != 0 ] || [ "$(recap_field "$WORK/run2.out" failed)" != 0 ] ||
    [ "$(recap_field "$WORK/run2.out" changed)" != 0 ]; then
	grep -B2 -A12 '^changed:' "$WORK/run2.out" >&2
	cat "$WORK/run2.out" | tail -n 40 >&2
	fail "second run: exit $ARC, $(recap "$WORK/run2.out")"
fi
ok "$(recap "$WORK/run2.out") ($AMS ms)"
am "second run changed=0"

if [ "$ANSIBLE_CONN" = psrp ]; then
	say "psrp over HTTP: win_ping, raw, win_copy and fetch of 1 MiB"
	adhoc() {	# adhoc OUTFILE MODULE ARGS: ansible over HTTP, must pass
		local out=$1
		shift
		LC_ALL=C.UTF-8 with_timeout 120 "$ANSIBLE_BIN/ansible" target \
		    -i "$WORK/inventory" -e ansible_port="$HTTP_PORT" \
		    -e ansible_psrp_protocol=http \
		    -e ansible_psrp_message_encryption=never -m "$@" >"$out" 2>&1 ||
			{ cat "$out" >&2; fail "over HTTP: ansible -m $*"; }
	}
	adhoc "$WORK/http-ping.out" ansible.windows.win_ping
	grep -q '"ping": "pong"' "$WORK/http-ping.out" || fail "win_ping over HTTP: $(cat "$WORK/http-ping.out")"
	adhoc "$WORK/http-raw.out" ansible.builtin.raw -a 'echo "over $(id -un)"'
	grep -q "over $TEST_USER" "$WORK/http-raw.out" || fail "raw over HTTP: $(cat "$WORK/http-raw.out")"
	jroot=${WIN_ROOT//\\/\\\\}	# for JSON: \ doubled
	adhoc "$WORK/http-copy.out" ansible.windows.win_copy \
	    -a "{\"src\": \"$GEN/mib.bin\", \"dest\": \"$jroot\\\\http-mib.bin\"}"
	adhoc "$WORK/http-fetch.out" ansible.builtin.fetch \
	    -a "{\"src\": \"$jroot\\\\http-mib.bin\", \"dest\": \"$FETCHED/http-mib.bin\", \"flat\": true}"
	cmp "$GEN/mib.bin" "$TARGET/http-mib.bin" && cmp "$GEN/mib.bin" "$FETCHED/http-mib.bin" ||
		fail "the 1 MiB copy over HTTP differs"
	ok "win_ping, raw, win_copy and fetch (1 MiB, byte-exact) over HTTP"
	am "win_ping, raw, win_copy, fetch over HTTP (basic)"
fi

say "the daemon's side"
grep -q "Ansible's put_file, run natively" "$DLOG" || fail "no put_file in the daemon log"
grep -q "Ansible's $FETCH_HELPER, run natively" "$DLOG" || fail "no $FETCH_HELPER in the daemon log"
grep -Eq "Ansible module [a-z.]*win_copy run natively as $TEST_USER" "$DLOG" ||
	fail "no native win_copy in the daemon log"
grep -Eq "Ansible module [a-z.]*win_command run natively as $OTHER_USER" "$DLOG" ||
	fail "become did not run the module as $OTHER_USER"
grep -q "async job [0-9]* runs on its own" "$DLOG" || fail "no async job in the daemon log"
grep -q "run as $OTHER_USER refused" "$DLOG" || fail "the wrong become password was not refused by PAM"
ok "helpers and modules ran natively; become and async as described"

say "Ansible wrote nothing outside $WORK"
new=$( (find "$REAL_HOME/.ansible" -newer "$WORK/marker"
    find /tmp /var/tmp -maxdepth 1 -newer "$WORK/marker" -name 'ansible-*') 2>/dev/null)
[ -z "$new" ] || fail "Ansible wrote outside $WORK: $new"
left=$(find "/tmp/$REMOTE_TMP_NAME" -mindepth 1 -maxdepth 1 2>/dev/null |
    grep -v '/ansible-tmp-[0-9.]*-[0-9]*-[0-9]*$' | head -n 3)
[ -z "$left" ] || fail "unexpected files in /tmp/$REMOTE_TMP_NAME: $left"
ok "nothing new in $REAL_HOME/.ansible or /tmp (remote tmp: /tmp/$REMOTE_TMP_NAME)"

daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
for u in "$TEST_USER" "$OTHER_USER"; do
	pgrep -u "$u" >/dev/null &&
	    fail "processes of $u are left: $(ps -o pid,stat,args -u "$u")"
done
clients_done
echo "PASS: $TEST_NAME"
