#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench.py - run kreloc's benchmarks and write bench/results/<date>.json.

  bench/bench.py [--accel tcg|kvm] [--sizes 25,84,380] [--only SCENARIOS]
                 [--out DIR] [--work DIR] [--timeout S] [--no-extra]

Run by `make bench` (through bench/run) after `make host target` and
`scripts/setup --bench`.  One QEMU run at a time; see bench/README.md for
what each scenario and figure is.  The results file holds every raw figure,
the versions, the payload sizes and each QEMU command line; the tables and
the plot are made from it by bench/tables.py (also run at the end here).

SCENARIOS is a comma list of kreloc-mmu, kreloc-classic, linux, u-boot and
the Linux-to-Linux ones of issue 11 (kexec-l, kexec-li, kexec-s,
kreloc-live, kreloc-live-nv), each on every kernel it applies to (6.1, and
5.10 when $CACHE/kernel-5.10/Image is there; kexec-s on 6.1 only), or on
one kernel with NAME@KERNEL, e.g. kexec-li@5.10, and smp (issue 13:
relocation and verification on 1 and 2 CPUs, `-smp 2 -accel
tcg,thread=multi` without icount, pairs of runs until the 2-over-1 ratios
hold; --smp-pairs, --smp-max-pairs, --smp-budget) (default: all).  --no-extra
skips the 16 GiB runs (memory growth).  --gic 5.10=2 runs a kernel's
Linux-to-Linux scenarios on a GICv2 (default: GICv3 with ITS, as the rest).
--kreloc-cli names the arm64 `kreloc` (default build/arm64-linux/kreloc);
while it is missing the kreloc-live scenarios are recorded as not run.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import scenarios  # noqa: E402
import tables  # noqa: E402

MIB = 1 << 20
ALL = ["kreloc-mmu", "kreloc-classic", "linux", "u-boot"]
L2L = [n for n, _, _ in scenarios.L2L_VARIANTS]
SMP = ["smp"]           # relocation and verification on 1 and 2 CPUs (issue 13)
# Linux-to-Linux kernels: name -> (cache directory); 6.1 is the bench's own
L2L_KERNELS = [("6.1", "kernel"), ("5.10", "kernel-5.10")]
MEM = "4G"              # every main run: enough for 380 MiB staged twice
MEM_BIG = "16G"         # the memory-growth runs


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("bench: %s failed: %s" % (" ".join(cmd[:2]), (r.stderr or r.stdout).strip()[-400:]))
    return r.stdout


def write_if_changed(path, text):
    """Write @text to @path unless it holds it already (its mtime then stays,
    and what is built from it is not built again)."""
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def newer(out, inputs):
    """True when @out is missing or older than any of @inputs."""
    if not os.path.exists(out):
        return True
    t = os.path.getmtime(out)
    return any(os.path.getmtime(i) > t for i in inputs if os.path.exists(i))


class Ctx:
    pass


def build_sizes(ctx, labels):
    """Payloads: the Debian Image plus the test initramfs, padded so that
    Image + initramfs is as close to LABEL MiB as whole MiB of padding
    allow (never below the unpadded size)."""
    mk = os.path.join(ROOT, "scripts", "mkinitramfs")
    init_src = os.path.join(ROOT, "tests", "initramfs")
    inputs = [mk, os.path.join(init_src, "init"), os.path.join(init_src, "cntvct.c"),
              os.path.join(init_src, "init-kexec"), ctx.kernel]
    image = os.path.getsize(ctx.kernel)
    base = os.path.join(ctx.work, "initrd-0.cpio.gz")
    if newer(base, inputs):
        run([mk, base, "0"])
    base_len = os.path.getsize(base)
    sizes = []
    for label in labels:
        want = int(label) * MIB
        pad = max(0, round((want - image - base_len) / MIB))
        initrd = os.path.join(ctx.work, "initrd-%d.cpio.gz" % pad)
        if newer(initrd, inputs):
            log("initramfs with %d MiB of padding" % pad)
            run([mk, initrd, str(pad)])
        cmdline = "console=ttyAMA0 quiet panic=-1 nokaslr kreloc.bench=%s" % label
        s = {"label": label, "target_mib": int(label), "pad_mib": pad, "initrd": initrd,
             "image_bytes": image, "initrd_bytes": os.path.getsize(initrd), "cmdline": cmdline}
        s["payload_bytes"] = image + s["initrd_bytes"]
        s["payload_mib"] = round(s["payload_bytes"] / MIB, 3)
        # the first kernel's initramfs for the Linux scenario carries the payload
        cmdfile = os.path.join(ctx.work, "cmdline-%s" % label)
        write_if_changed(cmdfile, cmdline + "\n")
        kx = os.path.join(ctx.work, "kexec-%s.cpio" % label)
        if newer(kx, inputs + [initrd, cmdfile]) and ("linux" in ctx.only or ctx.need_symbols):
            log("kexec initramfs for %s MiB" % label)
            run([mk, "--kexec", "--init", os.path.join(init_src, "init-kexec"),
                 "--add", "%s=kexec/Image" % ctx.kernel, "--add", "%s=kexec/initrd" % initrd,
                 "--add", "%s=kexec/cmdline" % cmdfile, "--no-gzip", kx])
        s["kexec_initramfs"] = {"path": kx, "kernel": ctx.kernel}
        sizes.append(s)
    return sizes


