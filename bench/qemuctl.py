# SPDX-License-Identifier: MIT
"""qemuctl.py - run one QEMU guest for the benchmarks and watch it.

A Guest owns one qemu-system-aarch64 process:
  * its serial console on a pipe (stdin for commands, stdout read line by
    line into a log file);
  * with gdb=True, QEMU's gdb stub (-gdb unix socket, -S: the guest waits
    for us) driven over the GDB Remote Serial Protocol by the small client
    below: breakpoints, continue, interrupt, read registers;
  * QEMU's QMP socket, for `query-replay`, whose "icount" field is the
    number of guest instructions executed so far when -icount is on (it is
    maintained whether or not record/replay is in use).  At a gdb stop the
    guest does not run, so the value is exact.

Breakpoints set through the stub match the program counter, whatever the
exception level or translation regime: with the MMU off the PC is a
physical address, so one at a kernel's physical entry point catches its
first instruction.

Everything here is the Python standard library.
"""
import json
import os
import re
import select
import socket
import subprocess
import tempfile
import time

AARCH64_PC = 32         # register number of pc in gdb's aarch64 core set


class GuestError(Exception):
    pass


def _connect_unix(path, timeout, what):
    """Connect to QEMU's unix socket @path, retrying until it listens."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.time() + timeout
    while True:
        try:
            sock.connect(path)
            return sock
        except OSError:
            if time.time() > deadline:
                sock.close()
                raise GuestError("cannot connect to %s at %s" % (what, path))
            time.sleep(0.05)


def _checksum(data):
    return "%02x" % (sum(data.encode()) & 0xff)


class Rsp:
    """Minimal GDB Remote Serial Protocol client (no-ack mode)."""

    def __init__(self, path, timeout=30):
        self.sock = _connect_unix(path, timeout, "the gdb stub")
        self.buf = b""
        self.noack = False
        self.running = False
        if self.command("QStartNoAckMode") == "OK":
            self.noack = True

    def fileno(self):
        return self.sock.fileno()

    def _send(self, data):
        try:
            self.sock.sendall(("$%s#%s" % (data, _checksum(data))).encode())
        except OSError as e:
            raise GuestError("gdb stub connection: %s" % e)

    def _fill(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        try:
            chunk = self.sock.recv(65536)
        except OSError as e:
            raise GuestError("gdb stub connection: %s" % e)
        if not chunk:
            raise GuestError("gdb stub closed the connection")
        self.buf += chunk
        return True

    def packet(self, timeout=None):
        """Next packet's payload, or None when @timeout passes first."""
        deadline = None if timeout is None else time.time() + timeout
        while True:
            # drop acks and anything before a packet start
            i = self.buf.find(b"$")
            if i >= 0:
                j = self.buf.find(b"#", i)
                if j >= 0 and len(self.buf) >= j + 3:
                    data = self.buf[i + 1:j].decode("latin-1")
                    self.buf = self.buf[j + 3:]
                    if not self.noack:
                        self.sock.sendall(b"+")
                    return data
            left = None if deadline is None else max(0, deadline - time.time())
            if not self._fill(left if left is not None else 60):
                if deadline is not None and time.time() >= deadline:
                    return None

    def command(self, data, timeout=30):
        if self.running:
            raise GuestError("gdb command %r while the guest runs" % data)
        self._send(data)
        reply = self.packet(timeout)
        if reply is None:
            raise GuestError("gdb stub did not answer %r" % data)
        return reply

    def cont(self):
        self._send("c")
        self.running = True

    def step(self):
        self._send("s")
        self.running = True
        reply = self.packet(30)
        self.running = False
        return reply

    def interrupt(self):
        try:
            self.sock.sendall(b"\x03")
        except OSError as e:
            raise GuestError("gdb stub connection: %s" % e)

    def pending_stop(self):
        """A stop reply that has already arrived (or None), without waiting.
        A closed connection (QEMU exited) counts as no stop, for good."""
        if not self.running:
            return None
        try:
            r = self.packet(0)
        except (OSError, GuestError):
            self.running = False
            return None
        if r is not None:
            self.running = False
            if r[:1] in ("W", "X"):     # the guest is gone (power-off): no stop
                return None
        return r

    def breakpoint(self, addr, insert=True):
        r = self.command("%s1,%x,4" % ("Z" if insert else "z", addr))
        if r != "OK":
            raise GuestError("gdb stub refused breakpoint %s at 0x%x: %r"
                             % ("insert" if insert else "remove", addr, r))

    def mem(self, addr, length):
        """@length bytes of guest memory at virtual address @addr, read
        through the CPU's current translation (`m` packet)."""
        r = self.command("m%x,%x" % (addr, length))
        if not re.fullmatch(r"[0-9a-fA-F]*", r or "") or len(r) != 2 * length:
            raise GuestError("cannot read %d bytes at 0x%x: %r" % (length, addr, (r or "")[:40]))
        return bytes.fromhex(r)

    def reg(self, num):
        """A 64-bit core register, from the `g` packet (QEMU answers `p`
        only to clients that read its target description first)."""
        r = self.command("g")
        if not re.fullmatch(r"[0-9a-fA-F]+", r or "") or len(r) < 16 * (num + 1):
            raise GuestError("cannot read registers: %r" % (r[:40],))
        return int.from_bytes(bytes.fromhex(r[16 * num:16 * (num + 1)]), "little")


