# lib.sh: sourced by every interop test (tests/interop/*.sh, and the
# client matrix's drivers, tests/clients/*.sh).
#
# Starts the staged daemon ($STAGE$SBINDIR/winrmd) on loopback with a
# throw-away configuration, creates a throw-away local account for the
# clients, and cleans everything up on exit.  Needs root (accounts, PAM):
# otherwise the test is skipped (exit 77), or a hard error (exit 99) when
# WINRMD_REQUIRE_INTEROP=1.  WINRMD_SKIP_INTEROP=1 skips them always.
#
# Environment (exported by `make check', see Makefile.am): top_srcdir
# top_builddir STAGE PREFIX SBINDIR PLUGINDIR.  WRT_TEST_TIMEOUT (s) bounds
# the whole test (default 60; a test that needs longer sets it before
# sourcing this file).  WRT_KEEP=1 keeps the work directory.  The work
# directory ($WORK, mode 0755) is kept anyway when the test fails.
#
# What a test gets:
#   TEST_NAME WORK PY WSMAN_PY WINRMD TESTPLUG SHELLPLUG
#   WRT_HERE (this directory)   WRT_TEST_HERE (the test's own directory)
#   TEST_USER TEST_PASS TEST_UID        the account (made at source time)
#   HTTP_PORT HTTPS_PORT                free loopback ports
#   write_config [INI lines...]         -> $CONF (defaults + overrides)
#   start_daemon [args]                 -> DAEMON_PID, DLOG (waits for ready);
#                                       in network namespace $WRT_NETNS if set
#   stop_daemon                         -> DAEMON_RC (SIGTERM, wait, SIGKILL)
#   post URL BODYFILE [curl args...]    prints the status; body in $RESP_BODY,
#                                       headers in $RESP_HDRS
#   resp_header NAME                    a header of the last post
#   counters                            SIGUSR1 -> C_requests C_unauthorized
#                                       C_faults C_dispatched C_spawned C_pam
#                                       C_pending
#   wait_log REGEX [SECONDS]            waits for a daemon log line
#   hup_and_wait REGEX                  SIGHUP, then waits for a new log line
#   make_user NAMEVAR PASSVAR [useradd args]   another throw-away account
#   make_group NAMEVAR                  a throw-away group
#   all_plugins_load                    testplug, plus the shell plugin if staged
#   envelope_file FILE ARGS / xpath FILE EXPR   wsman.py envelope / xpath
#   daemon_alive                        the daemon we started still runs
#   with_timeout SECONDS cmd...         runs cmd, killed after SECONDS
#   say / ok / fail "message" / hard_error "message" (exit 99)

set -u
set -o pipefail

TEST_NAME=$(basename "$0" .sh)