def build_l2l_sizes(ctx, kern, labels):
    """The Linux-to-Linux payloads on kernel @kern: its own Image plus the
    test initramfs padded as build_sizes() does (so the sizes differ from
    the 6.1 ones by the Images' difference), and the first kernel's
    initramfs: init-kexec, kexec-tools, the payload; a second one with the
    arm64 kreloc CLI and the shim for the kreloc-live scenarios."""
    mk = os.path.join(ROOT, "scripts", "mkinitramfs")
    init_src = os.path.join(ROOT, "tests", "initramfs")
    inputs = [mk, os.path.join(init_src, "init"), os.path.join(init_src, "cntvct.c"),
              os.path.join(init_src, "init-kexec"), kern["image"]]
    image = os.path.getsize(kern["image"])
    base = os.path.join(ctx.work, "initrd-0.cpio.gz")
    if newer(base, inputs[:3]):
        run([mk, base, "0"])
    base_len = os.path.getsize(base)
    sizes = []
    for label in labels:
        want = int(label) * MIB
        pad = max(0, round((want - image - base_len) / MIB))
        initrd = os.path.join(ctx.work, "initrd-%d.cpio.gz" % pad)
        if newer(initrd, inputs[:3]):
            log("initramfs with %d MiB of padding" % pad)
            run([mk, initrd, str(pad)])
        cmdline = "console=ttyAMA0 quiet panic=-1 nokaslr kreloc.bench=%s" % label
        s = {"label": label, "kernel": kern["name"], "target_mib": int(label), "pad_mib": pad,
             "initrd": initrd, "image_bytes": image, "initrd_bytes": os.path.getsize(initrd),
             "cmdline": cmdline}
        s["payload_bytes"] = image + s["initrd_bytes"]
        s["payload_mib"] = round(s["payload_bytes"] / MIB, 3)
        cmdfile = os.path.join(ctx.work, "cmdline-%s" % label)
        write_if_changed(cmdfile, cmdline + "\n")
        common = ["--kexec", "--init", os.path.join(init_src, "init-kexec"),
                  "--add", "%s=kexec/Image" % kern["image"], "--add", "%s=kexec/initrd" % initrd,
                  "--add", "%s=kexec/cmdline" % cmdfile, "--no-gzip"]
        kx = os.path.join(ctx.work, "l2l-%s-%s.cpio" % (kern["name"], label))
        # built for every kernel: the symbols boot uses it too
        if newer(kx, inputs + [initrd, cmdfile]):
            log("Linux-to-Linux initramfs, %s, %s MiB" % (kern["name"], label))
            run([mk] + common + [kx])
        kr = os.path.join(ctx.work, "l2l-%s-%s-kreloc.cpio" % (kern["name"], label))
        want_kreloc = any(v.startswith("kreloc-") for v in kern["variants"])
        if want_kreloc and ctx.kreloc_cli_ok:
            stamp = kr + ".from"            # which CLI and shim are inside
            src = "%s\n%s\n" % (ctx.kreloc_cli, ctx.l2l_shim)
            old = open(stamp).read() if os.path.exists(stamp) else None
            if newer(kr, inputs + [initrd, cmdfile, ctx.kreloc_cli, ctx.l2l_shim]) or old != src:
                log("Linux-to-Linux initramfs with kreloc, %s, %s MiB" % (kern["name"], label))
                run([mk] + common + ["--add", "%s=sbin/kreloc" % ctx.kreloc_cli,
                                     "--add", "%s=usr/lib/kreloc/shim.Image" % ctx.l2l_shim, kr])
                with open(stamp, "w") as f:
                    f.write(src)
        else:
            kr = None
        s["l2l_initramfs"] = {"kexec": kx, "kreloc": kr}
        sizes.append(s)
    return sizes


