#!/bin/sh
# validate.sh: the PSRP codec against third-party clients, live: pypsrp
# and psrpcore from the client matrix's venv (tests/clients/requirements.txt,
# installed by scripts/install-clients before the tests) open a runspace
# pool, run pipelines and exchange keys with what tests/psrp/psrp_tool
# writes, and the codec decodes what they send (tests/psrp/validate.py).
# Skipped (77) where make check installs no clients: the interop tests skip
# there too (not root, without WINRMD_REQUIRE_INTEROP=1); with
# WINRMD_REQUIRE_INTEROP=1 a missing venv is an error, never a skip.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
env=$top_builddir/tests/clients/clients.env
if [ ! -s "$env" ]; then
	if [ "${WINRMD_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "validate: ERROR: no client venv ($env is empty) and WINRMD_REQUIRE_INTEROP=1" >&2
		exit 99
	fi
	echo "validate: SKIP: no client venv here ($env is empty: the clients are installed only where the interop tests run)"
	exit 77
fi
. "$env"
if [ ! -e "${CLIENTS_VENV:-}/.complete" ]; then
	echo "validate: the client venv ${CLIENTS_VENV:-} is not installed" >&2
	exit 99
fi
exec "$CLIENTS_VENV/bin/python" "$top_srcdir/tests/psrp/validate.py" \
    "$top_builddir/tests/psrp/psrp_tool"
