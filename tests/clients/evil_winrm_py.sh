#!/bin/bash
# evil_winrm_py.sh: the client matrix's evil-winrm-py (PyPI, its own venv:
# tests/clients/requirements-evilwinrm.txt) as a person uses it, typing
# into its prompt in a tmux pane: NTLM over HTTP with its message
# encryption, as a non-root user; the prompt shows the runspace's
# directory; whoami; cd /tmp, then pwd shows /tmp and the prompt follows;
# Tab completes a directory (Unix path), a file name relative to the
# directory cd went to, and a command name; Get-Process
# | Select-Object -First 3 (objects from winrmd-native, a table of three
# rows); upload and download of 1 MB with
# sha256 compared, the uploaded file the user's; runexe refused as this
# host has no .NET; exit.  Each step waits for the pane to show what it
# expects (capture-pane polled), never a fixed sleep.
WRT_TEST_TIMEOUT=150
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_HERE/negotiate_lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -n "${CLIENTS_EWP_VENV:-}" ] && [ -e "$CLIENTS_EWP_VENV/.complete" ] ||
	hard_error "the evil-winrm-py venv ${CLIENTS_EWP_VENV:-} is not installed (scripts/install-clients)"
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"
command -v tmux >/dev/null || hard_error "tmux is missing (scripts/install-deps)"
version=$("$CLIENTS_EWP_VENV/bin/python" -c 'import importlib.metadata as m
print(m.version("evil-winrm-py"))') || hard_error "no evil-winrm-py in its venv"

write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "NTLMUserFile = $NTLM_FILE" \
    "[Plugins]" "Load = $(all_plugins_load)"
nego_ntlm_user "$TEST_USER" "$TEST_PASS"
start_daemon
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
# the user's directory for the transfers, outside the build tree
RDIR=$(mktemp -d /tmp/wrt-ewp.XXXXXX) || hard_error "mktemp"
mkdir "$RDIR/subdir-ewp-unique"
echo "notes of $TEST_USER" >"$RDIR/subdir-ewp-unique/notes-ewp.txt"
chown -R "$TEST_USER" "$RDIR"
TSOCK=$WORK/tmux.sock
# the tmux server is a daemon of its own: ended here, by its socket
trap 'rc=$?; tmux -S "$TSOCK" kill-server 2>/dev/null; rm -rf "$RDIR"; (exit $rc); wrt_cleanup' EXIT

# ------------------------------------------------------------- the pane
tm() { TERM=xterm tmux -S "$TSOCK" "$@"; }
PANE_LOG=$WORK/pane.txt
# the pane's lines, history included, without the empty rows below
pane() {
	tm capture-pane -p -J -S - -t ewp 2>/dev/null |
	    awk '{ l[NR] = $0 } NF { last = NR } END { for (i = 1; i <= last; i++) print l[i] }'
}
# lines shown since line $mark
since() { pane | tail -n +"$((mark + 1))"; }
# wait_for REGEX [SECONDS]: the pane shows a line matching REGEX after
# the mark (the last command)
wait_for() {
	local i n=$((${2:-20} * 20))
	for ((i = 0; i < n; i++)); do
		since | grep -Eq -- "$1" && return 0
		tm has-session -t ewp 2>/dev/null || break
		sleep 0.05
	done
	pane >"$PANE_LOG"
	fail "the pane never showed /$1/: $(tail -n 15 "$PANE_LOG")"
}
PROMPT='^evil-winrm-py PS (.*)> ?'
# type LINE: types it and Enter, after setting the mark
type_line() {
	mark=$(pane | wc -l)
	# the line being typed is the last one: count it out
	mark=$((mark - 1))
	tm send-keys -t ewp -l -- "$1"
	tm send-keys -t ewp Enter
}
# cmd LINE REGEX: the command's output matches, then a prompt follows
cmd() {
	type_line "$1"
	wait_for "$2"
	wait_prompt_after "$2"
}
# a prompt after the line matching REGEX: the command is over
wait_prompt_after() {
	local i
	for ((i = 0; i < 400; i++)); do
		since | awk -v re="$1" -v p="$PROMPT" '$0 ~ re { seen = 1; next }
		    seen && $0 ~ p { found = 1 } END { exit !found }' && return 0
		sleep 0.05
	done
	fail "no prompt after /$1/: $(since | tail -n 15)"
}

say "evil-winrm-py $version, NTLM over HTTP (sealed), as $TEST_USER"
mkdir -p "$WORK/chome" "$WORK/ctmp"
mark=0
tm -f /dev/null new-session -d -s ewp -x 200 -y 50 \
    "cd '$WORK' && env HOME='$WORK/chome' TMPDIR='$WORK/ctmp' TERM=xterm \
    '$CLIENTS_EWP_VENV/bin/evil-winrm-py' -i 127.0.0.1 --port $HTTP_PORT \
    -u '$TEST_USER' -p '$TEST_PASS' --no-colors; echo \"EWP-EXIT=\$?\" >'$WORK/ewp.rc'" ||
	hard_error "tmux new-session failed"
wait_for "^evil-winrm-py PS ${home}> ?$" 30
ok "login; the prompt shows the home directory ($home)"
grep -Eq "auth: Negotiate handshake of (WINRMD.)?$TEST_USER \(NTLM\) .* complete, sealing" "$DLOG" ||
	fail "the daemon did not log a sealed NTLM session"
grep -q "prompt (\$pwd.Path), served natively" "$DLOG" ||
	fail "the prompt was not served natively"

cmd whoami "^$TEST_USER\$"
ok "whoami: $TEST_USER"

type_line "cd /tmp"
wait_for "^evil-winrm-py PS /tmp> ?$"
cmd pwd '^/tmp$'
ok "cd /tmp, then pwd shows /tmp and the prompt PS /tmp>"

# tab TYPED COMPLETED: types TYPED and Tab, waits for the line to read
# COMPLETED, then Enter (which runs it, or only applies the completion:
# then the next Enter runs it, else it is an empty line)
tab() {
	mark=$(($(pane | wc -l) - 1))
	tm send-keys -t ewp -l -- "$1"
	tm send-keys -t ewp Tab
	wait_for "PS .*> $2 ?\$"
	tm send-keys -t ewp Enter
}
# a directory (cd: directories only) by its Unix path, then a command
tab "cd $RDIR/subdir-ewp" "cd $RDIR/subdir-ewp-unique"
tm send-keys -t ewp Enter
wait_for "^evil-winrm-py PS $RDIR/subdir-ewp-unique> ?\$"
ok "Tab completed cd $RDIR/subdir-ewp to the directory, and cd went there"
# a file name relative to the runspace's directory (where cd went)
tab "cat notes-e" "cat notes-ewp.txt"
since | grep -qx "notes of $TEST_USER" || tm send-keys -t ewp Enter
wait_for "^notes of $TEST_USER\$"
wait_prompt_after "^notes of $TEST_USER\$"
ok "Tab completed cat notes-e to the file in the runspace's directory"
tab whoam whoami
since | grep -qx "$TEST_USER" || tm send-keys -t ewp Enter
wait_for "^$TEST_USER\$"
wait_prompt_after "^$TEST_USER\$"
ok "Tab completed whoam to whoami (a command on the user's PATH)"

# the cmdlet: Process objects made by winrmd-native as the user, formatted
# by Out-String as PowerShell's table (ProcessName last), three rows
cmd "Get-Process | Select-Object -First 3" "ProcessName|not found|Error"
since | grep -Eq 'not found|Error' && fail "Get-Process: $(since | tail -n 5)"
rows=$(since | sed -n '/ProcessName *$/,$p' | grep -cE '^ *[0-9]+ .* [0-9]+ +[0-9]+ +[^ ]+ *$')
[ "$rows" -eq 3 ] || fail "Get-Process | Select-Object -First 3 gave $rows rows: $(since | tail -n 8)"
ok "Get-Process | Select-Object -First 3: a table of 3 processes"

# upload and download of 1 MB, sha256 compared
head -c 1048576 /dev/urandom >"$WORK/up.bin"
want=$(sha256sum <"$WORK/up.bin" | cut -d' ' -f1)
cmd "upload $WORK/up.bin $RDIR/up.bin" "File uploaded successfully as: .*up.bin|Error|mismatch"
since | grep -q "File uploaded successfully as: " || fail "upload: $(since | tail -n 5)"
[ "$(sha256sum <"$RDIR/up.bin" | cut -d' ' -f1)" = "$want" ] || fail "the uploaded file differs"
[ "$(stat -c %U "$RDIR/up.bin")" = "$TEST_USER" ] || fail "the uploaded file is not $TEST_USER's"
ok "upload of 1 MB: sha256 equal, the file is $TEST_USER's"
cmd "download $RDIR/up.bin $WORK/down.bin" "File downloaded successfully and saved as: |Error|mismatch|does not exist"
since | grep -q "File downloaded successfully and saved as: $WORK/down.bin" ||
	fail "download: $(since | tail -n 5)"
[ "$(sha256sum <"$WORK/down.bin" | cut -d' ' -f1)" = "$want" ] || fail "the downloaded file differs"
ok "download of 1 MB: sha256 equal"
grep -q "upload (last chunk), served natively" "$DLOG" || fail "the upload was not served natively"
grep -q "download, served natively" "$DLOG" || fail "the download was not served natively"

# runexe: .NET in memory is refused, saying why
printf 'MZ' >"$WORK/x.exe"
cmd "runexe $WORK/x.exe" "no .NET"
ok "runexe refused: this host has no .NET"

pane >"$PANE_LOG"	# kept with the work directory (WRT_KEEP=1, or a failure)
type_line exit
for ((i = 0; i < 200; i++)); do
	[ -s "$WORK/ewp.rc" ] && break
	sleep 0.05
done
grep -qx "EWP-EXIT=0" "$WORK/ewp.rc" 2>/dev/null || fail "evil-winrm-py did not exit 0: $(cat "$WORK/ewp.rc" 2>/dev/null)"
ok "exit"
matrix evil-winrm-py "$version" PyPI \
    "interactive PSRP shell, NTLM over HTTP (sealed): prompt with the working directory, whoami, cd that sticks" \
    "Tab completion of directories and commands" \
    "upload and download of 1 MB (send.ps1/fetch.ps1 served natively) with sha256 equal"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
