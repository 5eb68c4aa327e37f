#!/usr/bin/env python3
"""gen_vectors.py: the PSRP codec's test vectors, made by third-party
implementations (psrpcore and pypsrp at the versions of the client
matrix, tests/clients/requirements.txt) and checked in under tests/data/psrp/, where
tests/unit/check_psrp_vectors.c decodes them and compares:

  client.json      what clients send, as they send it (the base64 WS-Man
                   payloads of Create, Command and Send) with what the
                   client meant (pool sizes, host, commands, arguments,
                   call ids, input), from psrpcore and pypsrp
  clixml.json      values serialised by psrpcore, with their expected
                   tagged form (tests/psrp/psrp_json.c)
  session_key.json a client key pair of psrpcore, its PUBLIC_KEY blob, a
                   session key wrapped by psrpcore's server side, and
                   SecureStrings encrypted with it

and the seeds of the fuzz harnesses fuzz_psrp and fuzz_clixml
(tests/fuzz/corpus/).  Run it with the client matrix's venv (make check installs it; its path is
CLIENTS_VENV in $builddir/tests/clients/clients.env) and commit what it
writes:

    . _build/dev/tests/clients/clients.env
    tests/psrp/gen_vectors.py --python "$CLIENTS_VENV/bin/python"

Fixed GUIDs, keys and seeds make the output the same on every run except
for the RSA key pair and the RSA padding, which cryptography makes at
random.
"""

import base64
import json
import os
import struct
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "psrp")

if len(sys.argv) == 3 and sys.argv[1] == "--python":
    os.execv(sys.argv[2], [sys.argv[2], os.path.abspath(__file__)])

import psrpcore  # noqa: E402
import psrpcore.types as pt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from psrpcore._crypto import encrypt_session_key  # noqa: E402
from psrpcore._payload import unpack_fragment, unpack_message  # noqa: E402

