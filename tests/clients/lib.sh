# lib.sh: sourced by the client matrix's drivers (tests/clients/*.sh),
# after tests/interop/lib.sh (the daemon, the accounts, the watchdog).
#
# Each driver proves one client against the real daemon and records what
# it proved: one line per operation that passed, in
# $top_builddir/tests/clients/results/$TEST_NAME.tsv (CLIENT, VERSION,
# SOURCE, OPERATION, tab-separated).  The lines are written to a .partial
# file and become the .tsv only when the driver passes (clients_done), so
# a failed run proves nothing.  tests/clients/matrix-table renders them
# into README.md's table.
#
#   clients_require             loads what scripts/install-clients wrote
#                               (CLIENTS_VENV CLIENTS_GOBIN CLIENTS_JAVA_CP);
#                               a hard error (99) when it is missing: the
#                               matrix never skips a client
#   matrix CLIENT VERSION SOURCE OPERATION...
#                               records each OPERATION as proven
#   clients_done                the driver passed: its lines count
#   venv_version DIST           a distribution's version in the venv

CLIENTS_RESULTS=$top_builddir/tests/clients/results
mkdir -p "$CLIENTS_RESULTS" || hard_error "cannot create $CLIENTS_RESULTS"
rm -f "$CLIENTS_RESULTS/$TEST_NAME.tsv"
: >"$CLIENTS_RESULTS/$TEST_NAME.partial"

clients_require() {
	local env=$top_builddir/tests/clients/clients.env
	[ -s "$env" ] || hard_error "$env is missing: the clients are installed by make check (scripts/install-clients); run the driver through make check"
	# shellcheck disable=SC1090
	. "$env"
	[ -n "${CLIENTS_VENV:-}" ] && [ -e "$CLIENTS_VENV/.complete" ] ||
		hard_error "the client venv ${CLIENTS_VENV:-} is not installed"
	[ -n "${CLIENTS_GOBIN:-}" ] && [ -e "$CLIENTS_GOBIN/.complete" ] ||
		hard_error "the Go clients ${CLIENTS_GOBIN:-} are not built"
	[ -n "${CLIENTS_JAVA_CP:-}" ] || hard_error "the Java client is not built"
	# the clients' own caches go to the work directory, not $HOME
	export XDG_CACHE_HOME=$WORK/cache
}

matrix() {
	local f=() op
	# one line per operation: no tab or line end inside a field
	for op in "$@"; do
		op=${op//$'\t'/ }
		f+=("${op//$'\n'/ }")
	done
	for op in "${f[@]:3}"; do
		printf '%s\t%s\t%s\t%s\n' "${f[0]}" "${f[1]}" "${f[2]}" "$op" \
		    >>"$CLIENTS_RESULTS/$TEST_NAME.partial"
	done
}

clients_done() {
	mv "$CLIENTS_RESULTS/$TEST_NAME.partial" "$CLIENTS_RESULTS/$TEST_NAME.tsv" ||
		fail "cannot keep the results"
}

venv_version() {
	"$CLIENTS_VENV/bin/python" -c 'import importlib.metadata as m, sys
print(m.version(sys.argv[1]))' "$1" || hard_error "no version of $1 in the venv"
}
