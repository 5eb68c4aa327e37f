#!/bin/bash
# winrs_defaults.sh: the [Winrs] defaults are current Windows Server's
# (winrmd.conf(5)), with no [Winrs] key in the file:
#
#  - `winrm get winrm/config/winrs' (the config plugin) shows IdleTimeout
#    7200000, MaxConcurrentUsers, MaxProcessesPerShell and
#    MaxMemoryPerShellMB 2147483647 as Windows does, MaxShellsPerUser 100
#    (winrmd's bound)
#  - a command that starts 40 background jobs at once through pywinrm
#    (what a playbook's task may do): all 40 run, exit 0, no
#    "fork: retry" (with the old MaxProcessesPerShell = 25, pids.max 25,
#    bash failed to fork)
[ "${WRT_TEST_TIMEOUT:-0}" -ge 90 ] 2>/dev/null || export WRT_TEST_TIMEOUT=90
. "$(dirname "$0")/lib.sh"

[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
CONFIGPLUG=$STAGE$PLUGINDIR/config.so
[ -f "$CONFIGPLUG" ] || hard_error "the config plugin is not staged at $CONFIGPLUG"

make_group ADMINS
make_user ADMIN ADMIN_PASS -m -G "$ADMINS"
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Config]" "AdminGroups = $ADMINS" \
    "[Plugins]" "Directory = $STAGE$PLUGINDIR" "Load = shell config"
grep -Eq '^(MaxShellsPerUser|MaxProcessesPerShell|MaxMemoryPerShellMB|MaxConcurrentUsers|IdleTimeout) *=' "$CONF" &&
    hard_error "the test's file sets a [Winrs] limit: $(cat "$CONF")"
start_daemon

say "winrm get winrm/config/winrs: Windows Server's values"
envelope_file "$WORK/req.xml" --action http://schemas.xmlsoap.org/ws/2004/09/transfer/Get \
    --resource http://schemas.microsoft.com/wbem/wsman/1/config/winrs
st=$(post "$URL_HTTP4" "$WORK/req.xml" -u "$ADMIN:$ADMIN_PASS")
[ "$st" = 200 ] || fail "Get winrs: HTTP $st: $(head -c 600 "$RESP_BODY")"
got=$("$PY" - "$RESP_BODY" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
ns = {"cfg": "http://schemas.microsoft.com/wbem/wsman/1/config"}
w = ET.parse(sys.argv[1]).getroot().find(".//cfg:Winrs", ns)
print(" ".join("%s=%s" % (c.tag.rpartition("}")[2], c.text) for c in w))
PYEOF
) || fail "no cfg:Winrs: $(head -c 600 "$RESP_BODY")"
want="AllowRemoteShellAccess=true IdleTimeout=7200000 MaxConcurrentUsers=2147483647 MaxShellRunTime=2147483647 MaxProcessesPerShell=2147483647 MaxMemoryPerShellMB=2147483647 MaxShellsPerUser=100"
[ "$got" = "$want" ] || fail "cfg:Winrs: $got, expected $want"
ok "$got"

say "40 background jobs in one command (pywinrm run_cmd)"
with_timeout 60 "$PY" - "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" >"$WORK/jobs.out" 2>&1 <<'PYEOF' ||
import sys, winrm
url, user, pw = sys.argv[1:4]
s = winrm.Session(url, auth=(user, pw), transport="plaintext")
script = ('n=0; for i in $(seq 40); do sleep 2 & n=$((n + 1)); done; '
          'echo started=$n running=$(jobs -rp | wc -l); wait; echo done')
r = s.run_cmd("bash", ["-c", "'%s'" % script])
out, err = r.std_out.decode(), r.std_err.decode()
print("rc=%d out=%r err=%r" % (r.status_code, out, err))
if r.status_code != 0 or "started=40 running=40" not in out or \
        "done" not in out or "fork" in err:
    sys.exit("40 background jobs failed")
PYEOF
fail "$(cat "$WORK/jobs.out")"
ok "$(cat "$WORK/jobs.out")"

daemon_alive || fail "the daemon died"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
