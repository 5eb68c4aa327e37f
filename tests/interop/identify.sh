#!/bin/bash
# identify.sh: wsmid:Identify, unauthenticated and authenticated, over
# IPv4 and IPv6, HTTP and HTTPS (docs/PROTOCOL.md Part B §1.2).
#
#  - WSMANIDENTIFY: unauthenticated, no credentials -> 200, soap+xml,
#    IdentifyResponse with the placeholder ProductVersion and no
#    SecurityProfiles
#  - the same without the header -> 401, empty body; WWW-Authenticate only
#    where Basic is usable (HTTPS; HTTP has AllowUnencrypted = false)
#  - the header with anything but exactly one Identify in the body -> 401,
#    and no plugin is ever called (dispatched=0)
#  - Basic over HTTPS -> the real kernel version and SecurityProfiles
. "$(dirname "$0")/lib.sh"

NS_ID=http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd
NS_WSMAN=http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd
SECPROFILE=http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile
PLACEHOLDER="OS: 0.0.0 SP: 0.0 Stack: 3.0"
KVER=$("$PY" -c '
import os, re
m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", os.uname().release)
print(".".join(g or "0" for g in m.groups()))')
REAL="OS: $KVER SP: 0.0 Stack: 3.0"

write_config "[Service]" "AllowUnencrypted = false" "[Auth]" "Basic = true"
start_daemon

envelope_file "$WORK/identify.xml" --identify
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
# Identify followed by a second body element: not "exactly one Identify"
sed 's|<wsmid:Identify/>|<wsmid:Identify/><wsmid:Identify/>|' \
    "$WORK/identify.xml" >"$WORK/identify2.xml"
# Identify with Whoami's header blocks (Action, ResourceURI): still Identify
# by body; the unauthenticated path must not dispatch it anywhere
envelope_file "$WORK/identify_hdr.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin \
    --body "<wsmid:Identify xmlns:wsmid=\"$NS_ID\"/>"

check_identify_body() {	# check_identify_body WHERE EXPECTED-VERSION
	local where=$1 want=$2 v
	[ "$(xpath "$RESP_BODY" "s:Body/wsmid:IdentifyResponse/wsmid:ProtocolVersion")" = "$NS_WSMAN" ] ||
	    fail "$where: ProtocolVersion is not $NS_WSMAN: $(cat "$RESP_BODY")"
	v=$(xpath "$RESP_BODY" "s:Body/wsmid:IdentifyResponse/wsmid:ProductVendor") ||
	    fail "$where: no ProductVendor"
	[ -n "$v" ] || fail "$where: empty ProductVendor"
	v=$(xpath "$RESP_BODY" "s:Body/wsmid:IdentifyResponse/wsmid:ProductVersion") ||
	    fail "$where: no ProductVersion"
	[ "$v" = "$want" ] || fail "$where: ProductVersion is \"$v\", expected \"$want\""
}

for url in "$URL_HTTP4" "$URL_HTTP6" "$URL_HTTPS4" "$URL_HTTPS6"; do
	say "$url: Identify with WSMANIDENTIFY: unauthenticated, no credentials"
	st=$(post "$url" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
	[ "$st" = 200 ] || fail "$url: unauthenticated Identify got $st, expected 200"
	ct=$(resp_header Content-Type)
	[ "$ct" = "application/soap+xml;charset=UTF-8" ] ||
	    fail "$url: Content-Type is \"$ct\""
	check_identify_body "$url (unauthenticated)" "$PLACEHOLDER"
	if xpath "$RESP_BODY" ".//wsmid:SecurityProfiles" >/dev/null; then
		fail "$url: the unauthenticated answer lists SecurityProfiles"
	fi
	grep -q 'secprofile' "$RESP_BODY" &&
	    fail "$url: the unauthenticated answer names a security profile"
	ok "200, $ct, $PLACEHOLDER, no SecurityProfiles"

	say "$url: the same Identify without the WSMANIDENTIFY header"
	st=$(post "$url" "$WORK/identify.xml")
	[ "$st" = 401 ] || fail "$url: Identify without the header got $st, expected 401"
	[ -s "$RESP_BODY" ] && fail "$url: the 401 has a body: $(head -c 300 "$RESP_BODY")"
	wa=$(resp_header WWW-Authenticate)
	case $url in
	https:*)
		[ "$wa" = 'Basic realm="WSMAN"' ] ||
		    fail "$url: WWW-Authenticate is \"$wa\", expected Basic realm=\"WSMAN\"" ;;
	http:*)
		# Basic is not usable over HTTP here: nothing to offer
		[ -z "$wa" ] || fail "$url: WWW-Authenticate \"$wa\" offered over HTTP with AllowUnencrypted = false" ;;
	esac
	ok "401, empty body, WWW-Authenticate \"$wa\""

	say "$url: WSMANIDENTIFY with a body that is not exactly one Identify"
	for f in whoami identify2 identify_hdr; do
		st=$(post "$url" "$WORK/$f.xml" -H 'WSMANIDENTIFY: unauthenticated')
		case $f in
		identify_hdr)
			# the body is an Identify: answered, but only as Identify
			[ "$st" = 200 ] || fail "$url: $f got $st"
			check_identify_body "$url ($f)" "$PLACEHOLDER"
			grep -q 'Whoami' "$RESP_BODY" && fail "$url: $f reached the plugin"
			ok "$f: 200 IdentifyResponse, nothing else" ;;
		*)
			[ "$st" = 401 ] || fail "$url: WSMANIDENTIFY + $f body got $st, expected 401"
			[ -s "$RESP_BODY" ] && fail "$url: the 401 for $f has a body"
			ok "$f: 401, empty body" ;;
		esac
	done
	st=$(post "$url" "$WORK/identify.xml" -H 'WSMANIDENTIFY: yes')
	[ "$st" = 401 ] || fail "$url: WSMANIDENTIFY: yes got $st, expected 401"
	ok "WSMANIDENTIFY: yes (not \"unauthenticated\"): 401"
