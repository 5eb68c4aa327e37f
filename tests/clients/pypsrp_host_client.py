"""pypsrp_host_client.py: Write-Host and Read-Host over PSRP through the
client's host (pypsrp.host.PSHost with a PSHostUserInterface that answers
and records), driven by pypsrp from the client matrix's venv
(tests/clients/pypsrp_host.sh).

    pypsrp_host_client.py URL USER PASSWORD
        with a host: Write-Host hello reaches the host's WriteLine2 (and
        the information stream, as Windows sends both), -NoNewline its
        Write1; Read-Host without a prompt calls ReadLine and its answer is
        the output; Read-Host "name" calls Prompt with a FieldDescription
        named "name" and the answer for it is the output; Read-Host
        -AsSecureString (and with a prompt) gives a SecureString the client
        decrypts to what its host answered; a response with another call id
        is refused (a WS-Man fault) and the right one still taken; without
        a host, Read-Host fails with HostFunctionNotImplemented; a shell
        command's reads of stdin (read x) are ReadLine calls whose answer
        is the line read, and a pipeline that reads another pipe asks
        nothing

Prints "ok OPERATION" per operation that passed; exits 1 with "FAIL: ..."
on the first that did not.
"""

import argparse

from psrp_common import check, client, conn_args, run_main


def make_host():
    from pypsrp.host import PSHost, PSHostUserInterface
    from pypsrp.serializer import TaggedValue

    class UI(PSHostUserInterface):
        def __init__(self):
            super().__init__()
            self.calls = []
            self.line = "line-answer"
            self.bad_ci_first = False
            self.bad_ci_fault = None

        def WriteLine2(self, runspace, pipeline, value):
            self.calls.append(("WriteLine2", value))

        def Write1(self, runspace, pipeline, value):
            self.calls.append(("Write1", value))

        def ReadLine(self, runspace, pipeline):
            self.calls.append(("ReadLine",))
            if self.bad_ci_first:
                self.bad_ci_fault = send_bad_ci(runspace, pipeline)
            return self.line

        def ReadLineAsSecureString(self, runspace, pipeline):
            self.calls.append(("ReadLineAsSecureString",))
            return TaggedValue("SS", "s3cret-line")

        def Prompt(self, runspace, pipeline, caption, message, descriptions):
            d = descriptions[0].extended_properties
            self.calls.append(("Prompt", caption, message, d["name"],
                               d["parameterTypeFullName"]))
            if d["parameterTypeFullName"] == "System.Security.SecureString":
                return {d["name"]: TaggedValue("SS", "s3cret-prompt")}
            return {d["name"]: "alice"}

    ui = UI()
    return PSHost(None, None, False, "winrmd-test", None, ui, "1.0"), ui


def send_bad_ci(runspace, pipeline):
    """a PIPELINE_HOST_RESPONSE for a call that was not made: the fault"""
    from pypsrp.complex_objects import HostMethodIdentifier
    from pypsrp.exceptions import WSManFaultError
    from pypsrp.messages import PipelineHostResponse
    msg = PipelineHostResponse()
    msg.ci = 77
    msg.mi = HostMethodIdentifier(value=11)
    msg.mr = "not asked for"
    try:
        for f in runspace._fragmenter.fragment(msg, runspace.id, pipeline.id):
            runspace.shell.send("pr", f)
    except WSManFaultError as e:
        return str(e)
    return None


def run(pool, name, *args, **params):
    from pypsrp.powershell import PowerShell
    ps = PowerShell(pool)
    ps.add_cmdlet(name)
    for v in args:
        ps.add_argument(v)
    for k, v in params.items():
        ps.add_parameter(k, v)
    out = ps.invoke()
    return out, ps


