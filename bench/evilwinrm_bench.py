#!/usr/bin/env python3
"""evilwinrm_bench.py: an interactive command's round trip as evil-winrm-py
makes it (bench/run's psrp section).  Run with the python of the
evil-winrm-py venv of scripts/install-clients (pypsrp 0.8.1, as
evil-winrm-py pins it).  Plain HTTP with Basic: the daemon's side is what
is measured, not NTLM's sealing in Python.

    evilwinrm_bench.py PORT USER PASSWORD N
        opens one runspace pool, as evil-winrm-py does, then N times what
        it does for a line typed at its prompt: the line (here `pwd`, in
        Invoke-Expression | Out-String -Stream, evil_winrm_py.run_ps_cmd)
        and the next prompt ($pwd.Path, evil_winrm_py.get_prompt); checks
        each answer; prints "TOTAL_MS COMMAND_MS PROMPT_MS" (medians, ms)
"""

import statistics
import sys
import time

from evil_winrm_py import evil_winrm_py as ewp
from pypsrp.powershell import RunspacePool
from pypsrp.wsman import WSMan


def main():
    port, user, password, n = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                               int(sys.argv[4]))
    wsman = WSMan("127.0.0.1", port=port, username=user, password=password,
                  ssl=False, auth="basic", encryption="never",
                  cert_validation=False)
    total, cmd, prompt = [], [], []
    with wsman, RunspacePool(wsman) as pool:
        want = ewp.run_ps_cmd(pool, "pwd")[0].strip()
        for _ in range(n + 1):
            t0 = time.perf_counter()
            out, _, errors = ewp.run_ps_cmd(pool, "pwd")
            t1 = time.perf_counter()
            p = ewp.get_prompt(pool)
            t2 = time.perf_counter()
            if out.strip() != want or errors:
                sys.exit("pwd gave %r (errors: %s)" % (out, errors))
            if not p.endswith(" %s> " % want):
                sys.exit("the prompt is %r, not of %s" % (p, want))
            cmd.append((t1 - t0) * 1000)
            prompt.append((t2 - t1) * 1000)
            total.append((t2 - t0) * 1000)
    # the first one warms the connection up
    print("%.3f %.3f %.3f" % (statistics.median(total[1:]),
                              statistics.median(cmd[1:]),
                              statistics.median(prompt[1:])))


if __name__ == "__main__":
    main()
