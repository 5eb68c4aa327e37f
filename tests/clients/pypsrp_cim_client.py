"""pypsrp_cim_client.py: many pypsrp WSMan clients Get Win32_OperatingSystem
at once (tests/clients/pypsrp_cim.sh).

Usage: pypsrp_cim_client.py PORT USER PASSWORD

pypsrp's WSMan.get (its own envelope, and its own check that each answer's
RelatesTo is the MessageID it sent) from THREADS threads, each with its own
connection, ROUNDS rounds that start together (a barrier), so that the
daemon receives the Gets in the same passes of its loop and answers them
from one provider call per pass and key (plugins/cim/get.c).  The threads
ask in three ways: without selectors (a singleton, as `winrm get` does),
with the Name key, and with a Name no instance has.  Every answer must be
its own request's (pypsrp raises otherwise), carry the one instance with
the key, live values (FreePhysicalMemory, NumberOfProcesses, LocalDateTime
read anew: a thread's stamps never go back, and they move over the run),
and a Name that matches nothing must be answered with the WS-Management
fault for it every time.  Prints "ok cim-get N" (N answers), then how
many of them had a LocalDateTime of their own (the others shared a
provider call).
"""
import sys
import threading
import xml.etree.ElementTree as ET

from pypsrp.exceptions import WSManFaultError
from pypsrp.wsman import SelectorSet, WSMan

URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem"
THREADS = 12
ROUNDS = 25

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def wsman():
    return WSMan("127.0.0.1", port=port, username=user, password=password,
                 ssl=False, auth="basic", encryption="never",
                 operation_timeout=20, read_timeout=30)


def props(body):
    inst = None
    for e in body:
        if e.tag.rsplit("}", 1)[-1] == "Win32_OperatingSystem":
            if inst is not None:
                raise AssertionError("two instances in one answer")
            inst = e
    if inst is None:
        raise AssertionError("no instance: %s" % ET.tostring(body)[:300])
    # a datetime is a cim:Datetime element inside the property's
    return {c.tag.rsplit("}", 1)[-1]: "".join(c.itertext()).strip()
            for c in inst}


def datetime_of(p):
    # 2026-12-08T04:42:50.348403Z: in order as text (one zone)
    v = p.get("LocalDateTime", "")
    if len(v) < 20 or v[4] != "-" or v[10] != "T":
        raise AssertionError("LocalDateTime is %r" % v)
    return v


first = props(wsman().get(URI))
name = first["Name"]
barrier = threading.Barrier(THREADS)
errors, answers, stamps = [], [0], set()
lock = threading.Lock()


def worker(k):
    w = wsman()
    mode = k % 3
    last = ""
    try:
        for _ in range(ROUNDS):
            barrier.wait(timeout=60)
            if mode == 2:
                sel = SelectorSet()
                sel.add_option("Name", name + "-none")
                try:
                    w.get(URI, selector_set=sel)
                except WSManFaultError as e:
                    if e.code != 2150858752:  # 0x80338000
                        raise AssertionError("the fault for no instance "
                                             "was %s: %s" % (e.code, e.reason))
                else:
                    raise AssertionError("a Get of no instance answered")
                continue
            sel = None
            if mode == 1:
                sel = SelectorSet()
                sel.add_option("Name", name)
            p = props(w.get(URI, selector_set=sel))
            if p.get("Name") != name:
                raise AssertionError("Name %r, not %r" % (p.get("Name"), name))
            for key in ("FreePhysicalMemory", "NumberOfProcesses",
                        "TotalVisibleMemorySize"):
                if not p.get(key, "").isdigit() or int(p[key]) <= 0:
                    raise AssertionError("%s is %r" % (key, p.get(key)))
            now = datetime_of(p)
            if now < last:
                raise AssertionError("LocalDateTime went back: %s after %s"
                                     % (now, last))
            last = now
            with lock:
                answers[0] += 1
                stamps.add(now)
    except Exception as e:  # noqa: BLE001 - reported, and the run fails
        with lock:
            errors.append("thread %d (mode %d): %r" % (k, mode, e))
        barrier.abort()


threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("\n".join(errors[:5]))
want = THREADS // 3 * 2 * ROUNDS
if answers[0] != want:
    sys.exit("%d answers, expected %d" % (answers[0], want))
# read anew over the run, not kept from its first pass
if len(stamps) < ROUNDS:
    sys.exit("only %d distinct LocalDateTime values in %d rounds"
             % (len(stamps), ROUNDS))
# answers of one provider call share their LocalDateTime: for the log
print("ok cim-get %d" % answers[0])
print("%d distinct LocalDateTime values in %d answers" % (len(stamps),
                                                          answers[0]))
