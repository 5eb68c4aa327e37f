#!/bin/bash
# http_limits.sh: the HTTP layer in front of SOAP (docs/SECURITY.md §4.2,
# docs/PROTOCOL.md Part B §1.1): methods, paths (CVE-2019-3816 class), request
# size (413), Content-Type (415; an empty POST without one is 401),
# malformed XML and DTDs (SOAP fault 500), the slow-body timer (500), the per-address connection cap, and that the
# daemon still answers afterwards.
. "$(dirname "$0")/lib.sh"

write_config "[Service]" "MaxEnvelopeSizekb = 32" \
    "MaxPacketRetrievalTimeSeconds = 2" "MaxConnectionsPerIP = 3" \
    "AllowUnencrypted = false"
start_daemon
LIMIT=$((32 * 1024))
AUTH=(-u "$TEST_USER:$TEST_PASS")
NS_WSMAN=http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd
NS_SOAP=http://www.w3.org/2003/05/soap-envelope

no_file_bytes() {	# no_file_bytes WHAT: the last reply shows no /etc/passwd
	if grep -aq 'root:x:0:0' "$RESP_BODY" "$RESP_HDRS"; then
		fail "$1: the reply contains /etc/passwd"
	fi
}

# ----------------------------------------------------------------- methods
say "methods other than POST on /wsman -> 405 (Allow: POST)"
for url in "$URL_HTTP4" "$URL_HTTPS6"; do
	for m in GET HEAD PUT DELETE OPTIONS TRACE PATCH; do
		: >"$RESP_BODY"
		: >"$RESP_HDRS"
		if [ "$m" = HEAD ]; then
			st=$(curl -sS -k -g --max-time 10 -I -o "$RESP_HDRS" \
			    -w '%{http_code}' "$url")
		else
			st=$(curl -sS -k -g --max-time 10 -X "$m" -o "$RESP_BODY" \
			    -D "$RESP_HDRS" -w '%{http_code}' "$url")
		fi
		[ "$st" = 405 ] || fail "$m $url got $st, expected 405"
		[ "$(resp_header Allow)" = POST ] ||
		    fail "$m $url: 405 without Allow: POST"
		no_file_bytes "$m $url"
	done
	ok "$url: GET HEAD PUT DELETE OPTIONS TRACE PATCH -> 405"
done

# ------------------------------------------------------------------- paths
say "other paths -> 404/405/414/400, never file bytes"
envelope_file "$WORK/whoami.xml" --action http://winrmd.test/Whoami \
    --resource http://winrmd.test/plugin
LONG=/$(head -c 20000 /dev/zero | tr '\0' a)
PATHS=(/ /wsman/ /wsman/../etc/passwd /%2e%2e/%2e%2e/etc/passwd
    //etc/passwd /etc/passwd /wsman%00 /wsman%00/../etc/passwd
    /wsman/%2e%2e/%2e%2e/etc/passwd /wsman/..%2f..%2fetc/passwd
    /WSMAN /wsman.xml "$LONG")
