"""pypsrp_xpress_client.py: CompressionType xpress against winrmd, with
pypsrp (the client matrix's venv, tests/clients/pypsrp_xpress.sh) made to
speak as Windows' WinRM client does: the shell Create carries
<rsp:CompressionType s:mustUnderstand="true">xpress</rsp:CompressionType>,
every Send stream is MS-WSMV chunks compressed with MS-XCA LZ77+Huffman by
wimlib's own compressor (libwim through ctypes; chunks under 266 bytes and
those that do not shrink are stored, as Windows does), and every Receive
stream is read as chunks.  pypsrp itself sends and parses the envelopes.

    pypsrp_xpress_client.py winrs URL USER PASSWORD
        WinRS: sha256sum of 1 MiB of mixed stdin (compressed and stored
        chunks, eight Sends) equals the original's; cat of 300 KB gives it
        back in stored chunks of at most 64 KiB, each header's two sizes
        equal; Get of the shell says XpressCompression; a chunk cut short
        a bad Huffman table and chunks that decompress to more than
        MaxEnvelopeSizekb are w:InvalidParameter (2150858810) and the
        command still works; a type other than xpress marked mustUnderstand
        is s:MustUnderstand (2150858768), not marked it is ignored
    pypsrp_xpress_client.py psrp URL USER PASSWORD
        PowerShell remoting: a runspace pool created with xpress, its
        fragments sent compressed, pool and pipeline output read as chunks:
        a script's output and input objects

Prints "ok OPERATION" per operation that passed; exits 1 with "FAIL: ..."
on the first that did not.
"""

import argparse
import ctypes
import hashlib
import os
import struct
import xml.etree.ElementTree as ET

from psrp_common import check, conn_args, expect_fault, run_main, wsman

RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
SOAP = "http://www.w3.org/2003/05/soap-envelope"
CHUNK = 65536


class Xpress:
    """MS-WSMV chunks; LZ77+Huffman through libwim's XPRESS codec."""

    def __init__(self):
        self.lib = ctypes.CDLL("libwim.so.15")
        self.lib.wimlib_compress.restype = ctypes.c_size_t
        self.lib.wimlib_compress.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
            ctypes.c_size_t, ctypes.c_void_p]
        self.lib.wimlib_decompress.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
            ctypes.c_size_t, ctypes.c_void_p]
        self.cz, self.dz = ctypes.c_void_p(), ctypes.c_void_p()
        # 1: WIMLIB_COMPRESSION_TYPE_XPRESS
        check(self.lib.wimlib_create_compressor(1, CHUNK, 0,
                                                ctypes.byref(self.cz)) == 0,
              "wimlib_create_compressor failed")
        check(self.lib.wimlib_create_decompressor(1, CHUNK,
                                                  ctypes.byref(self.dz)) == 0,
              "wimlib_create_decompressor failed")
        self.compressed = self.stored = 0

    def frame(self, data):
        out = []
        for off in range(0, len(data), CHUNK):
            d = data[off:off + CHUNK]
            body = d
            if len(d) >= 266:
                buf = ctypes.create_string_buffer(len(d))
                n = self.lib.wimlib_compress(d, len(d), buf, len(d) - 1,
                                             self.cz)
                if n:
                    body = buf.raw[:n]
            if body is d:
                self.stored += 1
            else:
                self.compressed += 1
            out.append(struct.pack("<HH", len(d) - 1, len(body) - 1) + body)
        return b"".join(out)

    def unframe(self, data, chunks):
        """the original bytes; chunks gets (original, stored) per chunk"""
        out, off = [], 0
        while off < len(data):
            check(len(data) - off >= 4, "a Receive chunk header is cut short")
            orig, stored = struct.unpack_from("<HH", data, off)
            orig, stored = orig + 1, stored + 1
            check(stored <= orig and off + 4 + stored <= len(data),
                  "a Receive chunk does not add up: %d/%d at %d of %d"
                  % (orig, stored, off, len(data)))
            body = data[off + 4:off + 4 + stored]
            if stored < orig:
                buf = ctypes.create_string_buffer(orig)
                check(self.lib.wimlib_decompress(body, stored, buf, orig,
                                                 self.dz) == 0,
                      "a Receive chunk does not decompress")
                body = buf.raw
            chunks.append((orig, stored))
            out.append(body)
            off += 4 + stored
        return b"".join(out)


def patch_pypsrp(xp, compression="xpress", must_understand=True):
    """pypsrp as Windows' client: the header at Create, chunks both ways."""
    from pypsrp import shell, wsman

    state = {"type": compression, "mu": must_understand, "raw_send": False,
             "chunks": []}
    orig_header = wsman.WSMan._create_header

    def create_header(self, action, resource_uri, *args, **kw):
        mid, header = orig_header(self, action, resource_uri, *args, **kw)
        if action.endswith("/transfer/Create") and state["type"] is not None:
            e = ET.SubElement(header, "{%s}CompressionType" % RSP)
            if state["mu"]:
                e.attrib["{%s}mustUnderstand" % SOAP] = "true"
            e.text = state["type"]
        return mid, header

    orig_send, orig_receive = shell.WinRS.send, shell.WinRS.receive

    def send(self, stream, data, command_id=None, end=None):
        if not state["raw_send"] and state["type"] == "xpress":
            data = xp.frame(data)
        return orig_send(self, stream, data, command_id, end)

    def receive(self, stream="stdout stderr", command_id=None, timeout=None):
        st, rc, buf = orig_receive(self, stream, command_id, timeout)
        if state["type"] == "xpress":
            buf = {k: xp.unframe(v, state["chunks"]) for k, v in buf.items()}
        return st, rc, buf

    wsman.WSMan._create_header = create_header
    shell.WinRS.send, shell.WinRS.receive = send, receive
    return state


