#!/bin/bash
# quickconfig.sh: winrmd --quickconfig in a scratch directory, with
# stand-ins for systemctl, ufw and firewall-cmd on PATH that record their
# calls (the machine's own are never run):
#  - no file: one is written (HTTPS on every address, Basic through PAM,
#    HTTP off), -t takes it; the certificate is created beside it (key mode
#    0600) and the printed thumbprint is the certificate's; the service is
#    enabled and started; ufw, active, allows the shipped profile
#  - a second run changes nothing, says so, and calls nothing that changes
#  - an existing file that says otherwise (loopback only, HTTPS off, Basic
#    off, unencrypted allowed): exactly those keys change, the rest of the
#    file stays byte for byte; the running service is restarted
#  - firewalld running: the shipped service is added, then left alone
#  - systemd not running, no firewall installed: said, nothing done
#  - a file with an error: refused, left as it was, exit 1
. "$(dirname "$0")/lib.sh"

QC=$WORK/qc
BIN=$WORK/bin
CALLS=$WORK/calls
mkdir -p "$QC" "$BIN"
# stand-ins: state in $WORK/state.*; SYSTEMD=offline makes systemd absent
cat >"$BIN/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >>"$CALLS"
case "\$1" in
is-system-running) echo "\${SYSTEMD:-running}"; [ "\${SYSTEMD:-running}" = running ] ;;
is-enabled) [ -e "$WORK/state.enabled" ] ;;
is-active) [ -e "$WORK/state.active" ] ;;
enable) touch "$WORK/state.enabled" "$WORK/state.active" ;;
restart) touch "$WORK/state.restarted" ;;
*) exit 1 ;;
esac
EOF
cat >"$BIN/ufw" <<EOF
#!/bin/sh
echo "ufw \$*" >>"$CALLS"
case "\$1" in
status) echo "Status: active"; echo; echo "To                         Action      From"
	[ -e "$WORK/state.ufw" ] && echo "\$(cat "$WORK/state.ufw")                ALLOW       Anywhere"
	exit 0 ;;
