#!/usr/bin/python3
"""cim_common.py: WS-Man requests for WMI/CIM classes, for the cim_*.sh
interop tests (tests/interop/lib.sh starts the daemon with the staged cim
plugin and tests/providers/testprov.so).

Envelopes are laid out like wsman.py's (pywinrm's order) with what Windows
clients add for CIM: OptimizeEnumeration, MaxElements, EnumerationMode,
wsen:Filter / wsman:Filter, SelectorSet, OptionSet with MustComply.

    import cim_common as cc
    c = cc.Client(url, user, password)
    r = c.enumerate(cc.CIMV2 + "WRT_Many", optimize=True, max_elements=10)
    items, ctx, done = cc.items(r)
"""

import sys
import wsman

NS = dict(wsman.NS)
NS["n"] = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
NS["cim"] = "http://schemas.dmtf.org/wbem/wscim/1/common"
NS["xsi"] = "http://www.w3.org/2001/XMLSchema-instance"

WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
CIMV2 = WMI + "root/cimv2/"
DMTF = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
WQL = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
SELECTOR_FILTER = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"

A_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
A_ENUMERATE = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
A_PULL = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
A_RELEASE = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release"

# WSManFault codes (docs/PROTOCOL.md Part B §2)
DESTINATION_UNREACHABLE = "2150858752"
ACTION_NOT_SUPPORTED = "2150858771"
INVALID_SELECTORS = "2150858813"
INVALID_OPTIONS = "2150858809"
INVALID_ENUMERATION_CONTEXT = "2150858779"
ENCODING_LIMIT = "2150858805"
QUOTA_MAX_OPERATIONS = "2150859174"
CANNOT_PROCESS_FILTER = "2150858778"
FILTER_DIALECT_UNAVAILABLE = "2150858777"
ACCESS_DENIED = "5"
INVALID_PARAMETER = "2150858810"


def esc(s):
    return wsman._esc(s)


def envelope(action, uri, body="", selectors=None, options=None,
             max_envelope=153600, message_id=None):
    """options: [(name, value, must_comply)]"""
    env = wsman.envelope(action, uri, selectors=selectors, body=body,
                         max_envelope=max_envelope, message_id=message_id)
    if options:
        opts = "".join(
            '<w:Option Name="%s"%s>%s</w:Option>'
            % (esc(n), ' MustComply="true"' if mc else "", esc(v))
            for n, v, mc in options)
        env = env.replace(b"</env:Header>", ("<w:OptionSet>%s</w:OptionSet>"
                                            "</env:Header>" % opts).encode())
    return env


def enumerate_body(optimize=False, max_elements=None, mode=None,
                   wql=None, selector_filter=None, position="w"):
    b = ['<n:Enumerate xmlns:n="%s">' % NS["n"]]
    if optimize:
        b.append("<w:OptimizeEnumeration/>")
    if max_elements is not None:
        b.append("<w:MaxElements>%d</w:MaxElements>" % max_elements)
    if mode is not None:
        b.append("<w:EnumerationMode>%s</w:EnumerationMode>" % mode)
    if wql is not None:
        b.append('<%s:Filter Dialect="%s">%s</%s:Filter>'
                 % (position, WQL, esc(wql), position))
    if selector_filter is not None:
        b.append('<w:Filter Dialect="%s"><w:SelectorSet>%s</w:SelectorSet>'
                 '</w:Filter>' % (SELECTOR_FILTER, "".join(
                     '<w:Selector Name="%s">%s</w:Selector>'
                     % (esc(k), esc(v)) for k, v in selector_filter)))
    b.append("</n:Enumerate>")
    return "".join(b)


def pull_body(ctx, max_elements=None):
    m = ("<n:MaxElements>%d</n:MaxElements>" % max_elements
         if max_elements is not None else "")
    return ('<n:Pull xmlns:n="%s"><n:EnumerationContext>%s'
            '</n:EnumerationContext>%s</n:Pull>' % (NS["n"], esc(ctx), m))


def release_body(ctx):
    return ('<n:Release xmlns:n="%s"><n:EnumerationContext>%s'
            '</n:EnumerationContext></n:Release>' % (NS["n"], esc(ctx)))