class Qmp:
    """QMP client: one command at a time, events skipped."""

    def __init__(self, path, timeout=30):
        self.sock = _connect_unix(path, timeout, "QMP")
        self.f = self.sock.makefile("rwb", buffering=0)
        self._read()                                    # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise GuestError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.f.write((json.dumps(req) + "\n").encode())
        msg = self._read()
        if "error" in msg:
            raise GuestError("QMP %s: %s" % (cmd, msg["error"]))
        return msg.get("return")

    def icount(self):
        return int(self.execute("query-replay")["icount"])


class Guest:
    """One QEMU run.  @argv is the full QEMU command line without the
    console, gdb and QMP options, which are added here."""

    def __init__(self, argv, log, gdb=False, qmp=True, timeout=300):
        self.tmp = tempfile.mkdtemp(prefix="kreloc-bench-")
        self.gdb_path = os.path.join(self.tmp, "gdb.sock")
        self.qmp_path = os.path.join(self.tmp, "qmp.sock")
        # -nic none: no default virtio NIC (its boot ROM is another package).
        self.argv = list(argv) + ["-nographic", "-monitor", "none", "-serial", "stdio",
                                  "-nic", "none"]
        if qmp:
            self.argv += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if gdb:
            self.argv += ["-gdb", "unix:%s,server=on,wait=off" % self.gdb_path, "-S"]
        self.log_path = log
        self.log = open(log, "w")
        self.lines = []
        self.partial = b""
        self.deadline = time.time() + timeout
        self.timeout = timeout
        self.start = time.time()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.rc = None
        self.rsp = Rsp(self.gdb_path) if gdb else None
        self.qmp = Qmp(self.qmp_path) if qmp else None
        self.wall = None

    # -- console ---------------------------------------------------------
    def _read_console(self):
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return None
        data = self.partial + data.replace(b"\r", b"")
        *done, self.partial = data.split(b"\n")
        out = []
        for raw in done:
            line = raw.decode("utf-8", "replace")
            self.log.write(line + "\n")
            self.lines.append(line)
            out.append(line)
        self.log.flush()
        return out

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def events(self):
        """Yield ("line", text) for each console line, ("partial", text) when
        an unfinished last line (a prompt) grows, ("stop", reply) when the
        guest stops at a breakpoint, and finally ("exit", rc)."""
        out = self.proc.stdout.fileno()
        while True:
            if self.rsp is not None:
                stop = self.rsp.pending_stop()
                if stop is not None:
                    yield ("stop", stop)
                    continue
            left = self.deadline - time.time()
            if left <= 0:
                self.kill()
                raise GuestError("timeout after %ds" % self.timeout)
            fds = [out] + ([self.rsp] if self.rsp is not None and self.rsp.running else [])
            r, _, _ = select.select(fds, [], [], min(left, 1.0))
            if out in r:
                lines = self._read_console()
                if lines is None:
                    self.rc = self.proc.wait()
                    self.wall = time.time() - self.start
                    if self.partial:
                        tail = self.partial.decode("utf-8", "replace")
                        self.log.write(tail + "\n")
                        self.lines.append(tail)
                        self.partial = b""
                    self.log.close()
                    yield ("exit", self.rc)
                    return
                for line in lines:
                    yield ("line", line)
                if self.partial:
                    yield ("partial", self.partial.decode("utf-8", "replace"))
            elif self.rsp is not None and self.rsp.running and self.rsp in r:
                try:
                    self.rsp._fill(0)
                except (OSError, GuestError):
                    self.rsp.running = False

    # -- debugger ---------------------------------------------------------
    def cont(self):
        self.rsp.cont()

    def stop_now(self):
        """Interrupt the running guest and wait for it to stop."""
        self.rsp.interrupt()
        while self.rsp.running:
            if self.rsp.pending_stop() is not None:
                return
            self.rsp._fill(1.0)

    def pc(self):
        return self.rsp.reg(AARCH64_PC)

    def icount(self):
        return self.qmp.icount()

    def step_over(self, addr):
        """Continue past a breakpoint the guest is stopped at, keeping it."""
        self.rsp.breakpoint(addr, False)
        self.rsp.step()
        self.rsp.breakpoint(addr, True)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        for s in (self.rsp, self.qmp):
            if s is not None:
                try:
                    s.sock.close()
                except OSError:
                    pass
        for p in (self.gdb_path, self.qmp_path):
            try:
                os.unlink(p)
            except OSError:
                pass
        try:
            os.rmdir(self.tmp)
        except OSError:
            pass
        if not self.log.closed:
            self.log.close()
