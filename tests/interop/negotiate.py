#!/usr/bin/python3
"""negotiate.py: clients for winrmd's Negotiate, Kerberos and certificate tests.

    negotiate.py whoami URL TRANSPORT USER PASSWORD [--count N] [--cert PEM KEY]
                        [--delay-ms MS]
        pywinrm (its own transport) sends N Whoami on one session; prints
        "name=<t:Name> uid=<t:Uid> encrypted=<0|1>" per reply.  With
        --delay-ms, the test plugin's Delay instead (a pending operation):
        "waited=True encrypted=<0|1>".
        Exit 3 on InvalidCredentialsError, 4 on another HTTP error.
    negotiate.py tamper URL USER PASSWORD MODE
        pywinrm NTLM over HTTP: one good encrypted Whoami, then a second one
        damaged by MODE (truncated, corrupted, badsig, longlength,
        shortlength, noboundary, plaintext); prints the status.
    negotiate.py gss URL [--spnego] [--replay] [--no-seal] [--count N] [--delay S]
        python-gssapi as initiator (Kerberos from KRB5CCNAME, SPN HTTP@host):
        handshake on an empty POST, mutual authentication, then N Whoami
        sealed with gss_wrap_iov (MS-WSMV 2.2.9.1, as pyspnego does).
        --replay sends the same AP-REQ again on a new connection and prints
        that status; --delay waits S seconds between making the AP-REQ and
        sending it (an expired ticket).
    negotiate.py wrongcbt URL USER PASSWORD
        requests_ntlm over HTTPS with channel bindings of another
        certificate; prints the status.
    negotiate.py bench URL TRANSPORT USER PASSWORD SECONDS
        Whoami on one pywinrm session for SECONDS; prints "rps=<n>".
    negotiate.py lockout URL TRANSPORT USER PASSWORD COMMAND [--cert PEM KEY]
                        [--whoami] [--wait S]
        pywinrm opens and deletes a shell, runs COMMAND (sh -c: an
        administrator locking the account), waits S seconds, then on the
        same session (the same connection where it can) opens a shell again
        (a Whoami with --whoami); prints "before=ok" and "after=ok" or
        "after=refused" (InvalidCredentialsError).
    negotiate.py send URL TRANSPORT USER PASSWORD FILE DEST [--chunk N]
        runs `cat > DEST' and sends FILE as its stdin in chunks of N bytes
        (each a Send of its own), then prints the sha256 of DEST as
        reported by `sha256sum'.
"""

import base64
import hashlib
import http.client
import socket
import ssl
import sys
import time
import urllib.parse

import wsman


def _protocol(url, transport, user, password, cert=None):
    import winrm
    kw = {}
    if cert:
        kw = {"cert_pem": cert[0], "cert_key_pem": cert[1]}
    return winrm.Protocol(url, transport=transport, username=user,
                          password=password, server_cert_validation="ignore",
                          **kw)


def cmd_whoami(a):
    from winrm.exceptions import InvalidCredentialsError, WinRMTransportError
    p = _protocol(a.url, a.transport, a.user, a.password, a.cert)
    for _ in range(a.count):
        try:
            if a.delay_ms:
                # a pending operation: the reply is sealed after resume
                reply = p.send_message(
                    wsman.delay_envelope(a.delay_ms).decode())
                reply = reply if isinstance(reply, bytes) else reply.encode()
                print("waited=%s encrypted=%d" % (
                    b">%d</t:Waited>" % a.delay_ms in reply,
                    1 if p.transport.encryption is not None else 0))
                continue
            reply = p.send_message(wsman.whoami_envelope().decode())
        except InvalidCredentialsError as ex:
            print("InvalidCredentialsError: %s" % ex)
            return 3
        except WinRMTransportError as ex:
            print("WinRMTransportError: %s" % ex)
            return 4
        if isinstance(reply, str):
            reply = reply.encode()
        root = wsman.parse(reply)
        name = root.find(".//t:Name", wsman.NS) if root is not None else None
        uid = root.find(".//t:Uid", wsman.NS) if root is not None else None
        print("name=%s uid=%s encrypted=%d" % (
            name.text if name is not None else "-",
            uid.text if uid is not None else "-",
            1 if p.transport.encryption is not None else 0))
    return 0