def l2l_plan(ctx, only):
    """Which (variant, kernel) pairs --only asks for: {kernel: [variants]}."""
    plan = {}
    for item in only:
        name, _, kname = item.partition("@")
        if name not in L2L:
            continue
        for k, _ in L2L_KERNELS:
            if kname and k != kname:
                continue
            if k not in scenarios.L2L_KERNELS_OF.get(name, (k,)):
                continue
            if name not in plan.setdefault(k, []):
                plan[k].append(name)
    return plan


def versions(ctx):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return None

    def dpkg(pkg):
        return out(["dpkg-query", "-W", "-f=${Version}", pkg]) or None

    kexec_ver = None
    debs = os.path.join(ctx.cache, "debs")
    if os.path.isdir(debs):
        for f in sorted(os.listdir(debs)):
            if f.startswith("kexec-tools_"):
                kexec_ver = f.split("_")[1].replace("%3a", ":")
    with open(os.path.join(ROOT, "VERSION")) as f:
        kver = f.read().strip()
    return {
        "kreloc": kver,
        "git": out(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
        "qemu": ((out([scenarios.QEMU, "--version"]) or "").splitlines() or [None])[0],
        "qemu_package": dpkg("qemu-system-arm"),
        "u_boot_package": dpkg("u-boot-qemu"),
        "kexec_tools_arm64": kexec_ver,
        "kernel_release": open(os.path.join(ctx.cache, "kernel", "release")).read().strip(),
        "l2l_kernels": {k["name"]: k.get("release") for k in ctx.l2l_kernels.values()},
        "host": {"machine": platform.machine(), "kernel": platform.release(),
                 "cpus": os.cpu_count(), "python": platform.python_version()},
    }


def run_smp_scenario(ctx, a, sizes, result, log):
    """Issue 13: at each size, (1 CPU, 2 CPUs) pairs of runs, alternated so
    that slow drift of the shared host falls on both, at least --smp-pairs
    of them, more (up to --smp-max-pairs, within --smp-budget seconds) until
    the median 2-over-1 ratios of relocation and verification move by at
    most 5% over the last three pair counts."""
    info = {"vcpus": scenarios.SMP_VCPUS, "guest_mem": MEM,
            "machine_argv": scenarios.smp_machine_argv(MEM, scenarios.SMP_VCPUS),
            "host_cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "min_pairs": a.smp_pairs, "max_pairs": a.smp_max_pairs, "budget_s": a.smp_budget,
            "sizes": {}}
    result["smp"] = info
    if ctx.accel != "tcg":
        info["not_run"] = "MTTCG scenario: accel tcg only"
        log("smp: not run under accel %s" % ctx.accel)
        return
    for size in sizes:
        t0 = time.time()
        runs = []
        why = "max pairs"
        n = 0
        while n < a.smp_max_pairs:
            if n >= a.smp_pairs and tables.smp_stable(tables.smp_pairs(runs)):
                why = "stable"
                break
            if n and time.time() - t0 > a.smp_budget:
                why = "budget"
                break
            for cpus in (1, 2):
                name = "smp-%s-%dcpu-%02d" % (size["label"], cpus, n)
                t = time.time()
                r = scenarios.run_smp(ctx, size, cpus, MEM, name)
                r["tag"] = "smp"
                r["pair"] = n
                r["log"] = os.path.relpath(os.path.join(ctx.logdir, name + ".log"), ROOT)
                result["runs"].append(r)
                runs.append(r)
                log("smp %4s MiB, %d CPU(s), pair %d: %s in %.0fs (relocation %s s, verify %s s, "
                    "load %.2f)" % (size["label"], cpus, n, r.get("error", "ok"), time.time() - t,
                                    _r3(r.get("relocation_s")), _r3(r.get("verify_s")),
                                    os.getloadavg()[0]))
            n += 1
            if sum(1 for r in runs if r.get("error")) >= 4:
                why = "failures"
                break
        else:
            if n >= a.smp_pairs and tables.smp_stable(tables.smp_pairs(runs)):
                why = "stable"
        info["sizes"][size["label"]] = {"pairs_run": n, "stopped": why,
                                        "elapsed_s": round(time.time() - t0)}
        st = {k: tables.smp_ratio_stats(tables.smp_pairs(runs), k) for k in ("relocation", "verify")}
        log("smp %4s MiB: %d pairs (%s); ratio 2/1 relocation %s, verify %s"
            % (size["label"], n, why, st["relocation"] and st["relocation"]["median"],
               st["verify"] and st["verify"]["median"]))
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]