def run_process(sh, exe, args, chunks_in):
    """runs exe, sends each of chunks_in (the last with End), its output"""
    from pypsrp.shell import Process
    p = Process(sh, exe, args)
    p.begin_invoke()
    for i, c in enumerate(chunks_in):
        p.send(c, end=i == len(chunks_in) - 1)
    p.end_invoke()
    return p


def mixed_input():
    """1 MiB: text (compresses), random bytes (stored), runs (compress)"""
    parts = []
    for i in range(8):
        if i % 3 == 1:
            parts.append(os.urandom(CHUNK * 2))
        elif i % 3 == 2:
            parts.append(bytes([i]) * (CHUNK * 2))
        else:
            parts.append(b"".join(b"%06d the quick brown fox jumps\n" % j
                                  for j in range(i * 5000, i * 5000 + 4500))
                         [:CHUNK * 2])
    return parts


def cmd_winrs(a):
    from pypsrp.shell import WinRS
    from pypsrp.wsman import SelectorSet

    xp = Xpress()
    state = patch_pypsrp(xp)
    w = wsman(a)
    with WinRS(w) as sh:
        parts = mixed_input()
        data = b"".join(parts)
        p = run_process(sh, "sha256sum", [], parts)
        got = p.stdout.decode().split()[0] if p.stdout else ""
        check(p.rc == 0 and got == hashlib.sha256(data).hexdigest(),
              "sha256sum of %d bytes sent compressed: rc %s, %r, stderr %r"
              % (len(data), p.rc, p.stdout, p.stderr))
        check(xp.compressed >= 8 and xp.stored >= 2,
              "the Sends had %d compressed and %d stored chunks"
              % (xp.compressed, xp.stored))
        print("ok sha256sum of compressed stdin")

        state["chunks"] = []
        big = b"".join(b"%07d output line\n" % i for i in range(20000))
        p = run_process(sh, "cat", [], [big[:150000], big[150000:]])
        check(p.rc == 0 and p.stdout == big,
              "cat: %d bytes back of %d" % (len(p.stdout or b""), len(big)))
        check(state["chunks"] and all(o == s and 0 < o <= CHUNK
                                      for o, s in state["chunks"]),
              "Receive chunks not stored within 64 KiB: %r" % state["chunks"])
        check(any(o == CHUNK for o, s in state["chunks"]),
              "no full 64 KiB chunk in %r" % state["chunks"])
        print("ok receive framing")

        sel = SelectorSet()
        sel.add_option("ShellId", sh.id)
        body = w.get("http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
                     selector_set=sel)
        mode = body.find(".//{%s}CompressionMode" % RSP)
        check(mode is not None and mode.text == "XpressCompression",
              "Get of the shell: CompressionMode %r"
              % (None if mode is None else mode.text))
        print("ok get CompressionMode")

        from pypsrp.shell import Process
        p = Process(sh, "cat", [])
        p.begin_invoke()
        state["raw_send"] = True
        cut = xp.frame(b"x" * 5000)[:-10]
        expect_fault("a chunk cut short", lambda: sh.send("stdin", cut, p.id),
                     2150858810)
        table = bytearray(256)
        table[0x18] = 0x11	# symbols 48, 49: one bit each
        table[0x19] = 0x11	# and 50, 51: over-subscribed
        bad = struct.pack("<HH", 999, 299) + bytes(table) + b"\0" * 44
        expect_fault("a bad Huffman table", lambda: sh.send("stdin", bad, p.id),
                     2150858810)
        # nine chunks of 64 KiB of zeros, a few hundred bytes each: more
        # than MaxEnvelopeSizekb (512) once decompressed
        bomb = xp.frame(bytes(CHUNK)) * 9
        check(len(bomb) < 8192, "the bomb is %d bytes" % len(bomb))
        expect_fault("9 x 64 KiB from %d bytes" % len(bomb),
                     lambda: sh.send("stdin", bomb, p.id), 2150858810)
        state["raw_send"] = False
        p.send(b"still here\n", end=True)
        p.end_invoke()
        check(p.stdout == b"still here\n", "after the faults: %r" % p.stdout)
        print("ok bad chunks refused")

    state["type"] = "lznt1"
    sh = WinRS(w)
    expect_fault("CompressionType lznt1", sh.open, 2150858768)
    state["mu"] = False
    with WinRS(w) as sh:	# not mustUnderstand: ignored, no compression
        p = run_process(sh, "cat", [], [b"plain\n"])
        check(p.stdout == b"plain\n", "an uncompressed shell: %r" % p.stdout)
    print("ok other compression types")


def cmd_psrp(a):
    from pypsrp.powershell import PowerShell, RunspacePool

    xp = Xpress()
    state = patch_pypsrp(xp)
    w = wsman(a)
    with RunspacePool(w) as pool:
        ps = PowerShell(pool)
        ps.add_script("echo compressed; id -un")
        out = ps.invoke()
        check(not ps.had_errors and [str(o) for o in out] ==
              ["compressed", a.user], "script output %r" % out)
        print("ok psrp script")
        ps = PowerShell(pool)
        ps.add_script("cat")
        lines = ["line %d %s" % (i, "x" * 200) for i in range(300)]
        out = ps.invoke(lines)
        check([str(o) for o in out] == lines, "input objects: %d of %d back"
              % (len(out), len(lines)))
        print("ok psrp input objects")
    check(xp.compressed > 0, "no fragment was sent compressed")
    check(state["chunks"], "no Receive was read as chunks")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["winrs", "psrp"])
    conn_args(ap)
    run_main(ap, {"winrs": cmd_winrs, "psrp": cmd_psrp}, key="mode")


if __name__ == "__main__":
    main()