allow) echo "\$2" >"$WORK/state.ufw" ;;
*) exit 1 ;;
esac
EOF
cat >"$BIN/firewall-cmd" <<EOF
#!/bin/sh
echo "firewall-cmd \$*" >>"$CALLS"
case "\$*" in
--state) echo running ;;
"--permanent --query-service=winrmd-https") [ -e "$WORK/state.firewalld" ] ;;
"--permanent --add-service=winrmd-https") touch "$WORK/state.firewalld" ;;
--reload) ;;
*) exit 1 ;;
esac
EOF
chmod +x "$BIN"/*
qc() {	# qc FILE [env...]: winrmd --quickconfig -c FILE with the stand-ins
	local f=$1
	shift
	: >"$CALLS"
	env PATH="$BIN:/usr/bin:/bin" "$@" "$WINRMD" --quickconfig -c "$f" \
	    >"$WORK/qc.out" 2>"$WORK/qc.err"
}
has() { grep -qF -- "$1" "$WORK/qc.out" || fail "--quickconfig does not say \"$1\": $(cat "$WORK/qc.out" "$WORK/qc.err")"; }
called() { grep -qxF -- "$1" "$CALLS" || fail "no \"$1\" call: $(cat "$CALLS")"; }
not_called() { grep -q -- "$1" "$CALLS" && fail "\"$1\" was called: $(cat "$CALLS")"; return 0; }

say "no configuration file: written, certificate created, service and ufw set up"
[ -f /usr/lib/firewalld/services/winrmd-https.xml ] && hard_error "a winrmd package is installed"
mv "$BIN/firewall-cmd" "$BIN/firewall-cmd.off"
conf=$QC/etc/winrmd.conf
qc "$conf" || fail "--quickconfig exited $?: $(cat "$WORK/qc.out" "$WORK/qc.err")"
has "config:       $conf written: HTTPS on port 5986 on every address, Basic through PAM (service winrm), HTTP off"
has "service:      winrmd.service enabled and started"
has "firewall:     ufw: allowed winrmd-https (5986/tcp)"
has "quickconfig:  done: 4 change(s)"
called "systemctl enable --now winrmd.service"
called "ufw allow winrmd-https"
# -t with the staged plugins and providers (the file names the installed ones)
cp "$conf" "$WORK/t.conf"
printf '\n[Plugins]\nDirectory = %s\n[CIM]\nProviderDirectory = %s\n' \
    "$STAGE$PLUGINDIR" "$STAGE$PREFIX/lib/winrmd/providers" >>"$WORK/t.conf"
out=$("$WINRMD" -t -c "$WORK/t.conf" 2>&1) || fail "-t refuses the written file: $out"
[ "$(stat -c %a "$QC/etc/winrmd.key")" = 600 ] || fail "the created key is not mode 600"
thumb=$(sed -n 's/^certificate:  .* created (self-signed), SHA-1 thumbprint \([0-9A-F]\{40\}\)$/\1/p' "$WORK/qc.out")
real=$(openssl x509 -in "$QC/etc/winrmd.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
[ -n "$thumb" ] && [ "$thumb" = "$real" ] || fail "printed thumbprint \"$thumb\", the certificate's is $real"
ok "$(tr '\n' '|' <"$WORK/qc.out")"

say "a second run: nothing to change"
cp "$conf" "$WORK/before.conf"
qc "$conf" || fail "the second run exited $?"
has "config:       $conf unchanged"
has "certificate:  $QC/etc/winrmd.crt unchanged, SHA-1 thumbprint $real"
has "service:      winrmd.service unchanged: enabled and running"
has "firewall:     ufw unchanged: winrmd-https is allowed"
has "quickconfig:  nothing to change: this host is set up for WinRM over HTTPS"
cmp -s "$conf" "$WORK/before.conf" || fail "the second run changed the file"
not_called "systemctl enable"
not_called "ufw allow"
ok "$(tr '\n' '|' <"$WORK/qc.out")"

say "an existing file that says otherwise: only those keys change"
conf2=$QC/etc/other.conf
sed -e 's/^#Address = \*$/Address = 127.0.0.1/' -e 's/^#HTTPSPort = 5986$/HTTPSPort = 0/' \
    -e 's/^#AllowUnencrypted = false$/AllowUnencrypted = true/' -e 's/^#Basic = true$/Basic = false/' \
    -e "s|^#CertificateFile = .*|CertificateFile = $QC/etc/winrmd.crt|" \
    -e "s|^#KeyFile = .*|KeyFile = $QC/etc/winrmd.key|" \
    -e "s|^#Directory = .*|Directory = $STAGE$PLUGINDIR|" \
    -e "s|^#ProviderDirectory = .*|ProviderDirectory = $STAGE$PREFIX/lib/winrmd/providers|" \
    "$top_srcdir/conf/winrmd.conf" >"$conf2"
for k in 'Address = 127.0.0.1' 'HTTPSPort = 0' 'AllowUnencrypted = true' 'Basic = false'; do
	grep -qx "$k" "$conf2" || hard_error "conf/winrmd.conf changed: no line \"$k\" made"
done
cp "$conf2" "$WORK/other.before"
qc "$conf2" || fail "--quickconfig on an existing file exited $?: $(cat "$WORK/qc.out" "$WORK/qc.err")"
has "config:       $conf2: [Listener] Address = *"
has "config:       $conf2: [Listener] HTTPSPort = 5986"
has "config:       $conf2: [Auth] Basic = true"
has "config:       $conf2: [Service] AllowUnencrypted = false"
has "service:      winrmd.service restarted (the listener changed)"
diff "$WORK/other.before" "$conf2" | grep '^[<>]' | sort >"$WORK/other.diff"
cat >"$WORK/other.expected" <<'EOF'
< AllowUnencrypted = true
< Basic = false
< HTTPSPort = 0
< Address = 127.0.0.1
> AllowUnencrypted = false
> Basic = true
> HTTPSPort = 5986
> Address = *
EOF
sort -o "$WORK/other.expected" "$WORK/other.expected"
diff "$WORK/other.expected" "$WORK/other.diff" >/dev/null ||
	fail "the file changed otherwise than in those four lines: $(diff "$WORK/other.before" "$conf2")"
out=$("$WINRMD" -t -c "$conf2" 2>&1) || fail "-t refuses the edited file: $out"
[ "$(stat -c %a "$conf2")" = "$(stat -c %a "$WORK/other.before")" ] || fail "the file's mode changed"
qc "$conf2" || fail "the second run on the edited file exited $?"
has "quickconfig:  nothing to change"
ok "4 lines changed in place, -t OK, the service restarted; then nothing to change"

say "firewalld running: the shipped service added once"
mv "$BIN/firewall-cmd.off" "$BIN/firewall-cmd"
qc "$conf" || fail "--quickconfig with firewalld exited $?"
has "firewall:     firewalld: allowed service winrmd-https (5986/tcp), reloaded"
called "firewall-cmd --permanent --add-service=winrmd-https"
qc "$conf" || fail "--quickconfig with firewalld (again) exited $?"
has "firewall:     firewalld unchanged: service winrmd-https is allowed"
not_called "add-service"
ok "added, then unchanged"

say "no systemd, no firewall: said, nothing done"
rm "$BIN/ufw" "$BIN/firewall-cmd"
qc "$conf" SYSTEMD=offline || fail "--quickconfig without systemd exited $?"
has "service:      systemd is not running here: start winrmd yourself"
has "firewall:     neither ufw nor firewalld is installed: open 5986/tcp in your firewall"
not_called "systemctl enable"
ok "$(grep -E '^(service|firewall):' "$WORK/qc.out" | tr '\n' '|')"

say "a file with an error: refused, left as it was"
printf '[Listener]\nNoSuchKey = 1\n' >"$QC/bad.conf"
cp "$QC/bad.conf" "$WORK/bad.before"
qc "$QC/bad.conf" && fail "--quickconfig accepted a broken file"
has "cannot be used, nothing changed"
cmp -s "$QC/bad.conf" "$WORK/bad.before" || fail "the broken file was changed"
[ -s "$CALLS" ] && fail "commands were run for a broken file: $(cat "$CALLS")"
ok "exit 1: $(head -n 1 "$WORK/qc.out")"
