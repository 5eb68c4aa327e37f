#!/usr/bin/python3
"""shell_common.py: helpers for the WinRS shell interop tests (shell_*.sh).

Standard library plus wsman.py (raw envelopes) and, where asked for,
pywinrm.  Nothing here asserts: callers decide what is a failure.

    import shell_common as sc
    s = sc.RawShell(url, user, password)      # one keep-alive connection
    sid = s.create(codepage=65001)
    cid = s.command("cat")
    s.send(cid, b"data", end=True)
    out, err, code = s.collect(cid)           # Receive until Done
    s.signal(cid); s.delete()
"""

import base64
import os
import sys
import time

import wsman

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
RSP = wsman.NS["rsp"]
A_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
A_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
A_COMMAND = RSP + "/Command"
A_SEND = RSP + "/Send"
A_RECEIVE = RSP + "/Receive"
A_SIGNAL = RSP + "/Signal"
SIG_TERMINATE = RSP + "/signal/terminate"
SIG_CTRL_C = RSP + "/signal/ctrl_c"
SIG_CTRL_BREAK = RSP + "/signal/ctrl_break"
STATE_DONE = RSP + "/CommandState/Done"
STATE_RUNNING = RSP + "/CommandState/Running"

CODE_TIMED_OUT = "2150858793"
CODE_SHELL_NOT_FOUND = "2150858843"
CODE_QUOTA_MAX_SHELLS = "2150859173"
CODE_QUOTA_MAX_OPERATIONS = "2150859174"
CODE_QUOTA_MAX_SHELLUSERS = "2150859179"


CREATED = []	# every ShellId RawShell.create got, for leak checks


def cgroup_dirs_named(ids, root="/sys/fs/cgroup", depth=7):
    """directories under root whose name contains one of ids"""
    ids = [i.lower() for i in ids]
    found = []
    root_depth = root.rstrip("/").count("/")
    for d, subdirs, _ in os.walk(root):
        if d.count("/") - root_depth >= depth:
            subdirs[:] = []
        for sd in subdirs:
            if any(i in sd.lower() for i in ids):
                found.append(os.path.join(d, sd))
    return found


class Fail(Exception):
    """A test failure with a message; scripts print it and exit 1."""


def esc(s):
    return wsman._esc(s)


def create_envelope(codepage=None, noprofile=None, working_directory=None,
                    env=None, idle_timeout=None, message_id=None,
                    operation_timeout="PT60S"):
    opts = {}
    if noprofile is not None:
        opts["WINRS_NOPROFILE"] = "TRUE" if noprofile else "FALSE"
    if codepage is not None:
        opts["WINRS_CODEPAGE"] = str(codepage)
    body = ["<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams>"
            "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>"]
    if working_directory is not None:
        body.append("<rsp:WorkingDirectory>%s</rsp:WorkingDirectory>"
                    % esc(working_directory))
    if idle_timeout is not None:
        body.append("<rsp:IdleTimeOut>%s</rsp:IdleTimeOut>" % esc(idle_timeout))
    if env:
        body.append("<rsp:Environment>" + "".join(
            '<rsp:Variable Name="%s">%s</rsp:Variable>' % (esc(k), esc(v))
            for k, v in env.items()) + "</rsp:Environment>")
    body.append("</rsp:Shell>")
    return wsman.envelope(A_CREATE, SHELL_URI, options=opts,
                          body="".join(body), message_id=message_id,
                          operation_timeout=operation_timeout)


def command_envelope(shell_id, command, arguments=(), skip_cmd_shell=False,
                     message_id=None):
    body = "<rsp:CommandLine><rsp:Command>%s</rsp:Command>%s</rsp:CommandLine>" % (
        esc(command), "".join("<rsp:Arguments>%s</rsp:Arguments>" % esc(a)
                              for a in arguments))
    return wsman.envelope(
        A_COMMAND, SHELL_URI, selectors={"ShellId": shell_id},
        options={"WINRS_CONSOLEMODE_STDIN": "TRUE",
                 "WINRS_SKIP_CMD_SHELL": "TRUE" if skip_cmd_shell else "FALSE"},
        body=body, message_id=message_id)


def send_envelope(shell_id, command_id, data, end=False, message_id=None):
    b64 = base64.b64encode(data).decode("ascii")
    return wsman.envelope(
        A_SEND, SHELL_URI, selectors={"ShellId": shell_id},
        body='<rsp:Send><rsp:Stream Name="stdin" CommandId="%s"%s>%s'
             '</rsp:Stream></rsp:Send>'
             % (esc(command_id), ' End="true"' if end else "", b64),
        message_id=message_id)


def receive_envelope(shell_id, command_id, operation_timeout="PT20S",
                     message_id=None):
    return wsman.envelope(
        A_RECEIVE, SHELL_URI, selectors={"ShellId": shell_id},
        body='<rsp:Receive><rsp:DesiredStream CommandId="%s">stdout stderr'
             '</rsp:DesiredStream></rsp:Receive>' % esc(command_id),
        message_id=message_id, operation_timeout=operation_timeout)


def signal_envelope(shell_id, command_id, code=SIG_TERMINATE, message_id=None):
    return wsman.envelope(
        A_SIGNAL, SHELL_URI, selectors={"ShellId": shell_id},
        body='<rsp:Signal CommandId="%s"><rsp:Code>%s</rsp:Code></rsp:Signal>'
             % (esc(command_id), esc(code)), message_id=message_id)


def delete_envelope(shell_id, message_id=None):
    return wsman.envelope(A_DELETE, SHELL_URI,
                          selectors={"ShellId": shell_id},
                          message_id=message_id)


