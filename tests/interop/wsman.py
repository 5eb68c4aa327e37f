#!/usr/bin/python3
"""wsman.py: a small WS-Management client for winrmd's interop tests.

Standard library only (pywinrm only in the `pywinrm' command).  Builds
envelopes the way pywinrm lays them out (docs/PROTOCOL.md Part A §3), sends them
raw with http.client on one persistent connection (HTTPS without
certificate checks), and parses replies.

As a module (tests put this directory on sys.path):

    import wsman
    c = wsman.Connection("https://127.0.0.1:5986/wsman")
    r = c.post(wsman.whoami_envelope(), user="u", password="p")
    r.status, r.header("content-type"), r.text(".//t:Name"), r.fault()

As a command:

    wsman.py envelope --identify | --action A --resource R [--selector K=V]...
                      [--option K=V]... [--body XML] [--message-id ID]
    wsman.py xpath FILE EXPR        texts of the matches, one a line (exit 1: none)
    wsman.py fault FILE             "{ns}code {ns}subcode wsmanfault-code"
                                    (exit 1: no fault)
    wsman.py pywinrm URL TRANSPORT USER PASSWORD
                                    send a Whoami with pywinrm's transport; prints
                                    the reply; exit 3 on InvalidCredentialsError
"""

import base64
import http.client
import socket
import ssl
import sys
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "t": "http://winrmd.test/plugin",
}
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
SOAP_CT = "application/soap+xml;charset=UTF-8"
SECPROFILE = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"

TEST_RESOURCE = "http://winrmd.test/plugin"
ACTION_DELAY = "http://winrmd.test/Delay"
ACTION_WHOAMI = "http://winrmd.test/Whoami"


def _esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def new_message_id():
    return "uuid:" + str(uuid.uuid4())


def envelope(action, resource_uri=None, selectors=None, options=None,
             body="", message_id=None, operation_timeout="PT60S",
             max_envelope=153600, to="http://windows-host:5985/wsman"):
    """A request envelope (bytes), header order as pywinrm sends it."""
    mid = message_id or new_message_id()
    h = ['<a:To>%s</a:To>' % _esc(to),
         '<a:ReplyTo><a:Address mustUnderstand="true">%s</a:Address>'
         '</a:ReplyTo>' % ANONYMOUS]
    if max_envelope is not None:
        h.append('<w:MaxEnvelopeSize mustUnderstand="true">%d'
                 '</w:MaxEnvelopeSize>' % max_envelope)
    h.append('<a:MessageID>%s</a:MessageID>' % _esc(mid))
    h.append('<w:Locale mustUnderstand="false" xml:lang="en-US"/>')
    h.append('<p:DataLocale mustUnderstand="false" xml:lang="en-US"/>')
    if operation_timeout is not None:
        h.append('<w:OperationTimeout>%s</w:OperationTimeout>'
                 % operation_timeout)
    if resource_uri is not None:
        h.append('<w:ResourceURI mustUnderstand="true">%s</w:ResourceURI>'
                 % _esc(resource_uri))
    h.append('<a:Action mustUnderstand="true">%s</a:Action>' % _esc(action))
    if selectors:
        h.append('<w:SelectorSet>' + "".join(
            '<w:Selector Name="%s">%s</w:Selector>' % (_esc(k), _esc(v))
            for k, v in selectors.items()) + '</w:SelectorSet>')
    if options:
        h.append('<w:OptionSet>' + "".join(
            '<w:Option Name="%s">%s</w:Option>' % (_esc(k), _esc(v))
            for k, v in options.items()) + '</w:OptionSet>')
    xml = ('<?xml version="1.0" encoding="utf-8"?>'
           '<env:Envelope xmlns:env="%s" xmlns:a="%s" xmlns:w="%s" '
           'xmlns:p="%s" xmlns:rsp="%s">'
           '<env:Header>%s</env:Header><env:Body>%s</env:Body></env:Envelope>'
           % (NS["s"], NS["a"], NS["w"], NS["p"], NS["rsp"], "".join(h),
              body))
    return xml.encode("utf-8")


