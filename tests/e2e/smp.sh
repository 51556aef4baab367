#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smp.sh - relocation on several CPUs (KRELOC_OPT_CPUS, `kreloc pack --cpus`):
# QEMU -smp 4 on a GICv3, MMU mode, the shim entered at EL1 and at EL2.
# Each boot must reach the next kernel's init with every CPU online (the
# shim's secondaries must all be off again, for Linux to start them), and
# the report must say how many CPUs copied and that their shares are even
# to a page.  A CPU_ON that PSCI refuses (kreloc.simulate=cpu-on-fail on
# the shim's own command line: the last CPU is started at an MPIDR no CPU
# has) must be named in a warning line and left out, the boot going on
# with the others; so must one taken as late (kreloc.simulate=cpu-late),
# which is cancelled; a CPU that never finishes (kreloc.simulate=cpu-hang)
# must end in a console line and a reset, past the point of no return; a
# bundle's cap below the CPUs offered is kept.  With --verify (chunk
# tables, bundle version 2) every CPU hashes its share of the chunks
# before the point of no return: the report must say how many CPUs verified
# and how many chunks each hashed (together every chunk, in shares even to
# a chunk); a byte changed in the last CPU's share must be refused, by that
# CPU, before anything boots; a CPU taken as not done hashing in time
# (kreloc.simulate=cpu-hash-late) must have its chunks hashed by the boot
# CPU, which says so, and the boot goes on verified.
# test-timeout: 1200
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init smp

# boot_smp NAME EL CPUS LEFT_OUT PACK_CPUS [qemu-run options]; $PACK_MORE: more
# kreloc pack options.
boot_smp() {
	local n=$1 el=$2 cpus=$3 left=$4 cap=$5 why
	shift 5
	e2e_selected "$n" || return 1
	# shellcheck disable=SC2086 # PACK_MORE is a list of options
	if ! MODE=mmu e2e_pack "$E2E_OUT/$n.bundle" --cpus "$cap" ${PACK_MORE:-} \
	     >"$E2E_OUT/$n.pack" 2>&1; then
		e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
		return 1
	fi
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el "$el" --smp 4 --gic 3 "$@"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ] || return 1
	why=$(e2e_cpus_why "$n" "$cpus" "$left")
	e2e_check "${n}_cpus" "$why" [ -z "$why" ]
	e2e_check "${n}_progress" "no 'kreloc: relocating on $cpus CPUs' line" \
		grep -q "^kreloc: relocating on $cpus CPUs " "$E2E_LOG"
}

for el in 1 2; do
	boot_smp "smp4_el$el" "$el" 4 0 4
done

n=smp_cpu_on_fail
if boot_smp "$n" 2 3 1 4 --append "console=ttyAMA0 kreloc.simulate=cpu-on-fail"; then
	e2e_check "${n}_warning" "no warning line for cpu 3" \
		grep -Eq '^kreloc-shim: cpu 3 \(mpidr 0x3\): PSCI CPU_ON returned -2 \(INVALID_PARAMETERS\).*; left out' \
		"$E2E_LOG"
fi

# A CPU taken as late (kreloc.simulate=cpu-late: the last one started) is
# cancelled: it must copy nothing and turn itself off, or the shim would
# wait for it past the point of no return and reset, and the next kernel
# could not start it.
n=smp_cpu_late
if boot_smp "$n" 1 3 1 4 --append "console=ttyAMA0 kreloc.simulate=cpu-late"; then
	e2e_check "${n}_warning" "no warning line for cpu 3" \
		grep -Eq '^kreloc-shim: cpu 3 \(mpidr 0x3\): did not arrive within [0-9]+ ms.*; left out' \
		"$E2E_LOG"
fi

# A CPU that never finishes (kreloc.simulate=cpu-hang: its list never
# ends) past the point of no return: the boot CPU's bounded wait must end
# in its console line and a PSCI reset (QEMU -no-reboot exits), never in a
# boot.
n=smp_cpu_hang
if e2e_selected "$n" &&
   MODE=mmu e2e_pack "$E2E_OUT/$n.bundle" --cpus 4 >"$E2E_OUT/$n.pack" 2>&1; then
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el 2 --smp 4 --gic 3 \
		--append "console=ttyAMA0 kreloc.simulate=cpu-hang"
	e2e_check "${n}_reset" "no timeout line, a boot, or QEMU did not exit (status $E2E_RC)" \
		bash -c '[ "$1" = 0 ] &&
			 grep -q "^kreloc-shim: relocation on several CPUs timed out past the point of no return; resetting" "$2" &&
			 ! grep -q -e KRELOC-INIT-MARKER -e "Booting Linux" "$2"' _ "$E2E_RC" "$E2E_LOG"
elif e2e_selected "$n"; then
	e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
fi

# The bundle's cap: 2 of the 4 CPUs.
boot_smp smp_cap2 1 2 0 2

