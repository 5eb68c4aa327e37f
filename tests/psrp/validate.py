#!/usr/bin/env python3
"""validate.py TOOL: third-party PSRP clients against the codec (see
validate.sh).  pypsrp's RunspacePool and PowerShell run with a stand-in
for their WinRS shell: what they send goes to TOOL's decoder, what they
receive comes from TOOL's builders.  psrpcore's client reads the same
server messages, and psrpcore and pypsrp deserialise the codec's CLIXML.
Prints one line per check and "N passed, 0 failed"; exits 1 on a failure.
"""

import base64
import json
import subprocess
import sys
import time
import uuid

import psrpcore
import psrpcore.types as pt
from pypsrp.host import PSHost
from pypsrp.powershell import PowerShell, PSInvocationState, RunspacePool, RunspacePoolState
from pypsrp.serializer import Serializer

TOOL = sys.argv[1]
passed = 0


def tool(req):
    p = subprocess.run([TOOL], input=json.dumps(req).encode(), capture_output=True)
    out = json.loads(p.stdout or b"{}")
    if p.returncode != 0:
        raise AssertionError("psrp_tool: %s" % out.get("error", p.stderr.decode()))
    return out


def check(what, cond, detail=""):
    global passed
    if not cond:
        print("FAIL: %s %s" % (what, detail))
        print("%d passed, 1 failed" % passed)
        sys.exit(1)
    passed += 1
    print("ok: %s" % what)


class Emitter:
    """The server side: the codec's messages for a pool, numbered."""

    def __init__(self, rpid, max_blob=32768):
        self.rpid = rpid
        self.oid = 1
        self.max_blob = max_blob

    def emit(self, messages, pid=None):
        out = tool({"op": "emit", "rpid": self.rpid, "pid": pid, "object_id": self.oid,
                    "max_blob": self.max_blob, "messages": messages})
        self.oid = out["object_id"]
        return [base64.b64decode(p) for p in out["payloads"]], out


class FakeShell:
    """pypsrp's WinRS: sends are decoded by the codec, receives are queued."""

    def __init__(self):
        self.sent = []
        self.queue = []

    def open(self, options, content):
        self.sent.append(content.text)

    def command(self, executable, arguments=None, command_id=None, **kw):
        self.sent.append(arguments[0])
        import xml.etree.ElementTree as ET
        return ET.fromstring('<r xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">'
                             '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId>'
                             '</rsp:CommandResponse></r>' % command_id)

    def send(self, stream, data, command_id=None, end=None):
        self.sent.append(base64.b64encode(data).decode())

    def receive(self, stream, command_id=None, timeout=None):
        if not self.queue:
            raise AssertionError("pypsrp received with nothing queued")
        item = self.queue.pop(0)
        if callable(item):
            item = item()
        return True, 0, {"stdout": item}

    def take(self):
        sent, self.sent = self.sent, []
        return tool({"op": "decode", "payloads": sent})["messages"]


class FakeConnection:
    """pypsrp's WSMan: the sizes it has before and after the capability."""
    max_envelope_size = 153600
    max_payload_size = 153600 - 8192

    def update_max_payload_size(self, size):
        self.max_envelope_size = size
        self.max_payload_size = size - 8192


def events_of(pool):
    """Every event psrpcore's client has for what it received."""
    events = []
    while True:
        e = pool.next_event()
        if e is None:
            return events
        events.append(e)