def parse_receive(reply):
    """(stdout bytes, stderr bytes, state URI or None, exit code or None)"""
    out, err = [], []
    for st in reply.findall(".//rsp:ReceiveResponse/rsp:Stream"):
        if st.text:
            data = base64.b64decode(st.text, validate=True)
            (out if st.get("Name") == "stdout" else err).append(data)
    cs = reply.find(".//rsp:ReceiveResponse/rsp:CommandState")
    state = cs.get("State") if cs is not None else None
    code = reply.text(".//rsp:ReceiveResponse/rsp:CommandState/rsp:ExitCode")
    return (b"".join(out), b"".join(err), state,
            int(code) if code is not None else None)


def describe(reply):
    f = reply.fault()
    if f:
        return "HTTP %d fault %s/%s WSManFault %s: %s" % (
            reply.status, f["code"], f["subcode"], f["wsmanfault_code"],
            f["reason"])
    return "HTTP %d %r" % (reply.status, reply.body[:300])


class RawShell:
    """A shell driven with raw envelopes on one keep-alive connection
    (or a fresh connection per request with conn=None semantics via
    new_connection())."""

    def __init__(self, url, user, password, timeout=60.0, conn=None):
        self.url = url
        self.user = user
        self.password = password
        self.timeout = timeout
        self.conn = conn or wsman.Connection(url, timeout=timeout)
        self.shell_id = None

    def post(self, body, conn=None):
        return (conn or self.conn).post(body, user=self.user,
                                        password=self.password)

    def new_connection(self):
        return wsman.Connection(self.url, timeout=self.timeout)

    def expect_ok(self, reply, what):
        if reply.status != 200 or reply.fault() is not None:
            raise Fail("%s: %s" % (what, describe(reply)))
        return reply

    def create(self, **kw):
        r = self.post(create_envelope(**kw))
        self.last = r
        if r.status != 200:
            raise Fail("Create: %s" % describe(r))
        sid = None
        for sel in r.findall(".//w:Selector"):
            if sel.get("Name") == "ShellId":
                sid = sel.text
        if not sid:
            raise Fail("Create: no ShellId selector: %r" % r.body[:400])
        self.shell_id = sid
        CREATED.append(sid)
        return sid

    def command(self, command, arguments=(), skip_cmd_shell=False):
        r = self.expect_ok(self.post(command_envelope(
            self.shell_id, command, arguments, skip_cmd_shell)),
            "Command %r" % command)
        cid = r.text(".//rsp:CommandResponse/rsp:CommandId")
        if not cid:
            raise Fail("Command: no CommandId: %r" % r.body[:400])
        return cid

    def send(self, cid, data, end=False, conn=None):
        return self.expect_ok(self.post(send_envelope(
            self.shell_id, cid, data, end), conn=conn), "Send")

    def receive(self, cid, operation_timeout="PT20S", conn=None):
        """One Receive: the Reply (fault or not)."""
        return self.post(receive_envelope(self.shell_id, cid,
                                          operation_timeout), conn=conn)

    def collect(self, cid, limit=60.0, operation_timeout="PT20S", conn=None):
        """Receives until Done: (stdout, stderr, exit code).  A TimedOut
        fault is retried, any other fault raises Fail."""
        out, err = [], []
        t_end = time.monotonic() + limit
        while True:
            if time.monotonic() > t_end:
                raise Fail("command %s not Done after %.0f s" % (cid, limit))
            r = self.receive(cid, operation_timeout, conn=conn)
            f = r.fault()
            if f is not None:
                if f["wsmanfault_code"] == CODE_TIMED_OUT:
                    continue
                raise Fail("Receive: %s" % describe(r))
            if r.status != 200:
                raise Fail("Receive: %s" % describe(r))
            o, e, state, code = parse_receive(r)
            out.append(o)
            err.append(e)
            if state == STATE_DONE:
                if code is None:
                    raise Fail("Done without ExitCode")
                return b"".join(out), b"".join(err), code
            if state != STATE_RUNNING:
                raise Fail("Receive: CommandState %r" % state)

    def signal(self, cid, code=SIG_TERMINATE, conn=None):
        return self.post(signal_envelope(self.shell_id, cid, code), conn=conn)

    def delete(self, conn=None):
        return self.post(delete_envelope(self.shell_id), conn=conn)

    def run(self, command, arguments=(), stdin=None, limit=60.0):
        """Command [+ Send with End] + Receive until Done + terminate."""
        cid = self.command(command, arguments)
        if stdin is not None:
            self.send(cid, stdin, end=True)
        res = self.collect(cid, limit)
        self.expect_ok(self.signal(cid), "Signal terminate")
        return res

    def close(self):
        self.conn.close()


def pywinrm_protocol(url, transport, user, password, **kw):
    import winrm
    return winrm.Protocol(url, transport=transport, username=user,
                          password=password, server_cert_validation="ignore",
                          **kw)


def pywinrm_session(url, transport, user, password, **kw):
    import winrm
    return winrm.Session(url, auth=(user, password), transport=transport,
                         server_cert_validation="ignore", **kw)


def procs_of(user):
    """[(pid, pgid, stat, cmdline)] of the user's processes (from /proc)."""
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = os.stat("/proc/" + d)
            if st.st_uid != uid:
                continue
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        res.append((int(d), int(fields[2]), fields[0], cmd.strip()))
    return res


def wait_until(pred, limit, step=0.05):
    t_end = time.monotonic() + limit
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > t_end:
            return v
        time.sleep(step)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def children_of(pid):
    """[(pid, state)] of the child processes of pid (from /proc)"""
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            res.append((int(d), fields[0]))
    return res


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def main_wrapper(fn):
    """Runs fn(argv); Fail -> message and exit 1."""
    try:
        fn(sys.argv[1:])
    except Fail as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
