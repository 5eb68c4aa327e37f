#!/bin/bash
# hardening_login.sh: an account whose login shell is not a valid login
# shell gets no process of any kind (issue 12 item 2; winrmd(8), LOGIN
# SHELLS).  HTTPS Basic; the shell and cim plugins, the win32 provider,
# the staged winrmd-native.  Two accounts: NOLOGIN (/usr/sbin/nologin)
# and ODD (a copy of dash under /tmp, not in /etc/shells).
#
#  1. NOLOGIN: pywinrm's run_cmd, a raw shell Create, Win32_Process.Create
#     are all w:AccessDenied naming /usr/sbin/nologin
#  2. ODD: Create and Win32_Process.Create are AccessDenied ("is not
#     listed in /etc/shells").  With its shell added to /etc/shells
#     (add-shell) it gets a shell and runs a command; with the shell
#     removed again, that open shell's commands are refused by the spawn
#     service itself: a command through the user's shell, one with
#     WINRS_SKIP_CMD_SHELL, Ansible's mkdtemp helper (winrmd-native) are
#     AccessDenied, and Ansible's win_ping bootstrap with its payload
#     fails the module ({"failed": true, ...} naming the shell)
#  3. Ansible: -m raw and -m win_ping as NOLOGIN fail; win_ping as the
#     test user with become_user NOLOGIN (become_method runas, the right
#     password) fails naming the shell
# Throughout, the daemon's spawn counter moves only for ODD's one allowed
# command, and no process of NOLOGIN ever shows in /proc (polled every
# 20 ms).
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"

CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
NATIVE=$(find "$STAGE" -path '*/winrmd/winrmd-native' -type f 2>/dev/null | head -n 1)
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
[ -f "$CIMPLUG" ] || hard_error "the cim plugin is not staged at $CIMPLUG"
[ -f "$WIN32PROV" ] || hard_error "the win32 provider is not staged at $WIN32PROV"
[ -x "$NATIVE" ] || hard_error "winrmd-native is not staged under $STAGE"
command -v ansible >/dev/null || missing_tool "ansible is not installed"
command -v add-shell >/dev/null && command -v remove-shell >/dev/null ||
	missing_tool "add-shell/remove-shell (debianutils) are missing"
[ -x /usr/sbin/nologin ] || missing_tool "/usr/sbin/nologin is missing"

make_user NOLOGIN NOLOGIN_PASS
make_user ODD ODD_PASS
ODD_DIR=$(mktemp -d /tmp/wrt-shell.XXXXXX) || hard_error "mktemp"
chmod 755 "$ODD_DIR"
ODD_SHELL=$ODD_DIR/sh
cp /bin/dash "$ODD_SHELL" && chmod 755 "$ODD_SHELL" || hard_error "cp dash"
grep -qxF "$ODD_SHELL" /etc/shells && hard_error "$ODD_SHELL is in /etc/shells"
wrt_userdb usermod -s /usr/sbin/nologin "$NOLOGIN" || hard_error "usermod"
wrt_userdb usermod -s "$ODD_SHELL" "$ODD" || hard_error "usermod"
MONITOR_PID=

login_cleanup() {
	local rc=$? u pids
	[ -z "$MONITOR_PID" ] || kill "$MONITOR_PID" 2>/dev/null
	remove-shell "$ODD_SHELL" 2>/dev/null
	for u in "$TEST_USER" "$NOLOGIN" "$ODD"; do
		pids=$(pgrep -u "$u")
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	done
	rm -rf "$ODD_DIR"
	(exit $rc)
	wrt_cleanup
}
trap login_cleanup EXIT

# every process of NOLOGIN that ever shows, polled
( while :; do pgrep -u "$NOLOGIN" -a; sleep 0.02; done ) >"$WORK/nologin.ps" 2>/dev/null &
MONITOR_PID=$!

write_config "[Auth]" "Basic = true" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell cim" \
    "[CIM]" "Providers = $WIN32PROV" "[Winrs]" "NativeHelper = $NATIVE"
start_daemon

phase() {	# phase NAME: the Python below
	with_timeout 100 "$PY" - "$1" "$URL_HTTPS4" "$NOLOGIN" "$NOLOGIN_PASS" \
	    "$ODD" "$ODD_PASS" "$ODD_SHELL" "$top_srcdir/tests/data/ansible" \
	    <"$WORK/phases.py" || fail "see above"
}
spawned() {	# the daemon's spawn counter
	counters >/dev/null
	echo "$C_spawned"
}

cat >"$WORK/phases.py" <<'EOF'
import base64, json, re, sys
import cim_common as cc, shell_common as sc, wsman
from shell_common import check

