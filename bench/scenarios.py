# SPDX-License-Identifier: MIT
"""scenarios.py - the benchmark scenarios, one QEMU run each.

Every run boots the same Debian arm64 kernel, with the same command line
and the same initramfs for a given payload size, to the test initramfs'
init (KRELOC-INIT-MARKER), on `-M virt` at EL1, one CPU, the same -cpu and
-m.  Under TCG (the default) QEMU runs with `-icount shift=0`, and these
figures are instruction counts that repeat run to run:

  * the shim's own phases and the trampoline's mailbox (PMU INST_RETIRED,
    read in the guest), for kreloc;
  * QEMU's instruction counter (QMP query-replay "icount") read at gdb-stub
    breakpoints, for the phase boundaries no guest code can stamp: the
    next kernel's first instruction (a breakpoint at its physical entry),
    Linux's machine_kexec and purgatory entry, U-Boot receiving `booti`,
    and the next init's first counter read (cntvct makes a getcpu(2) call
    right after reading it: a breakpoint at __arm64_sys_getcpu).

With accel "kvm" there is no instruction counter and no debugger: only the
guest's own counters (CNTVCT at the real counter frequency; the shim's PMU
figures when the host's PMU is virtualised) are recorded.

Each run_* function returns a dict of raw figures (see bench/README.md).
"""
import os
import re
import resource
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from qemuctl import Guest, GuestError  # noqa: E402
import report as console_report  # noqa: E402  (scripts/report.py)

QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
UBOOT = os.environ.get("KRELOC_UBOOT", "/usr/lib/u-boot/qemu_arm64/u-boot.bin")
MIB = 1 << 20
INIT_MARKER = "KRELOC-INIT-MARKER"
# U-Boot's qemu_arm64 default environment: kernel_addr_r, ramdisk_addr_r.
UBOOT_KERNEL_ADDR = 0x40400000
UBOOT_RAMDISK_ADDR = 0x44000000


def machine_argv(accel, mem, gic=3):
    """The QEMU command line every scenario shares (console, gdb and QMP
    options are added by qemuctl.Guest).  @gic 2 gives a GICv2 (no ITS),
    for the Linux-to-Linux runs that hang on a GICv3 (bench/README.md)."""
    if accel == "kvm":
        return [QEMU, "-M", "virt,gic-version=host,dtb-randomness=off", "-accel", "kvm",
                "-cpu", "host", "-m", mem, "-smp", "1", "-no-reboot"]
    # dtb-randomness=off: no kaslr-seed/rng-seed from QEMU, so every boot
    # of a size sees the same device tree (and kexec-tools, which refuses
    # a kaslr-seed that a nokaslr kernel did not wipe, can load).  A GICv3
    # with an ITS, as in the tests: the first kernel of the Linux scenario
    # then enables LPIs (bench/README.md).
    board = "virt,gic-version=3,its=on" if int(gic) == 3 else "virt,gic-version=%d" % int(gic)
    return [QEMU, "-M", board + ",dtb-randomness=off", "-cpu", "max",
            "-m", mem, "-smp", "1", "-no-reboot", "-icount", "shift=0"]


def _cnt(line, key):
    m = re.search(key + r" cntvct=(\d+) cntfrq=(\d+)", line)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _kexec_console_line(val, keys, cnt, mem_info, res, kd):
    """The console lines both Linux-kexec runners read (init-kexec's counter,
    meminfo, load-status and failure lines; `kexec -d`'s kernel segment and
    text offset), recorded into the caller's dicts."""
    for key in keys:
        c = _cnt(val, "kreloc-kexec: " + key)
        if c:
            cnt[key] = c
    m = re.search(r"kreloc-kexec: meminfo-(before|after) MemFree=(\d+) "
                  r"MemAvailable=(\d+)(?: PcpPages=(\d+))?", val)
    if m:
        mem_info[m.group(1)] = {"MemFree_kB": int(m.group(2)),
                                "MemAvailable_kB": int(m.group(3)),
                                "pcp_pages": int(m.group(4) or 0)}
    m = re.search(r"kreloc-kexec: load-status=(\d+)", val)
    if m:
        res["load_status"] = int(m.group(1))
    m = re.search(r"kexec-d .*kernel_segment: *([0-9a-f]+)", val)
    if m:
        kd["kernel_segment"] = int(m.group(1), 16)
    m = re.search(r"kexec-d .*text_offset: *([0-9a-f]+)", val)
    if m:
        kd["text_offset"] = int(m.group(1), 16)
    if "kreloc-kexec: failed" in val:
        res["error"] = val.split("kreloc-kexec: ", 1)[1]


class Stops:
    """Breakpoints by address, each with a name and what to do on a hit."""

    def __init__(self, guest):
        self.g = guest
        self.by_addr = {}
        self.hits = []          # (name, icount, pc, host seconds since start)

    def add(self, addr, name, keep=False):
        self.g.rsp.breakpoint(addr)
        self.by_addr[addr] = (name, keep)

    def hit(self):
        pc = self.g.pc()
        icount = self.g.icount()
        name, keep = self.by_addr.get(pc, ("unknown@0x%x" % pc, True))
        self.hits.append({"name": name, "icount": icount, "pc": "0x%x" % pc,
                          "host_s": round(time.time() - self.g.start, 3)})
        return name, pc, keep

    def resume(self, pc, keep):
        if pc in self.by_addr:
            if keep:
                self.g.step_over(pc)
            else:
                self.g.rsp.breakpoint(pc, False)
                del self.by_addr[pc]
        self.g.cont()

    def first(self, name, after=None):
        """icount of the first hit called @name (after hit index @after)."""
        for i, h in enumerate(self.hits):
            if h["name"] == name and (after is None or i > after):
                return h["icount"], i
        return None, None


def _diff(a, b):
    return None if a is None or b is None else b - a


