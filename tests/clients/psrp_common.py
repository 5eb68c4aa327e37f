"""psrp_common.py: what the pypsrp drivers of tests/clients/ share, written
once: the failure they stop at (Fail, check), pypsrp's Client and WSMan for
a URL with Basic and no message encryption, the expected WS-Man fault, the
url/user/password arguments and the main that runs one subcommand and turns
a Fail into "FAIL: ..." and exit status 1.  (Imported by
pypsrp_{psrp,cmdlets,host,disconnect,xpress}_client.py from their own
directory; pypsrp comes from the client matrix's venv.)
"""

import sys


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def _conn(a, user, password, kw):
    from urllib.parse import urlsplit
    u = urlsplit(a.url)
    return dict(port=u.port, username=user or a.user,
                password=password or a.password, ssl=u.scheme == "https",
                path=u.path.lstrip("/"), auth="basic",
                cert_validation=False, encryption="never", **kw), u.hostname


def client(a, user=None, password=None, **kw):
    """pypsrp's Client for a.url as user (a.user), Basic over HTTP(S)"""
    from pypsrp.client import Client
    args, host = _conn(a, user, password, kw)
    return Client(host, **args)


def wsman(a, user=None, password=None, **kw):
    """pypsrp's WSMan for a.url as user (a.user), Basic over HTTP(S)"""
    from pypsrp.wsman import WSMan
    args, host = _conn(a, user, password, kw)
    return WSMan(host, **args)


def expect_fault(what, call, code, code_name=None):
    """call() must be refused with the WS-Man fault code: the fault"""
    from pypsrp.exceptions import WSManFaultError
    try:
        call()
    except WSManFaultError as e:
        check(str(e.code) == str(code), "%s: fault %s (%s), not %s%s" % (
            what, e.code, e.reason, code,
            " (%s)" % code_name if code_name else ""))
        return e
    raise Fail("%s was served" % what)


def conn_args(p, *more):
    """the arguments url user password, then more, of parser p"""
    for n in ("url", "user", "password") + more:
        p.add_argument(n)
    return p


def run_main(p, commands, key="cmd"):
    """parses p's arguments and runs commands[a.<key>](a): a Fail is
    printed as FAIL and exits 1"""
    a = p.parse_args()
    try:
        commands[getattr(a, key)](a)
    except Fail as e:
        print("FAIL: %s" % e)
        sys.exit(1)

