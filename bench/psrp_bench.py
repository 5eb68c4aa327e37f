#!/usr/bin/env python3
"""psrp_bench.py: the PowerShell remoting side of bench/run (its psrp
section).  Run with a python that has pypsrp and pywinrm (the client venv
of scripts/install-clients).  Plain HTTP with Basic (the bench daemon has
AllowUnencrypted = true).

    psrp_bench.py rt PORT USER PASSWORD N
        N round trips each of pypsrp Client.execute_ps('echo hi') and
        pywinrm Session.run_cmd('echo hi'), interleaved; checks each answer
        is "hi"; prints "PSRP_MS PYWINRM_MS PSRP_CPU_MS" (the medians, ms;
        the last is the CPU time this process, pypsrp, spent in one
        execute_ps: what no server can take away)
    psrp_bench.py procs PORT USER PASSWORD N
        N times each, interleaved, on one open runspace pool and one
        connection: pypsrp PowerShell.add_cmdlet('Get-Process') (objects
        deserialised by pypsrp), pypsrp's WSMan Enumerate + Pull of
        Win32_Process (the response parsed by pypsrp, the items counted)
        and `ps -eo pid,comm,rss,vsz,time'; prints "PSRP_MS ENUM_MS PS_MS
        PSRP_OBJECTS ENUM_ITEMS PSRP_WIRE_MS" (the medians, ms; the last
        is PSRP less the time in pypsrp's deserialiser)
    psrp_bench.py pools PORT USER PASSWORD N
        opens N runspace pools (8 at a time, a WSMan each), prints
        "opened N" and waits until stdin ends or SIGTERM, then closes them
        all and prints "closed N"
"""

import concurrent.futures
import signal
import statistics
import sys
import threading
import time

import winrm
from pypsrp.client import Client
from pypsrp.powershell import RunspacePool
from pypsrp.wsman import WSMan

WORKERS = 8


def wsman(port, user, password):
    return WSMan("127.0.0.1", port=port, username=user, password=password,
                 ssl=False, auth="basic", encryption="never",
                 cert_validation=False)


def rt(port, user, password, n):
    c = Client("127.0.0.1", port=port, username=user, password=password,
               ssl=False, auth="basic", encryption="never")
    s = winrm.Session("http://127.0.0.1:%d/wsman" % port,
                      auth=(user, password), transport="plaintext")
    ps, pw, cpu = [], [], []
    for _ in range(n):
        t = time.perf_counter()
        tc = time.process_time()
        out, streams, had_errors = c.execute_ps("echo hi")
        ps.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - tc) * 1000)
        if out.strip() != "hi" or had_errors:
            sys.exit("execute_ps('echo hi') gave %r (errors: %s)" %
                     (out, had_errors))
        t = time.perf_counter()
        r = s.run_cmd("echo hi")
        pw.append((time.perf_counter() - t) * 1000)
        if r.status_code != 0 or r.std_out.strip() != b"hi":
            sys.exit("run_cmd('echo hi') gave %r, %d" % (r.std_out,
                                                          r.status_code))
    print("%.3f %.3f %.3f" % (statistics.median(ps), statistics.median(pw),
                              statistics.median(cpu)))


def procs(port, user, password, n):
    import subprocess
    import xml.etree.ElementTree as ET
    from pypsrp.powershell import PowerShell
    wsen = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
    wsman_ns = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
    uri = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/" \
        "Win32_Process"

    def enum(w):
        e = ET.Element("{%s}Enumerate" % wsen)
        ET.SubElement(e, "{%s}OptimizeEnumeration" % wsman_ns)
        ET.SubElement(e, "{%s}MaxElements" % wsman_ns).text = "32000"
        body = w.enumerate(uri, e)
        items = 0
        while True:
            items += sum(1 for x in body.iter() if x.tag.endswith(
                "}Win32_Process"))
            if any(x.tag.endswith("}EndOfSequence") for x in body.iter()):
                return items
            ctx = next(x for x in body.iter()
                       if x.tag.endswith("}EnumerationContext")).text
            p = ET.Element("{%s}Pull" % wsen)
            ET.SubElement(p, "{%s}EnumerationContext" % wsen).text = ctx
            ET.SubElement(p, "{%s}MaxElements" % wsen).text = "32000"
            body = w.pull(uri, p)

    # pypsrp's deserialiser (pure Python, an ElementTree.tostring per
    # property) is timed apart: the wire and the server are the rest
    import pypsrp.messages as pm
    unpack = pm.Message.unpack
    spent = [0.0]

    def timed_unpack(*args, **kw):
        t0 = time.perf_counter()
        try:
            return unpack(*args, **kw)
        finally:
            spent[0] += time.perf_counter() - t0
    pm.Message.unpack = staticmethod(timed_unpack)

    w = wsman(port, user, password)
    tp, tw, te, tps = [], [], [], []
    with RunspacePool(w) as pool:
        for _ in range(n):
            t = time.perf_counter()
            spent[0] = 0.0
            ps = PowerShell(pool)
            ps.add_cmdlet("Get-Process")
            out = ps.invoke()
            tp.append((time.perf_counter() - t) * 1000)
            tw.append(tp[-1] - spent[0] * 1000)
            if len(out) < 2 or ps.had_errors:
                sys.exit("Get-Process gave %d objects (errors %r)" % (
                    len(out), [str(e) for e in ps.streams.error]))
            t = time.perf_counter()
            items = enum(w)
            te.append((time.perf_counter() - t) * 1000)
            if items < 2:
                sys.exit("Enumerate Win32_Process gave %d items" % items)
            t = time.perf_counter()
            subprocess.run(["ps", "-eo", "pid,comm,rss,vsz,time"],
                           check=True, stdout=subprocess.DEVNULL)
            tps.append((time.perf_counter() - t) * 1000)
    print("%.3f %.3f %.3f %d %d %.3f" % (
        statistics.median(tp), statistics.median(te),
        statistics.median(tps), len(out), items, statistics.median(tw)))


def pools(port, user, password, n):
    local = threading.local()

    def conn():
        if not hasattr(local, "w"):
            local.w = wsman(port, user, password)
        return local.w

    def open_one(_):
        p = RunspacePool(conn())
        p.open()
        return p

    def close_one(p):
        p.close()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        opened = list(ex.map(open_one, range(n)))
    print("opened %d" % len(opened), flush=True)

    def stdin_end():
        sys.stdin.read()
        stop.set()
    threading.Thread(target=stdin_end, daemon=True).start()
    while not stop.is_set():
        stop.wait(0.2)
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        list(ex.map(close_one, opened))
    print("closed %d" % len(opened), flush=True)


def main(argv):
    if len(argv) != 6 or argv[1] not in ("rt", "pools", "procs"):
        sys.exit(__doc__)
    port, user, password, n = int(argv[2]), argv[3], argv[4], int(argv[5])
    {"rt": rt, "pools": pools, "procs": procs}[argv[1]](port, user,
                                                       password, n)


if __name__ == "__main__":
    main(sys.argv)