def pypsrp_checks():
    host = PSHost(None, None, False, "winrmd", None, None, "1.0")
    pool = RunspacePool(FakeConnection(), min_runspaces=1, max_runspaces=2, host=host)
    shell = pool.shell = FakeShell()
    rpid = pool.id.lower()
    srv = Emitter(rpid)

    # open: the codec reads pypsrp's creationXml, pypsrp reads the codec's replies
    payloads, _ = srv.emit([{"kind": "capability"},
                            {"kind": "app_private_data", "os": "Linux 6.1", "build": "winrmd-test"}])
    state, _ = srv.emit([{"kind": "pool_state", "state": 2}])
    shell.queue = [b"".join(payloads), b"".join(state)]
    pool.open(application_arguments={"Key": "value"})
    sent = shell.take()
    check("pypsrp's creationXml decoded",
          [m["type"] for m in sent] == [0x10002, 0x10004] and
          sent[1]["expect"]["init"]["max"] == 2 and
          sent[1]["expect"]["init"]["is_host_null"] is False and
          sent[1]["expect"]["init"]["app_args"] == {"Key": "value"}, sent)
    check("pypsrp opened the pool", pool.state == RunspacePoolState.OPENED, pool.state)
    check("pypsrp read protocolversion 2.3", pool.protocol_version == "2.3", pool.protocol_version)
    table = pool.application_private_data.data["PSVersionTable"]
    check("pypsrp read the PSVersionTable",
          str(table["PSVersion"]) == "5.1" and table["PSEdition"] == "winrmd" and
          table["OS"] == "Linux 6.1" and str(table["PSRemotingProtocolVersion"]) == "2.3",
          table)

    # a pipeline: script, input, then every stream and the state
    ps = PowerShell(pool)
    pid = ps.id.lower()
    ps.add_script("echo 'a _x000A_ b'\n").add_statement()
    ps.add_cmdlet("Get-Item").add_parameter("Path", "/tmp").add_parameter("Force", True)
    out_msgs, _ = srv.emit([
        {"kind": "output", "value": {"S": "line one\r\n\t_x000A_ <&> \u00e9\U0001F600"}},
        {"kind": "output", "value": {"I32": 42}},
        {"kind": "output", "value": {"Obj": {"TN": ["Winrmd.Item", "System.Object"],
                                             "ToString": "item",
                                             "Props": {"Name": {"S": "tmp"}, "Length": {"I64": 4096}}}}},
        {"kind": "error_record", "message": "ls: cannot access 'x'", "fqid": "NativeCommandError",
         "types": ["System.Management.Automation.RemoteException",
                   "System.Management.Automation.RuntimeException", "System.SystemException"],
         "target": {"S": "ls x"}},
        {"kind": "warning", "message": "careful"},
        {"kind": "verbose", "message": "chatty"},
        {"kind": "debug", "message": "bugs"},
        {"kind": "information", "message": "hello host", "host": True, "source": "Write-Host",
         "tags": ["PSHOST"]},
        {"kind": "progress", "activity": "copying", "status": "half", "percent": 50},
        {"kind": "host_call", "pipeline": True, "ci": -100, "mi": 6, "params": [{"I32": 3}]},
        {"kind": "pipeline_state", "state": 4}], pid=pid)
    shell.queue = [b"".join(out_msgs)]
    ps.begin_invoke(input=["in one", "in two"])
    sent = shell.take()
    check("pypsrp's CREATE_PIPELINE and input decoded",
          [m["type"] for m in sent] == [0x21006, 0x41002, 0x41002, 0x41003] and
          sent[0]["pid"] == pid and
          sent[0]["expect"]["pipeline"]["statements"][0][0]["cmd"] == "echo 'a _x000A_ b'\n" and
          sent[0]["expect"]["pipeline"]["statements"][1][0]["args"] ==
          [{"name": "Path", "value": "/tmp"}, {"name": "Force", "value": True}] and
          sent[1]["expect"]["input"] == "in one", json.dumps(sent)[:2000])
    output = ps.end_invoke()
    check("pypsrp completed the pipeline", ps.state == PSInvocationState.COMPLETED, ps.state)
    check("pypsrp read strings, numbers and objects",
          output[0] == "line one\r\n\t_x000A_ <&> \u00e9\U0001F600" and output[1] == 42,
          output)
    obj = output[2]
    check("pypsrp read an object's adapted properties",
          obj.adapted_properties["Name"] == "tmp" and obj.adapted_properties["Length"] == 4096 and
          str(obj) == "item" and obj.types[0] == "Winrmd.Item", vars(obj))
    err = ps.streams.error[0]
    check("pypsrp read the ErrorRecord",
          err.exception.adapted_properties["Message"] == "ls: cannot access 'x'" and err.fq_error == "NativeCommandError"
          and err.message == "NotSpecified: (:) [], RemoteException" and err.target_object == "ls x"
          and err.reason == "RemoteException" and str(err) == "ls: cannot access 'x'",
          vars(err))
    # pypsrp sets had_errors from a Failed state only (docs/PSRP.md)
    check("pypsrp's had_errors follows the state alone", ps.had_errors is False)
    check("pypsrp read warning, verbose, debug",
          ps.streams.warning[0].message == "careful" and ps.streams.verbose[0].message == "chatty"
          and ps.streams.debug[0].message == "bugs")
    info = ps.streams.information[0]
    check("pypsrp read the information record",
          info.source == "Write-Host" and info.tags == ["PSHOST"] and
          info.message_data.adapted_properties["Message"] == "hello host", vars(info))
    prog = ps.streams.progress[0]
    check("pypsrp read the progress record",
          prog.activity == "copying" and prog.percent_complete == 50 and
          prog.description == "half", vars(prog))
    check("pypsrp ran SetShouldExit(3) on its host", host.rc == 3, host.rc)

    # a failed pipeline carries its ErrorRecord; a stopped one PipelineStopped
    ps2 = PowerShell(pool)
    ps2.add_script("false")
    failed, _ = srv.emit([{"kind": "pipeline_state", "state": 5,
                           "error": {"message": "the script failed", "fqid": "ScriptFailed",
                                     "category": 7, "activity": "sh"}}], pid=ps2.id.lower())
    shell.queue = [b"".join(failed)]
    ps2.invoke()
    shell.take()
    e2 = ps2.streams.error[0]
    check("pypsrp read a Failed state and its ExceptionAsErrorRecord",
          ps2.state == PSInvocationState.FAILED and ps2.had_errors and
          e2.exception.adapted_properties["Message"] == "the script failed" and
          e2.message == "InvalidOperation: (:) [sh], RuntimeException", vars(e2))
    ps3 = PowerShell(pool)
    ps3.add_script("sleep 100")
    stopped, _ = srv.emit([{"kind": "pipeline_state", "state": 3, "error": {"stopped": "yes"}}],
                          pid=ps3.id.lower())
    shell.queue = [b"".join(stopped)]
    ps3.invoke()
    shell.take()
    check("pypsrp read a Stopped state",
          ps3.state == PSInvocationState.STOPPED and
          ps3.streams.error[0].fq_error == "PipelineStopped", vars(ps3.streams.error[0]))

    # runspace calls answered with their call ids
    def avail(answer):
        def f():
            msgs = shell.take()
            ci = msgs[0]["expect"]["runspace_call"]["ci"]
            data, _ = srv.emit([{"kind": "availability", "ci": ci, "answer": answer}])
            return b"".join(data)
        return f
    shell.queue = [avail(True)]
    pool.max_runspaces = 4
    check("pypsrp's SET_MAX_RUNSPACES answered", pool.max_runspaces == 4)
    shell.queue = [avail(3)]
    check("pypsrp's GET_AVAILABLE_RUNSPACES answered", pool.get_available_runspaces() == 3)
    shell.queue = [avail(True)]
    pool.reset_runspace_state()
    check("pypsrp's RESET_RUNSPACE_STATE answered", True)

    # the key exchange, then a SecureString pypsrp encrypts
    keys = {}

    def key_reply():
        msgs = shell.take()
        check("pypsrp's PUBLIC_KEY decoded", msgs[0]["type"] == 0x10005)
        data, out = srv.emit([{"kind": "encrypted_session_key",
                               "public_key": msgs[0]["expect"]["public_key"]}])
        keys["hex"] = out["session_key_hex"]
        return b"".join(data)
    shell.queue = [key_reply]
    pool.exchange_keys()
    check("pypsrp took the session key", pool._key_exchanged)
    from pypsrp.complex_objects import ObjectMeta
    ss = pool.serialize("p\u00e4ss w\U0001F511rd", ObjectMeta("SS"))
    plain = tool({"op": "decrypt", "key_hex": keys["hex"], "b64": ss.text})["plain"]
    check("the codec decrypted pypsrp's SecureString", plain == "p\u00e4ss w\U0001F511rd", plain)


