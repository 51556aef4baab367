#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# example.sh - kreloc as an installed package: `make install` into a
# temporary prefix (and once more through DESTDIR), check what it installed
# (pkg-config files, headers, host library, CLI, man page), build
# examples/minimal-loader from a copy of its sources against the installed
# package only, and boot the Debian kernel with it under QEMU at EL1 and EL2.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init example

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
VERSION=$(cat "$E2E_ROOT/VERSION")
LOG=$E2E_OUT/example
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
CROSS=${CROSS:-aarch64-linux-gnu-}

# ---- install ----------------------------------------------------------------
if ! make -C "$E2E_ROOT" --no-print-directory install PREFIX="$PREFIX" >"$LOG.install" 2>&1; then
	e2e_fail example_install "make install failed: $(tail -n 3 "$LOG.install" | tr '\n' ' ')"
	exit 1
fi
want="bin/kreloc include/kreloc/handoff.h include/kreloc/error.h
include/kreloc/arch/arm64/asm/reloc.h include/kreloc/arch/arm64/asm/reloc_args.h
lib/libkreloc.a lib/kreloc/aarch64/libkreloc.a lib/pkgconfig/kreloc.pc
lib/pkgconfig/kreloc-aarch64.pc share/kreloc/shim.Image share/man/man1/kreloc.1"
missing=''
for f in $want; do
	[ -s "$PREFIX/$f" ] || missing+=" $f"
