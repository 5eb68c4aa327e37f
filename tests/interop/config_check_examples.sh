#!/bin/bash
# config_check_examples.sh: every example configuration of the README
# (```ini blocks with a section of winrmd's) and of the man pages (.EX
# blocks that begin with a [Section] line) passes `winrmd -t', so that what
# the documentation shows is what the daemon accepts.  The examples'
# installation paths (/usr/local/lib/winrmd) are the staged install's; a
# plugin or provider directory the example does not set is the staged one.
# And conf/winrmd.conf, the shipped file, passes too.
. "$(dirname "$0")/lib.sh"

LIBDIR=$STAGE$PREFIX/lib/winrmd
[ -f "$LIBDIR/plugins/shell.so" ] || hard_error "the plugins are not staged under $LIBDIR"

"$PY" - "$top_srcdir" "$WORK/examples" <<'EOF' || hard_error "cannot extract the examples"
import os, re, sys
top, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
# winrmd's sections and those of the plugins and providers it ships
ours = {"listener", "service", "auth", "certmapping", "winrs", "cim", "win32",
        "config", "plugins", "ipmi"}
def section(line):	# [Listener NAME] is [Listener]'s
    m = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
    return m.group(1).split()[0].lower() if m else None
found = []
lines = open(os.path.join(top, "README.md"), encoding="utf-8").read().split("\n")
i = 0
while i < len(lines):
    if lines[i].strip() == "```ini":
        start, block = i + 1, []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            block.append(lines[i])
            i += 1
        secs = [section(l) for l in block if section(l)]
        if secs and all(s in ours for s in secs):
            found.append(("README.md:%d" % (start + 1), block))
    i += 1
def unroff(l):
    return l.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
for man in ("man/winrmd.conf.5", "man/winrmd.8"):
    lines = open(os.path.join(top, man), encoding="utf-8").read().split("\n")
    for i, l in enumerate(lines):
        if l.strip() != ".EX":
            continue
        block = []
        for l2 in lines[i + 1:]:
            if l2.strip() == ".EE":
                break
            block.append(unroff(l2))
        first = next((l2 for l2 in block if l2.strip()), "")
        if section(first) in ours:
            found.append(("%s:%d" % (man, i + 2), block))
found.append(("conf/winrmd.conf", open(os.path.join(top, "conf/winrmd.conf"),
                                        encoding="utf-8").read().split("\n")))
for n, (where, block) in enumerate(found):
    with open(os.path.join(out, "%02d.conf" % n), "w", encoding="utf-8") as f:
        f.write("\n".join(block) + "\n")
    with open(os.path.join(out, "%02d.where" % n), "w") as f:
        f.write(where + "\n")
EOF

# what the examples name in /etc/winrmd, as the administrator would have it
ETC=$WORK/etc-winrmd
mkdir -p "$ETC"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ETC/client-ca.key" \
    -out "$ETC/client-ca.pem" -subj "/CN=example client CA" -days 2 >/dev/null 2>&1 ||
	hard_error "openssl req failed"
install -m 600 /dev/null "$ETC/ntlm.users"
install -m 600 /dev/null "$ETC/http.keytab"

n=0
readme=0
man=0
for f in "$WORK"/examples/*.conf; do
	where=$(cat "${f%.conf}.where")
	c=${f%.conf}.staged
	# the staged install's paths; the directories the example leaves alone
	sed -e "s|/usr/local/lib/winrmd|$LIBDIR|g" -e "s|/etc/winrmd/|$ETC/|g" "$f" >"$c"
	grep -qi '^[[:space:]]*Directory[[:space:]]*=' "$c" ||
		printf '\n[Plugins]\nDirectory = %s\n' "$LIBDIR/plugins" >>"$c"
	# Load with its continuation lines (indented, without '=')
	load=$(awk 'tolower($0) ~ /^[[:space:]]*load[[:space:]]*=/ {
		p = 1; sub(/^[^=]*=/, ""); print; next }
	    p && /^[[:space:]]+[^[:space:]]/ && !/=/ { print; next } { p = 0 }' "$c")
	if { [ -z "$load" ] || echo "$load" | grep -q cim; } &&
	    ! grep -qi '^[[:space:]]*ProviderDirectory[[:space:]]*=' "$c"; then
		printf '\n[CIM]\nProviderDirectory = %s\n' "$LIBDIR/providers" >>"$c"
	fi
	out=$(with_timeout 20 "$WINRMD" -t -c "$c" 2>&1) ||
		fail "the example at $where does not pass -t: $out
$(cat "$f")"
	echo "$out" | grep -q "configuration OK" || fail "-t on the example at $where: $out"
	ok "$where: configuration OK"
	n=$((n + 1))
	case $where in README*) readme=$((readme + 1)) ;; man/*) man=$((man + 1)) ;; esac
done
# the extraction itself must find them (a format change would hide them)
[ "$readme" -ge 1 ] || fail "no example configuration found in README.md"
[ "$man" -ge 3 ] || fail "only $man example configurations found in the man pages"
ok "$n examples ($readme in README.md, $man in the man pages, and conf/winrmd.conf)"