# ------------------------------------------------------------- skip / root
# WINRMD_SKIP_INTEROP=1 skips them on purpose (scripts/run-tests sets it
# for distcheck, after the interop tests ran once).
if [ "${WINRMD_SKIP_INTEROP:-0}" = 1 ]; then
	echo "SKIP: $TEST_NAME (WINRMD_SKIP_INTEROP=1)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	if [ "${WINRMD_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "ERROR: $TEST_NAME needs root (WINRMD_REQUIRE_INTEROP=1)" >&2
		exit 99
	fi
	echo "SKIP: $TEST_NAME needs root (test accounts, PAM)"
	exit 77
fi

# ------------------------------------------------------------- watchdog
# The whole test runs under timeout(1): nothing can hang `make check'.
# timeout signals the test's process group (clients and daemon included);
# the EXIT trap below still cleans up.
if [ -z "${WRT_UNDER_WATCHDOG:-}" ]; then
	export WRT_UNDER_WATCHDOG=1
	exec timeout -k 15 "${WRT_TEST_TIMEOUT:-60}" /bin/bash "$0" "$@"
fi

# ------------------------------------------------------------ environment
WRT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WRT_TEST_HERE=$(cd "$(dirname "$0")" && pwd)
# tests/interop, tests/clients: the build tree's directory of the same name
WRT_TEST_DIR=tests/${WRT_TEST_HERE##*/}
: "${top_srcdir:=$(cd "$WRT_HERE/../.." && pwd)}"
: "${top_builddir:=$PWD}"
: "${STAGE:=$top_builddir/tests/stage}"
: "${PREFIX:=/usr/local}"
: "${SBINDIR:=$PREFIX/sbin}"
: "${PLUGINDIR:=$PREFIX/lib/winrmd/plugins}"
export top_srcdir top_builddir STAGE PREFIX SBINDIR PLUGINDIR

PY=/usr/bin/python3
WSMAN_PY=$WRT_HERE/wsman.py
WINRMD=$STAGE$SBINDIR/winrmd
TESTPLUG=$top_builddir/tests/plugins/.libs/testplug.so
SHELLPLUG=$STAGE$PLUGINDIR/shell.so
# pywinrm: these override server_cert_validation='ignore' (docs/PROTOCOL.md Part A §2)
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE
export PYTHONPATH="$WRT_HERE${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
# ASan builds: leaks inside system libraries that are not ours (lsan.supp)
export LSAN_OPTIONS="suppressions=$WRT_HERE/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LC_ALL=C

say()  { echo "== $*"; }
ok()   { echo "   ok: $*"; }
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}
hard_error() {
	echo "ERROR: $TEST_NAME: $*" >&2
	exit 99
}

missing_tool() {
	if [ "${WINRMD_REQUIRE_INTEROP:-0}" = 1 ]; then
		hard_error "$1 (WINRMD_REQUIRE_INTEROP=1)"
	fi
	echo "SKIP: $TEST_NAME: $1"
	exit 77
}

[ -x "$WINRMD" ] || hard_error "no staged daemon at $WINRMD (run make check)"
[ -f "$TESTPLUG" ] || hard_error "no test plugin at $TESTPLUG"
command -v curl >/dev/null || missing_tool "curl is not installed"
[ -x "$PY" ] || missing_tool "$PY is missing"
command -v timeout >/dev/null || missing_tool "timeout(1) is missing"
"$PY" -c 'import winrm' 2>/dev/null || missing_tool "python3-winrm is missing"

# with_timeout SECONDS cmd...: runs cmd, TERM after SECONDS (exit 124),
# KILL 5 s later
with_timeout() {
	local s=$1
	shift
	timeout -k 5 "$s" "$@"
}

# ------------------------------------------------------------ cleanup
WRT_DAEMON_LOGS=()
WRT_USERS=()
WRT_GROUPS=()
DAEMON_PID=
DAEMON_RC=
WORK=

wrt_cleanup() {
	local rc=$?

	trap - EXIT
	set +e
	# where a suite's time goes (scripts/run-tests sums these up)
	echo "(wall time of $TEST_NAME: $SECONDS s)"

	if [ -n "$DAEMON_PID" ]; then
		stop_daemon >/dev/null 2>&1
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		local l
		for l in "${WRT_DAEMON_LOGS[@]}"; do
			echo "----- daemon log $l" >&2
			tail -n 300 "$l" >&2
		done
		[ ${#WRT_DAEMON_LOGS[@]} -gt 0 ] && echo "----- end of daemon logs" >&2
	fi
	local u g
	for u in "${WRT_USERS[@]}"; do
		wrt_userdb userdel_one "$u"
	done
	for g in "${WRT_GROUPS[@]}"; do
		wrt_userdb groupdel_one "$g" >/dev/null 2>&1
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$rc" = 0 ] && [ "${WRT_KEEP:-0}" != 1 ]; then
			rm -rf "$WORK"
			rmdir "${WORK%/*}" 2>/dev/null
		else
			echo "(work directory kept: $WORK)" >&2
		fi
	fi
	exit "$rc"
}
trap wrt_cleanup EXIT
trap 'echo "FAIL: $TEST_NAME: interrupted (watchdog: more than ${WRT_TEST_TIMEOUT:-60} s?)" >&2; exit 124' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# ----------------------------------------------------------- work dir
mkdir -p "$top_builddir/$WRT_TEST_DIR/$TEST_NAME.work" ||
    hard_error "cannot create $top_builddir/$WRT_TEST_DIR/$TEST_NAME.work"
WORK=$(mktemp -d "$top_builddir/$WRT_TEST_DIR/$TEST_NAME.work/XXXXXX") ||
    hard_error "mktemp failed"
chmod 755 "$WORK"
RESP_BODY=$WORK/resp.body
RESP_HDRS=$WORK/resp.headers

# ------------------------------------------------------------- accounts
wrt_rand() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# The account tools refuse to run while another holds /etc/passwd.lock:
# serialise our own tests with flock and retry for everyone else.
WRT_LOCK=/run/lock/winrmd-interop-userdb.lock
[ -d /run/lock ] || WRT_LOCK=/tmp/winrmd-interop-userdb.lock
wrt_userdb() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ( flock -w 30 9 || exit 1; "$@" ) 9>"$WRT_LOCK"
		then
			return 0
		fi
		sleep 0.3
	done
	return 1
}

userdel_one() {
	local uid
	uid=$(id -u "$1" 2>/dev/null) || return 0	# already gone
	# a uid-0 alias is "in use" by every root process: userdel -f, and
	# never -r for it (its home is not its own)
	if [ "$uid" = 0 ]; then
		userdel -f "$1" >/dev/null 2>&1
		return $?
	fi
	userdel -r "$1" >/dev/null 2>&1
	local rc=$?
	# 12: home or mail spool could not be removed; the account is gone
	[ $rc = 0 ] || [ $rc = 12 ]
}

groupdel_one() {
	getent group "$1" >/dev/null || return 0
	groupdel "$1"
}

set_password() {
	echo "$1:$2" | chpasswd
}

# make_user NAMEVAR PASSVAR [extra useradd args]: a new account with a
# random name and password, removed at exit
make_user() {
	local __n="wrt$(wrt_rand 6)" __p="Pw-$(wrt_rand 10).x"
	local __args=("${@:3}")

	[ ${#__args[@]} -gt 0 ] || __args=(-m)
	WRT_USERS+=("$__n")
	wrt_userdb useradd "${__args[@]}" -s /bin/bash "$__n" 2>"$WORK/useradd.err" || {
		cat "$WORK/useradd.err" >&2
		hard_error "useradd ${__args[*]} $__n failed"
	}
	wrt_userdb set_password "$__n" "$__p" || hard_error "chpasswd $__n failed"
	printf -v "$1" '%s' "$__n"
	printf -v "$2" '%s' "$__p"
}

# make_group NAMEVAR: a new empty group, removed at exit
make_group() {
	local __g="wrtg$(wrt_rand 5)"

	WRT_GROUPS+=("$__g")
	wrt_userdb groupadd "$__g" || hard_error "groupadd $__g failed"
	printf -v "$1" '%s' "$__g"
}

make_user TEST_USER TEST_PASS
TEST_UID=$(id -u "$TEST_USER") || hard_error "no uid for $TEST_USER"

# PAM service: the harness installs the shipped one when absent or
# different (a shell is a PAM session: an older file without session lines
# would refuse every shell), and leaves it
if ! cmp -s "$top_srcdir/conf/pam.d/winrm" /etc/pam.d/winrm; then
	install -m 644 "$top_srcdir/conf/pam.d/winrm" /etc/pam.d/winrm ||
	    hard_error "cannot install /etc/pam.d/winrm"
fi

# ---------------------------------------------------------------- ports
# Two distinct ports free on both 127.0.0.1 and ::1.
pick_ports() {
	local p
	p=$("$PY" - <<'EOF'
import socket
ports = []
while len(ports) < 2:
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.bind(("127.0.0.1", 0))
    p = s4.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", p))
        s6.close()
    except OSError:
        s4.close()
        continue
    s4.close()
    if p not in ports:
        ports.append(p)
print(*ports)
EOF
	) || hard_error "cannot pick free ports"
	HTTP_PORT=${p% *}
	HTTPS_PORT=${p#* }
}
pick_ports

# ---------------------------------------------------------------- config
# write_config [INI lines...]: $CONF = the defaults below, with the given
# lines ("[Section]" and "Key = Value") added or overriding a default.
#   [Listener] Address = 127.0.0.1 ::1, HTTPPort/HTTPSPort = the free
#   ports, CertificateFile/KeyFile in $WORK; [Service] LogLevel = debug;
#   [Plugins] Load = the test plugin; [Winrs] NativeHelper = the staged
#   winrmd-native (not an installed one), when it is staged and the shell
#   or config plugin (which declare [Winrs]) is loaded.
CONF=$WORK/winrmd.conf
WRT_CONF_EXTRA=()
WRT_NATIVE=$(find "$STAGE" -path '*/winrmd/winrmd-native' -type f 2>/dev/null | head -n 1)

wrt_render_config() {
	"$PY" - "$@" <<EOF
import sys
order = []
vals = {}
def put(sec, key, val):
    k = (sec.lower(), key.lower())
    if k not in vals:
        order.append((sec, key))
    vals[k] = val
put("Listener", "Address", "127.0.0.1 ::1")
put("Listener", "HTTPPort", "$HTTP_PORT")
put("Listener", "HTTPSPort", "$HTTPS_PORT")
put("Listener", "CertificateFile", "$WORK/winrmd.crt")
put("Listener", "KeyFile", "$WORK/winrmd.key")
put("Service", "LogLevel", "debug")
put("Plugins", "Load", "$TESTPLUG")
# each test daemon its own keeper socket (never the host's)
put("Service", "KeeperSocket", "$WORK/keep.sock")
sec = None
for line in sys.argv[1:]:
    s = line.strip()
    if not s or s[0] in "#;":
        continue
    if s.startswith("[") and s.endswith("]"):
        sec = s[1:-1].strip()
        continue
    if sec is None or "=" not in s:
        sys.exit("write_config: bad line %r" % line)
    k, v = s.split("=", 1)
    put(sec, k.strip(), v.strip())
# [Winrs] is the shell's (and config's) section: only where one is loaded
loaded = {p.rsplit("/", 1)[-1].removesuffix(".so")
          for p in vals.get(("plugins", "load"), "").split()}
if "$WRT_NATIVE" and ("winrs", "nativehelper") not in vals and \
        loaded & {"shell", "config"}:
    put("Winrs", "NativeHelper", "$WRT_NATIVE")
# a stop ends the commands (the tests that keep them across a restart
# say so: restart_keep.sh)
if ("winrs", "restartgraceseconds") not in vals and "shell" in loaded:
    put("Winrs", "RestartGraceSeconds", "0")
# no spare runspace pools (a PAM session and a login shell started after
# each pool's Delete, CI's time twice over) but where a test proves them:
# pypsrp_psrp.sh says MaxSparePools
if ("winrs", "maxsparepools") not in vals and "shell" in loaded:
    put("Winrs", "MaxSparePools", "0")
sections = []
for sec, _ in order:
    if sec.lower() not in [s.lower() for s in sections]:
        sections.append(sec)
print("# written by tests/interop/lib.sh for $TEST_NAME")
for sec in sections:
    print("\n[%s]" % sec)
    for s2, key in order:
        if s2.lower() == sec.lower():
            print("%s = %s" % (key, vals[(sec.lower(), key.lower())]))
EOF
}

write_config() {
	WRT_CONF_EXTRA=("$@")
	wrt_render_config "$@" >"$CONF" || hard_error "write_config failed"
}

# every registered operation: the shell plugin too, once it is built
all_plugins_load() {
	if [ -f "$SHELLPLUG" ]; then
		echo "$SHELLPLUG $TESTPLUG"
	else
		echo "$TESTPLUG"
	fi
}

# ---------------------------------------------------------------- daemon
WRT_NSTART=0

# hup_and_wait REGEX: SIGHUP to the daemon, then waits (5 s at most) for
# one more log line matching REGEX; 1 if none comes
hup_and_wait() {
	local n i
	n=$(grep -Ec -- "$1" "$DLOG")
	kill -HUP "$DAEMON_PID"
	for i in $(seq 1 100); do
		[ "$(grep -Ec -- "$1" "$DLOG")" -gt "$n" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_log REGEX [SECONDS]: waits until the current daemon log has a line
# matching the extended REGEX
wait_log() {
	local re=$1 limit=${2:-10} i
	for i in $(seq 1 $((limit * 20))); do
		grep -Eq -- "$re" "$DLOG" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

daemon_alive() {
	[ -n "$DAEMON_PID" ] || return 1
	local st
	st=$(awk '{print $3}' "/proc/$DAEMON_PID/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# start_daemon [extra args]: starts winrmd -f -c $CONF, waits for "ready"
start_daemon() {
	local try i
	[ -z "$DAEMON_PID" ] || fail "start_daemon: a daemon is already running"
	# the privilege separation user, as the package's postinst makes it
	id winrmd >/dev/null 2>&1 || useradd --system --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin winrmd ||
	    fail "cannot create the system user winrmd"
	for try in 1 2 3; do
		WRT_NSTART=$((WRT_NSTART + 1))
		DLOG=$WORK/daemon.$WRT_NSTART.log
		WRT_DAEMON_LOGS+=("$DLOG")
		${WRT_NETNS:+ip netns exec "$WRT_NETNS"} \
		    "$WINRMD" -f -c "$CONF" "$@" 2>"$DLOG" </dev/null &
		DAEMON_PID=$!
		for i in $(seq 1 200); do
			grep -q ' ready$' "$DLOG" && return 0
			daemon_alive || break
			sleep 0.05
		done
		if daemon_alive; then
			fail "the daemon did not log \"ready\" within 10 s"
		fi
		wait "$DAEMON_PID"
		DAEMON_RC=$?
		DAEMON_PID=
		# someone took a port between pick_ports and bind: new ports
		if grep -q 'Address already in use' "$DLOG"; then
			echo "   (port taken, retrying with new ports)"
			pick_ports
			wrt_urls
			write_config "${WRT_CONF_EXTRA[@]}"
			continue
		fi
		fail "the daemon exited with status $DAEMON_RC before \"ready\""
	done
	fail "the daemon could not bind its ports three times"
}

# stop_daemon: SIGTERM, up to 10 s, then SIGKILL; DAEMON_RC = exit status
stop_daemon() {
	local i
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for i in $(seq 1 200); do
		daemon_alive || break
		sleep 0.05
	done
	if daemon_alive; then
		echo "   daemon $DAEMON_PID ignored SIGTERM for 10 s: SIGKILL" >&2
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_RC=$?
	DAEMON_PID=
}

# counters: SIGUSR1, then reads the new "counters:" log line into C_*
counters() {
	local n i line kv
	daemon_alive || fail "counters: the daemon is not running"
	n=$(grep -c 'counters:' "$DLOG")
	kill -USR1 "$DAEMON_PID"
	for i in $(seq 1 100); do
		[ "$(grep -c 'counters:' "$DLOG")" -gt "$n" ] && break
		sleep 0.05
	done
	line=$(grep 'counters:' "$DLOG" | tail -n 1)
	[ "$(grep -c 'counters:' "$DLOG")" -gt "$n" ] ||
	    fail "SIGUSR1 logged no counters line"
	for kv in ${line#*counters: }; do
		case $kv in
		requests=*|unauthorized=*|faults=*|dispatched=*|spawned=*|pam=*|pam_joined=*|pending=*|replayed=*)
			printf -v "C_${kv%%=*}" '%s' "${kv#*=}" ;;
		esac
	done
	echo "   counters: ${line#*counters: }"
}

# ------------------------------------------------------------------ HTTP
# URL_HTTP4 URL_HTTP6 URL_HTTPS4 URL_HTTPS6: the four listeners
wrt_urls() {
	URL_HTTP4=http://127.0.0.1:$HTTP_PORT/wsman
	URL_HTTPS4=https://127.0.0.1:$HTTPS_PORT/wsman
	URL_HTTP6=http://[::1]:$HTTP_PORT/wsman
	URL_HTTPS6=https://[::1]:$HTTPS_PORT/wsman
}

# post URL BODYFILE [curl args...]: POSTs the file as SOAP, prints the
# HTTP status (000: no answer); the reply is in $RESP_BODY / $RESP_HDRS.
# A "Content-Type: ..." among the curl args replaces the SOAP one.
post() {
	local url=$1 file=$2 a
	local ct=(-H 'Content-Type: application/soap+xml;charset=UTF-8')
	shift 2
	for a in "$@"; do
		case ${a,,} in content-type:*) ct=() ;; esac
	done
	: >"$RESP_BODY"
	: >"$RESP_HDRS"
	curl -sS -k -g --max-time 20 -o "$RESP_BODY" -D "$RESP_HDRS" \
	    -w '%{http_code}' "${ct[@]}" \
	    --data-binary @"$file" "$@" "$url"
	local rc=$?
	[ $rc = 0 ] || echo "   (curl exit status $rc)" >&2
	return 0
}

# resp_header NAME: the value of a header of the last post (empty if none)
resp_header() {
	tr -d '\r' <"$RESP_HDRS" | awk -v n="$1" '
	    BEGIN { n = tolower(n) }
	    { i = index($0, ":"); if (i > 0 && tolower(substr($0, 1, i - 1)) == n) {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v; exit } }'
}

envelope_file() {	# envelope_file FILE wsman.py-envelope-args...
	local f=$1
	shift
	"$PY" "$WSMAN_PY" envelope "$@" >"$f" || hard_error "wsman.py envelope failed"
}

xpath() {		# xpath FILE EXPR: texts of the matches
	"$PY" "$WSMAN_PY" xpath "$@"
}

wrt_urls
