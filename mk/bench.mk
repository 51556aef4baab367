# bench.mk - `make bench`: kreloc beside Linux 6.1's own kexec, U-Boot's booti
# and a plain memory copy, on the same emulated machine (bench/README.md).
#
#   make bench                  QEMU TCG, -icount shift=0: instruction counts
#   make bench ACCEL=kvm        on an arm64 host with /dev/kvm: real time
#   make bench BENCH_ARGS='--sizes 25 --only kreloc-mmu,linux'
#   make bench BENCH_ARGS='--only smp'   issue 13: 1 vs 2 CPUs, MTTCG without
#                                       icount: wall-clock ratios, not counts
#
# Not part of `make check`.  Its own packages (kexec-tools:arm64 and its
# libraries, python3-matplotlib) come from `scripts/setup --bench`, run only
# from here.  Results: bench/results/<date>.json and .png, tables on stdout.

BENCH_STAMP	:= $(CACHE)/bench.stamp
ACCEL		?= tcg
BENCH_ARGS	?=

.PHONY: bench
bench: host target $(SETUP_STAMP) $(BENCH_STAMP)
	ACCEL=$(ACCEL) BENCH_ARGS='$(BENCH_ARGS)' bench/run

$(BENCH_STAMP): scripts/setup
	scripts/setup --bench
