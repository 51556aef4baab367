#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - read a kreloc boot console and say what happened.

One place for the console protocol, used by scripts/demo, tests/e2e and the
benchmarks.  The lines it understands (anywhere in a line, first one wins):

  kreloc: ...                          shim progress (counted)
  kreloc-shim-report: {JSON object}    shim success, printed just before the jump
  kreloc-shim-error: E_NAME: message   shim refusal, then PSCI power-off
  Booting Linux ...                    the next kernel started
  KRELOC-INIT-MARKER                   the test initramfs' /init ran
  kreloc-init: cntvct=N cntfrq=F       counter at init (first thing it does)
  kreloc-init: release=R               uname -r
  kreloc-init: cmdline=C               /proc/cmdline
  kreloc-init: cpus=C nodes=N           online CPUs and NUMA nodes (sysfs lists)
  kreloc-init: relocate-counters=HEX   the trampoline's mailbox: six
                                       pairs of big-endian u64, (counter,
                                       instructions) at entry, after the
                                       copy and at the jump, then the shim's
                                       (include/kreloc/mailbox.h)

Command line:

  report.py make --log LOG --cmdline PACKED --el N [--no-shim] [--set K=V]...
      print "kreloc-report: {JSON}" (the shim's object merged with what init
      saw); exit 0 when result is "ok", 1 otherwise.  --set adds fields
      (V parsed as JSON when it is valid JSON, else kept as a string).
  report.py get KEY [FILE]
      print one field of a kreloc-report line (from FILE or stdin; the last
      such line wins); strings raw, other values as JSON; exit 1 if absent.