def items(r):
    """(item elements, context or None, EndOfSequence seen) of an
    EnumerateResponse or PullResponse."""
    root = r.root
    if root is None:
        raise AssertionError("not XML: %r" % r.body[:300])
    resp = root.find("s:Body/n:EnumerateResponse", NS)
    if resp is None:
        resp = root.find("s:Body/n:PullResponse", NS)
    if resp is None:
        raise AssertionError("no Enumerate/PullResponse: %r" % r.body[:500])
    ctx = resp.findtext("n:EnumerationContext", None, NS)
    cont = resp.find("w:Items", NS)
    if cont is None:
        cont = resp.find("n:Items", NS)
    its = list(cont) if cont is not None else []
    done = (resp.find("w:EndOfSequence", NS) is not None or
            resp.find("n:EndOfSequence", NS) is not None)
    return its, ctx, done


def prop(elem, name):
    """text of the first child of elem with local name `name'"""
    for c in elem.iter():
        if c.tag.rsplit("}", 1)[-1] == name:
            return c.text
    return None


def local(tag):
    return tag.rsplit("}", 1)[-1]


class Client:
    def __init__(self, url, user, password, timeout=30.0):
        self.url, self.user, self.password = url, user, password
        self.conn = wsman.Connection(url, timeout=timeout)

    def send(self, env):
        try:
            return self.conn.post(env, user=self.user, password=self.password)
        except Exception:
            # the daemon may close a kept-alive connection: one retry
            self.conn = wsman.Connection(self.url)
            return self.conn.post(env, user=self.user, password=self.password)

    def raw(self, action, uri, body="", selectors=None, options=None,
            max_envelope=153600):
        return self.send(envelope(action, uri, body, selectors, options,
                                  max_envelope))

    def enumerate(self, uri, selectors=None, options=None,
                  max_envelope=153600, **kw):
        return self.raw(A_ENUMERATE, uri, enumerate_body(**kw), selectors,
                        options, max_envelope)

    def pull(self, uri, ctx, max_elements=None, max_envelope=153600):
        return self.raw(A_PULL, uri, pull_body(ctx, max_elements),
                        max_envelope=max_envelope)

    def release(self, uri, ctx):
        return self.raw(A_RELEASE, uri, release_body(ctx))

    def get(self, uri, selectors, options=None):
        return self.raw(A_GET, uri, "", selectors, options)

    def invoke(self, uri, method, params=(), selectors=None):
        p = "".join("<p:%s>%s</p:%s>" % (k, v, k) for k, v in params)
        body = '<p:%s_INPUT xmlns:p="%s">%s</p:%s_INPUT>' % (method, uri, p,
                                                             method)
        return self.raw(uri + "/" + method, uri, body, selectors)

    def enumerate_all(self, uri, pull_max=10, max_envelope=153600,
                      selectors=None, **kw):
        """every item: Enumerate then Pull until EndOfSequence; returns
        (items, number of Pulls)"""
        r = self.enumerate(uri, selectors=selectors,
                           max_envelope=max_envelope, **kw)
        expect_ok(r, "Enumerate " + uri)
        got, ctx, done = items(r)
        got = list(got)
        pulls = 0
        while not done:
            if ctx is None:
                raise AssertionError("no EnumerationContext and no "
                                     "EndOfSequence")
            r = self.pull(uri, ctx, pull_max, max_envelope)
            expect_ok(r, "Pull")
            if len(r.body) > max_envelope:
                raise AssertionError("a Pull reply of %d bytes > "
                                     "MaxEnvelopeSize %d"
                                     % (len(r.body), max_envelope))
            its, ctx, done = items(r)
            if len(its) > pull_max:
                raise AssertionError("%d items > MaxElements %d"
                                     % (len(its), pull_max))
            got.extend(its)
            pulls += 1
            if pulls > 10000:
                raise AssertionError("no end")
        return got, pulls


def expect_ok(r, what):
    if r.status != 200:
        f = r.fault()
        raise AssertionError("%s: HTTP %d %s" % (what, r.status, f or
                                                 r.body[:400]))


def expect_fault(r, code, what, subcode=None):
    f = r.fault()
    if r.status != 500 or f is None:
        raise AssertionError("%s: expected a fault %s, got HTTP %d %r"
                             % (what, code, r.status, r.body[:400]))
    if f["wsmanfault_code"] != code:
        raise AssertionError("%s: WSManFault %s (%s / %s: %s), expected %s"
                             % (what, f["wsmanfault_code"], f["code"],
                                f["subcode"], f["reason"], code))
    if subcode is not None and not (f["subcode"] or "").endswith(":" + subcode):
        raise AssertionError("%s: subcode %s, expected %s"
                             % (what, f["subcode"], subcode))
    return f


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(fn):
    """runs fn(), turning AssertionError into exit status 1"""
    try:
        fn()
    except AssertionError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