def identify_envelope():
    """What winrm.cmd id / Test-WSMan send: empty header, wsmid:Identify."""
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<s:Envelope xmlns:s="%s" xmlns:wsmid="%s">'
            '<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
            % (NS["s"], NS["wsmid"])).encode("utf-8")


def whoami_envelope(message_id=None):
    return envelope(ACTION_WHOAMI, TEST_RESOURCE, message_id=message_id)


def delay_envelope(ms, message_id=None):
    return envelope(ACTION_DELAY, TEST_RESOURCE, selectors={"Ms": str(ms)},
                    message_id=message_id)


def basic(user, password):
    raw = ("%s:%s" % (user, password)).encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


def unverified_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def parse(body):
    """The root element of an XML reply, or None."""
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def namespaces(body):
    """{prefix: uri} of every namespace declared in an XML document."""
    import io
    ns = {}
    try:
        for _, (prefix, uri) in ET.iterparse(io.BytesIO(body),
                                             events=("start-ns",)):
            ns.setdefault(prefix, uri)
    except ET.ParseError:
        pass
    return ns


def resolve_qname(body, qname):
    """'{uri}local' for a QName in an element's text (e.g. a fault
    subcode), using the namespaces the document declares."""
    if qname is None:
        return None
    prefix, _, local = qname.strip().rpartition(":")
    uri = namespaces(body).get(prefix)
    return "{%s}%s" % (uri, local) if uri is not None else qname


def fault_of(root):
    """dict(code, subcode, reason, wsmanfault_code) of a SOAP fault, or None."""
    if root is None:
        return None
    f = root.find("s:Body/s:Fault", NS)
    if f is None:
        return None

    def t(path):
        e = f.find(path, NS)
        return e.text if e is not None else None
    wf = f.find("s:Detail/f:WSManFault", NS)
    return {
        "code": t("s:Code/s:Value"),
        "subcode": t("s:Code/s:Subcode/s:Value"),
        "reason": t("s:Reason/s:Text"),
        "wsmanfault_code": wf.get("Code") if wf is not None else None,
    }


class Reply:
    def __init__(self, status, reason, headers, body, elapsed):
        self.status = status
        self.reason = reason
        self.headers = headers		# [(name, value)] as received
        self.body = body		# bytes
        self.elapsed = elapsed		# seconds, request sent to reply read
        self._root = False

    def header(self, name):
        """First value of a header (case-insensitive name), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def root(self):
        if self._root is False:
            self._root = parse(self.body) if self.body else None
        return self._root

    def find(self, path):
        return self.root.find(path, NS) if self.root is not None else None

    def findall(self, path):
        return self.root.findall(path, NS) if self.root is not None else []

    def text(self, path):
        e = self.find(path)
        return e.text if e is not None else None

    def fault(self):
        return fault_of(self.root)

    def __repr__(self):
        return "<Reply %d %r %d bytes>" % (self.status, self.reason,
                                           len(self.body))


class Connection:
    """One persistent HTTP/1.1 connection; never silently reconnects."""

    def __init__(self, url, timeout=30.0):
        u = urllib.parse.urlsplit(url)
        self.url = url
        self.path = u.path or "/wsman"
        self.tls = u.scheme == "https"
        if self.tls:
            self.c = http.client.HTTPSConnection(
                u.hostname, u.port, timeout=timeout,
                context=unverified_context())
        else:
            self.c = http.client.HTTPConnection(u.hostname, u.port,
                                                timeout=timeout)
        self.c.connect()
        self.c.auto_open = 0	# a closed connection raises, never reopens

    @property
    def local_port(self):
        return self.c.sock.getsockname()[1] if self.c.sock else None

    def post(self, body, headers=None, user=None, password=None,
             authorization=None, content_type=SOAP_CT, path=None,
             method="POST"):
        """Sends one request; returns a Reply.  authorization="" sends an
        empty Authorization header; None (and no user) sends none."""
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        if user is not None:
            h["Authorization"] = basic(user, password)
        if authorization is not None:
            h["Authorization"] = authorization
        h["User-Agent"] = "winrmd-interop/wsman.py"
        if headers:
            h.update(headers)
        t0 = time.monotonic()
        self.c.putrequest(method, path or self.path, skip_accept_encoding=True)
        for k, v in h.items():
            self.c.putheader(k, v)
        if body is not None:
            self.c.putheader("Content-Length", str(len(body)))
        self.c.endheaders(body)
        r = self.c.getresponse()
        data = r.read()
        return Reply(r.status, r.reason, r.getheaders(), data,
                     time.monotonic() - t0)

    def close(self):
        self.c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def post(url, body, timeout=30.0, **kw):
    """One request on a fresh connection."""
    with Connection(url, timeout=timeout) as c:
        return c.post(body, **kw)


def raw_socket(url, timeout=10.0):
    """A connected (TLS-wrapped for https) socket to the URL's host:port."""
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    if u.scheme == "https":
        s = unverified_context().wrap_socket(s, server_hostname=u.hostname)
    return s