done
e2e_check example_install "missing after install:$missing" [ -z "$missing" ]
nhdr=$(ls "$PREFIX"/include/kreloc/*.h | wc -l)
e2e_check example_install_headers "$nhdr headers installed, the tree has $(ls "$E2E_ROOT"/include/kreloc/*.h | wc -l)" \
	[ "$nhdr" = "$(ls "$E2E_ROOT"/include/kreloc/*.h | wc -l)" ]

# DESTDIR stages the same files under DESTDIR/PREFIX, and .pc files name PREFIX.
make -C "$E2E_ROOT" --no-print-directory install DESTDIR="$TMP/stage" PREFIX=/opt/kreloc \
	>"$LOG.destdir" 2>&1
a=$(cd "$PREFIX" && find . -type f | sort)
b=$(cd "$TMP/stage/opt/kreloc" 2>/dev/null && find . -type f | sort)
e2e_check example_destdir "DESTDIR install differs from the PREFIX one" [ -n "$b" -a "$a" = "$b" ]
e2e_check example_destdir_pc "kreloc.pc under DESTDIR does not say prefix=/opt/kreloc" \
	grep -qx 'prefix=/opt/kreloc' "$TMP/stage/opt/kreloc/lib/pkgconfig/kreloc.pc"

# ---- pkg-config, headers, host library ------------------------------------------
e2e_check example_pkgconfig_version "pkg-config versions are not $VERSION" \
	[ "$(pkg-config --modversion kreloc)/$(pkg-config --modversion kreloc-aarch64)" = "$VERSION/$VERSION" ]
flags="$(pkg-config --cflags --libs kreloc) $(pkg-config --cflags --libs kreloc-aarch64)"
e2e_check example_pkgconfig_paths "flags point into the source tree: $flags" \
	bash -c '! grep -qF -- "$1" <<<"$2"' _ "$E2E_ROOT" "$flags"
libfdt=$(pkg-config --variable=libfdt kreloc-aarch64)
e2e_check example_pkgconfig_libfdt "kreloc-aarch64.pc names libfdt '$libfdt', not an aarch64 archive" \
	bash -c '[ -s "$1" ] && '"$CROSS"'objdump -f "$1" 2>/dev/null | grep -q aarch64' _ "$libfdt"

# Every public header compiles on its own (host), reloc.h on its own (aarch64).
bad=''
for h in "$PREFIX"/include/kreloc/*.h; do
	printf '#include <kreloc/%s>\n' "$(basename "$h")" |
		cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags kreloc) -fsyntax-only -x c - \
		>>"$LOG.headers" 2>&1 || bad+=" $(basename "$h")"
done
printf '#include <asm/reloc.h>\n' | "${CROSS}gcc" -std=c11 -Wall -Werror -ffreestanding \
	$(pkg-config --cflags kreloc-aarch64) -fsyntax-only -x c - >>"$LOG.headers" 2>&1 ||
	bad+=" asm/reloc.h"
e2e_check example_headers_standalone "headers that do not compile alone:$bad" [ -z "$bad" ]

cat >"$TMP/host.c" <<'EOF'
#include <stdio.h>
#include <kreloc/error.h>
#include <kreloc/handoff.h>
#include <kreloc/sha256.h>
int main(void)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	kreloc_sha256("abc", 3, md);
	printf("%s %02x%02x\n", kreloc_errname(KRELOC_E_NOMEM), md[0], md[1]);
	return 0;
}
EOF
out=$(cc -std=c11 "$TMP/host.c" $(pkg-config --cflags --libs kreloc) -o "$TMP/host" 2>&1 &&
	"$TMP/host")
e2e_check example_host_link "host program linked with kreloc.pc printed '$out'" \
	[ "$out" = "E_NOMEM ba78" ]

# ---- CLI and man page -----------------------------------------------------------
e2e_check example_cli "installed kreloc --version is '$("$PREFIX/bin/kreloc" --version 2>&1)'" \
	[ "$("$PREFIX/bin/kreloc" --version 2>&1)" = "kreloc $VERSION" ]
e2e_check example_cli_release "installed kreloc is built with sanitizers" \
	bash -c '! ldd "$1" | grep -q -e libasan -e libubsan' _ "$PREFIX/bin/kreloc"
man=$(MANWIDTH=80 man -l "$PREFIX/share/man/man1/kreloc.1" 2>"$LOG.man")
miss=''
for w in 'kreloc pack' 'kreloc inspect' 'kreloc plan' 'kreloc verify' 'kreloc map' \
	'EXIT STATUS' "kreloc $VERSION"; do
	grep -qF -- "$w" <<<"$man" || miss+=" '$w'"
done
e2e_check example_man "man page lacks$miss or warns: $(head -c 200 "$LOG.man")" \
	[ -z "$miss" -a ! -s "$LOG.man" ]

# ---- the example, from the installed package only -------------------------------
SRC=$TMP/minimal-loader
mkdir -p "$SRC"
cp "$E2E_ROOT"/examples/minimal-loader/{Makefile,loader.lds,*.c,*.h,*.S} "$SRC"/
if ! make -C "$SRC" --no-print-directory CROSS="$CROSS" >"$LOG.build" 2>&1; then
	e2e_fail example_build "building the example failed: $(grep -m1 -E 'error|Error' "$LOG.build")"
	exit 1
fi
e2e_check example_build "loader.Image missing or the build used the source tree" \
	bash -c '[ -s "$1" ] && ! grep -qF -- "$2" "$3"' _ "$SRC/build/loader.Image" "$E2E_ROOT" "$LOG.build"

KERNEL=$(readlink -f "$E2E_KERNEL")
LEN=$(stat -L -c %s "$KERNEL")
CMDLINE="console=ttyAMA0 quiet panic=-1 kreloc.example=1"
for el in 1 2; do
	n=example_boot_el$el
	e2e_selected "$n" || continue
	E2E_LOG=$E2E_OUT/$n.log
	E2E_RC=0
	"$E2E_ROOT/scripts/qemu-run" --kernel "$SRC/build/loader.Image" --initrd "$E2E_INITRAMFS" \
		--append "$CMDLINE" --el "$el" --timeout 60 --quiet --log "$E2E_LOG" -- \
		-device loader,file="$KERNEL",addr=0x50000000,force-raw=on \
		-device loader,addr=0x4ffff000,data="$LEN",data-len=8 2>"$E2E_OUT/$n.qemu-run" ||
		E2E_RC=$?
	e2e_check "${n}_exit" "QEMU exited $E2E_RC (124: timeout), not by power-off" [ "$E2E_RC" = 0 ]
	e2e_check "${n}_loader" "the loader did not reach the trampoline at EL$el" \
		bash -c 'grep -q "^minimal-loader: at EL$1, " "$2" &&
			grep -q "^minimal-loader: entering the trampoline" "$2"' _ "$el" "$E2E_LOG"
	e2e_check "${n}_init_marker" "KRELOC-INIT-MARKER not seen" grep -qx KRELOC-INIT-MARKER "$E2E_LOG"
	e2e_check "${n}_cmdline" "init did not see the -append command line" \
		grep -qxF "kreloc-init: cmdline=$CMDLINE" "$E2E_LOG"
done
exit 0
