#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkinput.py CASE OUTDIR [--cli build/host/kreloc] - build a shim corpus case's inputs.

Reads one tests/corpus/*.case file (format in tests/corpus/README.md) of
`where: shim` and writes into OUTDIR:
  bundle       the bundle to pass as the shim's initrd (absent for `bundle: none`)
  qemu.dtb     the device tree to pass to QEMU with -dtb (only with `qemu-dtb: yes`)
  qemu-args    one qemu-run option per line (from `qemu:` lines)
Exit status 0, or 1 with one line on stderr saying what failed.

Recipe, applied in this order:
 1. a fake arm64 Image (`image:` size, image_size, text_offset, flags; it must
    pass `kreloc pack`), an optional initrd (`initrd: BYTES`) and command
    line (`cmdline: EXPR`, a Python string expression);
 2. a device tree when `dtb:` names one (a file under tests/fdt/, or `machine`
    for the one matching --el), edited as text (`dts-memreserve:`, `dts-add:`
    inserted into the root node, `dts-replace: OLD => NEW`), compiled with
    dtc, then patched as bytes (`dtb-set: FIELD = EXPR` for header fields,
    `dtb-byte: EXPR = EXPR`, `dtb-pad: BYTES`, `dtb-truncate: EXPR`);
 3. `kreloc pack` with the Image, initrd and `pack:` options; with
    `bundle-dtb: yes` the unedited tree is packed with --dtb and the entry's
    bytes are then replaced by the edited tree (pack refuses the bad trees a
    corpus case is made of);
 4. `patch:` lines on the packed bundle (header.F, entry.TYPE[.N].F,
    image.F, byte, add-entry, truncate, append), EXPR being Python
    arithmetic over the names below;
 5. every data entry's SHA-256 recomputed (unless `rehash: no`), so that a
    case fails on the fault it plants, not on a stale digest.
EXPR names: file_size, total_size, nr_entries, <type>_offset, <type>_length,
<type>_align for the first entry of each type (image, initrd, cmdline, dtb,
nested), and K, M, G (2^10, 2^20, 2^30).
"""
import hashlib
import os
import re
import shlex
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HDR, ENT = 64, 80
TYPES = {"image": 1, "initrd": 2, "cmdline": 3, "dtb": 4, "nested": 5, "preserve": 6}
HFIELDS = {  # name: (offset, struct format)
    "magic": (0, "8s"), "version": (8, "<I"), "header_size": (12, "<I"),
    "total_size": (16, "<Q"), "nr_entries": (24, "<I"), "entry_size": (28, "<I"),
    "options": (32, "<Q"),
}
EFIELDS = {"type": (0, "<I"), "flags": (4, "<I"), "offset": (8, "<Q"), "length": (16, "<Q"),
           "align": (24, "<Q"), "addr": (32, "<Q"), "size": (40, "<Q")}
IFIELDS = {"code0": (0, "<I"), "text_offset": (8, "<Q"), "image_size": (16, "<Q"),
           "flags": (24, "<Q"), "magic": (56, "4s")}
DFIELDS = {"magic": 0, "totalsize": 4, "off_dt_struct": 8, "off_dt_strings": 12,
           "off_mem_rsvmap": 16, "version": 20, "last_comp_version": 24,
           "boot_cpuid_phys": 28, "size_dt_strings": 32, "size_dt_struct": 36}


class CaseError(Exception):
    pass


def parse_case(path):
    """The case as a list of (key, value) in file order; '#' starts a comment line."""
    items = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if ":" not in line:
                raise CaseError("%s:%d: expected 'key: value'" % (path, n))
            k, v = line.split(":", 1)
            items.append((k.strip(), v.strip()))
    return items


def values(items, key):
    return [v for k, v in items if k == key]


def one(items, key, default=None):
    v = values(items, key)
    if len(v) > 1:
        raise CaseError("'%s' given %d times" % (key, len(v)))
    return v[0] if v else default


def evaluate(expr, names):
    """Arithmetic (and byte strings) only: no builtins, names from @names."""
    try:
        return eval(expr, {"__builtins__": {}}, dict(names, K=1 << 10, M=1 << 20, G=1 << 30))
    except Exception as e:
        raise CaseError("cannot evaluate %r: %s" % (expr, e))


def to_field(fmt, v):
    if fmt.endswith("s"):
        if isinstance(v, str):
            v = v.encode("latin-1")
        n = int(fmt[:-1])
        if len(v) != n:
            raise CaseError("%r is not %d bytes" % (v, n))
        return v
    bits = struct.calcsize(fmt) * 8
    return struct.pack(fmt, v & ((1 << bits) - 1))


# ---- Image -----------------------------------------------------------------
def make_image(spec):
    kv = dict(p.split("=", 1) for p in spec.split()) if spec else {}
    size = int(kv.get("size", "8192"), 0)
    hdr = struct.pack("<IIQQQQQQ4sI", 0x14000010, 0, int(kv.get("text_offset", "0"), 0),
                      int(kv.get("image_size", str(2 << 20)), 0),
                      int(kv.get("flags", "0xa"), 0), 0, 0, 0, b"ARM\x64", 0)
    body = bytes((i * 7 + 1) & 0xFF for i in range(size - 64))
    return hdr + body


# ---- device tree ---------------------------------------------------------------
def dtc(args, data):
    r = subprocess.run(["dtc", "-q"] + args, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode:
        raise CaseError("dtc failed: %s" % r.stderr.decode(errors="replace").strip())
    return r.stdout


def make_dtb(items, el):
    src = one(items, "dtb")
    if src == "machine":
        src = "tests/fdt/qemu-virt-el2.dtb" if el == "2" else "tests/fdt/qemu-virt.dtb"
    with open(os.path.join(ROOT, src), "rb") as f:
        blob = f.read()
    edits = [(k, v) for k, v in items if k.startswith("dts-")]
    if edits:
        text = dtc(["-I", "dtb", "-O", "dts"], blob).decode()
        for k, v in edits:
            if k == "dts-memreserve":
                base, size = v.split()
                text = text.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ %s %s;" % (base, size), 1)
            elif k == "dts-add":
                end = text.rstrip().rfind("};")
                text = text[:end] + "\t" + v + "\n" + text[end:]
            elif k == "dts-replace":
                old, new = (s.strip() for s in v.split("=>", 1))
                if old not in text:
                    raise CaseError("dts-replace: %r not in the tree" % old)
                text = text.replace(old, new)
            else:
                raise CaseError("unknown key %s" % k)
        blob = dtc(["-I", "dts", "-O", "dtb"], text.encode())
    blob = bytearray(blob)
    for k, v in items:
        names = {n: struct.unpack_from(">I", blob, o)[0] for n, o in DFIELDS.items()}
        names["dtb_size"] = len(blob)
        if k == "dtb-set":
            field, expr = (s.strip() for s in v.split("=", 1))
            struct.pack_into(">I", blob, DFIELDS[field], evaluate(expr, names) & 0xFFFFFFFF)
        elif k == "dtb-byte":
            off, expr = (s.strip() for s in v.split("=", 1))
            blob[evaluate(off, names)] = evaluate(expr, names) & 0xFF
        elif k == "dtb-pad":
            n = evaluate(v, names)
            blob += bytes(n)
            struct.pack_into(">I", blob, 4, len(blob))
        elif k == "dtb-truncate":
            del blob[evaluate(v, names):]
    return bytes(blob)


# ---- bundle -----------------------------------------------------------------
class Bundle:
    def __init__(self, data):
        self.b = bytearray(data)

    def nr(self):
        return struct.unpack_from("<I", self.b, 24)[0] if len(self.b) >= 28 else 0

    def entries(self):
        """(position, type) of each table entry that lies in the file."""
        out = []
        for i in range(min(self.nr(), 64)):
            pos = HDR + ENT * i
            if pos + ENT <= len(self.b):
                out.append((pos, struct.unpack_from("<I", self.b, pos)[0]))
        return out

    def entry_pos(self, tname, index=0):
        t = TYPES[tname]
        found = [p for p, ty in self.entries() if ty == t]
        if index >= len(found):
            raise CaseError("no %s entry #%d" % (tname, index))
        return found[index]

    def names(self):
        n = {"file_size": len(self.b), "nr_entries": self.nr()}
        if len(self.b) >= 24:
            n["total_size"] = struct.unpack_from("<Q", self.b, 16)[0]
        for tname, t in TYPES.items():
            for pos, ty in self.entries():
                if ty == t:
                    for f in ("offset", "length", "align"):
                        o, fmt = EFIELDS[f]
                        n["%s_%s" % (tname, f)] = struct.unpack_from(fmt, self.b, pos + o)[0]
                    break
        return n

    def put(self, off, raw):
        if off + len(raw) > len(self.b):
            raise CaseError("write at %#x past the end of the bundle" % off)
        self.b[off:off + len(raw)] = raw

    def patch(self, line):
        words = line.split(None, 1)
        if words[0] == "truncate":
            del self.b[evaluate(words[1], self.names()):]
            return
        if words[0] == "append":
            self.b += bytes(evaluate(words[1], self.names()))
            return
        if words[0] == "byte":
            off, expr = (s.strip() for s in words[1].split("=", 1))
            n = self.names()
            self.put(evaluate(off, n), bytes([evaluate(expr, n) & 0xFF]))
            return
        if words[0] == "add-entry":
            n = self.names()
            kv = dict(p.split("=", 1) for p in words[1].split())
            e = struct.pack("<IIQQQQQ32s", *(evaluate(kv.get(f, "0"), n) for f in
                                              ("type", "flags", "offset", "length", "align",
                                               "addr", "size")), b"\0" * 32)
            self.put(HDR + ENT * self.nr(), e)
            struct.pack_into("<I", self.b, 24, self.nr() + 1)
            return
        target, expr = (s.strip() for s in line.split("=", 1))
        v = evaluate(expr, self.names())
        parts = target.split(".")
        if parts[0] == "header" and len(parts) == 2 and parts[1] in HFIELDS:
            o, fmt = HFIELDS[parts[1]]
            self.put(o, to_field(fmt, v))
        elif parts[0] == "header" and parts[1] == "reserved":
            self.put(40, to_field("24s", v))
        elif parts[0] == "entry" and parts[-1] in EFIELDS:
            idx = int(parts[2]) if len(parts) == 4 else 0
            o, fmt = EFIELDS[parts[-1]]
            self.put(self.entry_pos(parts[1], idx) + o, to_field(fmt, v))
        elif parts[0] == "image" and len(parts) == 2 and parts[1] in IFIELDS:
            o, fmt = IFIELDS[parts[1]]
            self.put(self.names()["image_offset"] + o, to_field(fmt, v))
        else:
            raise CaseError("unknown patch target %r" % target)

    def replace_data(self, tname, data):
        """Give entry @tname the bytes @data: in place if they fit, else appended."""
        pos = self.entry_pos(tname)
        off, length, align = struct.unpack_from("<QQQ", self.b, pos + 8)
        if len(data) <= length:
            self.b[off:off + len(data)] = data
        else:
            off = (len(self.b) + align - 1) // align * align
            self.b += bytes(off - len(self.b)) + data
            struct.pack_into("<Q", self.b, 16, len(self.b))
        struct.pack_into("<QQ", self.b, pos + 8, off, len(data))

    def rehash(self):
        for pos, ty in self.entries():
            if ty == TYPES["preserve"] or ty not in TYPES.values():
                continue
            off, length = struct.unpack_from("<QQ", self.b, pos + 8)
            if off + length <= len(self.b):
                self.b[pos + 48:pos + 80] = hashlib.sha256(bytes(self.b[off:off + length])).digest()


def build(case, outdir, cli):
    items = parse_case(case)
    if one(items, "where") != "shim":
        raise CaseError("not a shim case")
    os.makedirs(outdir, exist_ok=True)
    qargs = []
    for v in values(items, "qemu"):
        qargs += shlex.split(v)
    el = "1"
    for i, a in enumerate(qargs[:-1]):
        if a == "--el":
            el = qargs[i + 1]
    if not any(a == "--mem" for a in qargs):
        qargs = ["--mem", "128M"] + qargs

    dtb = make_dtb(items, el) if one(items, "dtb") else None
    if one(items, "qemu-dtb", "no") == "yes":
        if dtb is None:
            raise CaseError("qemu-dtb: yes needs dtb:")
        with open(os.path.join(outdir, "qemu.dtb"), "wb") as f:
            f.write(dtb)
        qargs += ["--", "-dtb", os.path.join(outdir, "qemu.dtb")]
    with open(os.path.join(outdir, "qemu-args"), "w") as f:
        f.write("".join(a + "\n" for a in qargs))

    bpath = os.path.join(outdir, "bundle")
    if os.path.exists(bpath):
        os.unlink(bpath)
    if one(items, "bundle", "yes") == "none":
        return
    img = os.path.join(outdir, "Image")
    with open(img, "wb") as f:
        f.write(make_image(one(items, "image", "")))
    cmd = [cli, "pack", "--image", img, "-o", bpath]
    isize = one(items, "initrd")
    if isize:
        with open(os.path.join(outdir, "initrd"), "wb") as f:
            f.write(bytes((i * 13) & 0xFF for i in range(evaluate(isize, {}))))
        cmd += ["--initrd", os.path.join(outdir, "initrd")]
    cl = one(items, "cmdline")
    if cl is not None:
        cmd += ["--cmdline", evaluate(cl, {})]
    for v in values(items, "pack"):
        cmd += shlex.split(v)
    bundle_dtb = dtb is not None and one(items, "bundle-dtb", "no") == "yes"
    if bundle_dtb:
        # packed with the unedited tree, which pack accepts; replaced below
        good = make_dtb([(k, v) for k, v in items if k == "dtb"], el)
        with open(os.path.join(outdir, "good.dtb"), "wb") as f:
            f.write(good)
        with open(os.path.join(outdir, "bundle.dtb"), "wb") as f:
            f.write(dtb)
        cmd += ["--dtb", os.path.join(outdir, "good.dtb")]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        raise CaseError("kreloc pack failed: %s" % r.stdout.decode(errors="replace").strip())
    with open(bpath, "rb") as f:
        bd = Bundle(f.read())
    if bundle_dtb:
        bd.replace_data("dtb", dtb)
    for v in values(items, "patch"):
        bd.patch(v)
    if one(items, "rehash", "yes") != "no":
        bd.rehash()
    with open(bpath, "wb") as f:
        f.write(bytes(bd.b))


def main(argv):
    args = argv[1:]
    cli = os.path.join(ROOT, "build/host/kreloc")
    if "--cli" in args:
        i = args.index("--cli")
        cli = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        build(args[0], args[1], cli)
    except (CaseError, OSError, KeyError, ValueError) as e:
        sys.stderr.write("mkinput: %s: %s\n" % (os.path.basename(args[0]), e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
