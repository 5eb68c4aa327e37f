#!/bin/sh
# validate.sh: the PSRP codec against third-party clients, live: pypsrp
# 0.9.1 and psrpcore 0.3.1 (tests/psrp/requirements.txt, in a venv made
# once under the build tree by tests/psrp/venv) open a runspace pool, run
# pipelines and exchange keys with what tests/psrp/psrp_tool writes, and
# the codec decodes what they send (tests/psrp/validate.py).
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
py=$("$top_srcdir/tests/psrp/venv" "$top_builddir/tests/psrp/venv")
exec "$py" "$top_srcdir/tests/psrp/validate.py" "$top_builddir/tests/psrp/psrp_tool"
