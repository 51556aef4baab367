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

/* SYSTEM_OFF or SYSTEM_RESET; neither returns unless PSCI refuses. */
static void __attribute__((noreturn)) psci_stop(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	if (conduit == 'h')
		__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	else if (conduit == 's')
		__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
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
