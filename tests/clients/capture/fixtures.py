#!/usr/bin/python3
"""fixtures.py CAPTURE_DIR OUT_DIR: the test data of tests/unit/check_ansible.c
from a capture of ansible-core's WinRS commands (sitecustomize.py here).

Writes, for the first command of each kind found:

  bootstrap.ps1          the decoded script of a module run (bootstrap_wrapper)
  bootstrap-strict.ps1   the same with Set-StrictMode first (fetch_file's)
  <kind>.stdin           the command's whole stdin: the bootstrap's JSON line,
                         four NULs, the exec manifest (and for put_file four
                         NULs and the first two base64 lines of the file)

and from a capture of the psrp connection's pipelines (*.psrp.json), in
OUT_DIR/psrp/:

  <kind>.json            {"script": the pipeline's script, "input": its
                         input objects}: the bootstrap's lines (the JSON
                         line, "\0\0\0\0", the manifest; for put_file
                         "\0\0\0\0" and two one-item lists of base64,
                         each cut to 400 characters)
  raw.json               a raw command's script ("...\nexit $LASTEXITCODE")

String values longer than 300 characters (the exec wrapper, the scripts of
the manifest) are cut to 300: the parser reads only the keys around them.
The script action's entry (a short "& ... ; exit $LASTEXITCODE" line) and
the parameters stay whole, but for become's password (replaced).  Run by hand; see tests/data/ansible/README.
"""

import base64
import json
import os
import re
import sys

CUT = 300

# kind of a capture -> file name
KINDS = {
    "powershell_mkdtemp.ps1": "mkdtemp",
    "powershell_expand_user.ps1": "expand_user",
    "winrm_put_file.ps1": "put_file",
    "winrm_fetch_file.ps1": "fetch_file",
    "psrp_put_file.ps1": "put_file",
    "psrp_fetch_file.ps1": "fetch_file",
    "win_ping": "win_ping",
    "setup": "setup",
    "win_copy": "win_copy",
    "async_status": "async_status",
    "script": "script",
    "become_wrapper.ps1": "become",
    "async_wrapper.ps1": "async",
}


def cut(value):
    return value if len(value) <= CUT else value[:CUT]


def kind_of(manifest):
    names = [a["name"] for a in manifest["actions"]]
    for n in names[:-1]:
        if n in KINDS:
            return KINDS[n]
    last = manifest["actions"][-1]
    if last["name"] != "module_wrapper.ps1":
        return KINDS.get(last["name"])
    script = last["params"]["Script"]
    if not last["params"].get("ForModule"):
        return "script"
    m = re.search(r"\.([a-z_]+)\.ps1$", script)
    return KINDS.get(m.group(1)) if m else None


def expand_user_kind(manifest):
    path = manifest["actions"][0]["params"]["Path"]
    return "expand_user" if path == "~" else "expand_user_sub"


def trim(boot, manifest, kind):
    boot["script"] = cut(boot["script"])
    for action in manifest["actions"]:
        if "BecomePassword" in action.get("secure_params", {}):
            action["secure_params"]["BecomePassword"] = "capture's pw"
    entry = manifest["actions"][-1]["params"].get("Script")
    for key, info in manifest["scripts"].items():
        if kind != "script" or key != entry:
            info["script"] = cut(info["script"])


def psrp(src, out):
    out = os.path.join(out, "psrp")
    os.makedirs(out, exist_ok=True)
    done = set()
    for name in sorted(os.listdir(src)):
        if not name.endswith(".psrp.json"):
            continue
        cap = json.load(open(os.path.join(src, name)))
        script = cap["commands"][0]["cmd"]
        lines = cap["input"] or []
        kind = None
        if script.rstrip().endswith("exit $LASTEXITCODE"):
            kind, data = "raw", {"script": script, "input": None}
        elif len(lines) >= 3 and lines[1] == "\0\0\0\0":
            boot, manifest = json.loads(lines[0]), json.loads(lines[2])
            kind = kind_of(manifest)
            if kind == "expand_user":
                kind = expand_user_kind(manifest)
            if kind == "put_file" and len(lines) < 6:
                continue	# an empty file: keep one with base64
            if kind is not None:
                trim(boot, manifest, kind)
                rest = lines[3:]
                if kind == "put_file":	# two base64 items, cut short
                    rest = [rest[0]] + [[x[:400] for x in item]
                                        for item in rest[1:3]]
                data = {"script": script, "input": [
                    json.dumps(boot), lines[1], json.dumps(manifest)] + rest}
        if kind is None or kind in done:
            continue
        done.add(kind)
        with open(os.path.join(out, kind + ".json"), "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        print("psrp %s: %s" % (kind, name))


def main(src, out):
    os.makedirs(out, exist_ok=True)
    psrp(src, out)
    done = set()
    for name in sorted(os.listdir(src)):
        if not name.endswith(".cmd"):
            continue
        base = os.path.join(src, name[:-4])
        line = open(base + ".cmd").read()
        m = re.search(r"-EncodedCommand (\S+)", line)
        script = base64.b64decode(m.group(1)).decode("utf-16-le") if m else ""
        if not os.path.exists(base + ".stdin"):
            continue
        stdin = open(base + ".stdin", "rb").read()
        parts = stdin.split(b"\n\0\0\0\0\n")
        if not parts[0].lstrip().startswith(b"{") or len(parts) < 2:
            continue
        boot, manifest = json.loads(parts[0]), json.loads(parts[1])
        kind = kind_of(manifest)
        if kind == "expand_user":
            kind = expand_user_kind(manifest)
        if kind is None or kind in done:
            continue
        if kind == "put_file" and not parts[2].strip():
            continue	# an empty file: keep one with base64 lines
        done.add(kind)
        ps = "bootstrap-strict.ps1" if script.startswith("Set-StrictMode") \
            else "bootstrap.ps1"
        if ps not in done:
            done.add(ps)
            with open(os.path.join(out, ps), "w") as f:
                f.write(script)
        trim(boot, manifest, kind)
        data = (json.dumps(boot, ensure_ascii=True).encode() +
                b"\n\0\0\0\0\n" + json.dumps(manifest).encode())
        if len(parts) > 2:
            data += b"\n\0\0\0\0\n" + b"".join(
                parts[2].splitlines(True)[:2])
        with open(os.path.join(out, kind + ".stdin"), "wb") as f:
            f.write(data)
        print("%s: %s (%d bytes)" % (kind, name[:-4], len(data)))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
