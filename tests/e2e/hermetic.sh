#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hermetic.sh - the arm64 freestanding build reads no C library's headers.
#
# The target objects are compiled with -MD, so their dependency files name
# every header the compiler opened, system headers included.  Each must lie
# in the source tree, in the cross compiler's own include directory
# (stdint.h, stddef.h, ...), or be libfdt.h / fdt.h from the unpacked
# libfdt-dev:arm64; libfdt_env.h must be the project's seam.  A probe that
# includes <string.h> with the same flags must fail to compile: whatever is
# installed on the machine, no libc header can be reached.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init hermetic

cd "$E2E_ROOT" || exit 1
mapfile -t deps < <(find build/arm64 -name '*.d' | sort)
e2e_check hermetic_depfiles "no dependency files under build/arm64" [ "${#deps[@]}" -gt 10 ]

flags=$(make -s --no-print-directory print-target-flags) ||
	{ e2e_fail hermetic_flags "make print-target-flags failed"; exit 0; }
read -r tcc _ <<<"$flags"
ccinc=$("$tcc" -print-file-name=include)
libfdt_inc=$CACHE/arm64/usr/include

# Every header path in every .d file, one per line.
headers=$(cat "${deps[@]}" | tr ' \\' '\n\n' | sed -n 's/:$//; /\.h$/p' | sort -u)
bad=()
env_seams=()
while IFS= read -r h; do
	[ -n "$h" ] || continue
	case $h in
	/*) ;;
	*) h=$E2E_ROOT/$h ;;
	esac
	case $h in
	*/libfdt_env.h) env_seams+=("$h") ;;
	esac
	case $h in
	"$E2E_ROOT"/*) ;;
	"$ccinc"/*) ;;
	"$libfdt_inc"/libfdt.h | "$libfdt_inc"/fdt.h) ;;
	*) bad+=("$h") ;;
	esac
done <<<"$headers"
e2e_check hermetic_only_own_headers "headers from outside the tree, the compiler and libfdt: ${bad[*]}" \
	[ "${#bad[@]}" = 0 ]
e2e_check hermetic_no_usr_include "a dependency file names /usr/include" \
	bash -c '! grep -qE "(^| )/usr/include/" "$@"' _ "${deps[@]}"
e2e_check hermetic_libfdt_env_is_ours "libfdt_env.h came from: ${env_seams[*]:-nowhere}" \
	[ "${env_seams[*]}" = "$E2E_ROOT/include/freestanding/libfdt_env.h" ]

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <string.h>\nint probe(void);\nint probe(void) { return 0; }\n' >"$probe/p.c"
# shellcheck disable=SC2086 # the flags are a word list
if $flags -c "$probe/p.c" -o "$probe/p.o" 2>"$probe/err"; then
	e2e_fail hermetic_no_libc_reachable "<string.h> compiled with the target flags"
else
	e2e_check hermetic_no_libc_reachable "failed for another reason: $(head -n 1 "$probe/err")" \
		grep -q 'string.h: No such file' "$probe/err"
fi
exit 0
