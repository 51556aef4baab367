// SPDX-License-Identifier: MIT
/*
 * psci.c - power off (or reset) through PSCI, the conduit taken from the
 * device tree.
 */
#include <asm/sysreg.h>
#include <kreloc/error.h>
#include "shim.h"

static char conduit;	/* 'h' = HVC, 's' = SMC, 0 = unknown */
static bool fail_reset;	/* KRELOC_OPT_FAIL_RESET: a failure resets the machine */

void psci_init(char method)
{
	conduit = method;
}

void psci_fail_reset(bool reset)
{
	fail_reset = reset;
}

char psci_conduit(void)
{
	return conduit;
}

int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	/* SMCCC: x0-x17 may come back changed, x18-x30 and sp are kept */
	if (conduit == 'h')
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
				 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
				 "x13", "x14", "x15", "x16", "x17", "memory");
	else if (conduit == 's')
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
				 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
				 "x13", "x14", "x15", "x16", "x17", "memory");
	else
		return PSCI_RET_NOT_SUPPORTED;
	/* every PSCI result fits in 32 bits, negative ones sign-extended (SMC32) */
	return (int32_t)x0;
}

/* SYSTEM_OFF or SYSTEM_RESET; neither returns unless PSCI refuses. */
static void __attribute__((noreturn)) psci_stop(uint64_t fn)
{
	psci_call(fn, 0, 0, 0);
	/* No PSCI, or it refused: park the CPU. */
	for (;;)
		__asm__ volatile("wfi");
}

void shim_power_off(void)
{
	psci_stop(PSCI_SYSTEM_OFF);
}

void shim_stop(void)
{
	if (fail_reset) {
		shim_printf("kreloc-shim: resetting the machine (KRELOC_OPT_FAIL_RESET)\n");
		psci_stop(PSCI_SYSTEM_RESET);
	}
	psci_stop(PSCI_SYSTEM_OFF);
}

void shim_fail(int err, const char *context)
{
	shim_printf("kreloc-shim-error: %s: %s (%s)\n", kreloc_errname(err),
		    kreloc_strerror(err), context);
	shim_stop();
}
