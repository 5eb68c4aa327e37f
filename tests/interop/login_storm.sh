#!/bin/bash
# login_storm.sh: one account check per credential at a time (issue 20
# item 1; daemon/auth_job.c).  A PAM service for this test puts a 2 s
# pam_exec sleep before common-auth, so that every request of a storm
# arrives while the first check is still running.  The test plugin's
# Whoami over HTTPS Basic, BasicCacheSeconds = 0 (nothing remembered: each
# storm is cold).
#
#  1. 40 requests at once with the right password: all 200 and answered as
#     the user, PAM ran at most 3 times (pam=), every other start joined a
#     check in flight (pam + pam_joined = 40)
#  2. 30 at once with a wrong password: all 401, at most 3 PAM checks
#  3. the right password right after: 200 (a failure is not remembered)
#  4. 20 right and 20 wrong at once: the right ones all 200, the wrong ones
#     all 401 (different credentials never share a check)
#  5. an unauthenticated Identify during a storm is answered within 1 s
#     (the checks run on the workers, not on the loop)
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

[ -e /lib/x86_64-linux-gnu/security/pam_exec.so ] ||
    [ -n "$(find /lib /usr/lib -name pam_exec.so 2>/dev/null | head -n 1)" ] ||
	missing_tool "pam_exec.so (libpam-modules) is missing"

SERVICE=winrmd-storm-$(wrt_rand 4)
PAMFILE=/etc/pam.d/$SERVICE
storm_cleanup() {
	local rc=$?
	rm -f "$PAMFILE"
	(exit $rc)
	wrt_cleanup
}
trap storm_cleanup EXIT
cat >"$PAMFILE" <<EOF || hard_error "cannot write $PAMFILE"
# written by $TEST_NAME: every check takes 2 s more
auth required pam_exec.so quiet /bin/sleep 2
@include common-auth
@include common-account
EOF

write_config "[Service]" "AllowUnencrypted = false" \
    "[Auth]" "Basic = true" "PamService = $SERVICE" "BasicCacheSeconds = 0"
start_daemon
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
envelope_file "$WORK/identify.xml" --identify

# storm N PASSWORD TAG: N Whoami at once; their statuses in $WORK/TAG.*;
# calm waits for them (a plain wait would wait for the daemon too)
STORM_PIDS=()
storm() {
	local n=$1 pw=$2 tag=$3 i
	for i in $(seq 1 "$n"); do
		curl -sS -k --max-time 30 -o "$WORK/$tag.$i.body" -w '%{http_code}' \
		    -H 'Content-Type: application/soap+xml;charset=UTF-8' \
		    -u "$TEST_USER:$pw" --data-binary @"$WORK/whoami.xml" \
		    "$URL_HTTPS4" >"$WORK/$tag.$i.status" 2>/dev/null &
		STORM_PIDS+=($!)
	done
}
calm() {
	wait "${STORM_PIDS[@]}"
	STORM_PIDS=()
}
# statuses TAG: the distinct statuses of a storm with their counts
statuses() {
	awk 1 "$WORK/$1".*.status | sort | uniq -c | awk '{ printf "%s%sx%s", sep, $2, $1; sep = " " }'
}

say "40 logins at once, the right password"
counters
pam0=$C_pam joined0=${C_pam_joined:-0}
storm 40 "$TEST_PASS" right
calm
[ "$(statuses right)" = "200x40" ] || fail "statuses: $(statuses right), expected 200x40"
n=$(grep -l "<t:Name>$TEST_USER<" "$WORK"/right.*.body | wc -l)
[ "$n" = 40 ] || fail "$n of 40 answers name $TEST_USER"
counters
pam=$((C_pam - pam0)) joined=$((C_pam_joined - joined0))
[ "$pam" -ge 1 ] && [ "$pam" -le 3 ] || fail "$pam PAM checks for one credential's storm"
[ $((pam + joined)) = 40 ] || fail "pam $pam + joined $joined is not 40"
ok "40 x 200 as $TEST_USER; $pam PAM check(s), $joined joined"

say "30 logins at once, a wrong password"
pam0=$C_pam joined0=$C_pam_joined
storm 30 "wrong-$TEST_PASS" wrong
calm
[ "$(statuses wrong)" = "401x30" ] || fail "statuses: $(statuses wrong), expected 401x30"
counters
pam=$((C_pam - pam0)) joined=$((C_pam_joined - joined0))
[ "$pam" -ge 1 ] && [ "$pam" -le 3 ] || fail "$pam PAM checks for the wrong password's storm"
[ $((pam + joined)) = 30 ] || fail "pam $pam + joined $joined is not 30"
ok "30 x 401; $pam PAM check(s), $joined joined"

say "the right password after the failures"
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" -u "$TEST_USER:$TEST_PASS")
[ "$st" = 200 ] || fail "the right password after a failed storm got $st"
ok "200: a failure is not remembered"

say "20 right and 20 wrong at once"
counters
pam0=$C_pam
storm 20 "$TEST_PASS" mixr
storm 20 "bad-$TEST_PASS" mixw
calm
[ "$(statuses mixr)" = "200x20" ] || fail "right ones: $(statuses mixr), expected 200x20"
[ "$(statuses mixw)" = "401x20" ] || fail "wrong ones: $(statuses mixw), expected 401x20"
counters
pam=$((C_pam - pam0))
[ "$pam" -ge 2 ] && [ "$pam" -le 4 ] || fail "$pam PAM checks for two credentials"
ok "20 x 200 and 20 x 401, $pam PAM checks"

say "Identify during a storm"
storm 20 "$TEST_PASS" during
sleep 0.5
t0=$(date +%s%N)
st=$(post "$URL_HTTPS4" "$WORK/identify.xml" -H "WSMANIDENTIFY: unauthenticated")
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$st" = 200 ] || fail "Identify during the storm got $st"
[ "$ms" -lt 1000 ] || fail "Identify took $ms ms during the storm"
pending=$(awk 1 "$WORK"/during.*.status | grep -c 200)
[ "$pending" -lt 20 ] || fail "the storm was over before the Identify: the test proves nothing"
calm
[ "$(statuses during)" = "200x20" ] || fail "the storm: $(statuses during)"
ok "Identify in $ms ms while the storm's check ran"

stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
echo "PASS: $TEST_NAME"