def cmd_lockout(a):
    import subprocess
    from winrm.exceptions import InvalidCredentialsError
    p = _protocol(a.url, a.transport, a.user, a.password, a.cert)
    p.close_shell(p.open_shell())
    print("before=ok", flush=True)
    subprocess.run(a.command, shell=True, check=True)
    time.sleep(a.wait)
    try:
        if a.whoami:
            p.send_message(wsman.whoami_envelope().decode())
        else:
            p.close_shell(p.open_shell())
    except InvalidCredentialsError as ex:
        print("after=refused (%s)" % ex)
        return 0
    print("after=ok")
    return 0


def cmd_tamper(a):
    import struct
    p = _protocol(a.url, "ntlm", a.user, a.password)
    env = wsman.whoami_envelope()
    reply = p.send_message(env.decode())
    if b"<t:Name>" not in (reply if isinstance(reply, bytes) else reply.encode()):
        print("the first, good request failed")
        return 2
    t = p.transport
    enc = t.encryption
    host = urllib.parse.urlsplit(a.url).hostname
    body = enc._encrypt_message(env, host) + enc.MIME_BOUNDARY + b"--\r\n"
    ct = ('multipart/encrypted;protocol="application/HTTP-SPNEGO-session-'
          'encrypted";boundary="Encrypted Boundary"')
    marker = b"application/octet-stream\r\n"
    off = body.index(marker) + len(marker)	# the signature length
    if a.mode == "truncated":
        body = body[:len(body) - 100]
    elif a.mode == "corrupted":
        b = bytearray(body)
        b[off + 4 + 16 + 40] ^= 0x55		# in the ciphertext
        body = bytes(b)
    elif a.mode == "badsig":
        b = bytearray(body)
        b[off + 4 + 8] ^= 0x01		# the checksum of the signature
        body = bytes(b)
    elif a.mode == "longlength":
        body = body.replace(b"Length=%d" % len(env),
                            b"Length=%d" % (len(env) + 10), 1)
    elif a.mode == "shortlength":
        body = body.replace(b"Length=%d" % len(env),
                            b"Length=%d" % (len(env) - 200), 1)
    elif a.mode == "siglen":
        body = body[:off] + struct.pack("<I", 0x7fffffff) + body[off + 4:]
    elif a.mode == "noboundary":
        body = body[:-len(b"--Encrypted Boundary--\r\n")]
    elif a.mode == "plaintext":
        body = env
        ct = wsman.SOAP_CT
    else:
        print("unknown mode")
        return 2
    import requests
    req = requests.Request("POST", a.url, data=body)
    prep = t.session.prepare_request(req)
    prep.headers["Content-Type"] = ct
    prep.headers["Content-Length"] = str(len(body))
    r = t.session.send(prep, timeout=20)
    print("status=%d connection=%s body=%d" % (
        r.status_code, r.headers.get("Connection", "-"), len(r.content)))
    return 0


# ------------------------------------------------------------ python-gssapi
def _gss_ctx(host, spnego):
    import gssapi
    name = gssapi.Name("HTTP@" + host, gssapi.NameType.hostbased_service)
    mech = (gssapi.OID.from_int_seq("1.3.6.1.5.5.2") if spnego
            else gssapi.MechType.kerberos)
    flags = (gssapi.RequirementFlag.mutual_authentication |
             gssapi.RequirementFlag.confidentiality |
             gssapi.RequirementFlag.integrity |
             gssapi.RequirementFlag.out_of_sequence_detection |
             gssapi.RequirementFlag.replay_detection)
    return gssapi.SecurityContext(name=name, mech=mech, flags=flags,
                                  usage="initiate")


def _wrap(ctx, data):
    from gssapi.raw import wrap_iov, IOV, IOVBufferType
    iov = IOV(IOVBufferType.header, data, IOVBufferType.padding,
              std_layout=False)
    wrap_iov(ctx, iov, confidential=True)
    return iov[0].value, iov[1].value + (iov[2].value or b"")