def read_http_reply(s, limit=10.0):
    """Reads one HTTP reply from a raw socket: (status, head, body) or
    None if the peer closed or reset without sending a status line."""
    s.settimeout(limit)
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                return None
            buf += d
    except (ConnectionResetError, ssl.SSLError, socket.timeout):
        return None
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    try:
        while len(rest) < length:
            d = s.recv(65536)
            if not d:
                break
            rest += d
    except (ConnectionResetError, ssl.SSLError, socket.timeout):
        pass
    return status, lines, rest


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="wsman.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("envelope")
    e.add_argument("--identify", action="store_true")
    e.add_argument("--action")
    e.add_argument("--resource")
    e.add_argument("--selector", action="append", default=[])
    e.add_argument("--option", action="append", default=[])
    e.add_argument("--body", default="")
    e.add_argument("--message-id")
    x = sub.add_parser("xpath")
    x.add_argument("file")
    x.add_argument("expr")
    f = sub.add_parser("fault")
    f.add_argument("file")
    p = sub.add_parser("pywinrm")
    p.add_argument("url")
    p.add_argument("transport")
    p.add_argument("user")
    p.add_argument("password")
    a = ap.parse_args(argv)

    if a.cmd == "envelope":
        if a.identify:
            out = identify_envelope()
        else:
            if not a.action:
                ap.error("--action or --identify is required")
            kv = lambda l: dict(s.split("=", 1) for s in l)
            out = envelope(a.action, a.resource, kv(a.selector),
                           kv(a.option), a.body, a.message_id)
        sys.stdout.buffer.write(out)
        return 0
    if a.cmd == "xpath":
        with open(a.file, "rb") as fp:
            root = parse(fp.read())
        if root is None:
            print("wsman.py: %s is not XML" % a.file, file=sys.stderr)
            return 2
        found = root.findall(a.expr, NS)
        for n in found:
            print(n.text if n.text is not None else "")
        return 0 if found else 1
    if a.cmd == "fault":
        with open(a.file, "rb") as fp:
            data = fp.read()
        fl = fault_of(parse(data))
        if fl is None:
            return 1
        print(resolve_qname(data, fl["code"]),
              resolve_qname(data, fl["subcode"]), fl["wsmanfault_code"])
        return 0
    if a.cmd == "pywinrm":
        import winrm
        from winrm.exceptions import InvalidCredentialsError
        proto = winrm.Protocol(a.url, transport=a.transport,
                               username=a.user, password=a.password,
                               server_cert_validation="ignore")
        try:
            reply = proto.send_message(whoami_envelope().decode("utf-8"))
        except InvalidCredentialsError as ex:
            print("InvalidCredentialsError: %s" % ex)
            return 3
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8")
        print(reply)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
