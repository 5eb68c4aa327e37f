#!/bin/bash
# go_winrmcp.sh: the client matrix's packer-community/winrmcp (the file
# copier of Packer's and Terraform's WinRM communicators, at the version
# tests/clients/go/go.mod pins, built by scripts/install-clients), copying
# to the daemon as their file provisioners do (go/winrmcp/main.go: Copy):
#
#  - files over HTTPS: 0 B, 1 B, 100 KiB of random bytes (17 chunks, more
#    than MaxOperationsPerShell: two shells), a name with spaces, into
#    directories that do not exist yet, over an existing file; byte-exact,
#    owned by the user
#  - a directory tree over HTTP (AllowUnencrypted)
#  - a file onto an existing directory: refused (exit 1), as on Windows
#    (winrmcp leaves its temporary file then, as it does there)
#
# winrmcp's three steps run natively (plugins/shell/winrmcp.c, winrmd-native):
# its cmd.exe "echo <base64> >> %TEMP%\winrmcp-*.tmp" lines, its restore and
# cleanup scripts; none goes to the user's shell, and no temporary file is
# left behind.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

version=$(awk '$1 == "dep" && $2 == "github.com/packer-community/winrmcp" { print $3; exit }' \
    "$CLIENTS_GOBIN/modules.txt")
[ -n "$version" ] || hard_error "the Go driver names no winrmcp version"
SRC=$WORK/src
TARGET=$WORK/target
OUT=$WORK/out.txt
mkdir -p "$SRC/tree/sub dir" "$TARGET"
chown "$TEST_USER:" "$TARGET"
: >"$SRC/empty.bin"
printf 'Z' >"$SRC/one.bin"
head -c 102400 /dev/urandom >"$SRC/100k.bin"
printf 'with spaces\n' >"$SRC/name with spaces.txt"
printf 'a\n' >"$SRC/tree/a.txt"
head -c 20000 /dev/urandom >"$SRC/tree/sub dir/b.bin"
WIN_TARGET="C:${TARGET//\//\\}"
tmp_before=$(find /tmp -maxdepth 1 -user "$TEST_USER" -name 'winrmcp-*.tmp' | wc -l)

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon

# copy SCHEME FROM TO: winrmcp's Copy
copy() {
	local port=$HTTP_PORT
	[ "$1" = https ] && port=$HTTPS_PORT
	with_timeout 90 "$CLIENTS_GOBIN/winrmcp" "127.0.0.1:$port" "$1" \
	    "$TEST_USER" "$TEST_PASS" "$2" "$3" >"$OUT" 2>&1
}

say "winrmcp $version: files over HTTPS"
echo "an old version" >"$TARGET/one.bin"
chown "$TEST_USER:" "$TARGET/one.bin"
for f in empty.bin one.bin 100k.bin "name with spaces.txt"; do
	copy https "$SRC/$f" "$WIN_TARGET\\new\\deeper\\$f" ||
		fail "copy of $f: $(cat "$OUT")"
	cmp "$SRC/$f" "$TARGET/new/deeper/$f" || fail "$f differs after the copy"
done
copy https "$SRC/one.bin" "$WIN_TARGET\\one.bin" || fail "copy over a file: $(cat "$OUT")"
cmp "$SRC/one.bin" "$TARGET/one.bin" || fail "one.bin was not replaced"
ok "0 B, 1 B, 100 KiB, a name with spaces: byte-exact, into new directories; an old file replaced"
matrix winrmcp "$version" "Go module proxy" \
    "copy a file over HTTPS (0 B, 1 B, 100 KiB, spaces in the name, new directories, over a file)"

say "winrmcp $version: a directory tree over HTTP"
copy http "$SRC/tree" "$WIN_TARGET\\tree" || fail "copy of the tree: $(cat "$OUT")"
cmp "$SRC/tree/a.txt" "$TARGET/tree/a.txt" &&
	cmp "$SRC/tree/sub dir/b.bin" "$TARGET/tree/sub dir/b.bin" ||
	fail "the tree differs after the copy"
ok "a.txt, sub dir/b.bin: byte-exact"
matrix winrmcp "$version" "Go module proxy" "copy a directory tree over HTTP"

bad=$(find "$TARGET" ! -user "$TEST_USER" | head -n 3)
[ -z "$bad" ] || fail "not owned by $TEST_USER: $bad"
left=$(find /tmp -maxdepth 1 -user "$TEST_USER" -name 'winrmcp-*.tmp' | wc -l)
[ "$left" = "$tmp_before" ] || fail "winrmcp's temporary files are left in /tmp"
ok "everything owned by $TEST_USER; no temporary file left"

say "winrmcp $version: a file onto a directory is refused"
copy https "$SRC/one.bin" "$WIN_TARGET\\tree" && fail "a file was copied onto a directory"
grep -q "restore operation returned code=1" "$OUT" || fail "unexpected error: $(cat "$OUT")"
ok "restore operation returned code=1"
# winrmcp stops before its cleanup, as against Windows: its file goes here
find /tmp -maxdepth 1 -user "$TEST_USER" -name 'winrmcp-*.tmp' -newer "$SRC/one.bin" -delete
matrix winrmcp "$version" "Go module proxy" "refusal: a file onto a directory"

say "the daemon's side"
for step in winrmcp_append winrmcp_restore winrmcp_cleanup; do
	grep -q "winrmcp's $step, run natively" "$DLOG" || fail "no native $step in the log"
done
grep -q "pid [0-9]*, /bin/[a-z]*sh" "$DLOG" &&
	fail "a command went to the user's shell: $(grep 'pid [0-9]*, /bin/' "$DLOG" | head -n 2)"
ok "upload, restore and cleanup ran natively; nothing through the shell"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
