#!/bin/bash
# pypsrp_psrp.sh: the client matrix's pypsrp (PyPI) over PowerShell
# remoting (PSRP, .../powershell/Microsoft.PowerShell), Basic over HTTP
# and HTTPS: Client.execute_ps, RunspacePool and PowerShell pipelines (the
# script runs in the user's shell), input objects, the runspace's state
# between pipelines, two pipelines at once, a pool Receive left waiting
# on another connection beside them, stop(), a SecureString
# argument, the pool calls, copy/fetch with checksums, execute_cmd still
# on WinRS, an unknown configuration refused, and another user's pool
# invisible (tests/clients/pypsrp_psrp_client.py says what each proves);
# the login session and shell started ahead for a user's next pool: taken
# with the pool's marker, at most MaxSparePools, dropped when untaken.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

make_user USER2 PASS2
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
driver() {
	with_timeout 300 "$CLIENTS_VENV/bin/python" \
	    "$WRT_TEST_HERE/pypsrp_psrp_client.py" "$@" >"$OUT" 2>&1 ||
		fail "pypsrp $1 over $scheme: $(tail -n 12 "$OUT")"
}
for url in "$URL_HTTP4" "$URL_HTTPS4"; do
	scheme=${url%%:*}
	say "pypsrp $version PSRP over ${scheme^^}"
	copy=0
	[ "$scheme" = https ] && copy=5
	driver run "$url" "$TEST_USER" "$TEST_PASS" --copy-mb "$copy"
	grep '^time ' "$OUT" | sed 's/^/   /'
	for op in execute_ps "execute_ps environment" execute_cmd \
	    "add_script add_cmdlet" "input objects" "runspace state" \
	    "two pipelines at once" "pool receive waiting" "pool calls" stop \
	    SecureString \
	    "unknown configuration"; do
		grep -qx "ok $op" "$OUT" || fail "pypsrp over $scheme: no '$op': $(cat "$OUT")"
		ok "$op"
	done
	matrix pypsrp "$version" PyPI \
	    "PSRP Client.execute_ps (output, error records, environment), basic over ${scheme^^}" \
	    "PSRP RunspacePool + PowerShell add_script/add_cmdlet, input objects, cwd/env/\$LASTEXITCODE kept, over ${scheme^^}" \
	    "PSRP two pipelines at once, stop(), SecureString argument, pool calls, over ${scheme^^}"
	if [ "$copy" != 0 ]; then
		grep -qx "ok copy fetch" "$OUT" || fail "pypsrp copy/fetch: $(cat "$OUT")"
		ok "copy/fetch of $copy MB with checksum"
		matrix pypsrp "$version" PyPI "PSRP Client.copy/fetch of $copy MB, over ${scheme^^}"
	fi
done
say "another user's pool"
scheme=http
driver other "$URL_HTTP4" "$TEST_USER" "$TEST_PASS" "$USER2" "$PASS2"
grep -qx "ok other user refused" "$OUT" || fail "other user: $(cat "$OUT")"
ok "Receive, Signal, Send, Delete of another user's pool refused"
matrix pypsrp "$version" PyPI "PSRP another user's pool refused"
grep -qx "ok bad input refused" "$OUT" || fail "bad input: $(cat "$OUT")"
grep -q "psrp: pipeline .* fragment refused" "$DLOG" ||
    fail "the bad pipeline fragment was not logged"
grep -q "psrp: pool .* fragment refused" "$DLOG" ||
    fail "the bad pool fragment was not logged"
ok "truncated fragments refused with InvalidParameter and logged"
grep -qx "ok held input bounded" "$OUT" || fail "held input: $(cat "$OUT")"
grep -q "psrp: a Send of .* refused: .* (MaxStdinPerUserMB)" "$DLOG" ||
    fail "the held input's refusal was not logged"
ok "a message that never ends is held up to MaxStdinPerUserMB (QuotaLimit, logged)"
grep -Eq "psrp: pipeline .* of $TEST_USER ended" "$DLOG" || fail "no pipeline in the log"
# the warm process: none for a pool that ran one pipeline (execute_ps: the
# Delete comes next), and one for the later pipelines of a pool in use
read -r one warm <<<"$(awk '
	/psrp: pipeline .* started in pool / {
		for (i = 1; i < NF; i++) if ($i == "pool") { n[$(i + 1)]++; break }
	}
	/psrp: pool .*: warm process [0-9]+/ {
		for (i = 1; i < NF; i++) if ($i == "pool") { w[$(i + 1)]++; break }
	}
	END {
		for (p in n) {
			if (n[p] == 1 && w[p] > 0) one++
			if (n[p] >= 3 && w[p] > 0) warm++
		}
		print one + 0, warm + 0
	}' "$DLOG")"
[ "$one" = 0 ] || fail "$one pools that ran one pipeline started a warm process"
[ "$warm" -ge 1 ] || fail "no pool of three pipelines or more started a warm process"
ok "no warm process for a pool of one pipeline; $warm pools in use had one"
grep -q "session configuration No.Such.Config" "$DLOG" ||
    fail "the unknown configuration was not logged"