# verify_why NAME HASH_CPUS TAKEN: the report's verify object: HASH_CPUS
# CPUs verified, chunks per CPU (boot CPU first) adding up to every chunk
# of the bundle's tables, each share even to a chunk but the boot CPU's,
# which holds TAKEN shares more.
verify_why() {
	python3 - "$E2E_OUT/$1.report" "$E2E_OUT/$1.bundle" "$2" "$3" <<'PY'
import json, struct, sys
rep = json.loads(open(sys.argv[1]).read().strip()[len("kreloc-report: "):])
b = open(sys.argv[2], "rb").read()
want_cpus, taken = int(sys.argv[3]), int(sys.argv[4])
# the chunk tables' entries (types 7, 8): 32 bytes a chunk
nr = struct.unpack_from("<I", b, 24)[0]
total = sum(struct.unpack_from("<Q", b, 64 + 80 * i + 16)[0] // 32 for i in range(nr)
            if struct.unpack_from("<I", b, 64 + 80 * i)[0] in (7, 8))
v = rep.get("verify") or {}
c = v.get("cpu_chunks") or []
errors = []
if not rep.get("verified") or v.get("chunks") != total or total < 8:
    errors.append("verified %r, chunks %r: want %d (>= 8)" % (rep.get("verified"), v.get("chunks"), total))
elif v.get("cpus") != want_cpus or len(c) != 4 or sum(c) != total:
    errors.append("cpus %r, cpu_chunks %r: want %d CPUs, 4 entries adding up to %d"
                  % (v.get("cpus"), c, want_cpus, total))
else:
    share = [total // 4 + (i < total % 4) for i in range(4)]
    want = [share[0] + sum(share[4 - taken:])] + share[1:4 - taken] + [0] * taken
    if c != want:
        errors.append("cpu_chunks %r, want %r" % (c, want))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
}

for el in 1 2; do
	n=smp_verify_el$el
	if PACK_MORE=--verify boot_smp "$n" "$el" 4 0 4; then
		why=$(verify_why "$n" 4 0)
		e2e_check "${n}_chunks" "$why" [ -z "$why" ]
		e2e_check "${n}_line" "no 'matches its SHA-256 digests; N chunks on 4 CPUs' line" \
			grep -Eq '^kreloc: staged payload matches its SHA-256 digests \((ce|portable)\); [0-9]+ chunks on 4 CPUs:( [1-9][0-9]*){4}$' \
			"$E2E_LOG"
	fi
done

# The boot CPU takes over the chunks of a CPU not done in time.
n=smp_verify_hash_late
if PACK_MORE=--verify boot_smp "$n" 2 4 0 4 --append "console=ttyAMA0 kreloc.simulate=cpu-hash-late"; then
	why=$(verify_why "$n" 3 1)
	e2e_check "${n}_chunks" "$why" [ -z "$why" ]
	e2e_check "${n}_warning" "no 'hashing them here' line for cpu 3" \
		grep -Eq '^kreloc-shim: cpu 3 \(mpidr 0x3\): did not finish hashing its [0-9]+ chunks within [0-9]+ ms \(kreloc.simulate=cpu-hash-late\); hashing them here$' \
		"$E2E_LOG"
fi

# A byte changed in the last CPU's share (its first chunk: the Image's or
# the initrd's) after packing: that CPU must find it, and the shim refuse
# before the point of no return, powering off, nothing booted.
for el in 1 2; do
	n=smp_verify_corrupt_el$el
	e2e_selected "$n" || continue
	if ! MODE=mmu e2e_pack "$E2E_OUT/$n.bundle" --cpus 4 --verify >"$E2E_OUT/$n.pack" 2>&1; then
		e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
		continue
	fi
	where=$(python3 - "$E2E_OUT/$n.bundle" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
nr = struct.unpack_from("<I", b, 24)[0]
ent = {}
for i in range(nr):
    t, _, off, ln, _, _, size = struct.unpack_from("<IIQQQQQ", b, 64 + 80 * i)
    ent[t] = (off, ln, size)
img = -(-ent[1][1] // ent[7][2])
total = img + ent[8][1] // 32
first = 3 * (total // 4) + min(3, total % 4)     # the last of 4 shares
blob, k = (1, first) if first < img else (2, first - img)
off = ent[blob][0] + k * ent[7 if blob == 1 else 8][2] + 12345
b[off] ^= 0x20
open(p, "wb").write(b)
print("%d %s %d" % (first, "Image" if blob == 1 else "initrd", k))
PY
	) || { e2e_fail "$n" "could not patch the bundle"; continue; }
	read -r chunk blob k <<<"$where"
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el "$el" --smp 4 --gic 3
	e2e_check "${n}_refused" "expected E_BUNDLE_CHECKSUM for chunk $chunk ($blob $k) on cpu 3, got: $(grep kreloc-shim-error "$E2E_LOG")" \
		grep -Eq "^kreloc-shim-error: E_BUNDLE_CHECKSUM: .*\(chunk $chunk of [0-9]+: the $blob's chunk $k, 2048 KiB each, hashed on cpu 3\)$" \
		"$E2E_LOG"
	e2e_check "${n}_no_jump" "the next kernel ran after the refusal" \
		[ "$(e2e_get booted_after_error)" = false ]
	e2e_check "${n}_before_split" "the shim split the list (got past verification)" \
		bash -c '! grep -q "^kreloc: relocating on" "$1"' _ "$E2E_LOG"
	e2e_check "${n}_power_off" "QEMU exited $E2E_RC, not by PSCI power-off" [ "$E2E_RC" = 0 ]
done
exit 0
