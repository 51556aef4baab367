#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# matrix.sh - hand-offs on different machine shapes: CPU models (with their
# own granule support and ID registers), memory sizes with the payload
# placed above 4 GiB, two NUMA nodes, and two CPUs that the next Linux must
# bring up through PSCI (the shim leaves secondaries as firmware left them).
#
# `make check` runs a small cross-section; KRELOC_MATRIX=full (make matrix)
# runs every EL x CPU x memory combination plus NUMA and SMP variants.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init matrix

numa2() {	# QEMU arguments for two NUMA nodes splitting $1 MiB, one CPU each if two
	local half=$(($1 / 2))
	echo "-object memory-backend-ram,id=m0,size=${half}M" \
	     "-object memory-backend-ram,id=m1,size=${half}M" \
	     "-numa node,nodeid=0,memdev=m0 -numa node,nodeid=1,memdev=m1"
}

run() {		# name el cpu mem_mib smp numa(0|1) high(0|1)
	local n=$1 el=$2 cpu=$3 mib=$4 smp=$5 numa=$6 high=$7 extra=() pack=()
	e2e_selected "$n" || return 0
	[ "$high" = 1 ] && pack+=(--place-high)
	# shellcheck disable=SC2207
	[ "$numa" = 1 ] && extra=(-- $(numa2 "$mib"))
	if ! e2e_pack "$E2E_OUT/$n.bundle" "${pack[@]}" >"$E2E_OUT/$n.pack" 2>&1; then
		e2e_fail "$n" "kreloc pack failed"
		return
	fi
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el "$el" --cpu "$cpu" --mem "${mib}M" \
		--smp "$smp" --timeout 120 "${extra[@]}"
	rm -f "$E2E_OUT/$n.bundle"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ] || return
	local want_cpus=0 got
	[ "$smp" = 2 ] && want_cpus=0-1
	got=$(e2e_get cpus_online)
	e2e_check "${n}_cpus" "Linux has CPUs $got online, expected $want_cpus" [ "$got" = "$want_cpus" ]
	if [ "$numa" = 1 ]; then
		got=$(e2e_get nodes_online)
		e2e_check "${n}_numa" "NUMA nodes online: $got, expected 0-1" [ "$got" = 0-1 ]
	fi
	if [ "$high" = 1 ]; then
		got=$(e2e_get kernel_load)
		e2e_check "${n}_above_4g" "kernel placed at $got, not above 4 GiB" \
			python3 -c 'import sys; sys.exit(int(sys.argv[1], 16) < 1 << 32)' "$got"
	fi
}

if [ "${KRELOC_MATRIX:-}" = full ]; then
	for el in 1 2; do
		for cpu in cortex-a53 cortex-a72 max; do
			run "m_el${el}_${cpu}_1g" "$el" "$cpu" 1024 1 0 0
			run "m_el${el}_${cpu}_4g_high" "$el" "$cpu" 4096 1 0 1
			run "m_el${el}_${cpu}_8g_high" "$el" "$cpu" 8192 1 0 1
		done
		run "m_el${el}_max_numa_smp2" "$el" max 2048 2 1 0
		run "m_el${el}_a72_smp2_8g_high" "$el" cortex-a72 8192 2 0 1
	done
else
	run m_el1_cortex-a53_1g 1 cortex-a53 1024 1 0 0
	run m_el2_cortex-a72_4g_high 2 cortex-a72 4096 1 0 1
	run m_el1_max_8g_high_numa_smp2 1 max 8192 2 1 1
fi
exit 0