# the pools' warm processes, killed whenever a runspace changed and at the
# pools' ends, are reaped through their pidfd's watch: no zombie is left
# (PID 1 may not reap what the daemon leaves)
grep -Eq "psrp: pool .* warm process [0-9]+" "$DLOG" || fail "no warm process was started"
grep -Eq "psrp: pipeline .* started in pool .* warm\)" "$DLOG" ||
    fail "no pipeline took a warm process"
zombie_children() {
	local f st
	for f in /proc/[0-9]*/stat; do
		st=$(sed 's/^.*) //' "$f" 2>/dev/null) || continue
		set -- $st
		[ "$1" = Z ] && [ "$2" = "$DAEMON_PID" ] && echo "${f%/stat}"
	done
}
for _ in $(seq 50); do
	z=$(zombie_children)
	[ -z "$z" ] && break
	sleep 0.1
done
[ -z "$z" ] || fail "zombie children of the daemon: $z"
ok "warm processes started, taken and killed; no zombie child of the daemon"

say "a login session and shell started ahead for a user's next pool"
# at most one spare in all here (MaxSparePools = 1), dropped 6 s untaken
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Winrs]" "MaxSparePools = 1" "SparePoolSeconds = 6" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
cat >"$WORK/ps.py" <<'EOF'
import sys
from pypsrp.client import Client
port = int(sys.argv[1].split(":")[2].split("/")[0])
c = Client("127.0.0.1", port=port, username=sys.argv[2], password=sys.argv[3],
           ssl=False, auth="basic", encryption="never")
out, streams, had_errors = c.execute_ps(sys.argv[4])
print(out.strip())
EOF
ps1() { "$CLIENTS_VENV/bin/python" "$WORK/ps.py" "$URL_HTTP4" "$@"; }
spare_procs() {	# this test's users' spare login shells: "uid pid" lines
	# (only theirs: other tests' daemons beside this one have spares too)
	ps -eo uid=,pid=,args= | awk -v u1="$(id -u "$TEST_USER")" \
	    -v u2="$(id -u "$USER2")" '($1 == u1 || $1 == u2) &&
	    /WINRMD-SPARE-/ && !/awk/ { print $1, $2 }'
}
ready_re() { echo "psrp: spare [0-9A-F-]+ of $1 from 127\.0\.0\.1 ready: login shell"; }
[ "$(ps1 "$TEST_USER" "$TEST_PASS" "echo one")" = one ] || fail "execute_ps 'echo one'"
wait_log "$(ready_re "$TEST_USER")" 10 || fail "no spare for $TEST_USER after its pool's Delete"
out=$(ps1 "$USER2" "$PASS2" "echo two") && [ "$out" = two ] || fail "execute_ps of $USER2: $out"
sleep 1
grep -Eq "$(ready_re "$USER2")" "$DLOG" &&
    fail "a second spare was started beside $TEST_USER's (MaxSparePools = 1)"
procs=$(spare_procs)
[ "$(echo "$procs" | grep -c .)" = 1 ] && [ "${procs%% *}" = "$(id -u "$TEST_USER")" ] ||
    fail "not one spare shell, $TEST_USER's: '$procs'"
ok "one spare in all: $TEST_USER's (pid ${procs#* }), none for $USER2"
out=$(ps1 "$TEST_USER" "$TEST_PASS" 'echo "$WINRMD_SHELL_ID $LASTEXITCODE $(pwd) $(nice)"') ||
    fail "execute_ps on the spare: $out"
took=$(grep -E "psrp: pool [0-9A-F-]+ of $TEST_USER took spare" "$DLOG" | tail -n 1)
pool=$(echo "$took" | grep -oE "pool [0-9A-F-]+" | cut -d' ' -f2)
[ -n "$pool" ] || fail "the next pool of $TEST_USER did not take the spare"
grep -Eq "psrp: pipeline [0-9A-F-]+ of $TEST_USER started in pool $pool \(pid ${procs#* }, warm\)" "$DLOG" ||
    fail "pool $pool's pipeline did not run in the spare's shell ${procs#* }"
# its shell was started from a worker thread, which runs below the
# daemon's priority: the user's processes have the daemon's nice value
[ "$out" = "$pool 0 $(getent passwd "$TEST_USER" | cut -d: -f6) $(ps -o ni= -p "$DAEMON_PID" | tr -d ' ')" ] ||
    fail "the spare's pipeline saw '$out', not the pool's marker, LASTEXITCODE 0, the home, the daemon's nice value"
ok "pool $pool took it: its marker, LASTEXITCODE 0, the home directory, the daemon's nice value"
# the pool's Delete started the next one; untaken, it goes after 6 s with
# its session, its shell ending at the end of its stdin (not killed)
wait_log "psrp: spare [0-9A-F-]+ of $TEST_USER .* not taken within SparePoolSeconds: dropped" 15 ||
    fail "the untaken spare was not dropped"
sid=$(grep -oE "psrp: spare [0-9A-F-]+ of $TEST_USER .* dropped" "$DLOG" | tail -n 1 | cut -d' ' -f3)
wait_log "session: closed for $TEST_USER from 127\.0\.0\.1 \(shell spare-$sid\)" 5 ||
    fail "spare $sid's session was not closed"
[ -z "$(spare_procs)" ] || fail "spare shells left after the drop: $(spare_procs)"
z=$(zombie_children)
[ -z "$z" ] || fail "zombie children of the daemon: $z"
ok "spare $sid dropped after 6 s: its shell ended, its session closed, no zombie"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