def _unwrap(ctx, sig, enc):
    from gssapi.raw import unwrap_iov, IOV, IOVBufferType
    iov = IOV((IOVBufferType.header, False, sig), enc, std_layout=False)
    unwrap_iov(ctx, iov)
    return iov[1].value


def _frame(sig, enc, length):
    import struct
    return (b"--Encrypted Boundary\r\n"
            b"\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;"
            b"Length=" + str(length).encode() + b"\r\n"
            b"--Encrypted Boundary\r\n"
            b"\tContent-Type: application/octet-stream\r\n" +
            struct.pack("<I", len(sig)) + sig + enc +
            b"--Encrypted Boundary--\r\n")


def _unframe(body):
    import struct
    parts = body.split(b"--Encrypted Boundary\r\n")
    length = int(parts[1].split(b"Length=")[1].split(b"\r\n")[0])
    blob = parts[2][len(b"\tContent-Type: application/octet-stream\r\n"):]
    blob = blob[:-len(b"--Encrypted Boundary--\r\n")]
    siglen = struct.unpack("<I", blob[:4])[0]
    return blob[4:4 + siglen], blob[4 + siglen:], length


def cmd_gss(a):
    u = urllib.parse.urlsplit(a.url)
    ctx = _gss_ctx(u.hostname, a.spnego)
    tok = ctx.step()
    if a.delay:
        time.sleep(a.delay)	# the ticket expires meanwhile
    c = wsman.Connection(a.url, timeout=20)
    r = c.post(b"", authorization="Negotiate " + base64.b64encode(tok).decode())
    if r.status != 200:
        print("handshake: status %d" % r.status)
        return 3
    www = r.header("WWW-Authenticate") or ""
    if not www.startswith("Negotiate "):
        print("no mutual-authentication token on the 200")
        return 5
    ctx.step(base64.b64decode(www.split(" ", 1)[1]))
    if not ctx.complete:
        print("the context is not complete after the server's token")
        return 5
    print("handshake: 200, mutual authentication ok")
    if a.replay:
        c2 = wsman.Connection(a.url, timeout=20)
        r2 = c2.post(b"", authorization="Negotiate " +
                     base64.b64encode(tok).decode())
        print("replay: status=%d" % r2.status)
        return 0
    for i in range(a.count):
        env = wsman.whoami_envelope()
        if a.no_seal:
            r = c.post(env)
            print("plain: status=%d" % r.status)
            continue
        sig, enc = _wrap(ctx, env)
        r = c.post(_frame(sig, enc, len(env)), content_type=(
            'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-'
            'encrypted";boundary="Encrypted Boundary"'))
        if r.status != 200:
            print("request %d: status %d" % (i, r.status))
            return 4
        ct = r.header("Content-Type") or ""
        if "HTTP-SPNEGO-session-encrypted" not in ct:
            print("request %d: the reply is not sealed (%s)" % (i, ct))
            return 4
        sig, enc, length = _unframe(r.body)
        plain = _unwrap(ctx, sig, enc)
        if len(plain) != length:
            print("request %d: Length %d, unsealed %d" % (i, length, len(plain)))
            return 4
        root = wsman.parse(plain)
        name = root.find(".//t:Name", wsman.NS)
        print("name=%s sealed=1 siglen=%d" % (name.text, len(sig)))
    return 0


def cmd_wrongcbt(a):
    import requests
    import requests_ntlm.requests_ntlm as rn
    auth = rn.HttpNtlmAuth(a.user, a.password)
    # the hash of some other certificate: what a relay would present
    auth._get_server_cert = lambda response: hashlib.sha256(b"other").hexdigest().upper()
    s = requests.Session()
    s.auth = auth
    s.verify = False
    r = s.post(a.url, data=wsman.whoami_envelope(),
               headers={"Content-Type": wsman.SOAP_CT}, timeout=20)
    print("status=%d" % r.status_code)
    return 0