RPID = uuid.UUID("11111111-2222-3333-4444-555555555555")
PID = uuid.UUID("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
SESSION_KEY = bytes(range(32))

B64 = lambda b: base64.b64encode(b).decode()  # noqa: E731


def unpack_all(payloads):
    """The messages (psrpcore's Message) in the fragments of payloads."""
    data = b"".join(payloads)
    out, cur = [], b""
    while data:
        f = unpack_fragment(bytearray(data))
        data = data[21 + len(f.data):]
        cur += bytes(f.data)
        if f.end:
            out.append(unpack_message(bytearray(cur)))
            cur = b""
    return out


def messages_of(payloads):
    """The messages in payloads: header fields, for the expectations."""
    return [{"type": int(m.message_type), "destination": m.destination,
             "rpid": str(m.rpid), "pid": str(m.pid) if m.pid else None}
            for m in unpack_all(payloads)]


def plain(v):
    """A value as psrpcore read it, in the plain JSON form of psrp_json.c."""
    if v is None:
        return None
    if isinstance(v, pt.PSSecureString):
        return {"SecureString": True}
    if isinstance(v, bool):
        return v
    if isinstance(v, pt.PSEnumBase) or isinstance(v, pt.PSFlagBase):
        return int(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, pt.PSObject):
        props = {}
        for p in v.PSObject.extended_properties + v.PSObject.adapted_properties:
            props[p.name] = plain(p.get_value(v))
        return props
    raise TypeError(type(v))


def pool_pair(**kw):
    """A psrpcore client pool opened against psrpcore's server."""
    client = psrpcore.ClientRunspacePool(**kw)
    client.runspace_pool_id = RPID
    server = psrpcore.ServerRunspacePool()
    client.open()
    opened = []
    while True:
        p = client.data_to_send()
        if p is None:
            break
        opened.append(p.data)
        server.receive_data(p)
    while server.next_event():
        pass
    while True:
        p = server.data_to_send()
        if p is None:
            break
        client.receive_data(p)
    while client.next_event():
        pass
    return client, server, opened


def drain(pool, amount=None):
    out = []
    while True:
        p = pool.data_to_send(amount)
        if p is None:
            return out
        out.append(p.data)


def host_expect(h):
    return {"is_host_null": h is None or h.IsHostNull if hasattr(h, "IsHostNull") else None}


def cmd_expect(c):
    args = []
    for name, value in c.parameters:
        args.append({"name": name, "value": plain(value)})
    previous = int(pt.PipelineResultTypes.Output | pt.PipelineResultTypes.Error) \
        if c.merge_unclaimed else 0
    merges = [c.merge_my, c.merge_to, previous, c.merge_error, c.merge_warning,
              c.merge_verbose, c.merge_debug, c.merge_information]
    return {"cmd": c.command_text, "is_script": bool(c.is_script),
            "use_local_scope": c.use_local_scope,
            "merge": [int(m) for m in merges], "args": args}


def pipeline_expect(ps):
    """CREATE_PIPELINE as the client built it (psrpcore's PowerShell object)."""
    statements, cur = [], []
    for c in ps.metadata.commands:
        cur.append(cmd_expect(c))
        if c.end_of_statement:
            statements.append(cur)
            cur = []
    if cur:
        statements.append(cur)
    m = ps.metadata
    return {"no_input": m.no_input, "add_to_history": m.add_to_history,
            "is_nested": m.is_nested, "statements": statements}


def client_cases():
    cases = []

    # pool creation: SESSION_CAPABILITY + INIT_RUNSPACEPOOL in creationXml
    host = pt.HostInfo(UseRunspaceHost=False, IsHostNull=False, IsHostUINull=False,
                       IsHostRawUINull=False,
                       HostDefaultData=pt.HostDefaultData(
                           ForegroundColor=pt.ConsoleColor.White,
                           BackgroundColor=pt.ConsoleColor.Black,
                           CursorPosition=pt.Coordinates(X=0, Y=0),
                           WindowPosition=pt.Coordinates(X=0, Y=0),
                           CursorSize=25, BufferSize=pt.Size(Width=120, Height=3000),
                           WindowSize=pt.Size(Width=120, Height=50),
                           MaxWindowSize=pt.Size(Width=120, Height=50),
                           MaxPhysicalWindowSize=pt.Size(Width=200, Height=80),
                           WindowTitle="winrmd _x000A_ test"))
    client, server, opened = pool_pair(min_runspaces=1, max_runspaces=3, host=host,
                                       application_arguments={"Name": "value", "Num": 5,
                                                              "List": ["a", "b"]})
    cases.append({"name": "psrpcore-open-host", "source": "psrpcore 0.3.1",
                  "payloads": [B64(opened[0])], "messages": messages_of(opened),
                  "expect": [
                      {"capability": {"PSVersion": "2.0", "protocolversion": "2.3",
                                      "SerializationVersion": "1.1.0.1"}},
                      {"init": {"min": 1, "max": 3, "thread_options": 0, "apartment_state": 2,
                                "is_host_null": False, "has_default_data": True,
                                "app_args": {"Name": "value", "Num": 5, "List": ["a", "b"]}}}]})

    # a pool with no host (pypsrp's default): the same, HostInfo all null
    client2, server2, opened2 = pool_pair(min_runspaces=2, max_runspaces=2)
    cases.append({"name": "psrpcore-open-nohost", "source": "psrpcore 0.3.1",
                  "payloads": [B64(x) for x in opened2], "messages": messages_of(opened2),
                  "expect": [
                      {"capability": {"PSVersion": "2.0", "protocolversion": "2.3",
                                      "SerializationVersion": "1.1.0.1"}},
                      {"init": {"min": 2, "max": 2, "thread_options": 0, "apartment_state": 2,
                                "is_host_null": True, "has_default_data": False,
                                "app_args": {}}}]})

    def pipeline_case(name, build, amount=None, inputs=None, **kw):
        ps = psrpcore.ClientPowerShell(client, **kw)
        ps.pipeline_id = PID
        build(ps)
        ps.start()
        payloads = drain(client, amount)
        expect = [{"pipeline": pipeline_expect(ps)}]
        if inputs is not None:
            for value in inputs:
                ps.send(value)
                expect.append({"input": plain(value)})
            ps.send_eof()
            expect.append({"end_of_input": True})
            payloads += drain(client, amount)
        server_ps = psrpcore.ServerPipeline(server, PID)
        server.receive_data(psrpcore.PSRPPayload(b"".join(payloads),
                                                 psrpcore.StreamType.default, PID))
        while server.next_event():
            pass
        server.pipeline_table.pop(PID, None)
        client.pipeline_table.pop(PID, None)
        del server_ps
        cases.append({"name": name, "source": "psrpcore 0.3.1",
                      "payloads": [B64(p) for p in payloads],
                      "messages": messages_of(payloads), "expect": expect})

    # pypsrp's execute_ps shape
    pipeline_case("psrpcore-execute-ps", lambda ps: ps.add_command("Invoke-Expression")
                  .add_parameter("Command", "echo hi; Get-Date\nexit 3")
                  .add_command("Out-String").add_parameter("Stream", True))
    # an Ansible-like script: text as it is, IsScript, a host; no C0 controls
    # but tab, CR and LF: psrpcore writes the command's ToString unescaped, so
    # they would make its XML malformed
    script = ("$ErrorActionPreference = 'Stop'\r\n"
              "Set-StrictMode -Version 2.0\n"
              "$x = 'tab\there _x000D_ _X literal'\n"
              "Write-Output \u00e9\u20ac\U0001F600 \x7f\x85\n"
              "exit $LASTEXITCODE\n")
    pipeline_case("psrpcore-script-host", lambda ps: ps.add_script(script, use_local_scope=False),
                  host=host)
    # cmdlets with parameters: named, switch, positional, typed, several statements, merges
    def cmdlets(ps):
        ps.add_command("Get-ChildItem").add_parameter("Path", "/etc").add_parameter("Force", True)
        ps.add_parameter("Depth", 2).add_argument("positional").add_parameter("Filter", None)
        ps.add_command("Select-Object").add_parameter("Property", ["Name", "Length"])
        ps.add_parameter("First", 3)
        ps.metadata.commands[-1].redirect_error()
        ps.add_statement()
        ps.add_command("Write-Output").add_parameter("InputObject", {"k": "v", "n": 1})
        ps.metadata.commands[-1].redirect_all(pt.PipelineResultTypes.Output)
    pipeline_case("psrpcore-cmdlets", cmdlets, add_to_history=True)
    # input objects, and a CREATE_PIPELINE cut in 120-byte payloads
    obj = pt.PSCustomObject(Name="n", Value=42)
    pipeline_case("psrpcore-input", lambda ps: ps.add_command("Out-String"), amount=120,
                  inputs=["line 1", 2, obj, "last\n"], no_input=False)

    # runspace calls, each with its call id
    for name, call, expect in [
            ("psrpcore-set-max", lambda: client.set_max_runspaces(5), lambda ci: {"runspace_call": {"count": 5, "ci": ci}}),
            ("psrpcore-set-min", lambda: client.set_min_runspaces(2), lambda ci: {"runspace_call": {"count": 2, "ci": ci}}),
            ("psrpcore-get-available", client.get_available_runspaces, lambda ci: {"runspace_call": {"ci": ci}}),
            ("psrpcore-reset", client.reset_runspace_state, lambda ci: {"runspace_call": {"ci": ci}})]:
        ci = call()
        payloads = drain(client)
        cases.append({"name": name, "source": "psrpcore 0.3.1",
                      "payloads": [B64(p) for p in payloads],
                      "messages": messages_of(payloads), "expect": [expect(ci)]})
        server.receive_data(psrpcore.PSRPPayload(b"".join(payloads),
                                                 psrpcore.StreamType.default, None))
        while server.next_event():
            pass

    # a host response to a pool host call (ReadLine) and its ErrorRecord-less reply
    ci = server.host_call(pt.HostMethodIdentifier.ReadLine)
    for p in drain(server):
        client.receive_data(psrpcore.PSRPPayload(p, psrpcore.StreamType.prompt_response, None))
    while client.next_event():
        pass
    client.host_response(ci, "typed line")
    payloads = drain(client)
    cases.append({"name": "psrpcore-host-response", "source": "psrpcore 0.3.1",
                  "payloads": [B64(p) for p in payloads], "messages": messages_of(payloads),
                  "expect": [{"host_response": {"ci": ci, "mi": 11, "mr": "typed line"}}]})

    # CONNECT_RUNSPACEPOOL (with SESSION_CAPABILITY) from a new client
    c3 = psrpcore.ClientRunspacePool()
    c3.runspace_pool_id = RPID
    c3.connect()
    payloads = drain(c3)
    cases.append({"name": "psrpcore-connect", "source": "psrpcore 0.3.1",
                  "payloads": [B64(p) for p in payloads], "messages": messages_of(payloads),
                  "expect": [{"capability": {"PSVersion": "2.0", "protocolversion": "2.3",
                                             "SerializationVersion": "1.1.0.1"}},
                             {"connect": {"min": -1, "max": -1}}]})
    cases.extend(pypsrp_cases())
    return cases, client, server


class FakeShell:
    """pypsrp's WinRS, recording what pypsrp sends instead of sending it."""

    def __init__(self, *a, **kw):
        self.sent = []
        self.id = kw.get("id")

    def open(self, options, content):
        self.sent.append(("create", base64.b64decode(content.text)))

    def command(self, executable, arguments=None, command_id=None, **kw):
        self.sent.append(("command", base64.b64decode(arguments[0])))
        import xml.etree.ElementTree as ET
        return ET.fromstring('<r xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">'
                             '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId>'
                             '</rsp:CommandResponse></r>' % command_id)

    def send(self, stream, data, command_id=None, end=None):
        self.sent.append(("send-" + stream, data))


class FakeConnection:
    max_payload_size = 153600


def pypsrp_cases():
    """pypsrp's own messages: its pool creation and execute_ps' pipeline."""
    from pypsrp.powershell import PowerShell, RunspacePool

    class Stop(Exception):
        pass

    def no_receive(*a, **kw):
        raise Stop()

    cases = []
    pool = RunspacePool(FakeConnection(), min_runspaces=1, max_runspaces=1)
    pool.shell = FakeShell()
    pool.shell.receive = no_receive
    pool.id = str(RPID).upper()
    try:
        pool.open(application_arguments={"Ansible": "yes"})
    except Stop:
        pass
    frags = [d for _, d in pool.shell.sent]
    pool.shell.sent = []
    cases.append({"name": "pypsrp-open", "source": "pypsrp 0.9.1",
                  "payloads": [B64(f) for f in frags], "messages": messages_of(frags),
                  "expect": [
                      {"capability": {"PSVersion": "2.0", "protocolversion": "2.3",
                                      "SerializationVersion": "1.1.0.1"}},
                      {"init": {"min": 1, "max": 1, "thread_options": 0, "apartment_state": 2,
                                "is_host_null": True, "has_default_data": False,
                                "app_args": {"Ansible": "yes"}}}]})

    # Client.execute_ps with an environment, as pypsrp builds it
    # what the server's SESSION_CAPABILITY would have told it
    pool.state = 2
    pool.protocol_version = "2.3"
    pool.ps_version = "2.0"
    pool.serialization_version = "1.1.0.1"
    ps = PowerShell(pool)
    ps.id = str(PID).upper()
    ps.add_cmdlet("New-Item").add_parameter("Path", "env:").add_parameter("Name", "K") \
        .add_parameter("Value", "V").add_parameter("Force", True).add_cmdlet("Out-Null")
    ps.add_statement()
    ps.add_cmdlet("Invoke-Expression").add_parameter("Command", "echo hi\nexit 2")
    ps.add_cmdlet("Out-String").add_parameter("Stream", True)
    ps.begin_invoke(input=["one", "two"])
    payloads = [d for _, d in pool.shell.sent]

    def pc(name, args, merge_to=0):
        return {"cmd": name, "is_script": False, "use_local_scope": None,
                "merge": [0, 0, 0, 0, 0, 0, 0, 0],
                "args": [{"name": n, "value": v} for n, v in args]}
    cases.append({"name": "pypsrp-execute-ps", "source": "pypsrp 0.9.1",
                  "payloads": [B64(p) for p in payloads], "messages": messages_of(payloads),
                  "expect": [{"pipeline": {
                      "no_input": False, "add_to_history": False, "is_nested": False,
                      "statements": [
                          [pc("New-Item", [("Path", "env:"), ("Name", "K"), ("Value", "V"),
                                           ("Force", True)]), pc("Out-Null", [])],
                          [pc("Invoke-Expression", [("Command", "echo hi\nexit 2")]),
                           pc("Out-String", [("Stream", True)])]]}},
                      {"input": "one"}, {"input": "two"}, {"end_of_input": True}]})
    return cases


def clixml_cases():
    """Values serialised by psrpcore, with their tagged form."""
    cipher = psrpcore._crypto.PSRemotingCrypto()
    cipher.register_key(SESSION_KEY)
    shared = pt.PSCustomObject(Shared="yes")
    custom = pt.PSCustomObject(Name="n", Value=pt.PSInt(1))
    custom.PSObject.type_names = ["Winrmd.Test", "System.Object"]
    values = [
        ("empty string", "", {"S": ""}),
        ("newline and tab", "a\nb\tc\r\n", {"S": "a\nb\tc\r\n"}),
        ("control characters", "\x00\x01\x1b\x7f\x85\x9f", {"S": "\x00\x01\x1b\x7f\x85\x9f"}),
        ("literal escapes", "_x000A_ _X0041_ _x", {"S": "_x000A_ _X0041_ _x"}),
        ("xml specials", "<a href=\"x\">&amp;</a> '", {"S": "<a href=\"x\">&amp;</a> '"}),
        ("non-BMP and BMP", "\u00e9\u20ac\U0001F600\uFFFD", {"S": "\u00e9\u20ac\U0001F600\uFFFD"}),
        ("lone surrogate", "a\ud800b", {"S": "a\ud800b"}),
        ("int32", pt.PSInt(-2147483648), {"I32": -2147483648}),
        ("int64", pt.PSInt64(9223372036854775807), {"I64": 9223372036854775807}),
        ("uint64", pt.PSUInt64(18446744073709551615), {"U64": 18446744073709551615}),
        ("byte", pt.PSByte(255), {"By": 255}),
        ("sbyte", pt.PSSByte(-128), {"SB": -128}),
        ("int16", pt.PSInt16(-32768), {"I16": -32768}),
        ("uint16", pt.PSUInt16(65535), {"U16": 65535}),
        ("uint32", pt.PSUInt(4294967295), {"U32": 4294967295}),
        ("double", pt.PSDouble(1.5), {"Db": 1.5}),
        ("double exponent", pt.PSDouble(1e-20), {"Db": 1e-20}),
        ("single", pt.PSSingle(0.25), {"Sg": 0.25}),
        ("decimal", pt.PSDecimal("12.345"), {"D": "12.345"}),
        ("bool", True, {"B": True}),
        ("char", pt.PSChar("A"), {"C": 65}),
        ("guid", uuid.UUID("0A3C2E4D-1111-4000-8000-00000000002A"),
         {"G": "0a3c2e4d-1111-4000-8000-00000000002a"}),
        ("bytes", b"\x00\x01\xfe\xff", {"BA": B64(b"\x00\x01\xfe\xff")}),
        ("version", pt.PSVersion("5.1.17763.316"), {"Version": "5.1.17763.316"}),
        ("uri", pt.PSUri("http://example.test/a b"), {"URI": "http://example.test/a b"}),
        ("nil", None, None),
        ("list", ["a", pt.PSInt(1), None],
         {"Obj": {"TN": ["System.Collections.ArrayList", "System.Object"],
                  "LST": [{"S": "a"}, {"I32": 1}, None]}}),
        ("hashtable", {"k": "v"},
         {"Obj": {"TN": ["System.Collections.Hashtable", "System.Object"],
                  "DCT": [[{"S": "k"}, {"S": "v"}]]}}),
        ("custom object", custom,
         {"Obj": {"TN": ["Winrmd.Test", "System.Object"], "MS": {"Name": {"S": "n"},
                                                                  "Value": {"I32": 1}}}}),
        ("shared object twice (Ref) and its type list twice (TNRef)",
         [shared, shared, pt.PSCustomObject(Other=1)],
         {"Obj": {"TN": ["System.Collections.ArrayList", "System.Object"], "LST": [
             {"Obj": {"TN": ["System.Management.Automation.PSCustomObject", "System.Object"],
                      "MS": {"Shared": {"S": "yes"}}}},
             {"Obj": {"TN": ["System.Management.Automation.PSCustomObject", "System.Object"],
                      "MS": {"Shared": {"S": "yes"}}}},
             {"Obj": {"TN": ["System.Management.Automation.PSCustomObject", "System.Object"],
                      "MS": {"Other": {"I32": 1}}}}]}}),
        ("enum", pt.ErrorCategory.PermissionDenied,
         {"Obj": {"TN": ["System.Management.Automation.ErrorCategory", "System.Enum",
                         "System.ValueType", "System.Object"],
                  "ToString": "PermissionDenied", "base": {"I32": 18}}}),
        # SS: the plain text it decrypts to with SESSION_KEY
        ("secure string", pt.PSSecureString("p@ss w\u00f6rd"), {"SS": "p@ss w\u00f6rd"}),
    ]
    out = []
    for name, value, expect in values:
        elem = pt.serialize(value, cipher)
        import xml.etree.ElementTree as ET
        xml = ET.tostring(elem, encoding="utf-8").decode()
        case = {"name": name, "xml": xml, "expect": expect}
        if isinstance(value, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            # JSON parsers turn a lone surrogate into U+FFFD: the bytes too
            case["utf8_hex"] = value.encode("utf-8", "surrogatepass").hex()
        out.append(case)
    return out


def session_key_case():
    from cryptography.hazmat.primitives.asymmetric import padding
    from psrpcore._crypto import create_keypair
    private, public_blob = create_keypair()
    wrapped = encrypt_session_key(public_blob, SESSION_KEY)
    cipher = psrpcore._crypto.PSRemotingCrypto()
    cipher.register_key(SESSION_KEY)
    plains = ["", "secret", "p@ss w\u00f6rd \U0001F511", "x" * 40]
    return {
        "source": "psrpcore 0.3.1",
        "private_key_pem": private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode(),
        "public_key_b64": B64(public_blob),
        "session_key_hex": SESSION_KEY.hex(),
        "encrypted_session_key_b64": B64(wrapped),
        "securestrings": [{"plain": p, "b64": cipher.encrypt(p)} for p in plains],
    }


def write_seeds(cases, values):
    """Seeds of the fuzz harnesses (tests/fuzz/fuzz_psrp.c, fuzz_clixml.c)."""
    base = os.path.join(HERE, "..", "fuzz", "corpus")
    for h in ("fuzz_psrp", "fuzz_clixml"):
        os.makedirs(os.path.join(base, h), exist_ok=True)
    for c in cases:
        payloads = [base64.b64decode(p) for p in c["payloads"]]
        framed = b"".join(struct.pack(">H", len(p)) + p for p in payloads)
        with open(os.path.join(base, "fuzz_psrp", c["name"]), "wb") as f:
            f.write(framed)
        for i, body in enumerate(bytes(m.data) for m in unpack_all(payloads)):
            if body.strip():
                with open(os.path.join(base, "fuzz_clixml", "%s-%d" % (c["name"], i)), "wb") as f:
                    f.write(body)
    for i, v in enumerate(values):
        with open(os.path.join(base, "fuzz_clixml", "value-%02d" % i), "wb") as f:
            f.write(v["xml"].encode())
    print("gen_vectors: wrote the seeds of fuzz_psrp and fuzz_clixml")


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print("gen_vectors: wrote %s" % os.path.relpath(path))


def main():
    os.makedirs(OUT, exist_ok=True)
    cases, _, _ = client_cases()
    values = clixml_cases()
    write("client.json", {"generator": "tests/psrp/gen_vectors.py", "cases": cases})
    write("clixml.json", {"generator": "tests/psrp/gen_vectors.py", "cases": values})
    write_seeds(cases, values)
    write("session_key.json", session_key_case())


if __name__ == "__main__":
    main()
