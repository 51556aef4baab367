#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""paged_bundle.py - turn a bundle's IMAGE and INITRD into paged blobs.

  paged_bundle.py IN OUT PAGES --at ADDR [--seed N] [--runs-image K]
                  [--runs-initrd K] [--options-or BITS] [--flip BLOB:OFFSET]

The blobs' bytes leave the bundle for PAGES, a raw file meant to be loaded
at guest physical ADDR (QEMU's -device loader): each blob is cut into K
pieces of consecutive pages at random places, and all the pieces of both
blobs are laid out in PAGES in a shuffled order, so the page tables written
into OUT (bundle.h, "Paged blobs") jump back and forth.  The bytes past a
blob's end in its last page are 0xee: not part of the blob.  The digests
stay those of the blobs.  --options-or ORs bits into the header's options;
--flip flips one byte of a blob in PAGES (image:N or initrd:N) after the
digests were taken.  Prints "image_pages=N initrd_pages=N whole_pages=N
runs=N" (whole_pages: pages holding 4 KiB of a blob, the ones the shim
borrows).
"""
import argparse
import random
import struct
import sys

PAGE = 4096
HEADER = struct.Struct("<8sIIQIIQ24s")
ENTRY = struct.Struct("<IIQQQQQ32s")
IMAGE, INITRD = 1, 2
F_PAGES = 1


def align_up(x, a):
    return (x + a - 1) // a * a


def pieces(nr_pages, k, rng):
    """Cut [0, nr_pages) into at most k runs of consecutive pages."""
    k = max(1, min(k, nr_pages))
    cuts = sorted(rng.sample(range(1, nr_pages), k - 1)) if k > 1 else []
    bounds = [0] + cuts + [nr_pages]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def count_runs(addrs):
    return sum(1 for i, a in enumerate(addrs) if i == 0 or a != addrs[i - 1] + PAGE)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("pages")
    ap.add_argument("--at", type=lambda s: int(s, 0), required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs-image", type=int, default=90)
    ap.add_argument("--runs-initrd", type=int, default=30)
    ap.add_argument("--options-or", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--flip")
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)

    src = open(a.inp, "rb").read()
    magic, ver, hsize, total, nr, esize, options, res = HEADER.unpack_from(src, 0)
    entries = [list(ENTRY.unpack_from(src, hsize + i * esize)) for i in range(nr)]

    blobs = {}          # type -> bytes
    for e in entries:
        if e[0] in (IMAGE, INITRD):
            blobs[e[0]] = src[e[2]:e[2] + e[3]]
    layout = []         # (type, first page, end page) in PAGES order
    for t, k in ((IMAGE, a.runs_image), (INITRD, a.runs_initrd)):
        if t in blobs:
            n = (len(blobs[t]) + PAGE - 1) // PAGE
            layout += [(t, lo, hi) for lo, hi in pieces(n, k, rng)]
    rng.shuffle(layout)

    pages = bytearray()
    tables = {t: [0] * ((len(b) + PAGE - 1) // PAGE) for t, b in blobs.items()}
    where = {}          # (type, byte offset of page) -> offset in PAGES
    for t, lo, hi in layout:
        for p in range(lo, hi):
            data = blobs[t][p * PAGE:(p + 1) * PAGE]
            tables[t][p] = a.at + len(pages)
            where[(t, p)] = len(pages)
            pages += data + b"\xee" * (PAGE - len(data))
    if a.flip:
        name, off = a.flip.split(":")
        t = {"image": IMAGE, "initrd": INITRD}[name]
        at = where[(t, int(off, 0) // PAGE)] + int(off, 0) % PAGE
        pages[at] ^= 0x40

    # The new bundle: same entries, the paged ones carrying their tables.
    out_data = []
    for e in entries:
        t = e[0]
        if t in tables:
            out_data.append(b"".join(struct.pack("<Q", x) for x in tables[t]))
            e[1], e[4], e[6] = F_PAGES, PAGE, len(blobs[t])
        else:
            out_data.append(src[e[2]:e[2] + e[3]])
    pos = hsize + nr * esize
    body = bytearray()
    for e, d in zip(entries, out_data):
        if e[3] == 0 and e[0] == 6:     # PRESERVE: no data
            continue
        off = align_up(pos + len(body), max(e[4], 1))
        body += b"\0" * (off - pos - len(body))
        e[2], e[3] = off, len(d)
        body += d
    total = pos + len(body)
    out = bytearray(HEADER.pack(magic, ver, hsize, total, nr, esize, options | a.options_or, res))
    for e in entries:
        out += ENTRY.pack(*e)
    out += body
    open(a.out, "wb").write(out)
    open(a.pages, "wb").write(pages)

    nimg = len(tables.get(IMAGE, []))
    nird = len(tables.get(INITRD, []))
    whole = sum(len(b) // PAGE for b in blobs.values())
    runs = sum(count_runs(x) for x in tables.values())
    print("image_pages=%d initrd_pages=%d whole_pages=%d runs=%d" % (nimg, nird, whole, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
