#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""patch_bundle.py IN OUT CASE - make a bad kreloc bundle from a good one.

`kreloc pack` refuses bad Images, so bad inputs are made by patching bytes of
a bundle it packed (layout: include/kreloc/bundle.h).  After changing an
entry's data the entry's SHA-256 is recomputed, so that each case fails on
the one thing it breaks even when the shim verifies digests.

Cases (the error the shim must report):
  bundle-magic       header magic replaced             E_BUNDLE_MAGIC
  bundle-truncated   file cut short of total_size      E_BUNDLE_TRUNCATED
  image-magic        Image "ARM\\x64" replaced          E_IMAGE_MAGIC
  image-big-endian   Image flags bit 0 set             E_IMAGE_BIG_ENDIAN
  image-16k          Image flags page size = 16K       E_IMAGE_PAGE_SIZE (on a CPU without 16K)
  image-3g           Image image_size = 3 GiB          E_NO_ROOM (with 1 GiB of RAM)
  image-truncated    Image entry length = 32           E_IMAGE_TRUNCATED
"""
import hashlib
import struct
import sys

HEADER_SIZE = 64
ENTRY_SIZE = 80
TYPE_IMAGE = 1
MAGIC = b"KRELBNDL"
# struct kreloc_bundle_entry: type, flags, offset, length, align, addr, size, sha256
ENTRY_FMT = "<IIQQQQQ32s"


class Bundle:
    def __init__(self, data):
        self.b = bytearray(data)
        if self.b[:8] != MAGIC:
            raise SystemExit("patch_bundle: input is not a kreloc bundle")
        (self.total_size,) = struct.unpack_from("<Q", self.b, 16)
        (self.nr_entries,) = struct.unpack_from("<I", self.b, 24)

    def entry_pos(self, etype):
        for i in range(self.nr_entries):
            pos = HEADER_SIZE + i * ENTRY_SIZE
            if struct.unpack_from("<I", self.b, pos)[0] == etype:
                return pos
        raise SystemExit("patch_bundle: no entry of type %d" % etype)

    def entry(self, pos):
        return list(struct.unpack_from(ENTRY_FMT, self.b, pos))

    def set_entry(self, pos, e):
        struct.pack_into(ENTRY_FMT, self.b, pos, *e)

    def rehash(self, pos):
        e = self.entry(pos)
        off, length = e[2], e[3]
        e[7] = hashlib.sha256(bytes(self.b[off:off + length])).digest()
        self.set_entry(pos, e)

    def patch_image_u64(self, field_off, fn):
        pos = self.entry_pos(TYPE_IMAGE)
        off = self.entry(pos)[2]
        (v,) = struct.unpack_from("<Q", self.b, off + field_off)
        struct.pack_into("<Q", self.b, off + field_off, fn(v))
        self.rehash(pos)


def patch(data, case):
    bd = Bundle(data)
    if case == "bundle-magic":
        bd.b[0:8] = b"NOTABNDL"
    elif case == "bundle-truncated":
        # Keep the header and entry table, lose the tail: total_size > length.
        cut = max(HEADER_SIZE + bd.nr_entries * ENTRY_SIZE, bd.total_size // 2)
        del bd.b[cut:]
    elif case == "image-magic":
        pos = bd.entry_pos(TYPE_IMAGE)
        off = bd.entry(pos)[2]
        bd.b[off + 56:off + 60] = b"ARM\x32"
        bd.rehash(pos)
    elif case == "image-big-endian":
        bd.patch_image_u64(24, lambda f: f | 1)
    elif case == "image-16k":
        bd.patch_image_u64(24, lambda f: (f & ~6) | (2 << 1))
    elif case == "image-3g":
        bd.patch_image_u64(16, lambda s: 3 << 30)
    elif case == "image-truncated":
        pos = bd.entry_pos(TYPE_IMAGE)
        e = bd.entry(pos)
        e[3] = 32
        bd.set_entry(pos, e)
        bd.rehash(pos)
    else:
        raise SystemExit("patch_bundle: unknown case %r" % case)
    return bytes(bd.b)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    out = patch(data, argv[3])
    with open(argv[2], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
