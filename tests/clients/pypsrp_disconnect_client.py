"""pypsrp_disconnect_client.py: pypsrp's disconnected runspace pools against
winrmd (tests/clients/pypsrp_disconnect.sh).  Each subcommand is one client
process; what one leaves for the next is in DIR/ids.json.

    start URL USER PASSWORD DIR
        opens a pool (2 runspaces), starts P1 `echo one; sleep 2; echo two`
        without receiving anything and P2 `echo first; <wait for DIR/go>;
        echo second`, receives P2's first line, then RunspacePool.disconnect()
        and leaves without closing; a Receive of the disconnected pool is
        refused (ERROR_WINRS_SHELL_DISCONNECTED)
    connect URL USER PASSWORD DIR
        another process: RunspacePool.get_runspace_pools() finds the pool
        (State Disconnected in the Enumerate) with its two pipelines,
        connect(), each pipeline's connect(): P1 gives both lines and
        Completed, P2 the line after the one already received; a new
        pipeline runs in the pool; close()
    reconnect URL USER PASSWORD DIR
        the same client: disconnect() with a pipeline running, connect()
        (Reconnect), the pipeline's connect() gives its output
    other URL USER PASSWORD USER2 PASSWORD2 DIR
        USER's disconnected pool is not among USER2's get_runspace_pools(),
        USER2's Connect and Reconnect are refused with AccessDenied (5);
        USER's Connect to a pool a client holds is refused (2150859213);
        USER's own process then connects and receives
    idle URL USER PASSWORD DIR
        a pool whose pipeline runs `sleep 60` in the background (its pid in
        DIR/pid) disconnected with rsp:IdleTimeOut PT2S
    gone URL USER PASSWORD DIR
        the pool of `idle' is not listed and its Connect finds no shell
    bound URL USER PASSWORD DIR
        two pipelines each printing ~900 kB (base64 of DIR/data1, DIR/data2)
        once DIR/go exists, then touching DIR/doneN; disconnected at once
        (the test makes DIR/go after: all of the output comes while
        disconnected)
    bound-connect URL USER PASSWORD DIR
        connect and receive both: every byte arrives (nothing dropped)

Prints "ok OPERATION" per operation that passed; exits 1 with "FAIL: ..."
on the first that did not.
"""

import argparse
import base64
import json
import os
import xml.etree.ElementTree as ET

from psrp_common import check, conn_args, expect_fault, run_main, wsman

URI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"


def save(a, **kw):
    with open(os.path.join(a.dir, "ids.json"), "w") as f:
        json.dump(kw, f)


def load(a):
    with open(os.path.join(a.dir, "ids.json")) as f:
        return json.load(f)


def selectors(shell_id):
    from pypsrp.wsman import SelectorSet
    sel = SelectorSet()
    sel.add_option("ShellId", shell_id)
    return sel


def receive_raw(w, shell_id):
    from pypsrp.wsman import NAMESPACES
    recv = ET.Element("{%s}Receive" % NAMESPACES["rsp"])
    ET.SubElement(recv, "{%s}DesiredStream" % NAMESPACES["rsp"]).text = \
        "stdout"
    return w.receive(URI, recv, selector_set=selectors(shell_id))


def shell_state(w, shell_id):
    """the rsp:State of the pool in an Enumerate of the user's shells"""
    from pypsrp.wsman import NAMESPACES
    wsen, wsmn = NAMESPACES["wsen"], NAMESPACES["wsman"]
    msg = ET.Element("{%s}Enumerate" % wsen)
    ET.SubElement(msg, "{%s}OptimizeEnumeration" % wsmn)
    ET.SubElement(msg, "{%s}MaxElements" % wsmn).text = "100"
    r = w.enumerate("http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
                    msg)
    for s in r.findall("wsen:EnumerateResponse/wsman:Items/rsp:Shell",
                       NAMESPACES):
        if s.find("rsp:ShellId", NAMESPACES).text.upper() == shell_id.upper():
            return s.find("rsp:State", NAMESPACES).text
    return None


def find_pool(w, shell_id):
    from pypsrp.powershell import RunspacePool
    pools = [p for p in RunspacePool.get_runspace_pools(w)
             if p.id.upper() == shell_id.upper()]
    return pools[0] if pools else None


