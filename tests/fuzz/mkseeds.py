#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkseeds.py [--cli build/host/kreloc] [--out tests/fuzz/corpus]

Write the hand-made seed inputs of kreloc's fuzz targets (tests/fuzz/) into
OUT/<target>/seed-*.  Each seed follows the byte layout its target reads
(see the target's read_input / LLVMFuzzerTestOneInput); they start the fuzzer
near the shapes the shim really produces.  Deterministic: running it again
rewrites the same files.  The other files in the corpus directories (crash
regressions, inputs merged by `make fuzz FUZZ_MERGE=1`) are left alone.

Needs device-tree-compiler (dtc) and, for the packed bundle seed, the host CLI.
"""
import argparse
import hashlib
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def image_header(text_offset=0, image_size=0x200000, flags=0xA, magic=b"ARM\x64"):
    # code0 (b +64), code1, text_offset, image_size, flags, res2-4, magic, res5
    return struct.pack("<IIQQQQQQ4sI", 0x14000010, 0, text_offset, image_size, flags,
                       0, 0, 0, magic, 0)


def fake_image(n=4096, banner=b"Linux version 6.1.0-kreloc-fuzz (seed) #1 SMP\n", **kw):
    body = bytearray((i * 7 + 3) & 0xFF for i in range(n - 64))
    if banner:
        body[256:256 + len(banner)] = banner
    return image_header(**kw) + bytes(body)


# ---- bundles ---------------------------------------------------------------
T_IMAGE, T_INITRD, T_CMDLINE, T_DTB, T_NESTED, T_PRESERVE = 1, 2, 3, 4, 5, 6


def bundle(items, options=0, align=8, version=1):
    """items: (type, data) or (T_PRESERVE, (addr, size)); data laid out
    compactly.  A data item may be (type, data, digest, size): digest None
    is data's SHA-256, size the entry's size field (a chunk table's chunk
    size)."""
    nr = len(items)
    pos = 64 + 80 * nr
    table, blobs = b"", []
    for t, d, *rest in items:
        if t == T_PRESERVE:
            table += struct.pack("<IIQQQQQ32s", t, 0, 0, 0, 0, d[0], d[1], b"\0" * 32)
            continue
        digest, size = rest if rest else (None, 0)
        pos = (pos + align - 1) & ~(align - 1)
        table += struct.pack("<IIQQQQQ32s", t, 0, pos, len(d), align, 0, size,
                             digest or hashlib.sha256(d).digest())
        blobs.append((pos, d))
        pos += len(d)
    out = bytearray(pos)
    out[0:64] = struct.pack("<8sIIQIIQ24s", b"KRELBNDL", version, 64, pos, nr, 80, options, b"\0" * 24)
    out[64:64 + len(table)] = table
    for off, d in blobs:
        out[off:off + len(d)] = d
    return bytes(out)


T_IMAGE_CHUNKS, T_INITRD_CHUNKS = 7, 8


def chunked_bundle(blobs, cs=4096, options=0x2100):
    """A version 2 bundle (bundle.h, "Chunk tables"): each (type, data) of
    blobs (IMAGE, INITRD) followed by its chunk table of cs-byte chunks;
    the blob's digest is the table's, its root.  options: verify, 2 CPUs."""
    items = []
    for t, d in blobs:
        table = b"".join(hashlib.sha256(d[i:i + cs]).digest() for i in range(0, len(d), cs))
        items += [(t, d, hashlib.sha256(table).digest(), 0), (t + 6, table, None, cs)]
    return bundle(items, options, version=2)


# ---- kimage target input (fuzz_kimage.c, read_input) -------------------------
def u8(v): return struct.pack("<B", v)
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def u64(v): return struct.pack("<Q", v)


def kimage_input(banks, reserved, segs, collide=0, predict=0, limit=None, rng=1, extra=0,
                 mutate=None):
    """banks: (u16 base, shift m&15, u16 pages-1); reserved: (bank, page, u8 pages-1);
    segs: (bank, page, memsz pages 1..32, bufsz, aligned)."""
    h = (len(banks) - 1) | (len(reserved) << 2) | (0x80 if mutate else 0)
    b = u8(h)
    for base, shift, pages in banks:
        b += u8(shift) + u16(base) + u16(pages)
    for bank, page, pages in reserved:
        b += u8(0) + u32(bank) + u32(page) + u8(pages)
    b += u8(len(segs))
    for bank, page, memsz, bufsz, aligned in segs:
        m = (memsz - 1) | (0x80 if aligned else 0)
        b += u8(m) + u32(bank) + u32(page) + u32(bufsz) + u32(page * 4096 % 65536)
    b += u8(collide) + u8(predict)
    b += u8(1) + u16(limit) if limit is not None else u8(0)
    b += u64(rng) + u16(extra)
    if mutate:
        page, slot, kind, val = mutate
        b += u32(page) + u32(slot) + u8(kind) + u64(val)
    return b


# ---- xlat target input (fuzz_xlat.c) ------------------------------------------
def xlat_input(gran_idx, el2, pa_idx, regions, cap, table_base, rng=7):
    """regions: ('scaled', s_base, base16, s_size, size16, attr) or
    ('nested', parent, off, pages, attr) or ('raw', base, size, attr)."""
    b = u8(gran_idx | (8 if el2 else 0)) + u32(pa_idx) + u8(len(regions))
    for i, r in enumerate(regions):
        kind, attr = r[0], r[-1]
        am = {0: 0, 1: 3, 2: 1, 3: 2}[attr] << 3     # attr = 1 + v % 3 for v = (m >> 3) & 7
        if kind == "nested":
            b += u8(0 | am) + u32(r[1]) + u32(r[2]) + u32(r[3] - 1)
        elif kind == "raw":
            b += u8(1 | am) + u64(r[1]) + u64(r[2])
        else:
            b += u8(2 | am) + u8(r[1]) + u16(r[2]) + u8(r[3]) + u16(r[4])
    b += u16(cap) + u64(table_base) + u8(0) + u8(0) + u64(rng)
    return b


def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def dtc(src):
    return subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-"], input=src.encode(),
                          stdout=subprocess.PIPE, check=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/host/kreloc"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/fuzz/corpus"))
    a = ap.parse_args()
    out = a.out
    kernel = os.path.join(os.environ.get("CACHE", os.path.expanduser("~/.cache/kreloc")),
                          "kernel/Image")

    # image: real headers and every kind of header fault
    if os.path.exists(kernel):
        with open(kernel, "rb") as f:
            write(out, "image", "debian-header", f.read(64))
    with open(os.path.join(ROOT, "build/shim.Image"), "rb") as f:
        write(out, "image", "shim-header", f.read(64))
    write(out, "image", "fake-banner", fake_image(1024))
    write(out, "image", "legacy", fake_image(512, image_size=0, flags=0))
    write(out, "image", "big-endian", image_header(flags=0xB))
    write(out, "image", "16k", image_header(flags=0x4))
    write(out, "image", "text-offset", image_header(text_offset=0x80000))
    write(out, "image", "bad-magic", image_header(magic=b"ARM\x32"))
    write(out, "image", "short", image_header()[:40])

    # bundle: compact ones of every entry kind, and one packed by the CLI
    img = fake_image(2048)
    qemu_dtb = open(os.path.join(ROOT, "tests/fdt/qemu-virt.dtb"), "rb").read()
    small_dtb = dtc('/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <1>;\n'
                    '  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0x8000000>; };\n'
                    '  chosen { bootargs = "x"; }; };\n')
    write(out, "bundle", "image-only", bundle([(T_IMAGE, img)]))
    write(out, "bundle", "full", bundle([(T_IMAGE, img), (T_INITRD, b"initrd" * 50),
                                         (T_CMDLINE, b"console=ttyAMA0 quiet"),
                                         (T_DTB, small_dtb),
                                         (T_PRESERVE, (0x48000000, 0x100000))],
                                        options=0x101))
    inner = bundle([(T_IMAGE, fake_image(512))])
    write(out, "bundle", "nested", bundle([(T_IMAGE, img), (T_NESTED, inner),
                                           (T_CMDLINE, b"")], options=0x212))
    write(out, "bundle", "qemu-dtb", bundle([(T_IMAGE, img), (T_DTB, qemu_dtb)], align=64))
    write(out, "bundle", "chunks", chunked_bundle([(T_IMAGE, fake_image(9000)),
                                                   (T_INITRD, b"initrd" * 1000)]))
    if os.path.exists(a.cli):
        tmp = os.path.join(out, "bundle", ".tmp-image")
        with open(tmp, "wb") as f:
            f.write(fake_image(4096))
        subprocess.run([a.cli, "pack", "--image", tmp, "--cmdline", "console=ttyAMA0",
                        "--preserve", "0x48000000:0x200000", "-o",
                        os.path.join(out, "bundle", "seed-packed")], check=True)
        os.unlink(tmp)

    # kimage: the shim's shape (kernel, initrd, tree in 128 MiB at 1 GiB), and variants
    ram = [(0x4000, 4, 0x7FFF)]                      # 0x40000000 + 128 MiB
    shim = [(0, 0x200, 0xFF)]                        # 1 MiB reserved at +2 MiB
    segs = [(0, 0x400, 32, 32 * 4096 - 100, False),  # kernel
            (0, 0x800, 8, 5 * 4096, True),           # initrd
            (0, 0xA00, 1, 3000, False)]              # device tree
    write(out, "kimage", "shim-shape", kimage_input(ram, shim, segs))
    write(out, "kimage", "collide", kimage_input(ram, shim, segs, collide=60, predict=40))
    write(out, "kimage", "tight", kimage_input([(0x4000, 4, 39)], [],
                                               [(0, 0, 32, 32 * 4096, True)]))
    write(out, "kimage", "budget", kimage_input(ram, shim, segs, limit=20))
    write(out, "kimage", "mutate", kimage_input(ram, shim, segs, predict=50,
                                                mutate=(0, 5, 4, 0)))
    write(out, "kimage", "two-banks", kimage_input([(0x4000, 4, 0x3FF), (0x8000, 4, 0x3FF)],
                                                   [(1, 3, 2)],
                                                   [(0, 1, 16, 16 * 4096, True),
                                                    (1, 10, 32, 0, True)]))
    write(out, "kimage", "overlap", kimage_input(ram, [], [(0, 0x400, 4, 10, False),
                                                           (0, 0x402, 4, 10, False)]))

    # xlat: RAM banks plus the trampoline page, as the shim builds them
    # scaled values are u16 << (granule shift + 9 for s = 3)
    write(out, "xlat", "ram-rx-4k", xlat_input(0, False, 5, [
        ("scaled", 3, 0x200, 3, 0x7F, 1),          # RAM at 1 GiB, 254 MiB + 4K
        ("scaled", 0, 0x9000, 0, 0, 3),            # a device page
        ("nested", 0, 0x1234, 1, 2)], 64, 0x40100000))
    write(out, "xlat", "ram-rx-16k-el2", xlat_input(1, True, 2, [
        ("scaled", 3, 0x80, 3, 0x1F, 1),
        ("scaled", 0, 0x1, 0, 0, 3),
        ("nested", 0, 7, 1, 2)], 64, 0x41000000))
    write(out, "xlat", "two-banks-64k", xlat_input(2, False, 1, [
        ("scaled", 3, 0x20, 3, 0x10, 1),
        ("scaled", 3, 0x80, 3, 0x8, 1),
        ("nested", 1, 3, 2, 2)], 64, 0x40000000))

    # fdt: the real QEMU trees (GICv2, EL2, GICv3 with an ITS), a board tree,
    # and trees with reservations
    for f in ("qemu-virt.dtb", "qemu-virt-el2.dtb", "qemu-virt-gicv3.dtb"):
        write(out, "fdt", f, open(os.path.join(ROOT, "tests/fdt", f), "rb").read())
    board = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb",
                            os.path.join(ROOT, "tests/fdt/board.dts")],
                           stdout=subprocess.PIPE, check=True).stdout
    write(out, "fdt", "board.dtb", board)
    write(out, "fdt", "reservations.dtb", dtc(
        '/dts-v1/;\n/memreserve/ 0x48000000 0x100000;\n'
        '/ { #address-cells = <2>; #size-cells = <2>;\n'
        '  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };\n'
        '  memory@100000000 { device_type = "memory"; reg = <1 0 0 0x40000000>; };\n'
        '  reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n'
        '    fw@50000000 { reg = <0 0x50000000 0 0x200000>; no-map; };\n'
        '    pool { size = <0 0x400000>; }; };\n'
        '  psci { compatible = "arm,psci-1.0", "arm,psci-0.2"; method = "smc"; };\n'
        '  soc { #address-cells = <1>; #size-cells = <1>; ranges = <0 0 0x9000000 0x100000>;\n'
        '    uart@0 { compatible = "arm,pl011"; reg = <0 0x1000>; }; };\n'
        '  chosen { stdout-path = "/soc/uart@0:115200"; linux,initrd-start = <0x48000000>;\n'
        '    linux,initrd-end = <0x48100000>; rng-seed = [01 02 03 04]; kaslr-seed = <0 0>; };\n'
        '};\n') + b"\x01\x23\x45\x67\x89\xab\xcd\xef" * 8)
    write(out, "fdt", "cells-1-1.dtb", dtc(
        '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>;\n'
        '  memory { reg = <0x40000000 0x10000000 0x80000000 0x1000>; };\n'
        '  memory@0 { status = "disabled"; device_type = "memory"; reg = <0 0x1000>; };\n'
        '};\n'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