path_ok() {	# path_ok WHAT STATUS
	case $2 in
	404|405|414|400) ;;
	*) fail "$1 got $2, expected 404/405/414/400" ;;
	esac
	no_file_bytes "$1"
}
for base in "http://127.0.0.1:$HTTP_PORT" "https://[::1]:$HTTPS_PORT"; do
	for p in "${PATHS[@]}"; do
		show=$p
		[ ${#p} -gt 60 ] && show="/aaa... (${#p} bytes)"
		for m in GET POST; do
			: >"$RESP_BODY"
			: >"$RESP_HDRS"
			# valid credentials too: a path mix-up must not reach SOAP
			st=$(curl -sS -k -g --max-time 10 --path-as-is -X "$m" \
			    -o "$RESP_BODY" -D "$RESP_HDRS" -w '%{http_code}' \
			    -H 'Content-Type: application/soap+xml;charset=UTF-8' \
			    "${AUTH[@]}" --data-binary @"$WORK/whoami.xml" "$base$p")
			path_ok "$m $base$show" "$st"
		done
	done
	for target in 'http://127.0.0.1/etc/passwd' "$base/wsman/../../etc/passwd" \
	    '*' 'file:///etc/passwd'; do
		for m in GET POST; do
			: >"$RESP_BODY"
			: >"$RESP_HDRS"
			st=$(curl -sS -k -g --max-time 10 -X "$m" \
			    --request-target "$target" -o "$RESP_BODY" \
			    -D "$RESP_HDRS" -w '%{http_code}' \
			    -H 'Content-Type: application/soap+xml;charset=UTF-8' \
			    --data-binary @"$WORK/whoami.xml" "$base/")
			path_ok "$m (request target $target) on $base" "$st"
		done
	done
	ok "$base: ${#PATHS[@]} paths and 4 absolute-form targets, GET and POST"
done
counters
[ "$C_dispatched" = 0 ] || fail "a request for another path was dispatched"

# -------------------------------------------------------------------- size
say "request size: MaxEnvelopeSizekb = 32 ($LIMIT bytes)"
# a valid Whoami padded with trailing white space to a given size
pad_to() {	# pad_to SIZE OUT
	cp "$WORK/whoami.xml" "$2"
	local n=$(($1 - $(stat -c %s "$WORK/whoami.xml")))
	head -c "$n" /dev/zero | tr '\0' ' ' >>"$2"
	[ "$(stat -c %s "$2")" = "$1" ] || hard_error "pad_to $1 failed"
}
pad_to "$LIMIT" "$WORK/at_limit.xml"
pad_to $((LIMIT + 1)) "$WORK/over_limit.xml"
head -c $((LIMIT * 4)) /dev/zero | tr '\0' 'A' >"$WORK/big.bin"

# A Content-Length over the limit is answered at once, before the body is
# read.  A client that waits for the interim answer (Expect: 100-continue)
# always sees that 413; one that sends the body regardless may find the
# connection reset under its feet (see the raw-socket check below).
for url in "$URL_HTTPS4" "$URL_HTTP6"; do
	st=$(post "$url" "$WORK/over_limit.xml" "${AUTH[@]}" -H 'Expect: 100-continue')
	[ "$st" = 413 ] || fail "$url: Content-Length $((LIMIT + 1)) got $st, expected 413"
	grep -q '^HTTP/[0-9.]* 100' "$RESP_HDRS" &&
	    fail "$url: the daemon asked for the body of an oversized request (100 Continue)"
	st=$(post "$url" "$WORK/big.bin" -H 'Expect: 100-continue')
	[ "$st" = 413 ] || fail "$url: Content-Length $((LIMIT * 4)) (no credentials) got $st, expected 413"
	st=$(post "$url" "$WORK/over_limit.xml" "${AUTH[@]}" -H 'Transfer-Encoding: chunked')
	[ "$st" = 413 ] || fail "$url: chunked $((LIMIT + 1)) bytes got $st, expected 413"
	st=$(post "$url" "$WORK/big.bin" -H 'Transfer-Encoding: chunked')
	[ "$st" = 413 ] || fail "$url: chunked $((LIMIT * 4)) bytes got $st, expected 413"
	ok "$url: over the limit by Content-Length (Expect: 100-continue) and chunked -> 413"
done
# WinRM clients never send Expect: the whole body follows the headers.
# Over plain HTTP, a client that reads while it sends always gets the 413.
"$PY" - "$URL_HTTP4" "$LIMIT" <<'EOF' || fail "oversized bodies without Expect: see above"
import sys, threading, wsman
url, limit = sys.argv[1], int(sys.argv[2])
def attempt(size, chunked):
    s = wsman.raw_socket(url)
    head = "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
    if chunked:
        data = (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + \
            b"%x\r\n%s\r\n0\r\n\r\n" % (size, b"A" * size)
    else:
        data = (head + "Content-Length: %d\r\n\r\n" % size).encode() + b"A" * size
    def send():
        try:
            s.sendall(data)
        except OSError:
            pass	# the daemon may close once it has answered
    t = threading.Thread(target=send)
    t.start()
    r = wsman.read_http_reply(s, 10)
    t.join()
    s.close()
    return r[0] if r else None
for size, chunked in ((limit + 1, False), (limit * 4, False), (limit * 6, True)):
    for i in range(5):
        st = attempt(size, chunked)
        if st != 413:
            sys.exit("%s body of %d bytes without Expect got %s, expected 413"
                     % ("chunked" if chunked else "Content-Length", size, st))
print("   without Expect over HTTP: 413 for %d, %d (Content-Length) and %d "
      "(chunked) bytes, 5 times each" % (limit + 1, limit * 4, limit * 6))
EOF
st=$(post "$URL_HTTPS4" "$WORK/at_limit.xml" "${AUTH[@]}")
[ "$st" = 200 ] || fail "a Whoami of exactly $LIMIT bytes got $st, expected 200: $(head -c 400 "$RESP_BODY")"
grep -q "$TEST_USER" "$RESP_BODY" || fail "the $LIMIT-byte Whoami did not answer with the user"
st=$(post "$URL_HTTPS4" "$WORK/at_limit.xml" "${AUTH[@]}" -H 'Transfer-Encoding: chunked')
[ "$st" = 200 ] || fail "a chunked Whoami of exactly $LIMIT bytes got $st, expected 200"
st=$(post "$URL_HTTP4" "$WORK/at_limit.xml")
[ "$st" = 401 ] || fail "an unauthenticated $LIMIT-byte request got $st, expected 401"
ok "exactly $LIMIT bytes: 200 authenticated (Content-Length and chunked), 401 without credentials"

# ------------------------------------------------------------ content type
say "Content-Type other than application/soap+xml -> 415"
for ct in 'text/plain' 'text/xml' 'application/soap+xmlx' 'application/json'; do
	st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" "${AUTH[@]}" -H "Content-Type: $ct")
	[ "$st" = 415 ] || fail "Content-Type $ct got $st, expected 415"
done
st=$(post "$URL_HTTPS4" "$WORK/whoami.xml" "${AUTH[@]}" -H 'Content-Type:')
[ "$st" = 415 ] || fail "no Content-Type got $st, expected 415"
ok "text/plain text/xml application/soap+xmlx application/json none -> 415"
# an empty POST without one opens a handshake (Go masterzen/winrm's NTLM)
st=$(post "$URL_HTTPS4" /dev/null -H 'Content-Type:')
[ "$st" = 401 ] || fail "an empty POST without Content-Type got $st, expected 401"
ok "an empty POST without Content-Type -> 401 (a handshake's first leg)"

# -------------------------------------------------------------- bad XML
check_fault() {	# check_fault WHAT: HTTP 500 + SOAP fault SchemaValidationError
	local what=$1 st=$2 ct f
	[ "$st" = 500 ] || fail "$what got $st, expected 500: $(head -c 400 "$RESP_BODY")"
	ct=$(resp_header Content-Type)
	case $ct in
	application/soap+xml*) ;;
	*) fail "$what: Content-Type \"$ct\", expected application/soap+xml" ;;
	esac
	f=$("$PY" "$WSMAN_PY" fault "$RESP_BODY") ||
	    fail "$what: the body is not a SOAP fault: $(head -c 400 "$RESP_BODY")"
	set -- $f
	[ "$1" = "{$NS_SOAP}Sender" ] || fail "$what: fault code $1"
	[ "$2" = "{$NS_WSMAN}SchemaValidationError" ] ||
	    fail "$what: fault subcode $2, expected w:SchemaValidationError"
	no_file_bytes "$what"
	grep -aq 'lollollol' "$RESP_BODY" && fail "$what: an entity was expanded"
	return 0
}
say "authenticated malformed XML -> 500 SOAP fault w:SchemaValidationError"
printf '<s:Envelope xmlns:s="%s"><s:Body><unclosed></s:Body>' "$NS_SOAP" >"$WORK/bad1.xml"
head -c 1000 /dev/urandom >"$WORK/bad2.xml"
printf 'not xml at all' >"$WORK/bad3.xml"
printf '<?xml version="1.0"?>' >"$WORK/bad4.xml"
for f in bad1 bad2 bad3 bad4; do
	st=$(post "$URL_HTTPS4" "$WORK/$f.xml" "${AUTH[@]}")
	check_fault "malformed XML $f" "$st"
done
ok "4 malformed bodies -> 500 Sender/SchemaValidationError, soap+xml"

say "DTDs: external entity, external DTD, billion laughs -> 500 fault, no file bytes"
"$PY" - "$WORK" "$NS_SOAP" <<'EOF'
import sys
import wsman
work, _ = sys.argv[1], sys.argv[2]
env = wsman.whoami_envelope(message_id="MID").decode()
body = env.split("?>", 1)[1]
def write(name, doctype, mid):
    with open("%s/%s.xml" % (work, name), "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>' + doctype +
                body.replace(">MID<", ">%s<" % mid))
write("xxe", '<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      "&xxe;")
write("xxe_param", '<!DOCTYPE env:Envelope [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
      "uuid:00000000-0000-0000-0000-000000000001")
write("ext_dtd", '<!DOCTYPE env:Envelope SYSTEM "file:///etc/passwd">',
      "uuid:00000000-0000-0000-0000-000000000002")
lol = ['<!ENTITY lol0 "lollollollollollollollollollol">']
for i in range(1, 10):
    lol.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
write("laughs", "<!DOCTYPE env:Envelope [%s]>" % "".join(lol), "&lol9;")
EOF
[ -s "$WORK/laughs.xml" ] || hard_error "could not write the DTD bodies"
for f in xxe xxe_param ext_dtd laughs; do
	t0=$(date +%s%N)
	st=$(post "$URL_HTTPS4" "$WORK/$f.xml" "${AUTH[@]}")
	ms=$((($(date +%s%N) - t0) / 1000000))
	check_fault "DOCTYPE $f" "$st"
	[ "$ms" -lt 3000 ] || fail "DOCTYPE $f took $ms ms"
	[ "$(stat -c %s "$RESP_BODY")" -lt 10000 ] || fail "DOCTYPE $f: a large reply"
done
# XInclude is never processed: the Whoami answers, without the file
"$PY" - "$WORK" <<'EOF'
import sys, wsman
env = wsman.envelope(wsman.ACTION_WHOAMI, wsman.TEST_RESOURCE,
    body='<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
         'href="file:///etc/passwd" parse="text"/>')
open(sys.argv[1] + "/xinclude.xml", "wb").write(env)
EOF
st=$(post "$URL_HTTPS4" "$WORK/xinclude.xml" "${AUTH[@]}")
no_file_bytes "XInclude"
case $st in 200|500) ;; *) fail "XInclude body got $st" ;; esac
ok "external entity, parameter entity, external DTD, billion laughs -> 500; XInclude -> $st without file bytes"
daemon_alive || fail "the daemon died on DTD input"

