#!/bin/bash
# privsep.sh: privilege separation (issue 17 item 1, docs/DESIGN.md §8).
#  - the network part (the daemon's main pid: listeners, TLS, HTTP, SOAP,
#    plugins) runs as the system user winrmd: uid and gid not 0, no
#    capabilities, NoNewPrivs 1, Seccomp 2 on every thread; the monitor
#    (its child, winrmd-monitor) is root
#  - a user's command (pywinrm) runs as the user, a child of the network
#    part (the monitor cloned it with CLONE_PARENT), in the user's session
#  - the test-only trigger (SIGUSR2, built with --enable-test-hooks, as
#    scripts/run-tests builds) makes the network part try setuid(0),
#    open("/etc/shadow") and execve: each is refused, and afterwards the
#    same daemon, its monitor and a new client still work
#  - the test hook also asks the monitor to Terminate pid 1 as root, a
#    forged caller (PermitRoot is false): the monitor refuses the account
#  - Win32 methods that need root (docs/DESIGN.md §8, MON_TERMINATE):
#    Win32_Process.Terminate of a system account's process (daemon, whose
#    shell refuses logins) by an ordinary user -> ReturnValue 2, it lives;
#    by an administrator (a uid-0 account, PermitRoot = true) -> 0, it is
#    gone; an ordinary user's own process -> 0; the monitor logs each.
#    Win32_Service StopService runs systemctl as the caller, cloned by the
#    monitor (there is no systemd here: the test hooks point the provider
#    at the fake systemd of check_win32_service on a private bus, and at
#    the fake systemctl, which lets only root stop rootonly.service, as
#    polkit would): root -> 0, the ordinary user -> 2, both logged
#  - the network part ends: the monitor follows; the monitor ends (killed):
#    the network part logs it and exits non-zero, nothing restarts inside
#  - Negotiate is not asked here (auth_negotiate.sh and negotiate_clients.sh
#    run the monitor's acceptor); PrivilegeSeparation = false still starts a
#    single root process (the fallback for hosts without the user)
. "$(dirname "$0")/lib.sh"

grep -q '^#define WINRMD_TEST_HOOKS 1' "$top_builddir/build.h" ||
    hard_error "this build has no test hooks: configure --enable-test-hooks (scripts/run-tests does)"
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
NET=$DAEMON_PID
WUID=$(id -u winrmd)

# field NAME PID: a /proc/PID/status field's value
field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$2/status"; }

say "the network part (pid $NET): the user winrmd, no capabilities, no_new_privs, seccomp"
uids=$(field Uid "$NET")
[ "$uids" = "$WUID $WUID $WUID $WUID" ] ||
    fail "the network part's Uid line is '$uids', not $WUID four times"
gids=$(field Gid "$NET" | awk '{print $1, $2, $3, $4}')
case " $gids " in *" 0 "*) fail "the network part has gid 0: $gids" ;; esac
[ -z "$(field Groups "$NET")" ] || fail "the network part has groups: $(field Groups "$NET")"
for t in /proc/"$NET"/task/*; do
	tid=${t##*/}
	for f in CapEff CapPrm CapInh CapAmb; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "$t/status")
		[ "$v" = 0000000000000000 ] || fail "thread $tid: $f is $v"
	done
	[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$t/status")" = 1 ] ||
	    fail "thread $tid: NoNewPrivs is not 1"
	[ "$(awk '$1 == "Seccomp:" { print $2 }' "$t/status")" = 2 ] ||
	    fail "thread $tid: Seccomp is not 2 (filter)"
done
ok "uid $WUID, gids $gids, CapEff/CapPrm 0, NoNewPrivs 1, Seccomp 2 on its $(ls /proc/"$NET"/task | wc -l) threads"

MON=$(pgrep -P "$NET" -x winrmd-monitor | head -n 1)
[ -n "$MON" ] || fail "no winrmd-monitor child of $NET: $(ps -o pid,ppid,user,comm --ppid "$NET")"
[ "$(field Uid "$MON" | awk '{print $2}')" = 0 ] || fail "the monitor does not run as root"
[ "$(field Seccomp "$MON")" = 0 ] || fail "the monitor has a seccomp filter"
ok "the monitor: pid $MON, root, the network part's child"
grep -q "privsep: the network part runs as winrmd (uid $WUID), pid $NET; the monitor is pid $MON" "$DLOG" ||
    fail "no privsep line in the log"

# run_cmd TAG: a pywinrm command (Basic over HTTP on loopback) that prints
# who it is and its parent's pid, into $WORK/TAG.out
run_cmd() {
	"$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$WRT_HERE" >"$WORK/$1.out" 2>&1 <<'EOF'
import sys
sys.path.insert(0, sys.argv[4])
import shell_common as sc
s = sc.pywinrm_session(sys.argv[1], "plaintext", sys.argv[2], sys.argv[3])
r = s.run_cmd("echo", ["user=$(id -un)", "ppid=$PPID", "shadow=$(head -c 1 /etc/shadow 2>&1 >/dev/null | wc -c)"])
print(r.std_out.decode().strip(), "code=%d" % r.status_code)
EOF
}

