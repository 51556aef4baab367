#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""refusal.py --out DIR [--bundle FILE] [--timeout S] [--allow-free-ram] [qemu-run options...]

Boot the shim under QEMU on a bad input and record what it wrote to RAM.

QEMU starts stopped (-S) with a QMP socket and -no-shutdown, so that a PSCI
SYSTEM_OFF stops the VM instead of ending QEMU.  Guest RAM is saved
(pmemsave) before the first instruction, the VM runs until it powers off
(or the time limit, then it is stopped), and RAM is saved again.  Every byte
that differs must lie inside the shim's own image: [load address, load
address + image_size), the load address from the shim's first `kreloc:`
console line and image_size from build/shim.Image's header.

With --allow-free-ram (a refusal that comes after staging, such as a digest
mismatch found while the payload is copied) bytes outside the image may
change too, but only in free RAM, where the shim's allocator takes its
pages: never in the bundle, the incoming device tree or a /memreserve/
range of it; "protected_bytes" counts changes there.

Prints one JSON object on stdout: last console line, whether the guest
powered off, the shim's range, bytes changed inside and outside it and the
first few outside runs, and sanity checks on the first dump (the shim image
and the bundle were in RAM at entry).  The dumps are deleted afterwards.
Exit status 0 when the run could be made and measured, 1 otherwise.
"""
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIM = os.path.join(ROOT, "build/shim.Image")
RAM_BASE = 0x40000000      # QEMU virt
CHUNK = 1 << 16


class QMP:
    """Just enough QMP: commands and events over a unix socket, no timeouts lost."""

    def __init__(self, path, deadline):
        self.events = []
        self.buf = b""
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise RuntimeError("no QMP socket")
                time.sleep(0.02)
        self.read(time.time() + 10)                     # greeting
        self.cmd("qmp_capabilities")

    def read(self, until):
        """The next message, or None at @until."""
        while b"\n" not in self.buf:
            left = until - time.time()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return None
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.s.sendall((json.dumps({"execute": name, "arguments": args}) + "\n").encode())
        until = time.time() + 60
        while True:
            m = self.read(until)
            if m is None:
                raise RuntimeError("QMP %s: no answer" % name)
            if "event" in m:
                self.events.append(m["event"])
                continue
            if "error" in m:
                raise RuntimeError("QMP %s: %s" % (name, m["error"].get("desc")))
            return m.get("return")

    def wait_event(self, name, until):
        while name not in self.events:
            m = self.read(until)
            if m is None:
                return False
            if "event" in m:
                self.events.append(m["event"])
        return True


def diff_runs(a, b):
    """Byte runs [start, end) where a and b differ (offsets)."""
    runs = []
    for off in range(0, min(len(a), len(b)), CHUNK):
        x, y = a[off:off + CHUNK], b[off:off + CHUNK]
        if x == y:
            continue
        for p in range(0, len(x), 256):
            if x[p:p + 256] == y[p:p + 256]:
                continue
            for i in range(p, min(p + 256, len(x))):
                if x[i] != y[i]:
                    o = off + i
                    if runs and runs[-1][1] == o:
                        runs[-1][1] = o + 1
                    else:
                        runs.append([o, o + 1])
    return runs


def main(argv):
    out = bundle = None
    timeout = 20
    allow_free = False
    qargs = []
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--out":
            out = args.pop(0)
        elif a == "--bundle":
            bundle = args.pop(0)
        elif a == "--timeout":
            timeout = int(args.pop(0))
        elif a == "--allow-free-ram":
            allow_free = True
        else:
            qargs.append(a)
    if not out:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(out, exist_ok=True)
    # a short path: unix socket names are limited to 108 bytes
    sockdir = tempfile.mkdtemp(prefix="kreloc-qmp-")
    sock = os.path.join(sockdir, "qmp")
    try:
        return run(out, bundle, timeout, allow_free, qargs, sock)
    finally:
        shutil.rmtree(sockdir, ignore_errors=True)


def rsvmap(blob):
    """The /memreserve/ entries of a device tree blob, as (base, size)."""
    off = struct.unpack_from(">I", blob, 16)[0]
    out = []
    while off + 16 <= len(blob):
        base, size = struct.unpack_from(">QQ", blob, off)
        if size == 0:
            break
        out.append((base, size))
        off += 16
    return out


def run(out, bundle, timeout, allow_free, qargs, sock):
    log = os.path.join(out, "console.log")
    before, after = os.path.join(out, "before.ram"), os.path.join(out, "after.ram")
    for p in (before, after):
        if os.path.exists(p):
            os.unlink(p)
    extra = ["-S", "-no-shutdown", "-qmp", "unix:%s,server=on,wait=off" % sock]
    qargs = qargs + extra if "--" in qargs else qargs + ["--"] + extra
    cmd = [os.path.join(ROOT, "scripts/qemu-run"), "--kernel", SHIM, "--quiet", "--log", log,
           "--timeout", str(timeout + 30)]
    if bundle:
        cmd += ["--initrd", bundle]
    cmd += qargs
    res = {"last_line": "", "powered_off": False, "timed_out": False}
    with open(os.path.join(out, "qemu-run.err"), "w") as err:
        q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        qmp = QMP(sock, time.time() + 10)
        ram = qmp.cmd("query-memory-size-summary")["base-memory"]
        qmp.cmd("pmemsave", val=RAM_BASE, size=ram, filename=before)
        qmp.cmd("cont")
        res["powered_off"] = qmp.wait_event("SHUTDOWN", time.time() + timeout)
        if not res["powered_off"]:
            res["timed_out"] = True
            qmp.cmd("stop")
        qmp.cmd("pmemsave", val=RAM_BASE, size=ram, filename=after)
        try:
            qmp.cmd("quit")
        except (RuntimeError, OSError):
            pass
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        q.kill()
        q.wait()
        print(json.dumps({"error": "QEMU/QMP: %s" % e}))
        return 1
    q.wait()

    with open(log, errors="replace") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    res["last_line"] = lines[-1] if lines else ""
    res["booted_linux"] = any("Booting Linux" in l or l.startswith("kreloc-shim-report:")
                              for l in lines)
    m = next((re.search(r"^kreloc: shim .* image (0x[0-9a-f]+), device tree (0x[0-9a-f]+)", l)
              for l in lines if l.startswith("kreloc: shim ")), None)
    with open(SHIM, "rb") as f:
        shim = f.read()
    image_size = struct.unpack_from("<Q", shim, 16)[0]
    with open(before, "rb") as f:
        a = f.read()
    with open(after, "rb") as f:
        b = f.read()
    os.unlink(before)
    os.unlink(after)
    runs = diff_runs(a, b)
    res["changed_bytes"] = sum(e - s for s, e in runs)
    if m:
        base = int(m.group(1), 16)
        lo, hi = base - RAM_BASE, base - RAM_BASE + image_size
        res["shim"] = [hex(base), hex(base + image_size)]
        res["shim_at_entry"] = a[lo:lo + len(shim)] == shim
        outside = []
        for s, e in runs:
            if s < lo:
                outside.append([s, min(e, lo)])
            if e > hi:
                outside.append([max(s, hi), e])
        res["outside_bytes"] = sum(e - s for s, e in outside)
        res["outside_runs"] = [[hex(RAM_BASE + s), hex(RAM_BASE + e)] for s, e in outside[:8]]
        if allow_free:
            # what must never change: the bundle, the incoming tree, its /memreserve/s
            prot = []
            dt = int(m.group(2), 16) - RAM_BASE
            if 0 <= dt and a[dt:dt + 4] == b"\xd0\x0d\xfe\xed":
                size = struct.unpack_from(">I", a, dt + 4)[0]
                prot.append((dt, dt + size))
                prot += [(b0 - RAM_BASE, b0 - RAM_BASE + sz) for b0, sz in rsvmap(a[dt:dt + size])]
            if bundle:
                with open(bundle, "rb") as f:
                    data = f.read()
                at = a.find(data[:4096])
                if at >= 0:
                    prot.append((at, at + len(data)))
            res["protected_bytes"] = sum(max(0, min(e, pe) - max(s, ps))
                                         for s, e in outside for ps, pe in prot)
    else:
        res["shim"] = None
        res["outside_bytes"] = res["changed_bytes"]
        res["outside_runs"] = [[hex(RAM_BASE + s), hex(RAM_BASE + e)] for s, e in runs[:8]]
    if bundle:
        with open(bundle, "rb") as f:
            head = f.read(4096)
        res["bundle_at_entry"] = a.find(head) >= 0
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