# --------------------------------------------------------------- slow body
say "slow body: MaxPacketRetrievalTimeSeconds = 2, half the body, 3 s pause, the rest -> 500"
"$PY" - "$URL_HTTP4" "$WORK/whoami.xml" <<'EOF' || fail "slow body: see above"
import sys, time, wsman
url, path = sys.argv[1], sys.argv[2]
body = open(path, "rb").read()
s = wsman.raw_socket(url)
head = ("POST /wsman HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/soap+xml;charset=UTF-8\r\n"
        "Content-Length: %d\r\n\r\n" % len(body)).encode()
s.sendall(head + body[:len(body) // 2])
time.sleep(3)
try:
    s.sendall(body[len(body) // 2:])
except OSError as e:
    print("   the daemon closed the connection during the pause (%s)" % e)
r = wsman.read_http_reply(s, 10)
if r is None:
    sys.exit("slow body: no HTTP answer at all")
print("   slow body answered %d" % r[0])
if r[0] != 500:
    sys.exit("slow body got %d, expected 500" % r[0])
EOF
ok "500"
wait_log 'longer than MaxPacketRetrievalTimeSeconds' 2 ||
    fail "the log does not say why the slow body got 500"

# A body that stops half-way: MHD can only answer when data arrives, so a
# silent client is disconnected after twice MaxPacketRetrievalTimeSeconds.
{
	say "stalled body: half the body, then nothing -> closed within 2 x 2 s (+2 s slack)"
	"$PY" - "$URL_HTTP4" "$WORK/whoami.xml" <<'EOF' || fail "stalled body: see above"
import socket, sys, time, wsman
url, path = sys.argv[1], sys.argv[2]
body = open(path, "rb").read()
s = wsman.raw_socket(url)
s.sendall(("POST /wsman HTTP/1.1\r\nHost: x\r\n"
           "Content-Type: application/soap+xml;charset=UTF-8\r\n"
           "Content-Length: %d\r\n\r\n" % len(body)).encode()
          + body[:len(body) // 2])
s.settimeout(6)
t0 = time.monotonic()
try:
    d = s.recv(4096)
    print("   after the stall (%.1f s): %r" % (time.monotonic() - t0, d[:60]))
except socket.timeout:
    sys.exit("a stalled body still holds its connection after 6 s "
             "(MaxPacketRetrievalTimeSeconds = 2)")
except ConnectionResetError:
    print("   after the stall: connection reset")
EOF
	ok "cut off"
}

# ------------------------------------------------------- connections per IP
say "MaxConnectionsPerIP = 3: a 4th connection from 127.0.0.1 gets no service"
"$PY" - "$URL_HTTP4" <<'EOF' || fail "connection cap: see above"
import socket, sys, time, wsman
url = sys.argv[1]
ident = wsman.identify_envelope()
req = ("POST /wsman HTTP/1.1\r\nHost: x\r\nWSMANIDENTIFY: unauthenticated\r\n"
       "Content-Type: application/soap+xml;charset=UTF-8\r\n"
       "Content-Length: %d\r\n\r\n" % len(ident)).encode() + ident

def served(s, limit):
    try:
        s.sendall(req)
        r = wsman.read_http_reply(s, limit)
    except OSError:
        return False
    return r is not None and r[0] == 200

# three keep-alive connections, each proven admitted by one Identify; the
# daemon may still count connections of earlier steps for a moment
held = []
deadline = time.monotonic() + 5
while len(held) < 3:
    s = wsman.raw_socket(url)
    if served(s, 3):
        held.append(s)
        continue
    s.close()
    if time.monotonic() > deadline:
        sys.exit("could not get 3 connections served (got %d)" % len(held))
    time.sleep(0.2)
print("   3 connections open (each served one Identify, now idle)")
fourth = wsman.raw_socket(url)
if served(fourth, 3):
    sys.exit("a 4th connection was served with 3 open")
print("   4th connection: refused, reset or unanswered")
for i, s in enumerate(held):
    if not served(s, 5):
        sys.exit("open connection %d no longer serves" % (i + 1))
print("   the 3 open connections still serve")
for s in held + [fourth]:
    s.close()
deadline = time.monotonic() + 5
while True:
    try:
        r = wsman.post(url, ident, headers={"WSMANIDENTIFY": "unauthenticated"},
                       timeout=3)
        if r.status == 200:
            break
        sys.exit("after closing them a new request got %d" % r.status)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("5 s after closing them, new connections get no service")
        time.sleep(0.2)
print("   after closing them a new connection answers 200")
EOF
ok "the cap trips and recovers"

# ------------------------------------------------------------- still alive
say "after all of this a fresh Identify still answers 200"
envelope_file "$WORK/identify.xml" --identify
for url in "$URL_HTTP4" "$URL_HTTP6" "$URL_HTTPS4" "$URL_HTTPS6"; do
	st=$(post "$url" "$WORK/identify.xml" -H 'WSMANIDENTIFY: unauthenticated')
	[ "$st" = 200 ] || fail "$url: Identify got $st at the end"
done
ok "200 on all four listeners"
counters
stop_daemon
[ "$DAEMON_RC" = 0 ] || fail "the daemon exited with $DAEMON_RC on SIGTERM"
echo "PASS: $TEST_NAME"
