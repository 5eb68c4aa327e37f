"""pypsrp_cmdlets_client.py: objects from cmdlets over PSRP (winrmd's
small cmdlet set, docs/PSRP.md), driven by pypsrp from the client
matrix's venv (tests/clients/pypsrp_cmdlets.sh).

    pypsrp_cmdlets_client.py run URL USER PASSWORD PID SECRET DIR TABDIR
        add_cmdlet('Get-Process'): Process objects whose Id, ProcessName and
        WorkingSet match /proc/PID read here; Get-CimInstance
        Win32_OperatingSystem: Caption and LastBootUpTime; Get-ChildItem
        DIR | Select-Object -First 3 Name,Length through execute_ps (text,
        as Out-String lays it out) and through add_cmdlet (objects), both
        matching the directory; Get-Item's FileInfo; Set-Location then
        Get-Location; $env:HOME; exit 3; Write-Error and Write-Host;
        Get-Content of SECRET (a file the user may not read) refused with a
        PermissionDenied error record and nothing of it output;
        TabExpansion2 in TABDIR (PowerShell's AddArgument form and script
        text): a directory, a file name that needs quotes, a cmdlet and a
        command on PATH, as CommandCompletion objects
    pypsrp_cmdlets_client.py bench URL USER PASSWORD N
        N times Get-Process over PSRP (objects counted), prints the median

Prints "ok OPERATION" per operation that passed; exits 1 with "FAIL: ..."
on the first that did not.
"""

import argparse
import os
import statistics
import time

from psrp_common import Fail, check, client, conn_args, run_main


def prop(o, name):
    """a property of a deserialised object, adapted or extended"""
    for d in (o.adapted_properties, o.extended_properties):
        if name in d:
            return d[name]
    raise Fail("no property %s in %r (types %r)" % (
        name, sorted(list(o.adapted_properties) +
                     list(o.extended_properties)), o.types))


def invoke(pool, *cmds):
    """a pipeline of (name, {param: value}) cmdlets: output, streams"""
    from pypsrp.powershell import PowerShell
    ps = PowerShell(pool)
    for name, params in cmds:
        ps.add_cmdlet(name)
        for k, v in params.items():
            if k is None:
                ps.add_argument(v)
            else:
                ps.add_parameter(k, v)
    out = ps.invoke()
    return out, ps


def invoke_args(pool, name, *args):
    """one command with positional arguments, as PowerShell's
    AddCommand(name).AddArgument(...) sends them"""
    from pypsrp.powershell import PowerShell
    ps = PowerShell(pool)
    ps.add_cmdlet(name)
    for v in args:
        ps.add_argument(v)
    out = ps.invoke()
    return out, ps


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    f = s[s.rindex(")") + 2:].split()
    return comm, int(f[21]) * os.sysconf("SC_PAGESIZE")


