#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""refusal.py --out DIR [--bundle FILE] [--timeout S] [qemu-run options...]

Boot the shim under QEMU on a bad input and record what it wrote to RAM.

QEMU starts stopped (-S) with a QMP socket and -no-shutdown, so that a PSCI
SYSTEM_OFF stops the VM instead of ending QEMU.  Guest RAM is saved
(pmemsave) before the first instruction, the VM runs until it powers off
(or the time limit, then it is stopped), and RAM is saved again.  Every byte
that differs must lie inside the shim's own image: [load address, load
address + image_size), the load address from the shim's first `kreloc:`
console line and image_size from build/shim.Image's header.

Prints one JSON object on stdout: last console line, whether the guest
powered off, the shim's range, bytes changed inside and outside it and the
first few outside runs, and sanity checks on the first dump (the shim image
and the bundle were in RAM at entry).  The dumps are deleted afterwards.
Exit status 0 when the run could be made and measured, 1 otherwise.
"""
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIM = os.path.join(ROOT, "build/shim.Image")
RAM_BASE = 0x40000000      # QEMU virt
CHUNK = 1 << 16


class QMP:
    def __init__(self, path, deadline):
        self.events = []
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
        self.f = self.s.makefile("rw")
        self.read()                                     # greeting
        self.cmd("qmp_capabilities")

    def read(self, timeout=None):
        self.s.settimeout(timeout)
        line = self.f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            m = self.read(30)
            if "event" in m:
                self.events.append(m["event"])
                continue
            if "error" in m:
                raise RuntimeError("QMP %s: %s" % (name, m["error"].get("desc")))
            return m.get("return")

    def wait_event(self, name, until):
        while name not in self.events:
            left = until - time.time()
            if left <= 0:
                return False
            try:
                m = self.read(left)
            except socket.timeout:
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
        else:
            qargs.append(a)
    if not out:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(out, exist_ok=True)
    sock = os.path.join(out, "qmp.sock")
    log = os.path.join(out, "console.log")
    before, after = os.path.join(out, "before.ram"), os.path.join(out, "after.ram")
    for p in (sock, before, after):
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
    m = next((re.search(r"^kreloc: shim .* image (0x[0-9a-f]+)", l) for l in lines
              if l.startswith("kreloc: shim ")), None)
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
