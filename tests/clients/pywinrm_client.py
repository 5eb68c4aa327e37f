"""pywinrm_client.py: the client matrix's pywinrm and pypsrp operations,
run by whichever Python has the library (the venv of scripts/install-clients,
or Debian's /usr/bin/python3 with python3-winrm).

    pywinrm_client.py pywinrm URL TRANSPORT USER PASSWORD [--cert PEM KEY]
                      [--as ACCOUNT]
        winrm.Session: run_cmd (output, exit code, stderr), run_ps (a
        PowerShell line); over HTTP with ntlm or kerberos, that the messages
        were encrypted (pywinrm's message encryption)
    pywinrm_client.py pypsrp URL USER PASSWORD
        pypsrp.client.Client.execute_cmd (WinRS, Basic): output, stderr and
        exit code
    pywinrm_client.py version DIST
        the installed version of a distribution

Prints "ok OPERATION" per operation that passed; exits 1 with
"FAIL: ..." on the first that did not.
"""

import argparse
import importlib.metadata
import sys
import urllib.parse


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def cmd_pywinrm(a):
    import winrm
    kw = {}
    if a.cert:
        kw = {"cert_pem": a.cert[0], "cert_key_pem": a.cert[1]}
    s = winrm.Session(a.url, auth=(a.user, a.password), transport=a.transport,
                      server_cert_validation="ignore", **kw)
    user = a.as_user or a.user.split("@")[0]
    r = s.run_cmd("id", ["-un"])
    check(r.status_code == 0 and r.std_out == (user + "\n").encode(),
          "run_cmd('id', ['-un']): status %d, stdout %r, stderr %r"
          % (r.status_code, r.std_out, r.std_err))
    r = s.run_cmd("echo to-stderr >&2; exit 3")
    check(r.status_code == 3 and r.std_err == b"to-stderr\n",
          "run_cmd(exit 3): status %d, stderr %r" % (r.status_code, r.std_err))
    print("ok run_cmd")
    r = s.run_ps("Write-Output 'from PowerShell'")
    check(r.status_code == 0 and r.std_out.strip() == b"from PowerShell",
          "run_ps: status %d, stdout %r, stderr %r"
          % (r.status_code, r.std_out, r.std_err))
    print("ok run_ps")
    if urllib.parse.urlsplit(a.url).scheme == "http" and \
            a.transport in ("ntlm", "kerberos"):
        t = s.protocol.transport
        check(getattr(t, "encryption", None) is not None,
              "%s over HTTP was not encrypted" % a.transport)
        print("ok message encryption")
    return 0


def cmd_pypsrp(a):
    from pypsrp.client import Client
    u = urllib.parse.urlsplit(a.url)
    # Basic over HTTP: no message encryption to ask for (AllowUnencrypted)
    c = Client(u.hostname, port=u.port, ssl=u.scheme == "https",
               path=u.path.lstrip("/"), username=a.user, password=a.password,
               auth="basic", cert_validation=False,
               encryption="auto" if u.scheme == "https" else "never")
    out, err, rc = c.execute_cmd("id -un")
    check(rc == 0 and out == a.user + "\n",
          "execute_cmd('id -un'): rc %d, stdout %r, stderr %r" % (rc, out, err))
    out, err, rc = c.execute_cmd("echo to-stderr >&2; exit 3")
    check(rc == 3 and err == "to-stderr\n",
          "execute_cmd(exit 3): rc %d, stderr %r" % (rc, err))
    print("ok execute_cmd")
    return 0


def cmd_version(a):
    print(importlib.metadata.version(a.dist))
    return 0


def main(argv):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("pywinrm")
    w.add_argument("url")
    w.add_argument("transport")
    w.add_argument("user")
    w.add_argument("password")
    w.add_argument("--cert", nargs=2, metavar=("PEM", "KEY"))
    w.add_argument("--as", dest="as_user",
                   help="the account the commands run as (default: USER "
                   "up to an @)")
    w.set_defaults(fn=cmd_pywinrm)
    s = sub.add_parser("pypsrp")
    s.add_argument("url")
    s.add_argument("user")
    s.add_argument("password")
    s.set_defaults(fn=cmd_pypsrp)
    v = sub.add_parser("version")
    v.add_argument("dist")
    v.set_defaults(fn=cmd_version)
    a = p.parse_args(argv)
    try:
        return a.fn(a)
    except Fail as ex:
        print("FAIL: %s" % ex, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