def cmd_run(a):
    from pypsrp.powershell import RunspacePool, PSInvocationState
    c = client(a)
    host, ui = make_host()
    with RunspacePool(c.wsman, host=host) as pool:
        out, ps = run(pool, "Write-Host", "hello")
        check(ui.calls == [("WriteLine2", "hello")],
              "Write-Host: host calls %r" % ui.calls)
        check(out == [] and not ps.had_errors, "Write-Host: output %r, "
              "errors %r" % (out, ps.streams.error))
        info = [(i.source, i.tags, str(i.message_data))
                for i in ps.streams.information]
        check(info == [("Write-Host", ["PSHOST"], "hello")],
              "Write-Host: information %r" % info)
        ui.calls.clear()
        out, ps = run(pool, "Write-Host", "part", NoNewline=True)
        check(ui.calls == [("Write1", "part")],
              "Write-Host -NoNewline: host calls %r" % ui.calls)
        print("ok Write-Host to the host")

        ui.calls.clear()
        out, ps = run(pool, "Read-Host")
        check(ui.calls == [("ReadLine",)], "Read-Host: calls %r" % ui.calls)
        check(out == ["line-answer"] and not ps.had_errors and
              ps.state == PSInvocationState.COMPLETED,
              "Read-Host: output %r, state %r, errors %r" %
              (out, ps.state, [str(e) for e in ps.streams.error]))
        print("ok Read-Host ReadLine")

        ui.calls.clear()
        out, ps = run(pool, "Read-Host", "name")
        check(ui.calls == [("Prompt", "", "", "name", "System.String")],
              "Read-Host name: calls %r" % ui.calls)
        check(out == ["alice"] and not ps.had_errors,
              "Read-Host name: output %r, errors %r" %
              (out, [str(e) for e in ps.streams.error]))
        # the same through execute_ps's Invoke-Expression | Out-String
        ui.calls.clear()
        from pypsrp.powershell import PowerShell
        ps = PowerShell(pool)
        ps.add_cmdlet("Invoke-Expression").add_parameter(
            "Command", "Read-Host 'name'")
        ps.add_cmdlet("Out-String").add_parameter("Stream", True)
        out = ps.invoke()
        check(out == ["alice"] and ui.calls[0][:4] == ("Prompt", "", "",
              "name"), "execute_ps's Read-Host: %r, calls %r" %
              (out, ui.calls))
        print("ok Read-Host prompt")

        pool.exchange_keys()
        ui.calls.clear()
        out, ps = run(pool, "Read-Host", AsSecureString=True)
        check(ui.calls == [("ReadLineAsSecureString",)],
              "Read-Host -AsSecureString: calls %r" % ui.calls)
        check(out == ["s3cret-line"] and not ps.had_errors,
              "Read-Host -AsSecureString: output %r, errors %r" %
              (out, [str(e) for e in ps.streams.error]))
        ui.calls.clear()
        out, ps = run(pool, "Read-Host", "pw", AsSecureString=True)
        check(ui.calls == [("Prompt", "", "", "pw",
                            "System.Security.SecureString")],
              "Read-Host pw -AsSecureString: calls %r" % ui.calls)
        check(out == ["s3cret-prompt"], "Read-Host pw -AsSecureString: %r"
              % out)
        print("ok Read-Host -AsSecureString")

        # the shell's reads of stdin: one ReadLine each, the answer the
        # line read; the prompt printed before it comes as output
        from pypsrp.powershell import PowerShell
        ui.calls.clear()
        ui.line = "from-the-host"
        ps = PowerShell(pool)
        ps.add_script('printf "name? "; read x; echo "got $x"; '
                      'read y; echo "and $y"; echo done')
        out = ps.invoke()
        check(ui.calls == [("ReadLine",), ("ReadLine",)] and
              out == ["name? ", "got from-the-host", "and from-the-host",
                      "done"] and not ps.had_errors,
              "read x: output %r, calls %r, errors %r" %
              (out, ui.calls, [str(e) for e in ps.streams.error]))
        # a pipeline waiting on another pipe (a command substitution) or
        # on a child asks nothing
        ui.calls.clear()
        ps = PowerShell(pool)
        ps.add_script('x=$(sleep 0.3; echo sub); echo "$x"; '
                      'echo piped | { read y; echo "$y"; }')
        out = ps.invoke()
        check(ui.calls == [] and out == ["sub", "piped"],
              "no read of stdin: output %r, calls %r" % (out, ui.calls))
        print("ok read of stdin ReadLine")

        ui.calls.clear()
        ui.bad_ci_first = True
        ui.line = "after the bad one"
        out, ps = run(pool, "Read-Host")
        check(ui.bad_ci_fault is not None, "a response to call 77 was taken")
        check(out == ["after the bad one"], "after a bad call id: %r" % out)
        print("ok unknown call id refused")

    with RunspacePool(c.wsman) as pool:
        out, ps = run(pool, "Read-Host", "name")
        errs = [e for e in ps.streams.error]
        check(out == [] and ps.had_errors and
              ps.state == PSInvocationState.FAILED and len(errs) == 1,
              "Read-Host without a host: output %r, state %r, errors %r" %
              (out, ps.state, [str(e) for e in errs]))
        check(errs[0].fq_error == "HostFunctionNotImplemented,"
              "Microsoft.PowerShell.Commands.ReadHostCommand",
              "without a host: FullyQualifiedErrorId %r" % errs[0].fq_error)
        check("does not support user interaction" in str(errs[0]),
              "without a host: message %r" % str(errs[0]))
        print("ok Read-Host without a host")


def main():
    p = conn_args(argparse.ArgumentParser())
    p.set_defaults(cmd="run")
    run_main(p, {"run": cmd_run})


if __name__ == "__main__":
    main()