def _r3(x):
    return "—" if x is None else "%.3f" % x


def main(argv):
    ap = argparse.ArgumentParser(prog="bench/bench.py")
    ap.add_argument("--accel", default=os.environ.get("ACCEL", "tcg"), choices=["tcg", "kvm"])
    ap.add_argument("--sizes", default="25,84,380")
    ap.add_argument("--only", default=",".join(ALL))
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--timeout", type=int, default=900, help="per QEMU run, seconds")
    ap.add_argument("--no-extra", action="store_true")
    ap.add_argument("--name", default=None, help="results file name (default: the date)")
    ap.add_argument("--gic", default="", help="KERNEL=2|3,... GIC version of a kernel's "
                    "Linux-to-Linux runs (default 3, with ITS)")
    ap.add_argument("--l2l-mem", default=MEM, help="guest RAM of the Linux-to-Linux runs "
                    "(default %s, as the rest)" % MEM)
    ap.add_argument("--l2l-shim", default=None, help="the shim Image the kreloc-live "
                    "scenarios carry (default build/shim.Image; its ELF, for the breakpoint, "
                    "is taken from arm64/shim.elf beside it)")
    ap.add_argument("--smp-pairs", type=int, default=5,
                    help="smp: at least this many (1 CPU, 2 CPUs) pairs per size (default 5)")
    ap.add_argument("--smp-max-pairs", type=int, default=15,
                    help="smp: at most this many pairs, while the median ratios move by "
                    "more than 5%% (default 15)")
    ap.add_argument("--smp-budget", type=int, default=1800,
                    help="smp: no new pair after this many seconds at one size (default 1800)")
    ap.add_argument("--kreloc-cli", default=os.path.join(ROOT, "build", "arm64-linux", "kreloc"),
                    help="the arm64 kreloc CLI for the kreloc-live scenarios")
    a = ap.parse_args(argv)

    ctx = Ctx()
    ctx.accel = a.accel
    ctx.cache = os.environ.get("CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kreloc")
    ctx.kernel = os.path.join(ctx.cache, "kernel", "Image")
    ctx.cli = os.path.join(ROOT, "build", "host", "kreloc")
    ctx.shim = os.path.join(ROOT, "build", "shim.Image")
    ctx.shim_elf = os.path.join(ROOT, "build", "arm64", "shim.elf")
    ctx.work = a.work
    ctx.timeout = a.timeout
    ctx.only = [s for s in a.only.split(",") if s]
    if a.only == ",".join(ALL):
        ctx.only += L2L + SMP       # the default: everything
    for s in ctx.only:
        name, _, kname = s.partition("@")
        if name not in ALL + L2L + SMP or (kname and (name not in L2L or
                                               kname not in [k for k, _ in L2L_KERNELS])):
            sys.exit("bench: unknown scenario %r (have %s; NAME@KERNEL with KERNEL one of %s "
                     "for %s)" % (s, ", ".join(ALL + L2L + SMP), ", ".join(k for k, _ in L2L_KERNELS),
                                  ", ".join(L2L)))
    for s in ctx.only:
        name, _, kname = s.partition("@")
        if kname and kname not in scenarios.L2L_KERNELS_OF.get(name, (kname,)):
            sys.exit("bench: %s runs on %s only" % (name, ", ".join(scenarios.L2L_KERNELS_OF[name])))
    gic = {}
    for item in [x for x in a.gic.split(",") if x]:
        k, _, v = item.partition("=")
        if k not in [n for n, _ in L2L_KERNELS] or v not in ("2", "3"):
            sys.exit("bench: --gic wants KERNEL=2|3 (KERNEL: %s), not %r"
                     % (", ".join(n for n, _ in L2L_KERNELS), item))
        gic[k] = int(v)
    ctx.l2l_shim = os.path.abspath(a.l2l_shim) if a.l2l_shim else ctx.shim
    ctx.l2l_shim_elf = os.path.join(os.path.dirname(ctx.l2l_shim), "arm64", "shim.elf")
    ctx.kreloc_cli = os.path.abspath(a.kreloc_cli)
    ctx.kreloc_cli_ok = os.path.exists(ctx.kreloc_cli)
    ctx.l2l_kernels = {}
    for kname, variants in sorted(l2l_plan(ctx, ctx.only).items()):
        d = os.path.join(ctx.cache, dict(L2L_KERNELS)[kname])
        k = {"name": kname, "image": os.path.join(d, "Image"), "gic": gic.get(kname, 3),
             "variants": variants}
        k["present"] = os.path.exists(k["image"])
        if k["present"] and os.path.exists(os.path.join(d, "release")):
            k["release"] = open(os.path.join(d, "release")).read().strip()
        ctx.l2l_kernels[kname] = k
    for f in (ctx.kernel, ctx.cli, ctx.shim):
        if not os.path.exists(f):
            sys.exit("bench: %s missing (make host target setup)" % f)
    # the kernel's symbols: for the debugger's stops, which smp has none of
    ctx.need_symbols = ctx.accel == "tcg" and any(x not in SMP for x in ctx.only)
    stamp = time.strftime("%Y-%m-%d")
    name = a.name or stamp
    ctx.logdir = os.path.join(ctx.work, "logs-" + name)
    os.makedirs(ctx.logdir, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)

    t0 = time.time()
    labels = [s for s in a.sizes.split(",") if s]
    sizes = build_sizes(ctx, labels)
    for k in ctx.l2l_kernels.values():
        if k["present"]:
            k["sizes"] = build_l2l_sizes(ctx, k, labels)
    result = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "accel": ctx.accel, "versions": versions(ctx), "guest_mem": MEM,
        "machine_argv": scenarios.machine_argv(ctx.accel, MEM),
        "sizes": [{k: v for k, v in s.items() if k not in ("kexec_initramfs",)} for s in sizes],
        "runs": [],
    }
    ctx.syms = {}
    if ctx.need_symbols:
        log("kernel symbols (nokaslr) from one boot")
        ctx.syms = scenarios.probe_symbols(ctx.accel, MEM, sizes[0]["kexec_initramfs"], ctx.logdir)
        need = ["__arm64_sys_getcpu", "__arm64_sys_reboot", "machine_kexec"]
        missing = [n for n in need if n not in ctx.syms]
        if missing:
            sys.exit("bench: kernel symbols not found: %s (see %s/symbols.log)"
                     % (", ".join(missing), ctx.logdir))
        result["kernel_symbols"] = {k: "0x%x" % v for k, v in ctx.syms.items()}
    result["l2l"] = {"kernels": {}, "kreloc_cli": os.path.relpath(ctx.kreloc_cli, ROOT),
                     "shim": os.path.relpath(ctx.l2l_shim, ROOT),
                     "guest_mem": a.l2l_mem,
                     "kreloc_cli_present": ctx.kreloc_cli_ok}
    for k in ctx.l2l_kernels.values():
        info = {kk: k.get(kk) for kk in ("image", "release", "gic", "present", "variants")}
        result["l2l"]["kernels"][k["name"]] = info
        if not k["present"]:
            continue
        info["sizes"] = [{kk: v for kk, v in z.items() if kk != "l2l_initramfs"} for z in k["sizes"]]
        k["syms"] = {}
        if ctx.need_symbols:
            if k["name"] == "6.1" and k["gic"] == 3:
                k["syms"] = ctx.syms
            else:
                log("kernel symbols (nokaslr) of %s from one boot" % k["name"])
                k["syms"] = scenarios.probe_symbols(
                    ctx.accel, MEM, {"kernel": k["image"],
                                     "path": k["sizes"][0]["l2l_initramfs"]["kexec"]},
                    ctx.logdir, k["gic"], "symbols-%s.log" % k["name"])
            need = ["__arm64_sys_getcpu", "__arm64_sys_reboot", "machine_kexec"]
            missing = [n for n in need if n not in k["syms"]]
            if missing:
                sys.exit("bench: %s kernel symbols not found: %s (see %s/symbols-%s.log)"
                         % (k["name"], ", ".join(missing), ctx.logdir, k["name"]))
            info["symbols"] = {n: "0x%x" % v for n, v in k["syms"].items()}

    def one(kind, size, mem, tag, **kw):
        name = "%s-%s-%s" % (kind, size["label"], mem)
        log("%-15s %4s MiB payload, -m %s ..." % (kind, size["label"], mem))
        t = time.time()
        if kind == "kreloc-mmu":
            r = scenarios.run_kreloc(ctx, size, "mmu", mem, name, **kw)
        elif kind == "kreloc-classic":
            r = scenarios.run_kreloc(ctx, size, "classic", mem, name)
        elif kind == "linux":
            r = scenarios.run_linux(ctx, size, mem, name, **kw)
        else:
            r = scenarios.run_uboot(ctx, size, mem, name)
        r["tag"] = tag
        r["log"] = os.path.relpath(os.path.join(ctx.logdir, name + ".log"), ROOT)
        result["runs"].append(r)
        log("%-15s %4s MiB: %s in %.0fs" % (kind, size["label"], r.get("error", "ok"),
                                            time.time() - t))

    for i, size in enumerate(sizes):
        for kind in ALL:
            if kind in ctx.only:
                # the smallest size's MMU run also profiles the shim's set-up
                kw = {"profile": True} if kind == "kreloc-mmu" and i == 0 and ctx.accel == "tcg" else {}
                one(kind, size, MEM, "main", **kw)
    for i, label in enumerate(labels):
        for k in ctx.l2l_kernels.values():
            for variant in L2L:
                if variant not in k["variants"]:
                    continue
                rname = "l2l-%s-%s-%s-%s" % (variant, k["name"], label, a.l2l_mem)
                why = None
                if not k["present"]:
                    why = "%s missing" % k["image"]
                elif variant.startswith("kreloc-") and not ctx.kreloc_cli_ok:
                    why = "%s missing (kreloc load / kreloc exec not built)" % \
                        os.path.relpath(ctx.kreloc_cli, ROOT)
                if why:
                    log("%-15s %4s MiB on %s: not run: %s" % (variant, label, k["name"], why))
                    result["runs"].append({"scenario": "l2l", "variant": variant,
                                           "kernel": k["name"], "size": label, "mem": a.l2l_mem,
                                           "tag": "l2l", "not_run": why})
                    continue
                size = k["sizes"][i]
                log("%-15s %4s MiB on %s (GICv%d) ..." % (variant, label, k["name"], k["gic"]))
                t = time.time()
                r = scenarios.run_l2l(ctx, k, size, variant, a.l2l_mem, rname)
                r["tag"] = "l2l"
                r["log"] = os.path.relpath(os.path.join(ctx.logdir, rname + ".log"), ROOT)
                result["runs"].append(r)
                log("%-15s %4s MiB on %s: %s in %.0fs" % (
                    variant, label, k["name"],
                    r.get("error") or ("not run: " + r["not_run"] if r.get("not_run") else "ok"),
                    time.time() - t))
    if "smp" in ctx.only:
        run_smp_scenario(ctx, a, sizes, result, log)
    if not a.no_extra:
        small = sizes[0]
        if "linux" in ctx.only:
            one("linux", small, MEM_BIG, "memory", load_only=True)
        if "kreloc-mmu" in ctx.only:
            one("kreloc-mmu", small, MEM_BIG, "memory")
    result["elapsed_s"] = round(time.time() - t0)

    path = os.path.join(a.out, name + ".json")
    result["summary"] = tables.summarise(result)
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")
    png = os.path.join(a.out, name + ".png")
    plot_err = tables.plot(result, png)
    print(tables.markdown(result, os.path.relpath(path, ROOT),
                          None if plot_err else os.path.relpath(png, ROOT)))
    if plot_err:
        log("no plot: %s" % plot_err)
    log("results in %s (%ds)" % (os.path.relpath(path, ROOT), result["elapsed_s"]))
    failed = [r for r in result["runs"] if r.get("error")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
