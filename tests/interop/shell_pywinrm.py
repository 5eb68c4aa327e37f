#!/usr/bin/python3
"""shell_pywinrm.py URL TRANSPORT USER PASSWORD UID WORK: the WinRS shell
through pywinrm's Session and Protocol (see shell_pywinrm.sh)."""

import hashlib
import os

import shell_common as sc
from shell_common import Fail, check

from winrm.exceptions import WinRMError


def main(argv):
    url, transport, user, pw, uid, work = argv[:6]
    s = sc.pywinrm_session(url, transport, user, pw)
    p = s.protocol
    tag = "[%s]" % transport

    def ok(msg):
        print("   ok %s: %s" % (tag, msg))

    # ---------------------------------------------------------- identity
    r = s.run_cmd("id", ["-un"])
    check(r.status_code == 0 and r.std_out == (user + "\n").encode(),
          "run_cmd('id', ['-un']): status %d, stdout %r, stderr %r, "
          "expected %r" % (r.status_code, r.std_out, r.std_err, user))
    ok("id -un -> %s" % user)
    r = s.run_cmd("id", ["-u"])
    check(r.status_code == 0 and r.std_out.strip() == uid.encode(),
          "run_cmd('id', ['-u']): status %d, stdout %r, expected %s"
          % (r.status_code, r.std_out, uid))
    check(r.std_out.strip() != b"0", "the command ran as uid 0")
    ok("id -u -> %s (not 0)" % uid)

    # ---------------------------------------------- streams, exit codes
    r = s.run_cmd("echo out1; echo err1 >&2; echo out2; echo err2 1>&2")
    check(r.status_code == 0, "stream test exited %d" % r.status_code)
    check(r.std_out == b"out1\nout2\n",
          "stdout is %r, expected 'out1\\nout2\\n'" % r.std_out)
    check(r.std_err == b"err1\nerr2\n",
          "stderr is %r, expected 'err1\\nerr2\\n'" % r.std_err)
    ok("stdout and stderr come back separated")

    for line, want in (("true", 0), ("exit 3", 3), ("kill -INT $$", 130),
                       ("exit 0", 0)):
        r = s.run_cmd(line)
        check(r.status_code == want, "%r: exit code %d, expected %d "
              "(stderr %r)" % (line, r.status_code, want, r.std_err))
    ok("exit codes 0, 3, 130 (SIGINT)")

    # ----------------- long poll: w:TimedOut before OperationTimeout
    # OperationTimeout PT2S, HTTP read timeout 3 s: each Receive must be
    # answered with the TimedOut fault (2150858793) in between, which
    # pywinrm turns into a silent retry
    import time
    short = sc.pywinrm_session(url, transport, user, pw,
                               operation_timeout_sec=2, read_timeout_sec=3)
    t0 = time.monotonic()
    r = short.run_cmd("sleep 4; echo late")
    dt = time.monotonic() - t0
    check(r.status_code == 0 and r.std_out == b"late\n",
          "sleep 4 with OperationTimeout PT2S: exit %d, stdout %r, stderr %r"
          % (r.status_code, r.std_out, r.std_err))
    check(dt >= 4, "sleep 4 returned after %.1f s" % dt)
    ok("a 4 s command with OperationTimeout PT2S and a 3 s read timeout: "
       "Receives timed out and were retried, 'late' after %.1f s" % dt)

    # --------------------------------------------------------- run_ps
    r = s.run_ps("echo hi")
    check(r.status_code == 0 and r.std_out.strip() == b"hi",
          "run_ps('echo hi'): status %d, stdout %r, stderr %r"
          % (r.status_code, r.std_out, r.std_err))
    ok("run_ps('echo hi') -> hi (no pwsh)")

    # ------------------------------------------------ 5 MB, byte-exact
    big = os.path.join(work, "random.bin")
    with open(big, "rb") as f:
        data = f.read()
    check(len(data) == 5000000, "random.bin has %d bytes" % len(data))
    r = s.run_cmd("base64", ["-w0", big])
    check(r.status_code == 0, "base64 -w0 exited %d: %r"
          % (r.status_code, r.std_err[:300]))
    import base64
    try:
        got = base64.b64decode(r.std_out, validate=True)
    except Exception as e:
        raise Fail("base64 output of %d bytes does not decode: %s"
                   % (len(r.std_out), e))
    check(got == data, "base64 round trip: %d bytes back, %s"
          % (len(got), "differ" if len(got) == len(data) else "length differs"))
    ok("5,000,000 random bytes as base64 (%d bytes of output) byte-exact"
       % len(r.std_out))

    shell = p.open_shell(codepage=65001)
    cid = p.run_command(shell, "cat", [big])
    out, err, code = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    check(code == 0 and err == b"", "cat of the binary file: exit %d, "
          "stderr %r" % (code, err[:300]))
    check(len(out) == len(data) and
          hashlib.sha256(out).hexdigest() == hashlib.sha256(data).hexdigest(),
          "raw binary through codepage 65001: %d bytes, sha256 %s, "
          "expected %s" % (len(out), hashlib.sha256(out).hexdigest(),
                           hashlib.sha256(data).hexdigest()))
    ok("5,000,000 raw binary bytes with codepage 65001: sha256 equal")

    # ------------------------------------------------------ codepages
    text = "h\u00e9llo \u2713 \u65e5\u672c"
    shell = p.open_shell(codepage=65001)
    cid = p.run_command(shell, "printf '%s' '" + text + "'")
    out, err, code = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    check(code == 0 and out == text.encode("utf-8"),
          "codepage 65001: %r (exit %d, stderr %r), expected %r"
          % (out, code, err, text.encode("utf-8")))
    ok("codepage 65001: %r as UTF-8" % text)
    r = s.run_cmd("printf '%s' '" + text + "'")		# default 437
    want = b"h\x82llo ? ??"
    check(r.status_code == 0 and r.std_out == want,
          "codepage 437: %r (exit %d), expected %r"
          % (r.std_out, r.status_code, want))
    ok("codepage 437 (default): %r" % r.std_out)

    # -------------------------------- WorkingDirectory and Environment
    wd = os.path.join(work, "wd dir")
    shell = p.open_shell(working_directory=wd,
                         env_vars={"WRT_VAR": "value with spaces & <xml>"})
    cid = p.run_command(shell, 'pwd; echo "$WRT_VAR"')
    out, err, code = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    want = (wd + "\nvalue with spaces & <xml>\n").encode()
    check(code == 0 and out == want, "WorkingDirectory/Environment: %r "
          "(exit %d, stderr %r), expected %r" % (out, code, err, want))
    ok("WorkingDirectory %r and Environment WRT_VAR honoured" % wd)

    # ----------------------------- a WorkingDirectory that does not exist
    shell = p.open_shell(working_directory="/nonexistent/wrt-" + uid)
    try:
        cid = p.run_command(shell, "pwd")
        out, err, code = p.get_command_output(shell, cid)
        raise Fail("a command in a nonexistent WorkingDirectory ran: "
                   "exit %d, stdout %r, stderr %r" % (code, out, err))
    except WinRMError as e:
        msg = str(e)
        ok("nonexistent WorkingDirectory -> %s: %s"
           % (type(e).__name__, msg[:160]))
    p.close_shell(shell)
    # a directory the user may not enter: the chdir happens as the user
    closed = os.path.join(work, "closed")
    shell = p.open_shell(working_directory=closed)
    try:
        cid = p.run_command(shell, "pwd; ls")
        out, err, code = p.get_command_output(shell, cid)
        raise Fail("a command ran in %s (mode 0700, root's): exit %d, "
                   "stdout %r, stderr %r" % (closed, code, out, err))
    except WinRMError as e:
        check("Permission denied" in str(e), "WorkingDirectory %s: %s"
              % (closed, e))
        ok("a WorkingDirectory the user may not enter -> WinRMError "
           "(Permission denied)")
    p.close_shell(shell)
    r = s.run_cmd("echo", ["still", "here"])
    check(r.status_code == 0 and r.std_out == b"still here\n",
          "after the fault: %r" % (r.std_out,))
    ok("the daemon still serves after that fault")

    # last, as it is a corner: output that ends inside a UTF-8 sequence,
    # converted to codepage 437, ends with '?' (not silently shortened)
    r = s.run_cmd(r"printf 'end\303'")
    check(r.status_code == 0 and r.std_out == b"end?",
          "codepage 437, output ending with an incomplete UTF-8 sequence "
          "(end\\303): %r, expected b'end?'" % r.std_out)
    ok("codepage 437: a cut UTF-8 sequence at the end becomes '?'")


sc.main_wrapper(main)