def new_client_pool(w, shell_id):
    """what get_runspace_pools makes, for a pool it does not list"""
    from pypsrp.powershell import RunspacePool
    from pypsrp.complex_objects import RunspacePoolState
    pool = RunspacePool(w)
    pool.id = shell_id
    pool.shell.id = shell_id
    pool.shell.opened = True
    pool._new_client = True
    pool.state = RunspacePoolState.DISCONNECTED
    return pool


def cmd_start(a):
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.exceptions import WSManFaultError

    w = wsman(a)
    pool = RunspacePool(w, max_runspaces=2)
    pool.open()
    p1 = PowerShell(pool)
    p1.add_script("echo one; sleep 2; echo two")
    p1.begin_invoke()
    p2 = PowerShell(pool)
    p2.add_script("echo first; while [ ! -e '%s/go' ]; do sleep 0.05; done; "
                  "echo second" % a.dir)
    p2.begin_invoke()
    while p2.output == []:
        p2.poll_invoke()
    check(p2.output == ["first"], "P2 before the disconnect: %r" % p2.output)
    save(a, pool=pool.shell.id, p1=p1.id, p2=p2.id)
    pool.disconnect()
    print("ok disconnect")
    expect_fault("a Receive of the disconnected pool",
                 lambda: receive_raw(w, pool.shell.id), 2150859204)
    print("ok disconnected pool refuses Receive")
    check(shell_state(w, pool.shell.id) == "Disconnected",
          "the Enumerate's State of the disconnected pool: %r"
          % shell_state(w, pool.shell.id))
    print("ok state Disconnected")


def cmd_connect(a):
    from pypsrp.powershell import PowerShell
    from pypsrp.complex_objects import PSInvocationState, RunspacePoolState

    ids = load(a)
    w = wsman(a)
    pool = find_pool(w, ids["pool"])
    check(pool is not None, "get_runspace_pools() does not list %s"
          % ids["pool"])
    want = sorted(i.upper() for i in (ids["p1"], ids["p2"]))
    check(sorted(i.upper() for i in pool.pipelines) == want,
          "the pool's pipelines: %r, not %r" % (list(pool.pipelines), want))
    print("ok get_runspace_pools")
    pool.connect()
    check(pool.state == RunspacePoolState.OPENED, "state after connect(): %s"
          % pool.state)
    check(shell_state(w, ids["pool"]) == "Connected", "not Connected")
    print("ok connect")
    got = {}
    for ps in pool.create_disconnected_power_shells():
        out = ps.connect()
        check(ps.state == PSInvocationState.COMPLETED,
              "pipeline %s ended %s" % (ps.id, ps.state))
        got[ps.id.upper()] = out
    check(got.get(ids["p1"].upper()) == ["one", "two"],
          "P1 after connect: %r" % got.get(ids["p1"].upper()))
    print("ok pipeline output produced while disconnected")
    check(got.get(ids["p2"].upper()) == ["second"],
          "P2 after connect: %r" % got.get(ids["p2"].upper()))
    print("ok pipeline received from where it was")
    ps = PowerShell(pool)
    ps.add_script("echo after")
    check(ps.invoke() == ["after"], "a pipeline after connect")
    print("ok new pipeline")
    pool.close()


def cmd_reconnect(a):
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.complex_objects import RunspacePoolState

    w = wsman(a)
    pool = RunspacePool(w)
    pool.open()
    ps = PowerShell(pool)
    ps.add_script("echo a; sleep 1; echo b")
    ps.begin_invoke()
    pool.disconnect()
    pool.connect()
    check(pool.state == RunspacePoolState.OPENED, "state after Reconnect: %s"
          % pool.state)
    out = ps.connect()
    check(out == ["a", "b"], "the pipeline after Reconnect: %r" % out)
    pool.close()
    print("ok reconnect")