def psrpcore_checks():
    client = psrpcore.ClientRunspacePool()
    rpid = str(client.runspace_pool_id)
    client.open()
    opened = client.data_to_send()
    msgs = tool({"op": "decode", "payloads": [base64.b64encode(opened.data).decode()]})["messages"]
    check("psrpcore's open decoded", [m["type"] for m in msgs] == [0x10002, 0x10004])
    srv = Emitter(rpid, max_blob=200)
    data, _ = srv.emit([{"kind": "capability"}, {"kind": "app_private_data"},
                        {"kind": "pool_state", "state": 2}])
    check("the codec's reply in several 200-byte payloads", len(data) > 3, len(data))
    for d in data:
        client.receive_data(psrpcore.PSRPPayload(d, psrpcore.StreamType.default, None))
    events = events_of(client)
    check("psrpcore opened the pool", client.state == pt.RunspacePoolState.Opened,
          [type(e).__name__ for e in events])
    apd = client.application_private_data["PSVersionTable"]
    check("psrpcore read the PSVersionTable",
          apd["PSVersion"] == pt.PSVersion("5.1") and apd["PSEdition"] == "winrmd", apd)

    ps = psrpcore.ClientPowerShell(client)
    ps.add_script("echo hi")
    ps.start()
    client.data_to_send()
    pid = str(ps.pipeline_id)
    data, _ = srv.emit([{"kind": "output", "value": {"S": "hi"}},
                        {"kind": "error_record", "message": "boom", "category": 18,
                         "details": "details shown"},
                        {"kind": "information", "message": "note"},
                        {"kind": "host_call", "pipeline": True, "ci": 1, "mi": 11},
                        {"kind": "pipeline_state", "state": 4}], pid=pid)
    for d in data:
        client.receive_data(psrpcore.PSRPPayload(d, psrpcore.StreamType.default, ps.pipeline_id))
    events = events_of(client)
    names = [type(e).__name__ for e in events]
    check("psrpcore read every message", names == [
        "PipelineOutputEvent", "ErrorRecordEvent", "InformationRecordEvent",
        "PipelineHostCallEvent", "PipelineStateEvent"], names)
    rec = events[1].record
    check("psrpcore read the ErrorRecord",
          rec.Exception.Message == "boom" and rec.CategoryInfo.Category == pt.ErrorCategory.PermissionDenied
          and rec.ErrorDetails.Message == "details shown" and str(rec) == "details shown", rec)
    check("psrpcore read the host call", events[3].ci == 1 and
          events[3].method_identifier == pt.HostMethodIdentifier.ReadLine)
    check("psrpcore completed the pipeline", ps.state == pt.PSInvocationState.Completed)