def cmd_bench(a):
    p = _protocol(a.url, a.transport, a.user, a.password)
    env = wsman.whoami_envelope().decode()
    p.send_message(env)
    n = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.seconds:
        p.send_message(env)
        n += 1
    dt = time.monotonic() - t0
    print("rps=%.0f requests=%d seconds=%.2f" % (n / dt, n, dt))
    return 0


def cmd_send(a):
    import winrm
    p = _protocol(a.url, a.transport, a.user, a.password)
    p.max_env_sz = a.max_env
    shell = p.open_shell()
    cmd = p.run_command(shell, "cat > %s" % a.dest)
    biggest = {"plain": 0, "wire": 0}
    session_send = p.transport.session.send

    def send(prep, **kw):	# the largest body on the wire
        biggest["wire"] = max(biggest["wire"], len(prep.body or b""))
        return session_send(prep, **kw)
    p.transport.session.send = send
    proto_send = p.send_message

    def send_message(msg):	# the largest plaintext envelope
        biggest["plain"] = max(biggest["plain"], len(msg))
        return proto_send(msg)
    p.send_message = send_message
    data = open(a.file, "rb").read()
    sent = 0
    t0 = time.monotonic()
    while sent < len(data):
        chunk = data[sent:sent + a.chunk]
        sent += len(chunk)
        end = ' End="true"' if sent >= len(data) else ""
        env = wsman.envelope(
            "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
            "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
            selectors={"ShellId": shell},
            body='<rsp:Send><rsp:Stream Name="stdin" CommandId="%s"%s>%s'
                 '</rsp:Stream></rsp:Send>' % (
                     cmd, end, base64.b64encode(chunk).decode()))
        p.send_message(env.decode())
    out, err, rc = p.get_command_output(shell, cmd)
    p.cleanup_command(shell, cmd)
    if rc != 0 or err:
        print("cat: rc=%d stderr=%r" % (rc, err[:300]))
    cmd = p.run_command(shell, "sha256sum %s" % a.dest)
    out, err, rc = p.get_command_output(shell, cmd)
    p.cleanup_command(shell, cmd)
    p.close_shell(shell)
    print("sent=%d seconds=%.2f encrypted=%d max_plain=%d max_wire=%d" % (
        sent, time.monotonic() - t0,
        1 if p.transport.encryption is not None else 0,
        biggest["plain"], biggest["wire"]))
    print("sha256=%s" % out.decode().split()[0] if out else "sha256=-")
    return 0


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="negotiate.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("whoami")
    for x in ("url", "transport", "user", "password"):
        w.add_argument(x)
    w.add_argument("--count", type=int, default=1)
    w.add_argument("--cert", nargs=2)
    w.add_argument("--delay-ms", type=int, default=0)
    t = sub.add_parser("tamper")
    for x in ("url", "user", "password", "mode"):
        t.add_argument(x)
    g = sub.add_parser("gss")
    g.add_argument("url")
    g.add_argument("--spnego", action="store_true")
    g.add_argument("--replay", action="store_true")
    g.add_argument("--no-seal", action="store_true")
    g.add_argument("--count", type=int, default=2)
    g.add_argument("--delay", type=float, default=0)
    c = sub.add_parser("wrongcbt")
    for x in ("url", "user", "password"):
        c.add_argument(x)
    b = sub.add_parser("bench")
    for x in ("url", "transport", "user", "password"):
        b.add_argument(x)
    b.add_argument("seconds", type=float)
    lo = sub.add_parser("lockout")
    for x in ("url", "transport", "user", "password", "command"):
        lo.add_argument(x)
    lo.add_argument("--cert", nargs=2)
    lo.add_argument("--whoami", action="store_true")
    lo.add_argument("--wait", type=float, default=0)
    s = sub.add_parser("send")
    for x in ("url", "transport", "user", "password", "file", "dest"):
        s.add_argument(x)
    s.add_argument("--chunk", type=int, default=300000)
    s.add_argument("--max-env", type=int, default=512 * 1024)
    a = ap.parse_args(argv)
    return {"whoami": cmd_whoami, "tamper": cmd_tamper, "gss": cmd_gss,
            "wrongcbt": cmd_wrongcbt, "bench": cmd_bench,
            "send": cmd_send, "lockout": cmd_lockout}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
