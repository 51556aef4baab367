#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tables.py - the summary, Markdown tables and plot of a benchmark run.

  bench/tables.py RESULTS.json [--png OUT.png] [--readme bench/README.md] [--rewrite]

Prints the tables of RESULTS.json (written by bench/bench.py); --png draws
the plot again; --rewrite stores the recomputed summary in RESULTS.json;
--readme replaces the part of that file between the lines
`<!-- bench-table:begin -->` and `<!-- bench-table:end -->` with them.
As a module: summarise(result), markdown(result, ...), plot(result, png).
"""
import json
import os
import sys

MIB = 1 << 20
SCEN = [("kreloc-mmu", "kreloc, MMU on"), ("kreloc-classic", "kreloc, classic MMU off"),
        ("plain-copy", "plain copy (limit)"), ("linux-kexec", "Linux 6.1 kexec"),
        ("u-boot", "U-Boot booti")]


def _ratio(a, b, nd=3):
    if a is None or b is None or not b:
        return None
    return round(a / b, nd)


def _per_mib(n, nbytes):
    if n is None or not nbytes:
        return None
    return round(n * MIB / nbytes)


def _ticks_ns(ticks, frq):
    if ticks is None or not frq:
        return None
    return round(ticks * 1e9 / frq)


def _main_runs(result):
    return [r for r in result["runs"] if r.get("tag") == "main"]


def summarise(result):
    """Per size and scenario: shutdown / relocation / startup and the
    derived figures; the issue's targets, each with its verdict."""
    tcg = result["accel"] == "tcg"
    sizes = {s["label"]: s for s in result["sizes"]}
    by_size = {}
    for r in _main_runs(result):
        s = sizes[r["size"]]
        row = by_size.setdefault(r["size"], {"payload_bytes": s["payload_bytes"],
                                             "payload_mib": s["payload_mib"]})
        e = {"ok": not r.get("error"), "error": r.get("error"), "wall_s": r.get("wall_s"),
             "wall_phases_s": r.get("wall_phases_s", {}),
             "bytes_relocated": r.get("bytes_relocated")}
        frq = r.get("cntfrq")
        if r["scenario"].startswith("kreloc"):
            rep = r.get("report", {})
            e["shutdown"] = None
            e["load"] = r.get("load")
            e["setup"] = r.get("setup")
            e["relocation"] = r.get("relocation")
            e["relocation_ns"] = _ticks_ns(r.get("relocation_ticks"), frq)
            e["startup"] = r.get("startup") if tcg else None
            e["startup_ns"] = _ticks_ns(r.get("startup_ticks"), frq)
            e["table_pages"] = rep.get("table_pages")
            e["indirection_pages"] = rep.get("indirection_pages")
            ins = rep.get("instructions") or {}
            e["phases"] = {k: ins.get(k) for k in ("plan", "stage", "prepare", "relocate", "handoff")}
            if r.get("setup_profile"):
                e["setup_profile"] = r["setup_profile"]
            row[r["scenario"]] = e
            if r.get("plain_copy"):
                row["plain-copy"] = {"ok": e["ok"], "error": e["error"], "shutdown": None,
                                     "relocation": r["plain_copy"], "startup": None,
                                     "bytes_relocated": r["plain_copy_bytes"]}
        elif r["scenario"] == "linux-kexec":
            for k in ("shutdown", "shutdown_user", "shutdown_kernel", "relocation",
                      "relocation_copy", "relocation_purgatory", "startup"):
                e[k] = r.get(k)
            e["load_ns"] = _ticks_ns(r.get("load_ticks"), frq)
            e["exec_to_init_ns"] = _ticks_ns(r.get("exec_to_init_ticks"), frq)
            e["idle_ns"] = r.get("exec_to_init_idle_ns")
            e["beyond_payload_bytes"] = r.get("kexec_load_beyond_payload_bytes")
            row["linux-kexec"] = e
        elif r["scenario"] == "u-boot":
            e["shutdown"] = None
            e["relocation"] = r.get("relocation")
            e["startup"] = r.get("startup")
            e["moves"] = r.get("uboot_moves")
            row["u-boot"] = e
    for label, row in by_size.items():
        pb = row["payload_bytes"]
        mmu = row.get("kreloc-mmu", {})
        plain = row.get("plain-copy", {})
        lin = row.get("linux-kexec", {})
        plain_pm = _per_mib(plain.get("relocation"), plain.get("bytes_relocated"))
        for key in [k for k, _ in SCEN]:
            e = row.get(key)
            if not e:
                continue
            e["per_payload_mib"] = _per_mib(e.get("relocation"), pb)
            e["per_copied_mib"] = _per_mib(e.get("relocation"), e.get("bytes_relocated"))
            if key != "plain-copy":
                e["vs_plain_copy"] = _ratio(e["per_copied_mib"], plain_pm)
            if key not in ("plain-copy", "linux-kexec"):
                e["vs_linux"] = _ratio(e.get("relocation"), lin.get("relocation"), 4)
                e["vs_linux_copy"] = _ratio(e.get("relocation"), lin.get("relocation_copy"))
            w, w0 = e.get("wall_s"), mmu.get("wall_s")
            e["wall_vs_kreloc_mmu"] = _ratio(w, w0, 2)
            e["wall_relocation_vs_kreloc_mmu"] = _ratio(
                (e.get("wall_phases_s") or {}).get("relocation"),
                (mmu.get("wall_phases_s") or {}).get("relocation"), 2)
        if lin.get("relocation_copy") is not None and plain_pm:
            lin["copy_vs_plain_copy"] = _ratio(_per_mib(lin["relocation_copy"],
                                                        lin.get("bytes_relocated")), plain_pm)
    summary = {"by_size": by_size}

    # memory: kreloc's tables vs what kexec -l takes beyond the payload,
    # keyed "RAM/size label" (e.g. "4G/25")
    memory = {}
    for r in result["runs"]:
        key = "%s/%s" % (r["mem"], r["size"])
        if r["scenario"] == "kreloc-mmu" and r.get("report", {}).get("table_pages") is not None:
            rep = r["report"]
            m = memory.setdefault(key, {"mem": r["mem"], "size": r["size"]})
            m["kreloc_table_pages"] = rep["table_pages"]
            m["kreloc_indirection_pages"] = rep.get("indirection_pages")
        if r["scenario"] == "linux-kexec" and r.get("kexec_load_beyond_payload_bytes") is not None:
            m = memory.setdefault(key, {"mem": r["mem"], "size": r["size"]})
            m["linux_kexec_load_drop_bytes"] = r.get("kexec_load_free_drop_bytes",
                                                     r["kexec_load_memfree_drop_bytes"])
            m["linux_memfree_drop_bytes"] = r["kexec_load_memfree_drop_bytes"]
            m["linux_segment_bytes"] = r["segment_bytes"]
            m["linux_beyond_payload_bytes"] = r["kexec_load_beyond_payload_bytes"]
    summary["memory"] = memory

    # the targets (figure None: not measured in this run)
    targets = []
    rows = [by_size[l] for l in sorted(by_size, key=int)]

    def worst(key, field):
        vals = [r.get(key, {}).get(field) for r in rows]
        return None if not rows or any(v is None for v in vals) else max(vals)

    w = worst("kreloc-mmu", "vs_linux")
    targets.append({"target": "kreloc MMU-on relocation <= 0.6x Linux 6.1's relocation phase "
                    "(machine_kexec to the next kernel's first instruction), every size",
                    "worst": w, "met": None if w is None else w <= 0.6})
    w = worst("kreloc-mmu", "vs_linux_copy")
    targets.append({"target": "(stricter reading) kreloc MMU-on relocation <= 0.6x Linux's "
                    "copy alone (machine_kexec to purgatory entry), every size",
                    "worst": w, "met": None if w is None else w <= 0.6})
    w = worst("kreloc-mmu", "vs_plain_copy")
    targets.append({"target": "kreloc MMU-on relocation <= 1.3x the plain copy "
                    "(instructions per MiB copied), every size",
                    "worst": w, "met": None if w is None else w <= 1.3})
    first = rows[0].get("kreloc-mmu") if rows else None
    label0 = sorted(by_size, key=int)[0] if by_size else "?"
    share = None
    if first and first.get("setup") is not None and first.get("relocation"):
        share = first["setup"] / first["relocation"]
        ph = first["phases"]
        summary["setup"] = {"size": label0, "plan": ph.get("plan"),
                            "prepare": ph.get("prepare"), "relocation": first["relocation"],
                            "profile": first.get("setup_profile"),
                            "setup_share": round(share, 4),
                            "prepare_share": _ratio(ph.get("prepare"), first["relocation"], 4)}
    targets.append({"target": "setup (plan + prepare: placement, device tree, transitional "
                    "tables, list check) < 1%% of the relocation phase at %s MiB" % label0,
                    "worst": None if share is None else round(share, 4),
                    "met": None if share is None else share < 0.01})
    smallest = min((z["label"] for z in result["sizes"]), key=int) if result["sizes"] else None
    small, big = memory.get("4G/%s" % smallest, {}), memory.get("16G/%s" % smallest, {})
    t = {"target": "kreloc transitional tables a fixed handful of pages (4 GiB vs 16 GiB "
                   "guest, %s MiB payload)" % smallest, "met": None}
    if small.get("kreloc_table_pages") is not None and big.get("kreloc_table_pages") is not None:
        t["kreloc_table_pages"] = [small["kreloc_table_pages"], big["kreloc_table_pages"]]
        t["met"] = (small["kreloc_table_pages"] == big["kreloc_table_pages"]
                    and big["kreloc_table_pages"] <= 16)
    if small.get("linux_beyond_payload_bytes") is not None and \
            big.get("linux_beyond_payload_bytes") is not None:
        t["linux_beyond_payload_bytes"] = [small["linux_beyond_payload_bytes"],
                                           big["linux_beyond_payload_bytes"]]
        t["linux_growth_mib_per_gib"] = round(
            (big["linux_beyond_payload_bytes"] - small["linux_beyond_payload_bytes"])
            / MIB / 12, 2)
    targets.append(t)
    summary["targets"] = targets
    summary["l2l"] = summarise_l2l(result)
    summary["smp"] = summarise_smp(result)
    return summary


