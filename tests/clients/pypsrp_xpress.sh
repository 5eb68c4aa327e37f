#!/bin/bash
# pypsrp_xpress.sh: CompressionType xpress (issue 16 item 4), as Windows'
# WinRM client sends it unless told not to, with the client matrix's pypsrp
# (PyPI) patched to add the Create header and to compress its Sends with
# libwim's own LZ77+Huffman compressor (tests/clients/
# pypsrp_xpress_client.py says what each operation proves): WinRS stdin
# reaches sha256sum intact, Receive comes in stored 64 KiB chunks, bad
# chunks are faults with a log line, other types are refused or ignored;
# a PowerShell runspace pool works the same way.  Basic over HTTP.
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require
[ -f "$SHELLPLUG" ] || hard_error "the shell plugin is not staged at $SHELLPLUG"

write_config "[Service]" "AllowUnencrypted = true" "[Auth]" "Basic = true" \
    "[Plugins]" "Load = $(all_plugins_load)"
start_daemon
version=$(venv_version pypsrp)
OUT=$WORK/out.txt
driver() {
	with_timeout 120 "$CLIENTS_VENV/bin/python" \
	    "$WRT_TEST_HERE/pypsrp_xpress_client.py" "$@" >"$OUT" 2>&1 ||
		fail "pypsrp xpress $1: $(tail -n 12 "$OUT")"
}
say "pypsrp $version, WinRS shell with CompressionType xpress"
driver winrs "$URL_HTTP4" "$TEST_USER" "$TEST_PASS"
for op in "sha256sum of compressed stdin" "receive framing" \
    "get CompressionMode" "bad chunks refused" "other compression types"; do
	grep -qx "ok $op" "$OUT" || fail "no '$op': $(cat "$OUT")"
	ok "$op"
done
grep -q "shell: .* created for $TEST_USER .*, CompressionType xpress)" "$DLOG" ||
    fail "the log does not say the shell is compressed"
grep -q "stdin stream of shell .* refused: a compressed chunk is cut short" "$DLOG" ||
    fail "no log line for the chunk cut short"
grep -q "stdin stream of shell .* refused: a chunk is not valid LZ77+Huffman data" "$DLOG" ||
    fail "no log line for the bad Huffman table"
grep -q "stdin stream of shell .* refused: the decompressed data is larger than a request may carry" "$DLOG" ||
    fail "no log line for the chunks past the bound"
grep -q "asks for CompressionType lznt1, which is not supported" "$DLOG" ||
    fail "no log line for CompressionType lznt1"
ok "a log line for each refusal"
say "pypsrp $version, PowerShell runspace pool with CompressionType xpress"
driver psrp "$URL_HTTP4" "$TEST_USER" "$TEST_PASS"
for op in "psrp script" "psrp input objects"; do
	grep -qx "ok $op" "$OUT" || fail "no '$op': $(cat "$OUT")"
	ok "$op"
done
matrix pypsrp "$version" PyPI \
    "WinRS and PSRP with CompressionType xpress (Sends compressed by libwim, as Windows' client does), basic over HTTP"
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC"
clients_done
echo "PASS: $TEST_NAME"