As a module: parse_console(text) -> dict, build_report(...) -> dict.
"""
import json
import re
import sys

REPORT_PREFIX = "kreloc-report: "
SHIM_REPORT = "kreloc-shim-report: "
SHIM_ERROR = "kreloc-shim-error: "
INIT_MARKER = "KRELOC-INIT-MARKER"

_ERROR_RE = re.compile(r"kreloc-shim-error: (E_[A-Z0-9_]+)(?::\s*(.*))?$")
_CNT_RE = re.compile(r"kreloc-init: cntvct=(\d+) cntfrq=(\d+)")
_CPUS_RE = re.compile(r"kreloc-init: cpus=(\S+) nodes=(\S+)")
_MAILBOX_RE = re.compile(r"kreloc-init: relocate-counters=([0-9a-f]{192})\b")
MIB = 1 << 20


def _after(line, prefix):
    i = line.find(prefix)
    return None if i < 0 else line[i + len(prefix):]


def parse_console(text):
    """Return a dict of facts found in a console log (see module doc).

    Keys: shim_report (dict or None), shim_report_error (why the report line
    was unusable, or None), shim_error (the whole error line or None),
    shim_error_name, shim_progress (number of "kreloc: " lines),
    booting_linux, init_marker, release, cmdline, cntvct, cntfrq (None when
    not seen), after_error (True when the next kernel or init showed up
    after a shim error line: the shim did not stop).
    """
    r = {
        "shim_report": None, "shim_report_error": None, "shim_error": None,
        "shim_error_name": None, "shim_progress": 0, "booting_linux": False,
        "init_marker": False, "release": None, "cmdline": None,
        "cntvct": None, "cntfrq": None, "after_error": False,
        "mailbox": None, "cpus_online": None, "nodes_online": None,
    }
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("kreloc: "):
            r["shim_progress"] += 1
        rest = _after(line, SHIM_REPORT)
        if rest is not None and r["shim_report"] is None and r["shim_report_error"] is None:
            try:
                obj = json.loads(rest)
            except ValueError as e:
                r["shim_report_error"] = "shim report is not valid JSON (%s)" % e
            else:
                if isinstance(obj, dict):
                    r["shim_report"] = obj
                else:
                    r["shim_report_error"] = "shim report is not a JSON object"
        m = _ERROR_RE.search(line)
        if m and r["shim_error"] is None:
            r["shim_error"] = line[m.start():]
            r["shim_error_name"] = m.group(1)
            continue
        later = r["shim_error"] is not None
        if "Booting Linux" in line:
            r["booting_linux"] = True
            r["after_error"] |= later
        if INIT_MARKER in line:
            r["init_marker"] = True
            r["after_error"] |= later
        m = _CNT_RE.search(line)
        if m and r["cntvct"] is None:
            r["cntvct"], r["cntfrq"] = int(m.group(1)), int(m.group(2))
        rest = _after(line, "kreloc-init: release=")
        if rest is not None and r["release"] is None:
            r["release"] = rest.strip()
        m = _CPUS_RE.search(line)
        if m and r["cpus_online"] is None:
            r["cpus_online"], r["nodes_online"] = m.group(1), m.group(2)
        m = _MAILBOX_RE.search(line)
        if m and r["mailbox"] is None:
            raw = bytes.fromhex(m.group(1))
            r["mailbox"] = [int.from_bytes(raw[i:i + 8], "big") for i in range(0, len(raw), 8)]
        rest = _after(line, "kreloc-init: cmdline=")
        if rest is not None and r["cmdline"] is None:
            r["cmdline"] = rest.strip()
    return r


def add_phases(rep, parsed):
    """Complete the shim's per-phase figures with those only the booted
    system can tell: relocate (trampoline entry to last copy), handoff (last
    copy to the jump) from the mailbox, and boot (jump to init's counter).
    Instruction counts come from the PMU (exact under -icount); its event
    counter is 32 bits wide, so differences are taken modulo 2^32.
    """
    mb = parsed["mailbox"]
    ticks = rep.setdefault("ticks", {})
    insts = rep.get("instructions")
    if mb is None:
        return
    (t0, i0, t1, i1, t2, i2, shim_entry, _, on, off, flags, cpus) = mb
    ticks["relocate"] = t1 - t0
    ticks["handoff"] = t2 - t1
    # what the shim recorded for the next kernel (kreloc_reloc_record()), as
    # it arrived: the shim's entry counter starts `kreloc report`'s
    # relocation phase
    rep["mailbox_record"] = {"shim_entry": shim_entry, "bytes_copied_mmu_on": on,
                             "bytes_copied_mmu_off": off, "verified": bool(flags & 1),
                             "cpus": cpus}
    if shim_entry:
        ticks["shim_entry_to_jump"] = t2 - shim_entry
    if parsed["cntvct"] is not None:
        ticks["boot"] = parsed["cntvct"] - t2
    if isinstance(insts, dict):
        insts["relocate"] = (i1 - i0) % (1 << 32)
        insts["handoff"] = (i2 - i1) % (1 << 32)
        copied = rep.get("bytes_copied_mmu_on", 0) + rep.get("bytes_copied_mmu_off", 0)
        if copied:
            rep["relocate_instructions_per_mib"] = round(insts["relocate"] * MIB / copied)
        plain = insts.get("plain_copy")
        plain_bytes = rep.get("plain_copy_bytes")
        if plain and plain_bytes and copied:
            rep["plain_copy_instructions_per_mib"] = round(plain * MIB / plain_bytes)
            rep["relocate_vs_plain_copy"] = round(
                rep["relocate_instructions_per_mib"] / rep["plain_copy_instructions_per_mib"], 3)


def build_report(parsed, packed_cmdline, el_requested, require_shim=True, extra=None):
    """Merge the shim's object with what init saw; decide "result".

    "ok" needs: the init marker, init's cmdline equal to @packed_cmdline
    (whitespace at the ends ignored), no shim error line and, with
    @require_shim, a valid shim report.  Otherwise "fail" with "error".
    """
    rep = dict(parsed["shim_report"] or {})
    rep["next_kernel_release"] = parsed["release"]
    rep["init_marker"] = parsed["init_marker"]
    rep["cmdline"] = parsed["cmdline"]
    rep["init_cntvct"] = parsed["cntvct"]
    rep["init_cntfrq"] = parsed["cntfrq"]
    rep["cpus_online"] = parsed["cpus_online"]
    rep["nodes_online"] = parsed["nodes_online"]
    rep["el_requested"] = el_requested
    if parsed["shim_report"] is not None:
        add_phases(rep, parsed)
    if extra:
        rep.update(extra)
    want = (packed_cmdline or "").strip()
    errors = []
    if parsed["shim_error"]:
        errors.append(parsed["shim_error"])
    if parsed["shim_report_error"]:
        errors.append(parsed["shim_report_error"])
    elif require_shim and parsed["shim_report"] is None and not parsed["shim_error"]:
        errors.append("no kreloc-shim-report line")
    if not parsed["init_marker"]:
        errors.append("init marker not seen")
    elif parsed["cmdline"] is None:
        errors.append("init printed no cmdline")
    elif parsed["cmdline"] != want:
        errors.append("cmdline mismatch: packed %r, init saw %r" % (want, parsed["cmdline"]))
    rep["result"] = "fail" if errors else "ok"
    if parsed["shim_error"]:
        # The shim's own line, verbatim: callers match on its E_NAME.
        rep["error"] = parsed["shim_error"]
        rep["error_name"] = parsed["shim_error_name"]
        rep["booted_after_error"] = parsed["after_error"]
    elif errors:
        rep["error"] = "; ".join(errors)
    return rep


def format_report(rep):
    return REPORT_PREFIX + json.dumps(rep)


def _value(s):
    try:
        return json.loads(s)
    except ValueError:
        return s


def _cmd_make(args):
    import argparse
    ap = argparse.ArgumentParser(prog="report.py make")
    ap.add_argument("--log", required=True)
    ap.add_argument("--cmdline", required=True)
    ap.add_argument("--el", required=True, type=int)
    ap.add_argument("--no-shim", action="store_true",
                    help="the kernel was booted directly: no shim report expected")
    ap.add_argument("--set", action="append", default=[], metavar="K=V")
    a = ap.parse_args(args)
    extra = {}
    for kv in a.set:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            ap.error("--set wants K=V, not %r" % kv)
        extra[k] = _value(v)
    try:
        with open(a.log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        text = ""
        extra.setdefault("log_error", str(e))
    rep = build_report(parse_console(text), a.cmdline, a.el, not a.no_shim, extra)
    print(format_report(rep))
    return 0 if rep["result"] == "ok" else 1


def _cmd_get(args):
    if len(args) not in (1, 2):
        print("usage: report.py get KEY [FILE]", file=sys.stderr)
        return 2
    if len(args) == 2:
        with open(args[1], encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        text = sys.stdin.read()
    rep = None
    for line in text.splitlines():
        rest = _after(line, REPORT_PREFIX)
        if rest is not None and line.startswith(REPORT_PREFIX):
            rep = json.loads(rest)
    if rep is None or args[0] not in rep:
        return 1
    v = rep[args[0]]
    print(v if isinstance(v, str) else json.dumps(v))
    return 0


def main(argv):
    cmds = {"make": _cmd_make, "get": _cmd_get}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