phase, url, nl, nl_pw, odd, odd_pw, odd_shell, data = sys.argv[1:9]
ACCESS_DENIED = "5"
PROC = cc.CIMV2 + "Win32_Process"

def ok(m):
    print("   ok: " + m, flush=True)

def denied(r, what, text):
    f = r.fault()
    check(f and f["wsmanfault_code"] == ACCESS_DENIED and text in f["reason"],
          "%s: %s" % (what, sc.describe(r)))
    return f["reason"]

def create_denied(user, pw, text):
    s = sc.RawShell(url, user, pw)
    return denied(s.post(sc.create_envelope()), "Create", text)

def win32_denied(user, pw, text):
    c = cc.Client(url, user, pw)
    return denied(c.invoke(PROC, "Create", [("CommandLine", "sleep 7702")]),
                  "Win32_Process.Create", text)

def nologin():
    import winrm
    s = sc.pywinrm_session(url, "basic", nl, nl_pw)
    try:
        r = s.run_cmd("sleep", ["7701"])
        raise sc.Fail("pywinrm run_cmd as %s: %r" % (nl, r.status_code))
    except sc.Fail:
        raise
    except Exception as e:
        check("/usr/sbin/nologin" in str(e), "pywinrm: %r" % e)
        ok("pywinrm run_cmd: %s" % type(e).__name__)
    why = create_denied(nl, nl_pw, "/usr/sbin/nologin")
    ok("Create: AccessDenied: %s" % why)
    ok("Win32_Process.Create: AccessDenied: %s"
       % win32_denied(nl, nl_pw, "/usr/sbin/nologin"))

def odd_unlisted():
    why = create_denied(odd, odd_pw, "is not listed in /etc/shells")
    ok("Create: AccessDenied: %s" % why)
    win32_denied(odd, odd_pw, "is not listed in /etc/shells")
    ok("Win32_Process.Create: AccessDenied")

def odd_listed():
    s = sc.RawShell(url, odd, odd_pw)
    s.create()
    out, err, code = s.run("id -un")
    check(out == (odd + "\n").encode(), "id -un: %r %r" % (out, err))
    ok("with %s in /etc/shells: a shell, and id -un runs" % odd_shell)
    with open("shell-id", "w") as f:
        f.write(s.shell_id)

def ps_command(script):
    enc = base64.b64encode(script.encode("utf-16-le")).decode()
    return ("PowerShell", ("-NoProfile -NonInteractive -ExecutionPolicy "
                           "Unrestricted -EncodedCommand " + enc,))

def odd_removed():
    s = sc.RawShell(url, odd, odd_pw)
    with open("shell-id") as f:
        s.shell_id = f.read()
    text = "is not listed in /etc/shells"
    r = s.post(sc.command_envelope(s.shell_id, "sleep 7703"))
    ok("a command through the user's shell: AccessDenied: %s"
       % denied(r, "Command", text))
    r = s.post(sc.command_envelope(s.shell_id, "sleep", ("7704",), True))
    denied(r, "Command with WINRS_SKIP_CMD_SHELL", text)
    ok("WINRS_SKIP_CMD_SHELL: AccessDenied")
    with open(data + "/mkdtemp.ps1") as f:
        cmd, args = ps_command(f.read())
    r = s.post(sc.command_envelope(s.shell_id, cmd, args))
    denied(r, "Ansible's mkdtemp helper", text)
    ok("Ansible's mkdtemp helper (winrmd-native): AccessDenied")
    with open(data + "/win_ping-02-Command.xml") as f:
        xml = f.read()
    cmd = re.search(r"<rsp:Command>(.*?)</rsp:Command>", xml).group(1)
    args = re.search(r"<rsp:Arguments>(.*?)</rsp:Arguments>", xml).group(1)
    cid = s.command(cmd, (args,))
    with open(data + "/win_ping.stdin", "rb") as f:
        s.send(cid, f.read(), end=True)
    out, err, code = s.collect(cid)
    res = json.loads(out)
    check(code == 1 and res.get("failed") and odd_shell in res.get("msg", ""),
          "win_ping: %d %r %r" % (code, out, err))
    ok("Ansible's win_ping (bootstrap and payload): the module fails: %s"
       % res["msg"])
    s.expect_ok(s.delete(), "Delete")

try:
    {"nologin": nologin, "odd-unlisted": odd_unlisted,
     "odd-listed": odd_listed, "odd-removed": odd_removed}[phase]()
except sc.Fail as e:
    print("FAIL: %s" % e, file=sys.stderr)
    sys.exit(1)
EOF
cd "$WORK" || hard_error "cd $WORK"