say "a command: run as the user, a child of the network part"
run_cmd before || fail "pywinrm: $(cat "$WORK/before.out")"
grep -q "^user=$TEST_USER ppid=$NET shadow=[1-9][0-9]* code=0$" "$WORK/before.out" ||
    fail "the command's answer: $(cat "$WORK/before.out") (expected user=$TEST_USER ppid=$NET, /etc/shadow unreadable)"
ok "$(cat "$WORK/before.out")"

say "the network part tries to escape (SIGUSR2, the test hook)"
kill -USR2 "$NET"
wait_log "test hook: execve" 5 || fail "the test hook did not run (no log line)"
grep -q "test hook: setuid(0): Operation not permitted" "$DLOG" ||
    fail "setuid(0): $(grep 'test hook: setuid' "$DLOG")"
grep -Eq "test hook: open\(/etc/shadow\): Permission denied" "$DLOG" ||
    fail "open(/etc/shadow): $(grep 'test hook: open' "$DLOG")"
grep -q "test hook: execve(/bin/true): Operation not permitted" "$DLOG" ||
    fail "execve: $(grep 'test hook: execve' "$DLOG")"
grep -q "test hook: terminate as root: Operation not permitted" "$DLOG" &&
    grep -q "monitor: no terminate for root: " "$DLOG" ||
    fail "a forged root's Terminate: $(grep -i 'terminate' "$DLOG")"
grep -q "ALLOWED" "$DLOG" && fail "the sandbox let something through: $(grep ALLOWED "$DLOG")"
ok "setuid(0), open(/etc/shadow) and execve refused; the monitor refused a forged root's Terminate"

daemon_alive || fail "the network part died"
kill -0 "$MON" 2>/dev/null || fail "the monitor died"
run_cmd after || fail "pywinrm after the escape attempts: $(cat "$WORK/after.out")"
grep -q "^user=$TEST_USER ppid=$NET .*code=0$" "$WORK/after.out" ||
    fail "the command's answer afterwards: $(cat "$WORK/after.out")"
ok "the same network part ($NET) and monitor ($MON) still serve: $(cat "$WORK/after.out")"

say "the network part ends: the monitor follows, nothing is restarted"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon's exit status: $DAEMON_RC"
for i in $(seq 1 100); do
	kill -0 "$MON" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$MON" 2>/dev/null && fail "the monitor $MON outlived the network part"
ok "the monitor exited with the network part"

say "the monitor ends: the network part logs it and exits (systemd restarts)"
start_daemon
MON=$(pgrep -P "$DAEMON_PID" -x winrmd-monitor | head -n 1)
[ -n "$MON" ] || fail "no monitor after the restart"
kill -KILL "$MON"
for i in $(seq 1 100); do
	daemon_alive || break
	sleep 0.05
done
daemon_alive && fail "the network part outlived its monitor by 5 s"
grep -q "privsep: the monitor is gone: exiting" "$DLOG" ||
    fail "no log line for the monitor's end: $(tail -n 3 "$DLOG")"
wait "$DAEMON_PID"
DAEMON_RC=$?
DAEMON_PID=
[ "$DAEMON_RC" != 0 ] || fail "the network part exited with 0 after losing its monitor"
ok "exit status $DAEMON_RC, logged"

say "Win32 methods that need root: Terminate and StopService through the monitor"
CIMPLUG=$STAGE$PLUGINDIR/cim.so
WIN32PROV=$STAGE$PREFIX/lib/winrmd/providers/win32.so
[ -f "$CIMPLUG" ] && [ -f "$WIN32PROV" ] || hard_error "the cim plugin or the win32 provider is not staged"
make_user ADM ADM_PASS -o -u 0 -M -d "/nonexistent-$TEST_NAME"
write_config "[Service]" "AllowUnencrypted = true" \
    "[Auth]" "Basic = true" "PermitRoot = true" \
    "[Plugins]" "Load = $CIMPLUG" "[CIM]" "Providers = $WIN32PROV"
# systemd on a private bus, and its stand-ins (the network part reads them)
mkdir "$WORK/bus" && chmod 0755 "$WORK/bus"
install -m 0755 "$top_srcdir/tests/data/win32/fake-systemctl" "$WORK/fake-systemctl"
"$top_builddir/tests/unit/fake_systemd" "$WORK/bus" >"$WORK/bus.addr" 2>"$WORK/bus.err" &
BUS_PID=$!
for i in $(seq 1 100); do
	[ -s "$WORK/bus.addr" ] && break
	kill -0 "$BUS_PID" 2>/dev/null || break
	sleep 0.05
done
[ -s "$WORK/bus.addr" ] || hard_error "the fake systemd did not start: $(cat "$WORK/bus.err")"
DBUS_SYSTEM_BUS_ADDRESS=$(cat "$WORK/bus.addr") WINRMD_TEST_W32_SYSTEMD=$WORK/bus \
    WINRMD_TEST_W32_SYSTEMCTL=$WORK/fake-systemctl start_daemon