# ---- Linux to Linux (issue 11) -----------------------------------------------------
L2L_ORDER = ["kexec-l", "kexec-li", "kexec-s", "kreloc-live", "kreloc-live-nv"]
L2L_TITLE = {"kexec-l": "kexec -l (purgatory checks)", "kexec-li": "kexec -l -i (no checks)",
             "kexec-s": "kexec -s (kexec_file_load)", "kreloc-live": "kreloc load + exec (verify)",
             "kreloc-live-nv": "kreloc load --no-verify + exec"}
# Published hardware figures (engineering brief; MB taken as 10^6 bytes):
# bytes per second with the MMU off and on.
HW_RATES = [("ThunderX2", 84e6 / 7.49, 84e6 / 0.039, "84 MB: 7.49 s MMU off, 0.039 s MMU on"),
            ("Stingray", 25e6 / 0.44, 25e6 / 0.022, "25 MB: 0.44 s MMU off, 0.022 s MMU on")]


def _l2l_runs(result):
    return [r for r in result.get("runs", []) if r.get("scenario") == "l2l"]


def summarise_l2l(result):
    """Per kernel, size and variant: the phases, load, bytes and memory; the
    issue's ratios; the hardware projection of the copied bytes."""
    kinfo = (result.get("l2l") or {}).get("kernels", {})
    rows = {}
    for r in _l2l_runs(result):
        key = "%s/%s/%s" % (r["kernel"], r["size"], r["variant"])
        e = {"kernel": r["kernel"], "size": r["size"], "variant": r["variant"],
             "gic": r.get("gic", (kinfo.get(r["kernel"]) or {}).get("gic"))}
        if r.get("not_run"):
            e["not_run"] = r["not_run"]
            rows[key] = e
            continue
        sz = [z for z in (kinfo.get(r["kernel"]) or {}).get("sizes", []) if z["label"] == r["size"]]
        e["payload_bytes"] = sz[0]["payload_bytes"] if sz else None
        e["ok"] = not r.get("error")
        e["error"] = r.get("error")
        for k in ("shutdown", "relocation", "startup", "relocation_linux_copy",
                  "relocation_purgatory", "relocation_shim_setup", "relocation_trampoline",
                  "load_instructions", "load_bracket_instructions", "load_null_instructions",
                  "load_instructions_error", "load_free_drop_bytes"):
            e[k] = r.get(k)
        b = r.get("bytes") or {}
        for k in ("copied_mmu_off", "copied_mmu_on", "hashed_caches_off", "hashed_caches_on",
                  "load_memory", "segments_bytes", "holder_bytes"):
            e[k] = b.get(k)
        e["load_ns"] = _ticks_ns(r.get("load_ticks"), r.get("cntfrq"))
        e["wall_relocation_s"] = (r.get("wall_phases_s") or {}).get("relocation")
        if e["ok"]:
            e["projection_s"] = {}
            for hw, off, on, _ in HW_RATES:
                if e["copied_mmu_off"] is not None and e["copied_mmu_on"] is not None:
                    e["projection_s"][hw] = round(e["copied_mmu_off"] / off
                                                  + e["copied_mmu_on"] / on, 4)
        rows[key] = e

    def get(k, size, v, field):
        e = rows.get("%s/%s/%s" % (k, size, v)) or {}
        return e.get(field) if e.get("ok") else None

    ratios = []
    sizes = sorted({e["size"] for e in rows.values()}, key=int)
    for size in sizes:
        a, b = get("5.10", size, "kreloc-live", "copied_mmu_off"), get("5.10", size, "kexec-l", "copied_mmu_off")
        ratios.append({"size": size, "what": "MMU-off bytes, kreloc reboot from 5.10 as % of "
                       "kexec-tools' (kreloc load+exec / kexec -l, 5.10)",
                       "value": None if a is None or not b else round(100.0 * a / b, 3),
                       "unit": "%", "target": 1.0})
        for k in ("6.1", "5.10"):
            ratios.append({"size": size, "what": "verified relocation phase (machine_kexec to next "
                           "kernel's first instruction), kreloc load+exec / kexec -l, %s" % k,
                           "value": _ratio(get(k, size, "kreloc-live", "relocation"),
                                           get(k, size, "kexec-l", "relocation"), 4),
                           "unit": "x", "target": 0.1})
        # 6.1 / kexec -l -i too: the unverified kexec-tools reboot that runs
        # where kexec_file_load is not built in
        for k, base in (("5.10", "kexec-li"), ("6.1", "kexec-s"), ("6.1", "kexec-li")):
            ratios.append({"size": size, "what": "unverified relocation phase, kreloc load "
                           "--no-verify + exec / %s, %s" % ({"kexec-li": "kexec -l -i",
                                                            "kexec-s": "kexec -s"}[base], k),
                           "value": _ratio(get(k, size, "kreloc-live-nv", "relocation"),
                                           get(k, size, base, "relocation"), 4),
                           "unit": "x", "target": 1.3})
        for k in ("6.1", "5.10"):
            for mine, base in (("kreloc-live", "kexec-l"), ("kreloc-live-nv", "kexec-li")):
                ratios.append({"size": size, "what": "load instructions, %s / %s, %s"
                               % (L2L_TITLE[mine], L2L_TITLE[base], k),
                               "value": _ratio(get(k, size, mine, "load_instructions"),
                                               get(k, size, base, "load_instructions"), 4),
                               "unit": "x", "target": 0.5})
    for t in ratios:
        t["met"] = None if t["value"] is None else t["value"] <= t["target"]
    return {"rows": rows, "ratios": ratios}