say "1. $NOLOGIN, login shell /usr/sbin/nologin"
n0=$(spawned)
phase nologin
[ "$(spawned)" = "$n0" ] || fail "the daemon spawned a process for $NOLOGIN"
grep -q "shell: Create for $NOLOGIN from .* refused: the login shell of $NOLOGIN (/usr/sbin/nologin) refuses logins" "$DLOG" ||
    fail "no log line for the refused Create"
grep -q "Win32_Process.Create as $NOLOGIN refused" "$DLOG" ||
    fail "no log line for the refused Win32_Process.Create"
ok "nothing spawned; refusals logged"

say "2. $ODD, login shell $ODD_SHELL (not in /etc/shells)"
phase odd-unlisted
add-shell "$ODD_SHELL" || hard_error "add-shell"
phase odd-listed
n1=$(spawned)
remove-shell "$ODD_SHELL" || hard_error "remove-shell"
phase odd-removed
[ "$(spawned)" = "$n1" ] || fail "the daemon spawned a process for $ODD once its shell was unlisted"
grep -q "spawn: no process for $ODD: the login shell of $ODD ($ODD_SHELL) is not listed in /etc/shells" "$DLOG" ||
    fail "no log line from the spawn service"
ok "nothing spawned once the shell was unlisted; the spawn service logged it"

say "3. Ansible"
mkdir -p "$WORK/home" "$WORK/ansible-home" "$WORK/ansible-tmp"
: >"$WORK/ansible.cfg"
export HOME=$WORK/home ANSIBLE_HOME=$WORK/ansible-home \
    ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_CONFIG=$WORK/ansible.cfg \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 \
    ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_SYSTEM_WARNINGS=False \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY ANSIBLE_LOG_PATH
cat >"$WORK/inventory" <<EOT
[targets]
target ansible_host=127.0.0.1

[targets:vars]
ansible_connection=winrm
ansible_port=$HTTPS_PORT
ansible_winrm_scheme=https
ansible_winrm_transport=basic
ansible_winrm_server_cert_validation=ignore
EOT
adhoc() {	# adhoc USER PASS ARGS...: output in $WORK/ansible.out, status in $ARC
	local u=$1 p=$2
	shift 2
	LC_ALL=C.UTF-8 with_timeout 90 ansible -i "$WORK/inventory" target \
	    -e "ansible_user=$u" -e "ansible_password=$p" "$@" \
	    >"$WORK/ansible.out" 2>&1
	ARC=$?
	[ $ARC != 124 ] || fail "ansible $* was killed after 90 s"
}
n2=$(spawned)
adhoc "$NOLOGIN" "$NOLOGIN_PASS" -m raw -a 'sleep 7705'
[ $ARC != 0 ] || { cat "$WORK/ansible.out" >&2; fail "-m raw as $NOLOGIN succeeded"; }
grep -q "/usr/sbin/nologin" "$WORK/ansible.out" || { cat "$WORK/ansible.out" >&2; fail "-m raw: the reason is not shown"; }
ok "-m raw as $NOLOGIN: $(grep -o 'Access is denied[^"]*' "$WORK/ansible.out" | head -n 1)"
adhoc "$NOLOGIN" "$NOLOGIN_PASS" -m win_ping
[ $ARC != 0 ] || { cat "$WORK/ansible.out" >&2; fail "-m win_ping as $NOLOGIN succeeded"; }
ok "-m win_ping as $NOLOGIN fails"
adhoc "$TEST_USER" "$TEST_PASS" -m win_ping -b --become-method runas \
    --become-user "$NOLOGIN" -e "ansible_become_password=$NOLOGIN_PASS"
[ $ARC != 0 ] || { cat "$WORK/ansible.out" >&2; fail "become $NOLOGIN succeeded"; }
grep -q "/usr/sbin/nologin" "$WORK/ansible.out" || { cat "$WORK/ansible.out" >&2; fail "become: the reason is not shown"; }
ok "win_ping as $TEST_USER, become $NOLOGIN: fails ($(grep -o 'the login shell of [^)]*)[^"]*' "$WORK/ansible.out" | head -n 1))"
[ "$(spawned)" = "$n2" ] || fail "the daemon spawned a process during the Ansible runs"
ok "nothing spawned"

kill "$MONITOR_PID" 2>/dev/null
wait "$MONITOR_PID" 2>/dev/null
MONITOR_PID=
[ ! -s "$WORK/nologin.ps" ] || fail "processes of $NOLOGIN showed: $(sort -u "$WORK/nologin.ps" | head)"
ok "no process of $NOLOGIN ever showed in /proc"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