# ---- symbols --------------------------------------------------------------------
def probe_symbols(accel, mem, kexec_initramfs, logdir, gic=3, log="symbols.log"):
    """Boot the kernel once with the kexec initramfs in symbols-only mode:
    the kernel symbols the debugger needs (nokaslr: the same in every boot
    of this kernel, in the first and the next kernel alike)."""
    argv = machine_argv(accel, mem, gic) + [
        "-kernel", kexec_initramfs["kernel"], "-initrd", kexec_initramfs["path"],
        "-append", "console=ttyAMA0 quiet panic=-1 nokaslr kreloc.bench.symbols"]
    g = Guest(argv, os.path.join(logdir, log), gdb=False, qmp=False, timeout=180)
    syms = {}
    try:
        for kind, val in g.events():
            if kind == "line":
                m = re.search(r"kreloc-kexec: sym ([0-9a-f]+) (\S+)", val)
                if m:
                    syms[m.group(2)] = int(m.group(1), 16)
    finally:
        g.close()
    return syms


# ---- kreloc through the shim ---------------------------------------------------------
def shim_symbols(shim_elf):
    """Global text symbols of the shim: name -> offset from its start."""
    cross = os.environ.get("CROSS", "aarch64-linux-gnu-")
    try:
        out = subprocess.run([cross + "nm", shim_elf], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "T":
            syms[parts[2]] = int(parts[0], 16)
    return syms


# Functions of the shim's set-up whose instructions the profile counts
# (inclusive, each call from entry to return), when the shim has them.
PROFILE_PREFIXES = ("kreloc_handoff_", "kreloc_fdt_")
PROFILE_FUNCS = ("kreloc_fdt_check", "kreloc_fdt_read_memmap", "kreloc_memmap_add_reserved",
                 "kreloc_bundle_parse", "kreloc_image_parse", "kreloc_fdt_prepare",
                 "kreloc_place", "kreloc_fdt_set_chosen", "kreloc_seed_derive",
                 "kreloc_segments_validate", "kreloc_kimage_load", "kreloc_xlat_build",
                 "kreloc_kimage_check_list", "kreloc_reloc_install", "fdt_pack",
                 "fdt_open_into", "shim_printf", "freemem_init")


class Profile:
    """Inclusive instruction counts of shim functions: a breakpoint at each
    entry, one at the return address (x30) of each call in progress."""

    def __init__(self, stops, syms, base):
        self.stops = stops
        self.entries = {}
        self.pending = {}       # return address -> [(name, icount at entry)]
        self.counts = {}
        for name, off in syms.items():
            if name in PROFILE_FUNCS or name.startswith(PROFILE_PREFIXES):
                self.entries[base + off] = name
                stops.add(base + off, "profile:" + name, keep=True)

    def on_stop(self, name, pc, icount):
        """Handle a profile stop; False when @name is not one of ours."""
        if name.startswith("profile:"):
            ret = self.stops.g.rsp.reg(30)
            if ret not in self.pending:
                self.pending[ret] = []
                if ret not in self.stops.by_addr:
                    self.stops.add(ret, "profile-return", keep=True)
            self.pending[ret].append((name[8:], icount))
            return True
        if name == "profile-return":
            fn, start = self.pending[pc].pop()
            c = self.counts.setdefault(fn, {"calls": 0, "instructions": 0})
            c["calls"] += 1
            c["instructions"] += icount - start
            if not self.pending[pc]:
                del self.pending[pc]
                self.stops.by_addr[pc] = ("profile-return", False)
            return True
        return False

    def stop_all(self):
        """Remove every profile breakpoint (before the point of no return)."""
        for addr in list(self.stops.by_addr):
            name = self.stops.by_addr[addr][0]
            if name.startswith("profile"):
                self.stops.g.rsp.breakpoint(addr, False)
                del self.stops.by_addr[addr]



def _finish(g, res):
    """After a run: record its wall time in @res, parse what the guest printed."""
    res["wall_s"] = round(g.wall or (time.time() - g.start), 2)
    return console_report.parse_console("\n".join(g.lines))

def _shim_report(parsed, size, res):
    """The shim's report from a parsed console, kept in @res; a boot that
    is not ok is @res's error unless one is recorded already."""
    rep = console_report.build_report(parsed, size["cmdline"], 1, True)
    res["report"] = rep
    if rep.get("result") != "ok" and "error" not in res:
        res["error"] = rep.get("error", "boot failed")
    return rep

def run_kreloc(ctx, size, mode, mem, name, profile=False):
    """Scenario 1 (mode mmu, with --measure-copy: also scenario 3) or 2
    (classic).  Returns the merged report plus debugger figures; with
    @profile, also the instructions of the shim's set-up functions."""
    out = os.path.join(ctx.work, "%s.bundle" % name)
    cmd = [ctx.cli, "pack", "--image", ctx.kernel, "--initrd", size["initrd"],
           "--cmdline", size["cmdline"], "--mode", mode, "-o", out]
    if mode == "mmu":
        cmd.insert(-2, "--measure-copy")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        return {"scenario": "kreloc-" + mode, "size": size["label"], "mem": mem,
                "error": "kreloc pack failed: %s" % (r.stderr.strip().splitlines() or ["?"])[-1],
                "pack_argv": cmd}
    argv = machine_argv(ctx.accel, mem) + ["-kernel", ctx.shim, "-initrd", out]
    use_gdb = ctx.accel == "tcg"
    g = Guest(argv, os.path.join(ctx.logdir, name + ".log"), gdb=use_gdb, qmp=use_gdb,
              timeout=ctx.timeout)
    res = {"scenario": "kreloc-" + mode, "size": size["label"], "mem": mem,
           "qemu_argv": g.argv, "pack_argv": cmd, "bundle_bytes": os.path.getsize(out)}
    stops = None
    prof = None
    try:
        ssyms = shim_symbols(ctx.shim_elf)
        enter_off = ssyms.get("kreloc_reloc_enter")
        base = 0x40200000           # where QEMU puts an Image at the start of RAM
        if use_gdb:
            stops = Stops(g)
            if enter_off is not None:
                stops.add(base + enter_off, "shim_enter")
            stops.add(ctx.syms["__arm64_sys_getcpu"], "init_counter")
            if profile:
                prof = Profile(stops, ssyms, base)
            g.cont()
        entry_set = False
        for kind, val in g.events():
            if kind == "line" and use_gdb:
                m = re.search(r"kreloc: shim \S+ at EL\d, image 0x([0-9a-f]+)", val)
                if m and int(m.group(1), 16) != base and prof is not None:
                    res["profile_error"] = "shim not at 0x%x: no profile" % base
                    g.stop_now()
                    prof.stop_all()
                    prof = None
                    g.cont()
                if m and int(m.group(1), 16) != base and enter_off is not None:
                    g.stop_now()            # loaded elsewhere: move the breakpoint
                    stops.g.rsp.breakpoint(base + enter_off, False)
                    del stops.by_addr[base + enter_off]
                    base = int(m.group(1), 16)
                    stops.add(base + enter_off, "shim_enter")
                    g.cont()
                m = re.search(r"kreloc: \S+ mode; kernel 0x([0-9a-f]+)", val)
                if m and enter_off is None and not entry_set:
                    g.stop_now()            # no symbol: stop as soon as we know
                    stops.add(int(m.group(1), 16), "kernel_entry")
                    entry_set = True
                    g.cont()
            elif kind == "stop":
                nm, pc, keep = stops.hit()
                if prof is not None and prof.on_stop(nm, pc, stops.hits[-1]["icount"]):
                    stops.hits.pop()        # profile stops are not phase boundaries
                    stops.resume(pc, stops.by_addr.get(pc, (None, False))[1])
                    continue
                if nm == "shim_enter" and prof is not None:
                    prof.stop_all()
                if nm == "shim_enter" and not entry_set:
                    parsed = console_report.parse_console("\n".join(g.lines))
                    rep = parsed["shim_report"] or {}
                    if "kernel_load" in rep:
                        stops.add(int(rep["kernel_load"], 16), "kernel_entry")
                        entry_set = True
                stops.resume(pc, keep)
            elif kind == "exit":
                res["qemu_exit"] = val
    except (GuestError, OSError, KeyError) as e:
        res["error"] = str(e)
    finally:
        g.close()
        os.unlink(out)              # up to 380 MiB, made again next time
    parsed = _finish(g, res)
    rep = _shim_report(parsed, size, res)
    ins = rep.get("instructions") or {}
    ticks = rep.get("ticks") or {}
    copied = rep.get("bytes_copied_mmu_on", 0) + rep.get("bytes_copied_mmu_off", 0)
    res["bytes_relocated"] = copied
    res["load"] = _sum(ins, ("plan", "stage", "prepare"))
    res["setup"] = _sum(ins, ("plan", "prepare"))
    res["relocation"] = _sum(ins, ("relocate", "handoff"))
    res["relocation_ticks"] = _sum(ticks, ("relocate", "handoff"))
    res["startup_ticks"] = ticks.get("boot")
    res["cntfrq"] = rep.get("init_cntfrq")
    if ins.get("plain_copy") and rep.get("plain_copy_bytes"):
        res["plain_copy"] = ins["plain_copy"]
        res["plain_copy_bytes"] = rep["plain_copy_bytes"]
    if prof is not None:
        res["setup_profile"] = prof.counts
    if stops is not None:
        res["stops"] = stops.hits
        i_enter, _ = stops.first("shim_enter")
        i_entry, k = stops.first("kernel_entry")
        i_init, _ = stops.first("init_counter", after=k) if k is not None else (None, None)
        res["relocation_icount"] = _diff(i_enter, i_entry)
        res["startup"] = _diff(i_entry, i_init)
        res["wall_phases_s"] = _wall(stops, [("relocation", "shim_enter", "kernel_entry"),
                                             ("startup", "kernel_entry", "init_counter")])
    return res


def _sum(d, keys):
    vals = [d.get(k) for k in keys]
    return None if any(v is None for v in vals) else sum(vals)


def _wall(stops, spans):
    """Host seconds between named stops (emulation time, debugger included)."""
    out = {}
    for label, a, b in spans:
        ta = next((h["host_s"] for h in stops.hits if h["name"] == a), None)
        tb = next((h["host_s"] for h in stops.hits if h["name"] == b), None)
        if ta is not None and tb is not None:
            out[label] = round(tb - ta, 3)
    return out


# ---- Linux 6.1's own kexec -------------------------------------------------------------
def run_linux(ctx, size, mem, name, load_only=False):
    """Scenario 4: the Debian kernel boots the kexec initramfs, which loads
    the payload with kexec-tools (kexec_load, purgatory) and `kexec -e`s."""
    kx = size["kexec_initramfs"]
    append = "console=ttyAMA0 quiet panic=-1 nokaslr"
    use_gdb = ctx.accel == "tcg" and not load_only
    if use_gdb:
        append += " kreloc.bench.wait"
    if load_only:
        append += " kreloc.bench.loadonly"
    argv = machine_argv(ctx.accel, mem) + ["-kernel", ctx.kernel, "-initrd", kx["path"],
                                           "-append", append]
    g = Guest(argv, os.path.join(ctx.logdir, name + ".log"), gdb=use_gdb, qmp=use_gdb,
              timeout=ctx.timeout)
    res = {"scenario": "linux-kexec", "size": size["label"], "mem": mem, "qemu_argv": g.argv,
           "first_kernel_cmdline": append, "first_initramfs_bytes": os.path.getsize(kx["path"])}
    stops = Stops(g) if use_gdb else None
    kd = {"segments": {}}
    cnt = {}
    mem_info = {}
    try:
        if use_gdb:
            g.cont()
        for kind, val in g.events():
            if kind == "line":
                _kexec_console_line(val, ("load-start", "load-end", "exec"),
                                    cnt, mem_info, res, kd)
                m = re.search(r"kexec-d kexec_load: entry = 0x([0-9a-f]+)", val)
                if m:
                    kd["purgatory_entry"] = int(m.group(1), 16)
                m = re.search(r"kexec-d segment\[(\d+)\]\.(mem|memsz) *= 0x([0-9a-f]+)", val)
                if m:
                    kd["segments"].setdefault(int(m.group(1)), {})[m.group(2)] = int(m.group(3), 16)
                if "kreloc-kexec: ready" in val and use_gdb:
                    g.stop_now()
                    stops.add(ctx.syms["__arm64_sys_getcpu"], "counter", keep=True)
                    stops.add(ctx.syms["__arm64_sys_reboot"], "reboot_syscall")
                    stops.add(ctx.syms["machine_kexec"], "machine_kexec")
                    g.cont()
                    g.send("go\n")
            elif kind == "stop":
                nm, pc, keep = stops.hit()
                if nm == "machine_kexec":
                    # the first kernel is past the point of no return: the
                    # addresses kexec -d printed are where things will run
                    entry = kd.get("kernel_segment", 0) + kd.get("text_offset", 0)
                    if "kernel_segment" in kd:
                        stops.add(entry, "kernel_entry")
                    if "purgatory_entry" in kd:
                        stops.add(kd["purgatory_entry"], "purgatory")
                stops.resume(pc, keep)
            elif kind == "exit":
                res["qemu_exit"] = val
    except (GuestError, OSError, KeyError) as e:
        res["error"] = str(e)
    finally:
        g.close()
    parsed = _finish(g, res)
    res["init_marker"] = parsed["init_marker"]
    res["init_cmdline"] = parsed["cmdline"]
    res["release"] = parsed["release"]
    res["meminfo"] = mem_info
    res["kexec_d"] = {k: ("0x%x" % v if isinstance(v, int) else v) for k, v in kd.items()
                      if k != "segments"}
    segs = [kd["segments"][i] for i in sorted(kd["segments"])]
    res["segments"] = [{"mem": "0x%x" % s.get("mem", 0), "memsz": s.get("memsz", 0)} for s in segs]
    res["segment_bytes"] = sum(s.get("memsz", 0) for s in segs)
    if "before" in mem_info and "after" in mem_info:
        b, a = mem_info["before"], mem_info["after"]
        res["kexec_load_memfree_drop_bytes"] = (b["MemFree_kB"] - a["MemFree_kB"]) * 1024
        # free = MemFree + the per-CPU lists' free pages
        taken = res["kexec_load_memfree_drop_bytes"] + (b["pcp_pages"] - a["pcp_pages"]) * 4096
        res["kexec_load_free_drop_bytes"] = taken
        res["kexec_load_beyond_payload_bytes"] = taken - res["segment_bytes"]
    if "load-start" in cnt and "load-end" in cnt:
        res["load_ticks"] = cnt["load-end"][0] - cnt["load-start"][0]
    res["cntfrq"] = (cnt.get("exec") or cnt.get("load-start") or (None, None))[1] or parsed["cntfrq"]
    if "exec" in cnt and parsed["cntvct"] is not None:
        res["exec_to_init_ticks"] = parsed["cntvct"] - cnt["exec"][0]
    if load_only:
        return res
    if not parsed["init_marker"] and "error" not in res:
        res["error"] = "the next kernel's init marker not seen"
    elif parsed["cmdline"] != size["cmdline"] and "error" not in res:
        res["error"] = "next kernel cmdline %r" % parsed["cmdline"]
    if stops is not None:
        res["stops"] = stops.hits
        i_exec, e = stops.first("counter")
        i_reboot, _ = stops.first("reboot_syscall")
        i_mk, _ = stops.first("machine_kexec")
        i_purg, _ = stops.first("purgatory")
        i_entry, k = stops.first("kernel_entry")
        i_init, _ = stops.first("counter", after=k) if k is not None else (None, None)
        res["shutdown"] = _diff(i_exec, i_mk)
        res["shutdown_user"] = _diff(i_exec, i_reboot)
        res["shutdown_kernel"] = _diff(i_reboot, i_mk)
        res["relocation"] = _diff(i_mk, i_entry)
        res["relocation_copy"] = _diff(i_mk, i_purg)
        res["relocation_purgatory"] = _diff(i_purg, i_entry)
        res["startup"] = _diff(i_entry, i_init)
        if res.get("exec_to_init_ticks") is not None and i_exec is not None and i_init is not None:
            # virtual time the guest saw vs instructions: the rest is idle
            ns = res["exec_to_init_ticks"] * 1e9 / res["cntfrq"]
            res["exec_to_init_idle_ns"] = round(ns - (i_init - i_exec))
        res["wall_phases_s"] = _wall(stops, [("shutdown", "counter", "machine_kexec"),
                                             ("relocation", "machine_kexec", "kernel_entry"),
                                             ("startup", "kernel_entry", "counter")])
        # the last span's "counter" must be the init's: recompute from indices
        if k is not None:
            hits = stops.hits
            t_entry = hits[k]["host_s"]
            t_init = next((h["host_s"] for h in hits[k + 1:] if h["name"] == "counter"), None)
            if t_init is not None:
                res["wall_phases_s"]["startup"] = round(t_init - t_entry, 3)
    res["bytes_relocated"] = res["segment_bytes"]
    return res


# ---- U-Boot booti -----------------------------------------------------------------
def run_uboot(ctx, size, mem, name):
    """Scenario 5: U-Boot (qemu_arm64, as -bios) boots the Image and initrd
    that QEMU's loader device put at U-Boot's kernel_addr_r and
    ramdisk_addr_r, with `booti`, typed on its console."""
    argv = machine_argv(ctx.accel, mem) + [
        "-bios", UBOOT,
        "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (ctx.kernel, UBOOT_KERNEL_ADDR),
        "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (size["initrd"], UBOOT_RAMDISK_ADDR)]
    use_gdb = ctx.accel == "tcg"
    g = Guest(argv, os.path.join(ctx.logdir, name + ".log"), gdb=use_gdb, qmp=use_gdb,
              timeout=ctx.timeout)
    initrd_len = os.path.getsize(size["initrd"])
    booti = "booti 0x%x 0x%x:0x%x ${fdtcontroladdr}" % (UBOOT_KERNEL_ADDR, UBOOT_RAMDISK_ADDR,
                                                         initrd_len)
    script = ["setenv bootargs '%s'" % size["cmdline"], booti]
    res = {"scenario": "u-boot", "size": size["label"], "mem": mem, "qemu_argv": g.argv,
           "uboot_commands": script}
    stops = Stops(g) if use_gdb else None
    state = "autoboot"
    moved = []
    try:
        if use_gdb:
            stops.add(ctx.syms["__arm64_sys_getcpu"], "init_counter")
            g.cont()
        for kind, val in g.events():
            if kind == "partial" or kind == "line":
                if state == "autoboot" and "Hit any key to stop autoboot" in val:
                    g.send(" ")
                    state = "prompt"
                elif state == "prompt" and val.rstrip().endswith("=>") and kind == "partial":
                    g.send(script[0] + "\r")
                    state = "booti"
                elif state == "booti" and val.rstrip().endswith("=>") and kind == "partial":
                    g.send(booti)
                    state = "typed"
                elif state == "typed" and val.rstrip().endswith("${fdtcontroladdr}"):
                    # the command is on U-Boot's line: stop, count, send Enter
                    if use_gdb:
                        g.stop_now()
                        stops.add(UBOOT_KERNEL_ADDR, "kernel_entry")
                        stops.hits.append({"name": "booti", "icount": g.icount(), "pc": None,
                                           "host_s": round(time.time() - g.start, 3)})
                        g.send("\r")
                        g.cont()
                    else:
                        g.send("\r")
                    state = "booting"
                if kind == "line":
                    m = re.search(r"(Loading Ramdisk to|Moving Image from|Loading Device Tree to)"
                                  r" (.*)", val)
                    if m:
                        moved.append(val.strip())
                    m = re.search(r"U-Boot (20\d\d\.\d\d\S*)", val)
                    if m:
                        res["uboot_version"] = m.group(1)
            elif kind == "stop":
                nm, pc, keep = stops.hit()
                stops.resume(pc, keep)
            elif kind == "exit":
                res["qemu_exit"] = val
    except (GuestError, OSError, KeyError) as e:
        res["error"] = str(e)
    finally:
        g.close()
    parsed = _finish(g, res)
    res["init_marker"] = parsed["init_marker"]
    res["init_cmdline"] = parsed["cmdline"]
    res["uboot_moves"] = moved
    res["cntfrq"] = parsed["cntfrq"]
    if not parsed["init_marker"] and "error" not in res:
        res["error"] = "init marker not seen (U-Boot state %s)" % state
    elif parsed["cmdline"] != size["cmdline"] and "error" not in res:
        res["error"] = "cmdline %r" % parsed["cmdline"]
    # what booti copied: "Loading Ramdisk to 7ff0e000, end 7ffff000 ... OK"
    copied = 0
    for line in moved:
        m = re.search(r"to ([0-9a-f]+), end ([0-9a-f]+)", line)
        if m:
            copied += int(m.group(2), 16) - int(m.group(1), 16)
    res["bytes_relocated"] = copied
    if stops is not None:
        res["stops"] = stops.hits
        i_b, _ = stops.first("booti")
        i_entry, k = stops.first("kernel_entry")
        i_init, _ = stops.first("init_counter", after=k) if k is not None else (None, None)
        res["relocation"] = _diff(i_b, i_entry)
        res["startup"] = _diff(i_entry, i_init)
        res["wall_phases_s"] = _wall(stops, [("relocation", "booti", "kernel_entry"),
                                             ("startup", "kernel_entry", "init_counter")])
    return res


# ---- Linux to Linux (issue 11) -------------------------------------------------------
# Each variant: the load mode tests/initramfs/init-kexec takes
# (kreloc.bench.load=MODE) and a title.
L2L_VARIANTS = [
    ("kexec-l", "l", "kexec-tools kexec -l (purgatory SHA-256 checks)"),
    ("kexec-li", "li", "kexec-tools kexec -l -i (--no-checks)"),
    ("kexec-s", "s", "kexec-tools kexec -s (kexec_file_load)"),
    ("kreloc-live", "kreloc", "kreloc load + kreloc exec (verify)"),
    ("kreloc-live-nv", "kreloc-nv", "kreloc load --no-verify + kreloc exec"),
]
L2L_MODE = {n: m for n, m, _ in L2L_VARIANTS}
L2L_TITLE = {n: t for n, _, t in L2L_VARIANTS}
# The issue asks kexec_file_load on 6.1 only.
L2L_KERNELS_OF = {"kexec-s": ("6.1",)}
PAGE = 4096

# struct kimage (include/linux/kexec.h, the same in 5.10 and 6.1): head,
# entry, last_entry, start @24, control_code_page, swap_page,
# vmcoreinfo_data_copy, nr_segments @56, segment[] @64; struct
# kexec_segment: buf, bufsz, mem @16, memsz @24 (32 bytes).
KIMAGE_START, KIMAGE_NR_SEGMENTS, KIMAGE_SEGMENT, KSEG_SIZE = 24, 56, 64, 32


def _u64(raw, off):
    return int.from_bytes(raw[off:off + 8], "little")


def read_kimage(g):
    """At machine_kexec(kimage): the kimage's entry point and segments,
    read from the stopped guest's memory (x0 is the kimage)."""
    kimage = g.rsp.reg(0)
    head = g.rsp.mem(kimage, KIMAGE_SEGMENT)
    nr = _u64(head, KIMAGE_NR_SEGMENTS)
    if not 0 < nr <= 16:
        raise GuestError("kimage at 0x%x: %d segments?" % (kimage, nr))
    raw = g.rsp.mem(kimage + KIMAGE_SEGMENT, KSEG_SIZE * nr)
    segs = [{"mem": _u64(raw, KSEG_SIZE * i + 16), "memsz": _u64(raw, KSEG_SIZE * i + 24),
             "bufsz": _u64(raw, KSEG_SIZE * i + 8)} for i in range(nr)]
    return {"kimage": kimage, "start": _u64(head, KIMAGE_START), "segments": segs}


# QEMU virt's first GICv3 redistributor (hw/arm/virt.c memory map: VIRT_GIC_REDIST)
# and its RD_base registers GICR_PROPBASER, GICR_PENDBASER.
VIRT_GICR0 = 0x080a0000
GICR_PROPBASER, GICR_PENDBASER = 0x70, 0x78


def read_lpi_tables(g):
    """The first redistributor's LPI property and pending tables (physical
    ranges), read through the gdb stub in physical-memory mode while the
    guest is stopped; None when the stub cannot."""
    try:
        if g.rsp.command("Qqemu.PhyMemMode:1") != "OK":
            return None
        try:
            raw = g.rsp.mem(VIRT_GICR0 + GICR_PROPBASER, 16)
        finally:
            g.rsp.command("Qqemu.PhyMemMode:0")
    except GuestError:
        return None
    prop, pend = _u64(raw, 0), _u64(raw, 8)
    idbits = (prop & 0x1f) + 1
    pbase = prop & 0x000ffffffffff000
    nbase = pend & 0x000fffffffff0000
    return {"propbaser": "0x%x" % prop, "pendbaser": "0x%x" % pend,
            "lpis_enabled": bool(pbase),
            # property table: one byte per LPI (INTIDs 8192 up); pending
            # table: one bit per INTID, at least 64 KiB as Linux allocates it
            "prop": [pbase, max(0, (1 << idbits) - 8192)],
            "pend": [nbase, max(1 << 16, (1 << idbits) // 8)]}


def lpi_overlaps(lpi, segs):
    """Which kimage segments cover a live LPI table (the next kernel's pages
    written over memory the GIC keeps reading and writing)."""
    out = []
    if not lpi or not lpi.get("lpis_enabled"):
        return out
    for what in ("prop", "pend"):
        base, size = lpi[what]
        for i, sg in enumerate(segs):
            if sg["mem"] < base + size and base < sg["mem"] + sg["memsz"]:
                out.append({"table": what, "table_range": ["0x%x" % base, "0x%x" % (base + size)],
                            "segment": i, "segment_range": ["0x%x" % sg["mem"],
                                                            "0x%x" % (sg["mem"] + sg["memsz"])]})
    return out


def relocates_mmu_on(kernel_name):
    """Linux relocates kexec_load/kexec_file_load segments with the MMU on
    since 5.16 (arm64_relocate_new_kernel under the kimage's copy of the
    linear map); before, with the MMU and caches off."""
    major, minor = (int(x) for x in kernel_name.split(".")[:2])
    return (major, minor) >= (5, 16)


def image_size(path):
    """An arm64 Image's image_size header field (memory it takes)."""
    with open(path, "rb") as f:
        hdr = f.read(64)
    return _u64(hdr, 16)


def l2l_bytes(variant, kernel_name, kim, report, payload):
    """What the reboot (machine_kexec onward) copies and hashes, in bytes,
    and what the load holds in memory, from the kimage's segments (read at
    machine_kexec) and, for kreloc, the shim's report.  @payload: the
    Image and initramfs sizes."""
    if not kim:
        return None             # no debugger (KVM) or no machine_kexec stop: unknown
    segs = kim["segments"]
    seg_total = sum(s["memsz"] for s in segs)
    on = relocates_mmu_on(kernel_name)
    out = {"segments_bytes": seg_total, "nr_segments": len(segs),
           "linux_copy_mmu_on": seg_total if on else 0,
           "linux_copy_mmu_off": 0 if on else seg_total}
    out["copied_mmu_on"] = out["linux_copy_mmu_on"]
    out["copied_mmu_off"] = out["linux_copy_mmu_off"]
    out["hashed_caches_off"] = 0
    out["hashed_caches_on"] = 0
    if variant in ("kexec-l", "kexec-li"):
        # the purgatory is the segment holding the entry point; it hashes
        # every other segment, memsz bytes each, with the MMU off (-i: none)
        purg = [s for s in segs if s["mem"] <= kim["start"] < s["mem"] + s["memsz"]]
        out["purgatory_bytes"] = purg[0]["memsz"] if purg else None
        if variant == "kexec-l" and purg:
            out["hashed_caches_off"] = seg_total - purg[0]["memsz"]
        out["load_memory"] = seg_total
    elif variant == "kexec-s":
        out["load_memory"] = seg_total
    else:
        rep = report or {}
        out["copied_mmu_on"] += rep.get("bytes_copied_mmu_on", 0)
        out["copied_mmu_off"] += rep.get("bytes_copied_mmu_off", 0)
        out["shim_copy_mmu_on"] = rep.get("bytes_copied_mmu_on")
        out["shim_copy_mmu_off"] = rep.get("bytes_copied_mmu_off")
        if rep.get("verified"):
            pb = rep.get("payload_bytes") or {}
            out["hashed_caches_on"] = pb.get("kernel", 0) + pb.get("initrd", 0)
        # pinned holder pages of the Image and initramfs + the small segments
        holder = sum(-(-n // PAGE) * PAGE for n in payload)
        out["holder_bytes"] = holder
        out["load_memory"] = holder + seg_total
    return out


def _drain_console(g):
    """Read what the stopped guest has already written to its console."""
    fd = g.proc.stdout.fileno()
    while select.select([fd], [], [], 0)[0]:
        if g._read_console() is None:
            return


def run_l2l(ctx, kern, size, variant, mem, name):
    """Linux to Linux on kernel @kern (a dict: name, image, syms, gic): the
    kernel boots the L2L initramfs, whose init loads the payload (the same
    kernel + the size's initramfs) with @variant's command and reboots into
    it.  Breakpoints from the start: __arm64_sys_getcpu (every counter read:
    the empty bracket, the load's bracket, the one before exec, then the next
    init's), __arm64_sys_reboot, machine_kexec; at machine_kexec the kimage
    is read and the next stops set (purgatory or stub, shim, kernel entry)."""
    mode = L2L_MODE[variant]
    kx = size["l2l_initramfs"]["kreloc" if mode.startswith("kreloc") else "kexec"]
    append = "console=ttyAMA0 quiet panic=-1 nokaslr kreloc.bench.load=%s" % mode
    argv = machine_argv(ctx.accel, mem, kern["gic"]) + ["-kernel", kern["image"], "-initrd", kx,
                                                        "-append", append]
    use_gdb = ctx.accel == "tcg"
    res = {"scenario": "l2l", "variant": variant, "kernel": kern["name"], "gic": kern["gic"],
           "size": size["label"], "mem": mem, "first_kernel_cmdline": append,
           "first_initramfs_bytes": os.path.getsize(kx)}
    g = Guest(argv, os.path.join(ctx.logdir, name + ".log"), gdb=use_gdb, qmp=use_gdb,
              timeout=ctx.timeout)
    res["qemu_argv"] = g.argv
    stops = Stops(g) if use_gdb else None
    syms = kern["syms"]
    kd = {}
    cnt = {}
    mem_info = {}
    kim = None
    ssyms = shim_symbols(ctx.l2l_shim_elf) if mode.startswith("kreloc") else {}
    enter_off = ssyms.get("kreloc_reloc_enter")
    shim_base = [None]
    entry_set = [False]

    def set_entry(addr):
        if not entry_set[0]:
            stops.add(addr, "kernel_entry")
            entry_set[0] = True

    try:
        if use_gdb:
            stops.add(syms["__arm64_sys_getcpu"], "counter", keep=True)
            stops.add(syms["__arm64_sys_reboot"], "reboot_syscall")
            stops.add(syms["machine_kexec"], "machine_kexec")
            g.cont()
        for kind, val in g.events():
            if kind == "line":
                _kexec_console_line(val, ("null-start", "null-end", "load-start", "load-end",
                                          "exec"), cnt, mem_info, res, kd)
                m = re.search(r"kreloc-kexec: release=(\S+)", val)
                if m:
                    res["first_release"] = m.group(1)
                if "kreloc-kexec: load-out " in val:
                    res.setdefault("load_out", []).append(val.split("load-out ", 1)[1])
                if use_gdb and mode.startswith("kreloc") and kim is not None:
                    m = re.search(r"kreloc: shim \S+ at EL\d, image 0x([0-9a-f]+)", val)
                    if m and enter_off is not None and int(m.group(1), 16) != shim_base[0]:
                        g.stop_now()        # the shim is elsewhere: move the breakpoint
                        if shim_base[0] is not None and shim_base[0] + enter_off in stops.by_addr:
                            g.rsp.breakpoint(shim_base[0] + enter_off, False)
                            del stops.by_addr[shim_base[0] + enter_off]
                        shim_base[0] = int(m.group(1), 16)
                        stops.add(shim_base[0] + enter_off, "shim_enter")
                        g.cont()
            elif kind == "stop":
                nm, pc, keep = stops.hit()
                if nm == "machine_kexec":
                    # past the point of no return: the kimage says where it goes
                    kim = read_kimage(g)
                    if int(kern["gic"]) == 3:
                        lpi = read_lpi_tables(g)
                        res["lpi_tables"] = lpi and {"prop": ["0x%x" % x for x in lpi["prop"]],
                                                     "pend": ["0x%x" % x for x in lpi["pend"]],
                                                     "propbaser": lpi["propbaser"],
                                                     "pendbaser": lpi["pendbaser"]}
                        res["lpi_overlaps"] = lpi_overlaps(lpi, kim["segments"])
                    if mode in ("l", "li"):
                        stops.add(kim["start"], "purgatory")
                        if "kernel_segment" in kd:
                            set_entry(kd["kernel_segment"] + kd.get("text_offset", 0))
                    elif mode == "s":
                        set_entry(kim["start"])
                    else:
                        stops.add(kim["start"], "stub")
                        isz = -(-image_size(ctx.l2l_shim) // PAGE) * PAGE
                        for sg in kim["segments"]:
                            if sg["mem"] % (2 * MIB) == 0 and sg["memsz"] == isz and enter_off is not None:
                                shim_base[0] = sg["mem"]
                                stops.add(sg["mem"] + enter_off, "shim_enter")
                                break
                elif nm == "shim_enter" and not entry_set[0]:
                    # the shim has printed where the kernel goes: read the
                    # console up to here (no interrupt of the running guest,
                    # whose stop reply could be taken for a breakpoint's)
                    _drain_console(g)
                    for line in reversed(g.lines):
                        m = re.search(r"kreloc: \S+ mode; kernel 0x([0-9a-f]+)", line)
                        if m:
                            set_entry(int(m.group(1), 16))
                            break
                stops.resume(pc, keep)
            elif kind == "exit":
                res["qemu_exit"] = val
    except (GuestError, OSError, KeyError) as e:
        res["error"] = str(e)
    finally:
        g.close()
    parsed = _finish(g, res)
    if any("kexec_file_load not available" in x for x in res.get("load_out", [])):
        # not a failure of the bench: this kernel has no kexec_file_load
        # (ENOSYS); kexec-tools says so and exits
        res["not_run"] = ("kexec_file_load not available in this kernel (kexec-tools: "
                          "\"syscall kexec_file_load not available\")")
        res.pop("error", None)
        return res
    res["init_marker"] = parsed["init_marker"]
    res["init_cmdline"] = parsed["cmdline"]
    res["release"] = parsed["release"]
    res["meminfo"] = mem_info
    res["kexec_d"] = {k: "0x%x" % v for k, v in kd.items()}
    if kim:
        res["kimage"] = {"start": "0x%x" % kim["start"],
                         "segments": [{"mem": "0x%x" % sg["mem"], "memsz": sg["memsz"],
                                       "bufsz": sg["bufsz"]} for sg in kim["segments"]]}
    report = None
    if mode.startswith("kreloc"):
        report = _shim_report(parsed, size, res)
    res["bytes"] = l2l_bytes(variant, kern["name"], kim, report,
                             (size["image_bytes"], size["initrd_bytes"]))
    if "before" in mem_info and "after" in mem_info:
        b, a = mem_info["before"], mem_info["after"]
        res["load_free_drop_bytes"] = ((b["MemFree_kB"] - a["MemFree_kB"]) * 1024
                                       + (b["pcp_pages"] - a["pcp_pages"]) * PAGE)
    if "load-start" in cnt and "load-end" in cnt:
        res["load_ticks"] = cnt["load-end"][0] - cnt["load-start"][0]
    if "null-start" in cnt and "null-end" in cnt:
        res["load_null_ticks"] = cnt["null-end"][0] - cnt["null-start"][0]
    res["cntfrq"] = (cnt.get("exec") or cnt.get("load-start") or (None, None))[1] or parsed["cntfrq"]
    if not parsed["init_marker"] and "error" not in res:
        res["error"] = "the next kernel's init marker not seen"
    elif parsed["cmdline"] != size["cmdline"] and "error" not in res:
        res["error"] = "next kernel cmdline %r" % parsed["cmdline"]
    if stops is None:
        return res
    res["stops"] = stops.hits
    i_mk, m_i = stops.first("machine_kexec")
    before = [h["icount"] for h in stops.hits[:m_i if m_i is not None else len(stops.hits)]
              if h["name"] == "counter"]
    # counter reads before machine_kexec: null-start, null-end, load-start,
    # load-end, exec (any other getcpu call would break the pairing)
    if len(before) == 5:
        res["load_null_instructions"] = before[1] - before[0]
        res["load_bracket_instructions"] = before[3] - before[2]
        res["load_instructions"] = res["load_bracket_instructions"] - res["load_null_instructions"]
        i_exec = before[4]
    else:
        res["load_instructions_error"] = "%d counter stops before machine_kexec, not 5" % len(before)
        i_exec = before[-1] if before else None
    i_reboot, _ = stops.first("reboot_syscall")
    i_entry, k = stops.first("kernel_entry")
    i_init, _ = stops.first("counter", after=k) if k is not None else (None, None)
    res["shutdown"] = _diff(i_exec, i_mk)
    res["shutdown_user"] = _diff(i_exec, i_reboot)
    res["shutdown_kernel"] = _diff(i_reboot, i_mk)
    res["relocation"] = _diff(i_mk, i_entry)
    res["startup"] = _diff(i_entry, i_init)
    if mode in ("l", "li"):
        i_p, _ = stops.first("purgatory")
        res["relocation_linux_copy"] = _diff(i_mk, i_p)
        res["relocation_purgatory"] = _diff(i_p, i_entry)
    elif mode == "s":
        res["relocation_linux_copy"] = res["relocation"]
    else:
        i_stub, _ = stops.first("stub")
        i_se, _ = stops.first("shim_enter")
        res["relocation_linux_copy"] = _diff(i_mk, i_stub)
        res["relocation_shim_setup"] = _diff(i_stub, i_se)
        res["relocation_trampoline"] = _diff(i_se, i_entry)
    res["wall_phases_s"] = _wall(stops, [("relocation", "machine_kexec", "kernel_entry")])
    return res


# ---- relocation on several CPUs (issue 13) ----------------------------------------------
def smp_machine_argv(mem, smp):
    """The multi-CPU scenario's QEMU: the same board, -cpu and GICv3 with
    an ITS as the rest, @smp vCPUs under MTTCG (one host thread per vCPU)
    and no -icount, so the generic counter follows the host's clock."""
    return [QEMU, "-M", "virt,gic-version=3,its=on,dtb-randomness=off", "-cpu", "max",
            "-accel", "tcg,thread=multi", "-m", mem, "-smp", str(smp), "-no-reboot"]


SMP_VCPUS = 2


def run_smp(ctx, size, cpus, mem, name):
    """One run of the multi-CPU scenario: the standard payload packed as
    kreloc-mmu packs it, with --verify and --cpus @cpus, booted on
    `-smp 2 -accel tcg,thread=multi` without icount, no debugger (nothing
    stops the guest).  The figures are the shim's report's, in generic
    counter ticks: verify (the shim's SHA-256 of the payload: with
    --cpus 2 chunk tables, hashed on both CPUs), relocate (trampoline entry to every CPU's share copied: the
    mailbox's first two stamps) and handoff (to the jump: the others'
    CPU_OFF waited for); and the whole QEMU run in host seconds, with the
    host CPU time QEMU took (every thread)."""
    out = os.path.join(ctx.work, "%s.bundle" % name)
    cmd = [ctx.cli, "pack", "--image", ctx.kernel, "--initrd", size["initrd"],
           "--cmdline", size["cmdline"], "--mode", "mmu", "--verify", "--cpus", str(cpus),
           "-o", out]
    res = {"scenario": "kreloc-smp", "size": size["label"], "mem": mem, "cpus_asked": cpus,
           "vcpus": SMP_VCPUS, "pack_argv": cmd}
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    res["pack_s"] = round(time.time() - t, 2)
    if r.returncode:
        res["error"] = "kreloc pack failed: %s" % (r.stderr.strip().splitlines() or ["?"])[-1]
        return res
    res["bundle_bytes"] = os.path.getsize(out)
    res["loadavg_before"] = list(os.getloadavg())
    res["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    argv = smp_machine_argv(mem, SMP_VCPUS) + ["-kernel", ctx.shim, "-initrd", out]
    g = Guest(argv, os.path.join(ctx.logdir, name + ".log"), gdb=False, qmp=False,
              timeout=ctx.timeout)
    res["qemu_argv"] = g.argv
    try:
        for kind, val in g.events():
            if kind == "exit":
                res["qemu_exit"] = val
    except (GuestError, OSError) as e:
        res["error"] = str(e)
    finally:
        g.close()
        os.unlink(out)
    res["loadavg_after"] = list(os.getloadavg())
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # host CPU time of the QEMU process (every thread: vCPUs, I/O), next to its wall time
    res["qemu_cpu_s"] = round(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime, 2)
    parsed = _finish(g, res)
    rep = _shim_report(parsed, size, res)
    ticks = rep.get("ticks") or {}
    frq = rep.get("init_cntfrq")
    res["cntfrq"] = frq
    res["cpus"] = rep.get("cpus")
    res["cpus_left_out"] = rep.get("cpus_left_out")
    res["cpu_pages"] = rep.get("cpu_pages")
    res["verified"] = rep.get("verified")
    res["bytes_relocated"] = rep.get("bytes_copied_mmu_on", 0) + rep.get("bytes_copied_mmu_off", 0)
    v = rep.get("verify") or {}
    res["verify_ticks"] = v.get("ticks")
    res["verify_sha256"] = v.get("sha256")
    res["relocate_ticks"] = ticks.get("relocate")
    res["handoff_ticks"] = ticks.get("handoff")
    res["relocation_ticks"] = _sum(ticks, ("relocate", "handoff"))
    for k in ("verify", "relocate", "handoff", "relocation"):
        n = res.get(k + "_ticks")
        res[k + "_s"] = None if n is None or not frq else n / frq
    if "error" not in res:
        if res["cpus"] != cpus:
            res["error"] = "the shim copied on %s CPUs, not %d (left out: %s)" % (
                res["cpus"], cpus, res["cpus_left_out"])
        elif not res["verified"] or res["verify_ticks"] is None:
            res["error"] = "no verification figure in the report"
        elif res["relocation_ticks"] is None:
            res["error"] = "no relocation figure (mailbox) in the report"
    return res