def cmd_run(a):
    from pypsrp.powershell import RunspacePool, PSInvocationState
    c = client(a)
    with RunspacePool(c.wsman) as pool:
        # Get-Process: the test's sleep among them, as /proc says
        out, ps = invoke(pool, ("Get-Process", {}))
        comm, ws = proc_stat(a.pid)
        check(len(out) > 1, "Get-Process: %d objects" % len(out))
        mine = [o for o in out if prop(o, "Id") == a.pid]
        check(len(mine) == 1, "Get-Process: pid %d in %r" % (
            a.pid, [prop(o, "Id") for o in out][:20]))
        o = mine[0]
        check(o.types[0].endswith("System.Diagnostics.Process"),
              "Get-Process types %r" % o.types)
        check(prop(o, "ProcessName") == comm and prop(o, "Name") == comm,
              "ProcessName %r, /proc %r" % (prop(o, "ProcessName"), comm))
        check(prop(o, "WorkingSet") == ws and prop(o, "WorkingSet64") == ws,
              "WorkingSet %r, /proc %r" % (prop(o, "WorkingSet"), ws))
        check(str(o) == "System.Diagnostics.Process (%s)" % comm,
              "Process ToString %r" % str(o))
        check(not ps.had_errors, "Get-Process errors %r" % ps.streams.error)
        print("ok Get-Process")
        # a session's pace: the pool's first pipeline was cmdlets, so its
        # warm winrmd-native starts 100 ms after that one's end and the
        # second pipeline takes it (pypsrp_cmdlets.sh reads the log)
        time.sleep(0.3)

        out, ps = invoke(pool, ("Get-Process", {"Id": a.pid}),
                         ("Select-Object", {"Property": ["Id", "WS"]}))
        check(len(out) == 1 and prop(out[0], "Id") == a.pid and
              prop(out[0], "WS") == ws and
              sorted(out[0].extended_properties) == ["Id", "WS"],
              "Get-Process -Id | Select-Object: %r" %
              [o.extended_properties for o in out])
        print("ok Get-Process -Id | Select-Object")

        # Where-Object's two forms, Sort-Object
        out, ps = invoke(pool, ("Get-Process", {}),
                         ("Where-Object", {"Property": "Id", "EQ": True,
                                           "Value": a.pid}))
        check([prop(o, "Id") for o in out] == [a.pid],
              "Where-Object -Property Id -EQ: %r" %
              [prop(o, "Id") for o in out])
        out, streams, had_errors = c.execute_ps(
            "Get-Process | Where-Object { $_.Id -le %d } | "
            "Sort-Object Id -Descending | Select-Object -First 1 "
            "-ExpandProperty Id" % a.pid)
        check(out.strip() == str(a.pid), "Where { } | Sort | Select: %r" %
              out)
        print("ok Where-Object Sort-Object")

        # Get-CimInstance from the CIM providers
        out, ps = invoke(pool, ("Get-CimInstance",
                                {"ClassName": "Win32_OperatingSystem"}))
        check(len(out) == 1, "Win32_OperatingSystem: %d objects, errors %r"
              % (len(out), [str(e) for e in ps.streams.error]))
        cap = prop(out[0], "Caption")
        boot = prop(out[0], "LastBootUpTime")
        check(isinstance(cap, str) and cap, "Caption %r" % cap)
        check(boot is not None, "LastBootUpTime %r" % boot)
        check(any("CimInstance#root/cimv2/Win32_OperatingSystem" in t
                  for t in out[0].types), "CIM types %r" % out[0].types)
        print("ok Get-CimInstance Win32_OperatingSystem")

        # Get-ChildItem | Select-Object -First 3 Name,Length
        names = sorted((n for n in os.listdir(a.dir) if n[0] != "."),
                       key=str.lower)[:3]

        def length(n):
            p = os.path.join(a.dir, n)
            return None if os.path.isdir(p) else os.lstat(p).st_size \
                if not os.path.islink(p) else os.stat(p).st_size
        out, ps = invoke(pool, ("Get-ChildItem", {"Path": a.dir}),
                         ("Select-Object", {"First": 3,
                                            "Property": ["Name", "Length"]}))
        got = [(prop(o, "Name"), prop(o, "Length")) for o in out]
        check(got == [(n, length(n)) for n in names],
              "Get-ChildItem | Select-Object: %r, want %r" %
              (got, [(n, length(n)) for n in names]))
        print("ok Get-ChildItem | Select-Object objects")

        out, ps = invoke(pool, ("Get-Item", {"Path": os.path.join(
            a.dir, names[0])}))
        check(len(out) == 1 and prop(out[0], "FullName") ==
              os.path.join(a.dir, names[0]) and
              out[0].types[0].startswith("System.IO.") and
              prop(out[0], "PSChildName") == names[0],
              "Get-Item: %r" % [(o.types, o.adapted_properties) for o in out])
        print("ok Get-Item")

        # script text: Set-Location sticks, Get-Location, $env, exit
        out, ps = invoke(pool, ("Set-Location", {"Path": a.dir}))
        out, ps = invoke(pool, ("Get-Location", {}))
        check(len(out) == 1 and prop(out[0], "Path") == a.dir,
              "Get-Location after Set-Location: %r" %
              [o.adapted_properties for o in out])
        print("ok Set-Location Get-Location")

        # tab completion: PowerShell's remote form (positional input,
        # cursor, $null options) and script text; paths relative to the
        # runspace's directory, commands from the cmdlets and PATH
        out, ps = invoke(pool, ("Set-Location", {"Path": a.tabdir}))

        def items(lst):
            """CompletionResults from a CompletionMatches collection,
            which pypsrp leaves as its LST's XML (a type it does not
            know): CompletionText, ListItemText, ResultType, ToolTip"""
            import xml.etree.ElementTree as ET
            check(len(lst.property_sets) == 1 and
                  isinstance(lst.property_sets[0], str),
                  "CompletionMatches %r" % lst.property_sets)
            out = []
            for o in ET.fromstring(lst.property_sets[0]):
                check(o.find("TN/T").text ==
                      "System.Management.Automation.CompletionResult",
                      "a CompletionResult: %r" % lst.property_sets[0])
                p = o.find("Props")
                out.append((p.find("S[@N='CompletionText']").text,
                            p.find("S[@N='ListItemText']").text,
                            p.find("Obj[@N='ResultType']/ToString").text,
                            p.find("S[@N='ToolTip']").text))
            return out

        def completion(o):
            check(o.types[0].endswith("Automation.CommandCompletion"),
                  "TabExpansion2 types %r" % o.types)
            return (prop(o, "ReplacementIndex"), prop(o, "ReplacementLength"),
                    items(prop(o, "CompletionMatches")))
        out, ps = invoke_args(pool, "TabExpansion2", "cd su", 5, None)
        got = [completion(o) for o in out]
        check(got == [(3, 2, [("./sub-one", "sub-one", "ProviderContainer",
                               os.path.join(a.tabdir, "sub-one"))])],
              "TabExpansion2 'cd su' 5 $null: %r, errors %r" %
              (got, [str(e) for e in ps.streams.error]))
        from pypsrp.powershell import PowerShell
        ps = PowerShell(pool)
        ps.add_script("TabExpansion2 -inputScript 'cat fi' -cursorColumn 6")
        got = [completion(o) for o in ps.invoke()]
        check(got == [(4, 2, [("'./file two.txt'", "file two.txt",
                               "ProviderItem",
                               os.path.join(a.tabdir, "file two.txt"))])],
              "TabExpansion2 'cat fi': %r" % got)
        out, ps = invoke_args(pool, "TabExpansion2", "Get-ChildI", 10, None)
        got = [completion(o) for o in out]
        check(got and [m[0] for m in got[0][2]] == ["Get-ChildItem"],
              "TabExpansion2 Get-ChildI: %r" % got)
        out, ps = invoke_args(pool, "TabExpansion2", "whoam", 5, None)
        got = [completion(o) for o in out]
        check(got and ("whoami", "Command") in [(m[0], m[2])
                                                for m in got[0][2]],
              "TabExpansion2 whoam: %r" % got)
        print("ok TabExpansion2")

        # a file the user may not read: refused, nothing of it comes
        out, ps = invoke(pool, ("Get-Content", {"Path": a.secret}))
        errs = [str(e) for e in ps.streams.error]
        check(out == [] and len(errs) == 1 and "denied" in errs[0],
              "Get-Content of an unreadable file: %r, errors %r" %
              (out, errs))
        e = ps.streams.error[0]
        check(e.category == 18 and "UnauthorizedAccess" in e.fq_error and
              e.target_object == a.secret,
              "category %r, id %r, target %r" % (e.category, e.fq_error,
                                                 e.target_object))
        print("ok unreadable file refused")

    # execute_ps: text as Out-String lays it out
    out, streams, had_errors = c.execute_ps(
        "Get-ChildItem %s | Select-Object -First 3 Name,Length" % a.dir)
    lines = [l for l in out.splitlines() if l.strip()]
    check(lines[0].split() == ["Name", "Length"] and
          lines[1].split() == ["----", "------"],
          "execute_ps table header: %r" % out)
    for n, l in zip(names, lines[2:]):
        want = [n] + ([str(length(n))] if length(n) is not None else [])
        check(l.split() == want, "execute_ps row %r, want %r" % (l, want))
    check(len(lines) == 2 + len(names), "execute_ps rows: %r" % out)
    print("ok execute_ps Get-ChildItem | Select-Object")

    out, streams, had_errors = c.execute_ps("$env:HOME")
    check(out.strip() != "" and "/" in out, "$env:HOME: %r" % out)
    out, streams, had_errors = c.execute_ps("$PSVersionTable.PSEdition")
    check(out.strip() == "winrmd", "$PSVersionTable.PSEdition: %r" % out)
    out, streams, had_errors = c.execute_ps(
        "Write-Error 'it broke'; Write-Host hello; Write-Output done")
    def info_text(i):
        d = getattr(i, "message_data", i)
        props = getattr(d, "extended_properties", None) or \
            getattr(d, "adapted_properties", None) or {}
        return props.get("Message", str(d))
    # a non-terminating error: the pipeline completes, as on Windows
    check(out.strip() == "done" and not had_errors and
          [str(e) for e in streams.error] == ["it broke"] and
          [info_text(i) for i in streams.information] == ["hello"],
          "Write-*: %r, had_errors %r, errors %r, information %r" %
          (out, had_errors, [str(e) for e in streams.error],
           [info_text(i) for i in streams.information]))
    print("ok Write-Output Write-Host Write-Error $env")

    with RunspacePool(c.wsman) as pool:
        from pypsrp.powershell import PowerShell
        ps = PowerShell(pool)
        ps.add_script("exit 3")
        ps.invoke()
        ps2 = PowerShell(pool)
        ps2.add_script('echo "last $LASTEXITCODE"')
        out = ps2.invoke()
        check(out == ["last 3"], "exit 3 then $LASTEXITCODE: %r" % out)
        # a line not understood still runs in the shell
        ps3 = PowerShell(pool)
        ps3.add_script("Get-Process | ForEach-Object { $_.Name }")
        ps3.invoke()
        check(ps3.state == PSInvocationState.COMPLETED and
              ps3.streams.error, "not understood: %r" % ps3.streams.error)
        print("ok exit N, the shell for the rest")


def cmd_bench(a):
    from pypsrp.powershell import RunspacePool
    c = client(a)
    times = []
    with RunspacePool(c.wsman) as pool:
        for _ in range(a.n):
            t = time.perf_counter()
            out, ps = invoke(pool, ("Get-Process", {}))
            times.append(time.perf_counter() - t)
            check(len(out) > 1 and not ps.had_errors,
                  "Get-Process: %d objects" % len(out))
    print("psrp Get-Process: %d objects, median %.1f ms" % (
        len(out), statistics.median(times) * 1000))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = conn_args(sub.add_parser("run"))
    r.add_argument("pid", type=int)
    r.add_argument("secret")
    r.add_argument("dir")
    r.add_argument("tabdir")
    b = conn_args(sub.add_parser("bench"))
    b.add_argument("n", type=int)
    run_main(p, {"run": cmd_run, "bench": cmd_bench})


if __name__ == "__main__":
    main()