def cmd_other(a):
    from pypsrp.powershell import PowerShell, RunspacePool

    w = wsman(a)
    pool = RunspacePool(w)
    pool.open()
    ps = PowerShell(pool)
    ps.add_script("echo mine")
    ps.begin_invoke()
    shell_id = pool.shell.id
    pool.disconnect()
    w2 = wsman(a, a.user2, a.password2)
    check(find_pool(w2, shell_id) is None,
          "another user's get_runspace_pools() lists the pool")
    expect_fault("another user's Connect", new_client_pool(w2, shell_id)
                 .connect, 5)
    expect_fault("another user's Reconnect",
                 lambda: w2.reconnect(URI, selector_set=selectors(shell_id)),
                 5)
    print("ok other user refused")
    # the owner, from a new client, twice: the second finds it held
    w3 = wsman(a)
    mine = find_pool(w3, shell_id)
    mine.connect()
    expect_fault("a Connect to a pool a client holds",
                 new_client_pool(wsman(a), shell_id).connect, 2150859213)
    print("ok connected pool refuses Connect")
    out = mine.create_disconnected_power_shells()[0].connect()
    check(out == ["mine"], "the owner's pipeline after the refusals: %r"
          % out)
    mine.close()
    print("ok owner connects")


def cmd_idle(a):
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.wsman import NAMESPACES

    w = wsman(a)
    pool = RunspacePool(w)
    pool.open()
    ps = PowerShell(pool)
    ps.add_script("sleep 60 & echo $! > '%s/pid.tmp'; mv '%s/pid.tmp' "
                  "'%s/pid'; echo started; wait" % (a.dir, a.dir, a.dir))
    ps.begin_invoke()
    while ps.output == []:
        ps.poll_invoke()
    rsp = NAMESPACES["rsp"]
    d = ET.Element("{%s}Disconnect" % rsp)
    ET.SubElement(d, "{%s}IdleTimeOut" % rsp).text = "PT2S"
    w.disconnect(URI, d, selector_set=selectors(pool.shell.id))
    save(a, pool=pool.shell.id)
    print("ok disconnect with IdleTimeOut")


def cmd_gone(a):
    ids = load(a)
    w = wsman(a)
    check(find_pool(w, ids["pool"]) is None,
          "the expired pool is still listed")
    expect_fault("Connect to the expired pool",
                 new_client_pool(w, ids["pool"]).connect, 2150858843)
    print("ok expired pool gone")


def cmd_bound(a):
    from pypsrp.powershell import PowerShell, RunspacePool

    w = wsman(a)
    pool = RunspacePool(w, max_runspaces=2)
    pool.open()
    ids = {"pool": pool.shell.id}
    for n in (1, 2):
        ps = PowerShell(pool)
        ps.add_script("head -c 670000 /dev/urandom > '{d}/data{n}.tmp' && "
                      "mv '{d}/data{n}.tmp' '{d}/data{n}' && "
                      "while [ ! -e '{d}/go' ]; do sleep 0.05; done && "
                      "base64 -w 76 '{d}/data{n}' && touch '{d}/done{n}'"
                      .format(d=a.dir, n=n))
        ps.begin_invoke()
        ids["p%d" % n] = ps.id
    pool.disconnect()
    save(a, **ids)
    print("ok disconnect")


def cmd_bound_connect(a):
    from pypsrp.complex_objects import PSInvocationState

    ids = load(a)
    w = wsman(a)
    pool = find_pool(w, ids["pool"])
    check(pool is not None, "the pool is not listed")
    pool.connect()
    for ps in pool.create_disconnected_power_shells():
        out = ps.connect()
        n = 1 if ps.id.upper() == ids["p1"].upper() else 2
        check(ps.state == PSInvocationState.COMPLETED,
              "pipeline %d ended %s" % (n, ps.state))
        with open(os.path.join(a.dir, "data%d" % n), "rb") as f:
            want = f.read()
        got = base64.b64decode("".join(out))
        check(got == want, "pipeline %d: %d bytes back of %d" %
              (n, len(got), len(want)))
    pool.close()
    print("ok every byte received")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("start", "connect", "reconnect", "other", "idle", "gone",
                 "bound", "bound-connect"):
        conn_args(sub.add_parser(name), *(("user2", "password2")
                                           if name == "other" else ()),
                  "dir")
    run_main(p, {"start": cmd_start, "connect": cmd_connect,
                 "reconnect": cmd_reconnect, "other": cmd_other,
                 "idle": cmd_idle, "gone": cmd_gone, "bound": cmd_bound,
                 "bound-connect": cmd_bound_connect})


if __name__ == "__main__":
    main()
