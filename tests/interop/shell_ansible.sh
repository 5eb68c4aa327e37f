#!/bin/bash
# shell_ansible.sh: ansible-core's winrm connection (pywinrm underneath,
# Basic over HTTPS, certificate not checked) against the WinRS plugin:
#
#  - ansible -m raw -a 'uname -s' -> CHANGED, rc=0, Linux (the PowerShell
#    -EncodedCommand wrapper decoded and run by the user's shell)
#  - a raw command that fails (exit 4) -> FAILED, rc=4
#  - a playbook (gather_facts: false) with two raw tasks -> failed=0
#  - ansible -m win_ping: answered natively by winrmd-native (pong)
#  - a module winrmd does not implement (win_regedit) fails at once with
#    the daemon's message, not a hang (tests/clients/ansible_site.sh has
#    the whole Ansible suite)
# Ansible writes only under $WORK (HOME, ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP).
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
command -v ansible >/dev/null || missing_tool "ansible is not installed"
command -v ansible-playbook >/dev/null || missing_tool "ansible-playbook is not installed"
for pw in /usr/bin/pwsh /usr/local/bin/pwsh /opt/microsoft/powershell/7/pwsh /snap/bin/pwsh; do
	[ -x "$pw" ] && missing_tool "$pw is installed: win_ping would really run"
done

mkdir -p "$WORK/home" "$WORK/ansible-home" "$WORK/ansible-tmp"
REAL_HOME=$(getent passwd "$(id -un)" | cut -d: -f6)
touch "$WORK/marker"
: >"$WORK/ansible.cfg"
export HOME=$WORK/home ANSIBLE_HOME=$WORK/ansible-home \
    ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_CONFIG=$WORK/ansible.cfg \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_SYSTEM_WARNINGS=False \
    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOAD_CALLBACK_PLUGINS=False \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY ANSIBLE_LOG_PATH
cd "$WORK" || hard_error "cd $WORK"

NATIVE=$(find "$STAGE" -path '*/winrmd/winrmd-native' -type f 2>/dev/null | head -n 1)
[ -x "$NATIVE" ] || hard_error "winrmd-native is not staged under $STAGE"
write_config "[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)" \
    "[Winrs]" "NativeHelper = $NATIVE"
start_daemon

cat >"$WORK/inventory" <<EOT
[targets]
target ansible_host=127.0.0.1

[targets:vars]
ansible_connection=winrm
ansible_port=$HTTPS_PORT
ansible_winrm_scheme=https
ansible_winrm_transport=basic
ansible_winrm_server_cert_validation=ignore
ansible_user=$TEST_USER
ansible_password=$TEST_PASS
EOT

OUT=$WORK/ansible.out
run_ansible() {	# run_ansible CMD ARGS...: output in $OUT, status in $ARC, time in $AMS
	local t0=$(date +%s%N)
	LC_ALL=C.UTF-8 with_timeout 90 "$@" >"$OUT" 2>&1
	ARC=$?
	AMS=$((($(date +%s%N) - t0) / 1000000))
	[ $ARC = 124 ] && { cat "$OUT" >&2; fail "$1 was killed after 90 s"; }
	return 0
}

say "ansible -m raw -a 'uname -s'"
run_ansible ansible -i "$WORK/inventory" target -m raw -a 'uname -s'
cat "$OUT" | sed 's/^/   | /'
[ $ARC = 0 ] || fail "ansible raw uname -s exited $ARC"
grep -Eq '^target \| CHANGED \| rc=0 >>' "$OUT" || fail "no 'target | CHANGED | rc=0'"
grep -qx 'Linux' "$OUT" || fail "uname -s did not print Linux"
ok "Linux, rc=0 ($AMS ms)"

say "ansible -m raw -a 'exit 4'"
run_ansible ansible -i "$WORK/inventory" target -m raw -a 'echo about to fail; exit 4'
cat "$OUT" | sed 's/^/   | /'
[ $ARC != 0 ] || fail "ansible did not fail for exit 4"
grep -Eq '^target \| FAILED \| rc=4 >>' "$OUT" || fail "no 'target | FAILED | rc=4'"
grep -q 'about to fail' "$OUT" || fail "the failed command's output is missing"
ok "FAILED, rc=4 (ansible exit $ARC)"

say "ansible-playbook: gather_facts false, two raw tasks"
cat >"$WORK/play.yml" <<'EOT'
- hosts: targets
  gather_facts: false
  tasks:
    - name: who am I
      raw: id -un
      register: who
    - name: the first task's output is the user
      raw: test "{{ who.stdout_lines[0] }}" = "$(id -un)" && echo "same user"
      register: same
    - name: check
      assert:
        that:
          - "'same user' in same.stdout"
EOT
run_ansible ansible-playbook -i "$WORK/inventory" "$WORK/play.yml"
cat "$OUT" | sed 's/^/   | /'
[ $ARC = 0 ] || fail "ansible-playbook exited $ARC"
grep -Eq '^target +: ok=3 +changed=2 +unreachable=0 +failed=0' "$OUT" ||
    fail "PLAY RECAP is not ok=3 changed=2 unreachable=0 failed=0"
ok "PLAY RECAP failed=0 ($AMS ms)"

say "ansible -m win_ping: answered natively"
run_ansible ansible -i "$WORK/inventory" target -m win_ping
cat "$OUT" | sed 's/^/   | /'
[ $ARC = 0 ] || fail "win_ping exited $ARC"
grep -Eq '^target \| SUCCESS' "$OUT" || fail "win_ping is not reported SUCCESS"
grep -q '"ping": "pong"' "$OUT" || fail "win_ping did not answer pong"
grep -Eq "Ansible module [a-z.]*win_ping run natively as $TEST_USER" "$DLOG" ||
    fail "the daemon did not run win_ping natively"
ok "SUCCESS, pong ($AMS ms)"

say "a module winrmd does not implement: fails at once with the daemon's message"
run_ansible ansible -i "$WORK/inventory" target -m ansible.windows.win_regedit \
    -a 'path=HKCU:\Software\x name=y data=1'
cat "$OUT" | sed 's/^/   | /'
[ $ARC != 0 ] || fail "win_regedit succeeded without a PowerShell engine?"
grep -Eq '^target \| FAILED' "$OUT" || fail "win_regedit is not reported FAILED"
grep -q 'win_regedit is not implemented natively by winrmd' "$OUT" ||
    fail "the daemon's message is not in Ansible's output"
# the task timeout is far away: the module must not wait for anything
[ $AMS -lt 20000 ] || fail "win_regedit took $AMS ms to fail"
grep -q "Ansible module not run: ansible.windows.win_regedit is not implemented" "$DLOG" ||
    fail "the daemon did not log the refused module"
ok "FAILED after $AMS ms: $(grep -o 'win_regedit is not implemented natively by winrmd[^;]*' "$OUT" | head -n 1)"

say "Ansible wrote nothing outside $WORK"
new=$( (find "$REAL_HOME/.ansible" -newer "$WORK/marker"
    find /tmp /var/tmp -maxdepth 1 -newer "$WORK/marker" -name 'ansible-*') 2>/dev/null)
[ -z "$new" ] || fail "Ansible wrote outside $WORK: $new"
ok "nothing new in $REAL_HOME/.ansible, no new ansible-* in /tmp or /var/tmp"

daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
pgrep -u "$TEST_USER" >/dev/null &&
    fail "processes of $TEST_USER are left: $(ps -o pid,stat,args -u "$TEST_USER")"
echo "PASS: $TEST_NAME"
