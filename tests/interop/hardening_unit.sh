#!/bin/bash
# hardening_unit.sh: the installed systemd unit (docs/SECURITY.md §5.4; issue 7
# item 9) and the installed binaries (§5.5).
#
#  - systemd-analyze security --offline=yes scores the staged
#    winrmd.service at an exposure of at most 6.0 (it was 6.6 before the
#    hardening of issue 7; 5.7 with it), and the unit keeps away from what
#    would break users' shells (the reasons are in the unit file):
#    NoNewPrivileges, ProtectSystem, ProtectHome, PrivateTmp,
#    PrivateDevices, ProtectControlGroups (Delegate=yes needs the cgroup
#    tree), RestrictSUIDSGID, MemoryDenyWriteExecute, ProtectProc, UMask
#  - the daemon, the native helper and every plugin and provider are
#    linked with full RELRO (BIND_NOW), the executables as PIE, and
#    _FORTIFY_SOURCE is in effect (glibc's __*_chk functions are used),
#    unless configure --disable-hardening or a sanitizer build
. "$(dirname "$0")/lib.sh"

UNIT=$STAGE$PREFIX/lib/systemd/system/winrmd.service
[ -f "$UNIT" ] || hard_error "no staged unit at $UNIT"

say "the unit: what would break users' shells is absent"
for key in NoNewPrivileges ProtectSystem ProtectHome PrivateTmp PrivateDevices \
    ProtectControlGroups RestrictSUIDSGID MemoryDenyWriteExecute ProtectProc \
    ProcSubset UMask PrivateUsers DeviceAllow; do
	if grep -Eq "^[[:space:]]*$key=" "$UNIT"; then
		fail "$key= is set in the unit: it breaks users' shells or the per-shell cgroups"
	fi
done
grep -q '^Delegate=yes' "$UNIT" || fail "Delegate=yes is missing (per-shell cgroups)"
# process, as ssh.service: the daemon ends its users' processes at a stop,
# or keeps them across a restart (RestartGraceSeconds); mixed would kill
# the kept ones with the keeper
grep -q '^KillMode=process' "$UNIT" || fail "KillMode=process is missing"
ok "none of the 13 settings that would break shells; Delegate=yes, KillMode=process"

if command -v systemd-analyze >/dev/null &&
    systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	say "systemd-analyze security --offline=yes"
	with_timeout 30 systemd-analyze security --offline=yes "$UNIT" >"$WORK/score.out" 2>&1 ||
	    true	# it exits non-zero above its own threshold
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$WORK/score.out")
	[ -n "$score" ] || { cat "$WORK/score.out"; fail "no exposure level in the output"; }
	awk -v s="$score" 'BEGIN { exit !(s <= 6.0) }' ||
	    fail "exposure $score, more than 6.0: $(grep '✗' "$WORK/score.out" | head -n 40)"
	ok "exposure level $score (at most 6.0)"
else
	echo "   (systemd-analyze without --offline: the score is not checked)"
fi

say "the binaries: full RELRO, PIE, _FORTIFY_SOURCE"
command -v readelf >/dev/null || missing_tool "readelf (binutils) is not installed"
# (readelf's output in a variable: grep -q would close the pipe early, and
# pipefail would count readelf's SIGPIPE)
if grep -q 'libasan' <<<"$(readelf -d "$WINRMD")"; then
	echo "   (a sanitizer build: _FORTIFY_SOURCE is left out by design; RELRO and PIE checked)"
	SAN=1
else
	SAN=0
fi
grep -q '^HARDEN_LDFLAGS = .*-z,now' "$top_builddir/Makefile" ||
    { echo "   (configured with --disable-hardening: nothing more to check)";
      echo "PASS: $TEST_NAME"; exit 0; }
n=0
for f in "$WINRMD" "$STAGE$PREFIX/libexec/winrmd/winrmd-native" \
    "$STAGE$PLUGINDIR"/*.so "$STAGE$PREFIX/lib/winrmd/providers"/*.so; do
	[ -f "$f" ] || continue
	grep -Eq 'BIND_NOW|FLAGS_1.*NOW' <<<"$(readelf -d "$f")" || fail "$f: no BIND_NOW"
	grep -q GNU_RELRO <<<"$(readelf -lW "$f")" || fail "$f: no RELRO segment"
	n=$((n + 1))
done
for f in "$WINRMD" "$STAGE$PREFIX/libexec/winrmd/winrmd-native"; do
	grep -q 'Type:.*DYN' <<<"$(readelf -h "$f")" || fail "$f is not position independent"
done
if [ "$SAN" = 0 ]; then
	grep -q '__[a-z]*_chk@' <<<"$(readelf --dyn-syms -W "$WINRMD")" ||
	    fail "the daemon uses no __*_chk function: _FORTIFY_SOURCE is off"
fi
ok "$n ELF files with BIND_NOW and RELRO; the daemon and the helper are PIE; fortified calls present"
echo "PASS: $TEST_NAME"