done

say "no plugin was called by any of that"
counters
[ "$C_dispatched" = 0 ] || fail "dispatched=$C_dispatched after unauthenticated requests"
[ "$C_spawned" = 0 ] || fail "spawned=$C_spawned after unauthenticated requests"
ok "dispatched=0 spawned=0"

for url in "$URL_HTTPS4" "$URL_HTTPS6"; do
	say "$url: authenticated Identify (Basic over HTTPS)"
	st=$(post "$url" "$WORK/identify.xml" -u "$TEST_USER:$TEST_PASS")
	[ "$st" = 200 ] || fail "$url: authenticated Identify got $st"
	ct=$(resp_header Content-Type)
	[ "$ct" = "application/soap+xml;charset=UTF-8" ] || fail "$url: Content-Type is \"$ct\""
	check_identify_body "$url (authenticated)" "$REAL"
	profiles=$(xpath "$RESP_BODY" ".//wsmid:SecurityProfiles/wsmid:SecurityProfileName") ||
	    fail "$url: no SecurityProfiles/SecurityProfileName in the authenticated answer"
	echo "$profiles" | grep -qx "$SECPROFILE/https/basic" ||
	    fail "$url: SecurityProfiles lack https/basic: $profiles"
	echo "$profiles" | grep -qx "$SECPROFILE/http/basic" &&
	    fail "$url: SecurityProfiles list http/basic with AllowUnencrypted = false"
	ok "200, $REAL, profiles: $(echo $profiles)"
done

for url in "$URL_HTTP4" "$URL_HTTP6"; do
	say "$url: Basic over HTTP with AllowUnencrypted = false"
	st=$(post "$url" "$WORK/identify.xml" -u "$TEST_USER:$TEST_PASS")
	[ "$st" = 401 ] || fail "$url: Basic over HTTP got $st, expected 401"
	ok "401"
done

counters
[ "$C_dispatched" = 0 ] || fail "dispatched=$C_dispatched: Identify must not reach plugins"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC on SIGTERM"
ok "daemon stopped, status 0"
echo "PASS: $TEST_NAME"