setpriv --reuid=daemon --regid=daemon --clear-groups sleep 4331 </dev/null >/dev/null 2>&1 &
SYS_PID=$!
setpriv --reuid="$TEST_USER" --regid="$(id -g "$TEST_USER")" --clear-groups \
    sleep 4332 </dev/null >/dev/null 2>&1 &
OWN_PID=$!
with_timeout 60 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$ADM" "$ADM_PASS" \
    "$SYS_PID" "$OWN_PID" <<'PYEOF'
import os, sys, time, cim_common as cc
from cim_common import check, expect_ok, prop
url, user, pw, adm, adm_pw, sys_pid, own_pid = sys.argv[1:8]
PROC = cc.CIMV2 + "Win32_Process"
SVC = cc.CIMV2 + "Win32_Service"

def rv(c, uri, method, sel):
    r = c.invoke(uri, method, [("Reason", "0")] if uri == PROC else [], sel)
    expect_ok(r, "%s %s" % (method, sel))
    return prop(list(r.root.find("s:Body", cc.NS))[0], "ReturnValue")

def gone(pid):
    # killed: gone, or a zombie until the test's shell reaps it
    for _ in range(50):
        try:
            if open("/proc/%s/stat" % pid).read().rsplit(") ", 1)[1][0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False

def main():
    u, a = cc.Client(url, user, pw), cc.Client(url, adm, adm_pw)
    v = rv(u, PROC, "Terminate", {"Handle": sys_pid})
    check(v == "2", "the user's Terminate of daemon's process: ReturnValue %r" % v)
    time.sleep(0.2)
    check(os.path.exists("/proc/%s/stat" % sys_pid) and
          open("/proc/%s/stat" % sys_pid).read().rsplit(") ", 1)[1][0] != "Z",
          "the user killed daemon's process")
    v = rv(u, PROC, "Terminate", {"Handle": own_pid})
    check(v == "0" and gone(own_pid), "the user's Terminate of his own process: %r" % v)
    v = rv(a, PROC, "Terminate", {"Handle": sys_pid})
    check(v == "0" and gone(sys_pid), "root's Terminate of daemon's process: %r" % v)
    print("   ok: Terminate of daemon's process: the user 2 (it lives), root 0 (gone); the user's own 0")
    v = rv(u, SVC, "StopService", {"Name": "rootonly"})
    check(v == "2", "the user's StopService: ReturnValue %r" % v)
    v = rv(a, SVC, "StopService", {"Name": "rootonly"})
    check(v == "0", "root's StopService: ReturnValue %r" % v)
    print("   ok: StopService of rootonly: the user 2, root 0")

cc.run(main)
PYEOF
rc=$?
kill "$SYS_PID" "$OWN_PID" "$BUS_PID" 2>/dev/null
wait "$SYS_PID" "$OWN_PID" "$BUS_PID" 2>/dev/null
[ $rc = 0 ] || fail "see above"
DUID=$(id -u daemon)
grep -q "monitor: terminate pid $SYS_PID (uid $DUID) for $ADM (uid 0): killed" "$DLOG" ||
    fail "no monitor line for root's Terminate: $(grep -i 'terminate' "$DLOG")"
grep -q "monitor: terminate pid $OWN_PID (uid $TEST_UID) for $TEST_USER (uid $TEST_UID): killed" "$DLOG" ||
    fail "no monitor line for the user's Terminate: $(grep -i 'terminate' "$DLOG")"
grep -q "win32: Win32_Process.Terminate $SYS_PID (uid $DUID) by $TEST_USER: access denied" "$DLOG" ||
    fail "no line for the user's refused Terminate: $(grep 'Terminate' "$DLOG")"
grep -q "win32: Win32_Service stop rootonly.service as $TEST_USER: ReturnValue 2: Failed to stop rootonly.service: Interactive authentication required." "$DLOG" &&
    grep -q "win32: Win32_Service stop rootonly.service as $ADM: ReturnValue 0" "$DLOG" ||
    fail "the StopService lines: $(grep 'Win32_Service' "$DLOG")"
ok "each logged: who, what, the result"
stop_daemon

say "PrivilegeSeparation = false: one root process, as before"
write_config "[Service]" "AllowUnencrypted = true" "PrivilegeSeparation = false" \
    "[Auth]" "Basic = true" "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
[ "$(field Uid "$DAEMON_PID" | awk '{print $2}')" = 0 ] || fail "not root without privsep"
[ -z "$(pgrep -P "$DAEMON_PID" -x winrmd-monitor)" ] || fail "a monitor without privsep"
run_cmd single || fail "pywinrm: $(cat "$WORK/single.out")"
grep -q "^user=$TEST_USER ppid=$DAEMON_PID .*code=0$" "$WORK/single.out" ||
    fail "the command's answer: $(cat "$WORK/single.out")"
ok "$(cat "$WORK/single.out")"
stop_daemon

echo "PASS: $TEST_NAME"