def clixml_checks():
    values = [
        ({"S": "a\nb\x00c\x7f _x0041_ _X \ud83d\ude00 &<>"}, "a\nb\x00c\x7f _x0041_ _X \U0001F600 &<>"),
        ({"S": ""}, ""),
        ({"I64": -9223372036854775808}, -9223372036854775808),
        ({"U64": 18446744073709551615}, 18446744073709551615),
        ({"Db": 0.1}, 0.1),
        ({"Sg": 1.5}, 1.5),
        ({"B": False}, False),
        ({"C": 0x263A}, "\u263a"),
        ({"G": "0a3c2e4d-1111-4000-8000-00000000002a"}, uuid.UUID("0a3c2e4d-1111-4000-8000-00000000002a")),
        ({"BA": "AAH+/w=="}, b"\x00\x01\xfe\xff"),
        ({"Version": "5.1.2"}, pt.PSVersion("5.1.2")),
        (None, None),
    ]
    for tagged, want in values:
        xml = tool({"op": "write", "value": tagged})["xml"]
        import xml.etree.ElementTree as ET
        got = pt.deserialize(ET.fromstring(xml), None)
        if isinstance(want, str) and not isinstance(got, str):
            got = str(got)
        check("psrpcore read %s" % xml[:60], got == want, repr(got))
        got2 = Serializer().deserialize(xml)
        if isinstance(want, (bytes, uuid.UUID)) or want is None or isinstance(want, pt.PSVersion):
            continue
        check("pypsrp read %s" % xml[:60], got2 == want or str(got2) == str(want), repr(got2))
    # a shared object written once and referenced: both clients resolve the Ref
    shared = {"Obj": {"TN": ["System.Management.Automation.PSCustomObject", "System.Object"],
                      "MS": {"K": {"S": "v"}}}}
    xml = tool({"op": "write", "value": {"Obj": {"TN": ["System.Collections.ArrayList", "System.Object"],
                                                 "LST": [shared, shared]}}})["xml"]
    import xml.etree.ElementTree as ET
    got = pt.deserialize(ET.fromstring(xml), None)
    check("psrpcore read a list of PSCustomObjects", [o.K for o in got] == ["v", "v"], xml)


def main():
    t0 = time.time()
    pypsrp_checks()
    psrpcore_checks()
    clixml_checks()
    print("validate: %.1fs" % (time.time() - t0))
    print("%d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
