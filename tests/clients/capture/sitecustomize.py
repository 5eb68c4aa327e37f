"""Records what pywinrm sends for each WinRS command (tests/clients/capture-ansible).

Imported by every Python process started with this directory first on
PYTHONPATH: it wraps winrm.protocol.Protocol's run_command and
send_message (Ansible writes its Sends itself) and writes, into
$WINRMD_CAPTURE_DIR, PID-NNN.cmd (the command line as sent) and
PID-NNN.stdin (the stdin: every Send of the command, in order).

For pypsrp (Ansible's psrp connection) it wraps PowerShell.begin_invoke
and writes PID-NNN.psrp.json: the pipeline's commands (cmd, is_script,
args) and its input objects (strings, lists of strings), in order.
"""

import base64
import itertools
import json
import os
import re

_dir = os.environ.get("WINRMD_CAPTURE_DIR")


def _install():
    try:
        import winrm.protocol as wp
    except ImportError:
        return
    counter = itertools.count(1)
    ids = {}
    orig_run, orig_msg = wp.Protocol.run_command, wp.Protocol.send_message
    stream_re = re.compile(r"<rsp:Stream\b([^>]*)>([^<]*)</rsp:Stream>")
    cid_re = re.compile(r'CommandId="([^"]+)"')

    def run_command(self, shell_id, command, arguments=(), *a, **kw):
        cid = orig_run(self, shell_id, command, arguments, *a, **kw)
        n = "%d-%03d" % (os.getpid(), next(counter))
        ids[cid] = n
        line = command if isinstance(command, str) else command.decode()
        for arg in arguments:
            line += " " + (arg if isinstance(arg, str) else arg.decode())
        with open(os.path.join(_dir, n + ".cmd"), "w") as f:
            f.write(line)
        return cid

    def send_message(self, message, *a, **kw):
        text = message if isinstance(message, str) else message.decode()
        if "/windows/shell/Send<" in text:
            for attrs, b64 in stream_re.findall(text):
                m = cid_re.search(attrs)
                n = ids.get(m.group(1) if m else None, "unknown")
                with open(os.path.join(_dir, n + ".stdin"), "ab") as f:
                    f.write(base64.b64decode(b64))
        return orig_msg(self, message, *a, **kw)

    wp.Protocol.run_command = run_command
    wp.Protocol.send_message = send_message


def _install_psrp():
    try:
        import pypsrp.powershell as pp
    except ImportError:
        return
    counter = itertools.count(1)
    orig = pp.PowerShell.begin_invoke

    def plain(v):
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v if isinstance(v, (str, int, float, bool, type(None))) \
            else str(v)

    def begin_invoke(self, input=None, *a, **kw):
        if input is not None:
            input = list(input)
        n = "%d-%03d" % (os.getpid(), next(counter))
        cmds = [{"cmd": c.cmd, "is_script": c.is_script,
                 "args": [[arg.name, plain(arg.value)] for arg in c.args]}
                for c in self.commands]
        with open(os.path.join(_dir, n + ".psrp.json"), "w") as f:
            json.dump({"commands": cmds, "input": plain(input)}, f)
        return orig(self, input, *a, **kw)

    pp.PowerShell.begin_invoke = begin_invoke


if _dir:
    _install()
    _install_psrp()