# ---- Markdown -------------------------------------------------------------------
def _m(n):
    """Instructions in millions."""
    if n is None:
        return "—"
    if n < 10000:
        return "{:,}".format(n)
    if n >= 100e6:
        return "%.0f M" % (n / 1e6)
    return "%.2f M" % (n / 1e6)


def _x(r):
    return "—" if r is None else ("%.3gx" % r)


def _ms(ns):
    return "—" if ns is None else "%.2f ms" % (ns / 1e6)


def markdown(result, json_path=None, png_path=None):
    s = result.get("summary") or summarise(result)
    tcg = result["accel"] == "tcg"
    out = []
    unit = "instructions (QEMU TCG, -icount shift=0)" if tcg else "time (KVM)"
    v = result["versions"]
    out.append("Results of %s, %s; %s, %s, kernel %s, kexec-tools %s, U-Boot %s; guest -m %s."
               % (result["date"][:10], unit, (v.get("qemu") if isinstance(v.get("qemu"), str) else "QEMU"), "accel " + result["accel"],
                  v.get("kernel_release"), v.get("kexec_tools_arm64"), v.get("u_boot_package"),
                  result.get("guest_mem")))
    out.append("")
    out.append("Payload = Debian Image (%d bytes) + test initramfs padded with incompressible data "
               "that the next kernel unpacks:" % result["sizes"][0]["image_bytes"])
    out.append("")
    out.append("| label | padding | initramfs bytes | payload bytes | payload MiB |")
    out.append("|---|---|---|---|---|")
    for z in result["sizes"]:
        out.append("| %s MiB | %d MiB | %d | %d | %.2f |" % (z["label"], z["pad_mib"], z["initrd_bytes"],
                                                        z["payload_bytes"], z["payload_mib"]))
    out.append("")
    by = s["by_size"]
    if not by:
        # no scenario of issue 5 in this run (e.g. --only smp): their tables would be empty
        out[0] = out[0].replace("instructions (QEMU TCG, -icount shift=0)", "QEMU TCG")
        out += markdown_l2l(result, s)
        out += markdown_smp(result, s)
        if json_path:
            out.append("Raw figures: `%s`." % json_path + (" Plot: `%s`." % png_path if png_path else ""))
        return "\n".join(out)
    if tcg:
        out.append("| payload | scenario | shutdown | relocation | startup | MiB copied "
                   "| relocation instr/MiB of payload | vs plain copy (per MiB copied) "
                   "| vs Linux | vs Linux copy alone |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
    else:
        out.append("| payload | scenario | relocation (PMU instr) | relocation time | startup time "
                   "| kexec -e to next init | whole QEMU run |")
        out.append("|---|---|---|---|---|---|---|")
    for label in sorted(by, key=int):
        row = by[label]
        for key, title in SCEN:
            e = row.get(key)
            if not e:
                continue
            name = title + ("" if e.get("ok", True) else " (FAILED: %s)" % e.get("error"))
            if tcg:
                out.append("| %.1f MiB | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    row["payload_mib"], name, _m(e.get("shutdown")), _m(e.get("relocation")),
                    _m(e.get("startup")),
                    "—" if not e.get("bytes_relocated") else "%.1f" % (e["bytes_relocated"] / MIB),
                    "—" if e.get("per_payload_mib") is None else "{:,}".format(e["per_payload_mib"]),
                    _x(e.get("vs_plain_copy")), _x(e.get("vs_linux")), _x(e.get("vs_linux_copy"))))
            else:
                pmu = e.get("relocation") if key.startswith("kreloc") or key == "plain-copy" else None
                out.append("| %.1f MiB | %s | %s | %s | %s | %s | %s |" % (
                    row["payload_mib"], name, _m(pmu), _ms(e.get("relocation_ns")),
                    _ms(e.get("startup_ns")), _ms(e.get("exec_to_init_ns")),
                    "—" if e.get("wall_s") is None else "%s s" % e["wall_s"]))
    out.append("")
    if tcg:
        out.append("Linux 6.1's phases split (instructions): shutdown = user space (kexec -e "
                   "starting) + kernel (reboot syscall to machine_kexec); relocation = copy "
                   "(machine_kexec to purgatory, MMU on) + purgatory (SHA-256 of every segment, "
                   "MMU off, then the jump):")
        out.append("")
        out.append("| payload | shutdown user | shutdown kernel | relocation copy | copy vs plain copy "
                   "| purgatory | kexec -l (virtual ns) | idle ns (exec to init) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for label in sorted(by, key=int):
            e = by[label].get("linux-kexec")
            if e:
                out.append("| %.1f MiB | %s | %s | %s | %s | %s | %s | %s |" % (
                    by[label]["payload_mib"], _m(e.get("shutdown_user")), _m(e.get("shutdown_kernel")),
                    _m(e.get("relocation_copy")), _x(e.get("copy_vs_plain_copy")),
                    _m(e.get("relocation_purgatory")),
                    "—" if e.get("load_ns") is None else "{:,}".format(e["load_ns"]),
                    "—" if e.get("idle_ns") is None else "{:,}".format(e["idle_ns"])))
        out.append("")
        out.append("kreloc's shim phases before the jump (instructions): plan, stage (copy into "
                   "scattered pages, what `kexec -l` does), prepare (tables, list check, trampoline):")
        out.append("")
        out.append("| payload | mode | plan | stage | prepare | relocate | handoff |")
        out.append("|---|---|---|---|---|---|---|")
        for label in sorted(by, key=int):
            for key in ("kreloc-mmu", "kreloc-classic"):
                e = by[label].get(key)
                if e and e.get("phases"):
                    p = e["phases"]
                    out.append("| %.1f MiB | %s | %s | %s | %s | %s | %s |" % (
                        by[label]["payload_mib"], key[7:], _m(p.get("plan")), _m(p.get("stage")),
                        _m(p.get("prepare")), _m(p.get("relocate")),
                        "—" if p.get("handoff") is None else str(p["handoff"])))
        out.append("")
        st = s.get("setup")
        if st and st.get("profile"):
            out.append("Where the shim's set-up goes at %s MiB (MMU on; instructions from entry to "
                       "return of each function, callees included, so nested rows overlap; "
                       "relocation = %s):" % (st["size"], _m(st["relocation"])))
            out.append("")
            out.append("| function | calls | instructions | share of relocation |")
            out.append("|---|---|---|---|")
            prof = st["profile"]
            for fn in sorted(prof, key=lambda f: -prof[f]["instructions"]):
                c = prof[fn]
                out.append("| `%s` | %d | %s | %.1f%% |" % (
                    fn, c["calls"], "{:,}".format(c["instructions"]),
                    100.0 * c["instructions"] / st["relocation"]))
            out.append("")
        out.append("Wall-clock (host seconds under TCG, this run only: ratios, not absolutes, "
                   "carry over), ratio to kreloc MMU-on at the same size:")
        out.append("")
        out.append("| payload | scenario | whole QEMU run | ratio | relocation phase | ratio |")
        out.append("|---|---|---|---|---|---|")
        for label in sorted(by, key=int):
            for key, title in SCEN:
                e = by[label].get(key)
                if not e or key == "plain-copy":
                    continue
                wp = (e.get("wall_phases_s") or {}).get("relocation")
                out.append("| %.1f MiB | %s | %s s | %s | %s | %s |" % (
                    by[label]["payload_mib"], title, e.get("wall_s"), _x(e.get("wall_vs_kreloc_mmu")),
                    "—" if wp is None else "%.3f s" % wp, _x(e.get("wall_relocation_vs_kreloc_mmu"))))
        out.append("")
    mem = s.get("memory", {})
    if mem:
        out.append("Memory: kreloc's transitional tables vs what `kexec -l` takes beyond the "
                   "payload's own pages (drop of free memory over `kexec -l`, MemFree plus the "
                   "per-CPU lists' free pages, minus the segments' pages):")
        out.append("")
        out.append("| guest RAM | payload | kreloc table pages | kreloc indirection pages "
                   "| Linux MemFree drop | Linux free drop (with per-CPU lists) | Linux segments "
                   "| Linux beyond payload |")
        out.append("|---|---|---|---|---|---|---|---|")
        for m in sorted(mem, key=lambda x: (int(mem[x]["mem"].rstrip("G")), int(mem[x]["size"]))):
            d = mem[m]
            b = d.get("linux_beyond_payload_bytes")
            out.append("| %s | %s MiB | %s | %s | %s | %s | %s | %s |" % (
                d["mem"], d["size"], d.get("kreloc_table_pages", "—"),
                d.get("kreloc_indirection_pages", "—"),
                "—" if d.get("linux_memfree_drop_bytes") is None
                else "%.1f MiB" % (d["linux_memfree_drop_bytes"] / MIB),
                "—" if d.get("linux_kexec_load_drop_bytes") is None
                else "%.1f MiB" % (d["linux_kexec_load_drop_bytes"] / MIB),
                "—" if d.get("linux_segment_bytes") is None else "%.1f MiB" % (d["linux_segment_bytes"] / MIB),
                "—" if b is None else "%.1f MiB (%d pages)" % (b / MIB, b // 4096)))
        out.append("")
    if s.get("targets"):
        out.append("Targets of issue 5:")
        out.append("")
        out.append("| target | figure | met |")
        out.append("|---|---|---|")
        for t in s["targets"]:
            if "worst" in t:
                fig = "not measured" if t["worst"] is None else "worst %s" % t["worst"]
            else:
                parts = []
                if "kreloc_table_pages" in t:
                    parts.append("kreloc %s pages at 4/16 GiB"
                                 % "/".join(str(x) for x in t["kreloc_table_pages"]))
                if "linux_beyond_payload_bytes" in t:
                    parts.append("Linux %s MiB beyond payload (+%s MiB per GiB)" % (
                        "/".join("%.1f" % (x / MIB) for x in t["linux_beyond_payload_bytes"]),
                        t["linux_growth_mib_per_gib"]))
                fig = "; ".join(parts) or "not measured"
            met = "not measured" if t["met"] is None else ("yes" if t["met"] else "**no**")
            out.append("| %s | %s | %s |" % (t["target"], fig, met))
        out.append("")
    out += markdown_l2l(result, s)
    out += markdown_smp(result, s)
    if json_path:
        out.append("Raw figures: `%s`." % json_path + (" Plot: `%s`." % png_path if png_path else ""))
    return "\n".join(out)


def _b(n):
    """Bytes, readably."""
    if n is None:
        return "—"
    if n == 0:
        return "0"
    if n < MIB:
        return "%.1f KiB" % (n / 1024)
    return "%.2f MiB" % (n / MIB)


def markdown_l2l(result, s):
    l2l = s.get("l2l") or summarise_l2l(result)
    rows = l2l["rows"]
    if not rows:
        return []
    kinfo = (result.get("l2l") or {}).get("kernels", {})
    unit = ("instructions, QEMU TCG -icount shift=0" if result.get("accel") == "tcg" else
            "KVM: no debugger, so no phase, load or byte figure; the JSON has the counter "
            "values and whole-run times")
    out = ["Linux to Linux (issue 11): the kernel boots, loads the same kernel + the payload's "
           "initramfs and reboots into it (" + unit + "). Kernels: %s. "
           "Load instructions: QEMU's icount between the counter reads just before and after "
           "the load command, minus the same bracket around `busybox true`. Bytes from the "
           "kimage's segments read at machine_kexec and, for kreloc, the shim's report; "
           "load memory: kexec-tools, the segments the kernel copies at load; kreloc, the "
           "pinned holder pages of the Image and initramfs + its small segments."
           % ", ".join("%s = %s (GICv%s)" % (k, v.get("release") or "not in the cache",
                                             v.get("gic")) for k, v in sorted(kinfo.items())),
           ""]
    l2 = result.get("l2l") or {}
    if any(e["variant"].startswith("kreloc-") and not e.get("not_run") for e in rows.values()):
        out[0] += " kreloc CLI: `%s`, shim: `%s`." % (l2.get("kreloc_cli"), l2.get("shim"))
    if l2.get("guest_mem"):
        out[0] += " Guest RAM %s." % l2["guest_mem"]
    out.append("| kernel | payload | scenario | shutdown | relocation | startup | load instr "
               "| copied MMU off | copied MMU on | hashed caches off | hashed caches on "
               "| load memory | free-memory drop at load |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def order(key):
        k, size, v = key.split("/")
        return (int(size), [int(x) for x in k.split(".")], L2L_ORDER.index(v))
    for key in sorted(rows, key=order):
        e = rows[key]
        pay = "%s MiB" % e["size"] if not e.get("payload_bytes") else "%.2f MiB" % (e["payload_bytes"] / MIB)
        name = L2L_TITLE[e["variant"]] + " (GICv%s)" % e.get("gic")
        if e.get("not_run"):
            out.append("| %s | %s | %s | not run: %s |  |  |  |  |  |  |  |  |  |"
                       % (e["kernel"], pay, name, e["not_run"]))
            continue
        if not e["ok"]:
            name += " (FAILED: %s)" % e["error"]
        li = _m(e.get("load_instructions")) if e.get("load_instructions") is not None else \
            ("— (%s)" % e["load_instructions_error"] if e.get("load_instructions_error") else "—")
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            e["kernel"], pay, name, _m(e.get("shutdown")), _m(e.get("relocation")),
            _m(e.get("startup")), li, _b(e.get("copied_mmu_off")), _b(e.get("copied_mmu_on")),
            _b(e.get("hashed_caches_off")), _b(e.get("hashed_caches_on")), _b(e.get("load_memory")),
            _b(e.get("load_free_drop_bytes"))))
    out.append("")
    out.append("The relocation phase split (instructions): Linux's copy (machine_kexec to the "
               "purgatory, the kreloc stub, or the next kernel for kexec -s); kexec-tools' "
               "purgatory; kreloc's shim from its entry (plan, verify, tables) to its "
               "trampoline, and the trampoline (copy, MMU off, jump):")
    out.append("")
    out.append("| kernel | payload | scenario | Linux's copy | purgatory | shim set-up | trampoline "
               "| load (virtual ns) | wall-clock relocation (s, this run) |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(rows, key=order):
        e = rows[key]
        if e.get("not_run"):
            continue
        out.append("| %s | %s MiB | %s | %s | %s | %s | %s | %s | %s |" % (
            e["kernel"], e["size"], L2L_TITLE[e["variant"]], _m(e.get("relocation_linux_copy")),
            _m(e.get("relocation_purgatory")), _m(e.get("relocation_shim_setup")),
            _m(e.get("relocation_trampoline")),
            "—" if e.get("load_ns") is None else "{:,}".format(e["load_ns"]),
            "—" if e.get("wall_relocation_s") is None else e["wall_relocation_s"]))
    out.append("")
    out.append("Targets of issue 11:")
    out.append("")
    out.append("| payload | ratio | figure | target | met |")
    out.append("|---|---|---|---|---|")
    for t in l2l["ratios"]:
        fig = "not measured" if t["value"] is None else (
            "%s%%" % t["value"] if t["unit"] == "%" else "%sx" % t["value"])
        tgt = ("<= %s%%" % t["target"]) if t["unit"] == "%" else ("<= %sx" % t["target"])
        met = "not measured" if t["met"] is None else ("yes" if t["met"] else "**no**")
        out.append("| %s MiB | %s | %s | %s | %s |" % (t["size"], t["what"], fig, tgt, met))
    out.append("")
    out.append("**Projection, not a measurement**: the published hardware rates (%s) applied to "
               "the bytes each run copied with the MMU off and on; hashing, cache maintenance "
               "and everything else left out:" % "; ".join("%s %s" % (hw, d) for hw, _, _, d in HW_RATES))
    out.append("")
    out.append("| kernel | payload | scenario | copied MMU off | copied MMU on | "
               + " | ".join("projected copy time, %s rates" % hw for hw, _, _, _ in HW_RATES) + " |")
    out.append("|---|---|---|---|---|" + "---|" * len(HW_RATES))
    for key in sorted(rows, key=order):
        e = rows[key]
        if not e.get("projection_s"):
            continue
        out.append("| %s | %s MiB | %s | %s | %s | %s |" % (
            e["kernel"], e["size"], L2L_TITLE[e["variant"]], _b(e.get("copied_mmu_off")),
            _b(e.get("copied_mmu_on")),
            " | ".join("%.4f s (projection)" % e["projection_s"][hw] for hw, _, _, _ in HW_RATES)))
    out.append("")
    return out


# ---- relocation on several CPUs (issue 13) -----------------------------------------
SMP_TARGET = 0.6        # 2 CPUs over 1, wall clock, relocation and verification alike
SMP_FIGURES = [("relocation", "relocation (trampoline entry to the jump)"),
               ("relocate", "copy alone (trampoline entry to every share copied)"),
               ("verify", "verification (SHA-256; chunks on every CPU with --cpus 2)"),
               ("wall", "whole QEMU run (host seconds)")]


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _quartiles(xs):
    """Lower and upper quartile (medians of the halves), for the spread."""
    xs = sorted(xs)
    h = len(xs) // 2
    if len(xs) < 2:
        return (xs[0], xs[0]) if xs else (None, None)
    return _median(xs[:h]), _median(xs[-h:])


def smp_pairs(runs):
    """The runs of one size in the order they ran, paired: each 1-CPU run
    with the 2-CPU run right after it (both ok).  Returns a list of dicts:
    the two runs' figures in seconds and the 2-over-1 ratios."""
    out = []
    one = None
    for r in runs:
        if r.get("cpus_asked") == 1:
            one = r if not r.get("error") else None
        elif r.get("cpus_asked") == 2 and one is not None:
            if not r.get("error"):
                p = {"pair": len(out), "pair_run": r.get("pair")}
                for key, _ in SMP_FIGURES:
                    f = "wall_s" if key == "wall" else key + "_s"
                    a, b = one.get(f), r.get(f)
                    p[key + "_1cpu_s"] = a
                    p[key + "_2cpu_s"] = b
                    p[key + "_ratio"] = None if a is None or b is None or not a else b / a
                out.append(p)
            one = None
    return out


def smp_ratio_stats(pairs, key):
    vals = [p[key + "_ratio"] for p in pairs if p.get(key + "_ratio") is not None]
    if not vals:
        return None
    lo, hi = _quartiles(vals)
    return {"median": round(_median(vals), 4), "min": round(min(vals), 4),
            "max": round(max(vals), 4), "q1": round(lo, 4), "q3": round(hi, 4), "n": len(vals),
            "median_1cpu_s": round(_median([p[key + "_1cpu_s"] for p in pairs]), 4),
            "median_2cpu_s": round(_median([p[key + "_2cpu_s"] for p in pairs]), 4)}


def smp_stable(pairs, keys=("relocation", "verify"), tol=0.05):
    """True when, for each of @keys, the median ratio over every pair is
    within @tol (relative) of the median without the last pair, and of the
    one without the last two."""
    if len(pairs) < 3:
        return False
    for key in keys:
        m = [smp_ratio_stats(pairs[:len(pairs) - k], key) for k in (0, 1, 2)]
        if any(x is None for x in m):
            return False
        if any(abs(m[0]["median"] - x["median"]) > tol * m[0]["median"] for x in m[1:]):
            return False
    return True


def summarise_smp(result):
    """Per size: the pairs, each figure's 2-over-1 ratio (median, spread),
    the issue's two targets, the CPUs' page shares."""
    runs = [r for r in result.get("runs", []) if r.get("scenario") == "kreloc-smp"]
    out = {}
    for label in sorted({r["size"] for r in runs}, key=int):
        rs = [r for r in runs if r["size"] == label]
        pairs = smp_pairs(rs)
        e = {"runs": len(rs), "failed": sum(1 for r in rs if r.get("error")),
             "pairs": pairs, "ratios": {k: smp_ratio_stats(pairs, k) for k, _ in SMP_FIGURES}}
        e["stable_within_5pct"] = smp_stable(pairs)
        # when runs say whether other heavy work shared the host (run["host_shared"]),
        # the ratios of the pairs with both runs on a quiet host and of the rest
        if any("host_shared" in r for r in rs):
            quiet, shared = [], []
            for p in pairs:
                one, two = [r for r in rs if r.get("pair") == p["pair_run"]][:2]
                (shared if one.get("host_shared") or two.get("host_shared") else quiet).append(p)
            e["ratios_quiet_host"] = {k: smp_ratio_stats(quiet, k) for k, _ in SMP_FIGURES}
            e["ratios_shared_host"] = {k: smp_ratio_stats(shared, k) for k, _ in SMP_FIGURES}
        for key in ("relocation", "verify"):
            st = e["ratios"][key]
            e["%s_target_met" % key] = None if st is None else st["median"] <= SMP_TARGET
        shares = [r.get("cpu_pages") for r in rs if r.get("cpus_asked") == 2 and not r.get("error")]
        if shares:
            worst = 0.0
            for sh in shares:
                if sh and len(sh) > 1 and sum(sh):
                    even = sum(sh) / len(sh)
                    worst = max(worst, max(abs(x - even) / even for x in sh))
            e["cpu_pages_2cpu"] = shares[0]
            e["cpu_pages_worst_off_even"] = round(worst, 6)
        lb = [r.get("loadavg_before") for r in rs if r.get("loadavg_before")]
        la = [r.get("loadavg_after") for r in rs if r.get("loadavg_after")]
        e["loadavg_1min_first_last"] = [lb[0][0] if lb else None, la[-1][0] if la else None]
        e["loadavg_1min_range"] = ([min(x[0] for x in lb + la), max(x[0] for x in lb + la)]
                                   if lb + la else None)
        out[label] = e
    return out


def markdown_smp(result, s):
    smp = s.get("smp") or summarise_smp(result)
    if not smp:
        return []
    info = result.get("smp") or {}
    out = ["Relocation on several CPUs (issue 13): `kreloc pack --verify --cpus 1` and "
           "`--cpus 2` alternated (1, 2, 1, 2, ...) on `-smp 2 -accel tcg,thread=multi`, "
           "no -icount, no debugger; figures from the shim's report in generic-counter "
           "ticks (the host's clock without icount). Ratio = 2-CPU run over the 1-CPU run "
           "just before it; median and spread (min, quartiles, max) over the pairs. "
           "Host: %s CPUs; load average (1, 5, 15 min) %s before, %s after."
           % (info.get("host_cpus"), info.get("loadavg_start"), info.get("loadavg_end")), ""]
    for label in sorted(smp, key=int):
        e = smp[label]
        out.append("| payload | figure | pairs | median 1 CPU | median 2 CPUs | ratio median "
                   "| min | q1 | q3 | max | target | met |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for key, title in SMP_FIGURES:
            st = e["ratios"].get(key)
            if st is None:
                out.append("| %s MiB | %s | 0 | — | — | — |  |  |  |  |  |  |" % (label, title))
                continue
            tgt = "<= %s" % SMP_TARGET if key in ("relocation", "verify") else ""
            met = ""
            if key in ("relocation", "verify"):
                met = "yes" if e["%s_target_met" % key] else "**no**"
            out.append("| %s MiB | %s | %d | %.3f s | %.3f s | %.3f | %.3f | %.3f | %.3f | %.3f "
                       "| %s | %s |" % (label, title, st["n"], st["median_1cpu_s"],
                                        st["median_2cpu_s"], st["median"], st["min"], st["q1"],
                                        st["q3"], st["max"], tgt, met))
        out.append("")
        if "ratios_quiet_host" in e:
            out.append("%s MiB, the pairs split by whether other heavy work shared the host "
                       "during either run (`host_shared` in the runs):" % label)
            out.append("")
            out.append("| host | figure | pairs | median 1 CPU | median 2 CPUs | ratio median "
                       "| min | max |")
            out.append("|---|---|---|---|---|---|---|---|")
            for which, key2 in (("quiet", "ratios_quiet_host"), ("shared", "ratios_shared_host")):
                for key, title in SMP_FIGURES:
                    st = e[key2].get(key)
                    if st is None:
                        out.append("| %s | %s | 0 | — | — | — | — | — |" % (which, title))
                        continue
                    out.append("| %s | %s | %d | %.3f s | %.3f s | %.3f | %.3f | %.3f |" % (
                        which, title, st["n"], st["median_1cpu_s"], st["median_2cpu_s"],
                        st["median"], st["min"], st["max"]))
            out.append("")
        out.append("%s MiB: %d runs, %d failed; medians %s within 5%% over the last three "
                   "pair counts; pages per CPU on 2 CPUs %s (worst %.4f%% off an even share; "
                   "per-CPU instructions not measured: under icount the PMU counts the "
                   "machine)." % (label, e["runs"], e["failed"],
                                  "stable" if e["stable_within_5pct"] else "**not** stable",
                                  e.get("cpu_pages_2cpu"),
                                  100 * (e.get("cpu_pages_worst_off_even") or 0)))
        out.append("")
    return out


# ---- plot ------------------------------------------------------------------------
def plot(result, png):
    """Relocation instructions against payload size, every scenario.
    Returns None, or why there is no plot."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return "matplotlib not available (%s; scripts/setup --bench installs python3-matplotlib)" % e
    s = result.get("summary") or summarise(result)
    by = s["by_size"]
    labels = sorted(by, key=int)
    series = [("kreloc-mmu", "relocation", "kreloc, MMU on", "o-", "C0"),
              ("kreloc-classic", "relocation", "kreloc, classic MMU off", "s-", "C1"),
              ("plain-copy", "relocation", "plain copy (limit)", "^--", "C2"),
              ("linux-kexec", "relocation", "Linux 6.1 kexec: machine_kexec to kernel entry", "D-", "C3"),
              ("linux-kexec", "relocation_copy", "Linux 6.1 kexec: copy alone (to purgatory)", "d:", "C3"),
              ("u-boot", "relocation", "U-Boot: booti to kernel entry (moves initrd + DT only)",
               "v-", "C4")]
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    handles = {}
    for ax, logy in zip(axes, (True, False)):
        for key, field, title, style, color in series:
            xs, ys = [], []
            for l in labels:
                e = by[l].get(key)
                if e and e.get(field) is not None:
                    xs.append(by[l]["payload_mib"])
                    ys.append(e[field] / 1e6)
            if xs and (logy or key != "linux-kexec" or field != "relocation"):
                h, = ax.plot(xs, ys, style, color=color, label=title, markersize=6)
                handles.setdefault(title, h)
        ax.set_xlabel("payload: kernel + initramfs (MiB)")
        ax.set_ylabel("relocation instructions (millions)")
        ax.grid(True, which="both", alpha=0.3)
        if logy:
            ax.set_yscale("log")
            ax.set_xscale("log")
            ax.set_xticks([by[l]["payload_mib"] for l in labels])
            ax.set_xticklabels(["%.0f" % by[l]["payload_mib"] for l in labels])
            ax.minorticks_off()
            ax.set_title("all scenarios (log-log)")
        else:
            ax.set_title("copy loops only (linear; Linux's purgatory left out)")
            ax.set_ylim(bottom=0)
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=3,
               fontsize=9, frameon=False)
    fig.suptitle("Relocation instructions vs payload, QEMU virt -icount shift=0 (%s, %s)"
                 % (result["date"][:10], result["accel"]), fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return None


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="bench/tables.py")
    ap.add_argument("results")
    ap.add_argument("--png")
    ap.add_argument("--readme")
    ap.add_argument("--rewrite", action="store_true",
                    help="store the recomputed summary in RESULTS.json")
    a = ap.parse_args(argv)
    with open(a.results) as f:
        result = json.load(f)
    result["summary"] = summarise(result)
    if a.rewrite:
        with open(a.results, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rel = os.path.relpath(os.path.abspath(a.results), root)
    png_rel = None
    if a.png:
        err = plot(result, a.png)
        if err:
            print("tables: " + err, file=sys.stderr)
        else:
            png_rel = os.path.relpath(os.path.abspath(a.png), root)
    else:
        guess = os.path.splitext(a.results)[0] + ".png"
        if os.path.exists(guess):
            png_rel = os.path.relpath(os.path.abspath(guess), root)
    md = markdown(result, rel, png_rel)
    print(md)
    if a.readme:
        with open(a.readme) as f:
            text = f.read()
        b, e = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"
        if b not in text or e not in text:
            sys.exit("tables: %s has no %s ... %s markers" % (a.readme, b, e))
        head, rest = text.split(b, 1)
        _, tail = rest.split(e, 1)
        with open(a.readme, "w") as f:
            f.write(head + b + "\n" + md + "\n" + e + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
